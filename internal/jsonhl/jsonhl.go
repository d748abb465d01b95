// Package jsonhl colours JSON text for a terminal with 24-bit SGR
// sequences, one string per line, for the UI's views of server JSON.
//
// It replaces chroma's JSON lexer and styles, whose packages build every
// lexer and style they know at init (some 20 ms of every sonde process,
// headless commands included, before main ran). The lexer here is the same
// small state machine as chroma's JSON lexer, tolerant of text that is not
// JSON in the same ways, and the colours are the chroma styles' own, so the
// output is byte for byte what chroma's terminal16m formatter wrote; a
// test holds both to that (chroma is a test-only dependency).
package jsonhl

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// kind is the class of a token, as chroma's JSON lexer names them.
type kind uint8

const (
	kText    kind = iota // whitespace
	kPunct               // { } [ ] , :
	kKey                 // an object's member name (chroma's NameTag)
	kString              // a string value (LiteralStringDouble)
	kInt                 // LiteralNumberInteger
	kFloat               // LiteralNumberFloat
	kKeyword             // true, false, null (KeywordConstant)
	kComment             // a // comment up to its newline (CommentSingle)
	kError               // one character no rule matched
	nKinds
)

// palette holds the SGR sequence that starts a token of each kind ("" for
// none: the text is written as it is).
type palette [nKinds]string

// styles are the chroma styles the themes name, resolved for the JSON
// token kinds as chroma's terminal16m formatter does (the style's
// background cleared). TestStylesMatchChroma checks every entry.
var styles = map[string]*palette{
	"dracula": {
		kText:    "\x1b[38;2;248;248;242m",
		kPunct:   "\x1b[38;2;248;248;242m",
		kKey:     "\x1b[38;2;255;121;198m",
		kString:  "\x1b[38;2;241;250;140m",
		kInt:     "\x1b[38;2;189;147;249m",
		kFloat:   "\x1b[38;2;189;147;249m",
		kKeyword: "\x1b[38;2;255;121;198m",
		kComment: "\x1b[38;2;98;114;164m",
		kError:   "\x1b[38;2;248;248;242m",
	},
	"github": {
		kText:    "",
		kPunct:   "\x1b[38;2;31;35;40m",
		kKey:     "\x1b[38;2;5;80;174m",
		kString:  "\x1b[38;2;10;48;105m",
		kInt:     "\x1b[38;2;5;80;174m",
		kFloat:   "\x1b[38;2;5;80;174m",
		kKeyword: "\x1b[38;2;207;34;46m",
		kComment: "\x1b[38;2;87;96;106m",
		kError:   "\x1b[38;2;246;248;250m\x1b[48;2;130;7;30m",
	},
	"hrdark": {
		kText:    "\x1b[38;2;29;36;50m",
		kPunct:   "\x1b[38;2;29;36;50m",
		kKey:     "\x1b[38;2;88;161;221m",
		kString:  "\x1b[38;2;166;190;157m",
		kInt:     "\x1b[38;2;166;190;157m",
		kFloat:   "\x1b[38;2;166;190;157m",
		kKeyword: "\x1b[38;2;255;99;111m",
		kComment: "\x1b[3m\x1b[38;2;130;139;150m",
		kError:   "\x1b[38;2;29;36;50m",
	},
	"hr_high_contrast": {
		kText:    "\x1b[38;2;0;0;0m",
		kPunct:   "\x1b[38;2;0;0;0m",
		kKey:     "\x1b[38;2;255;255;255m",
		kString:  "\x1b[38;2;168;118;98m",
		kInt:     "\x1b[38;2;255;255;255m",
		kFloat:   "\x1b[38;2;255;255;255m",
		kKeyword: "\x1b[38;2;70;127;175m",
		kComment: "\x1b[38;2;90;131;73m",
		kError:   "\x1b[38;2;0;0;0m",
	},
	"catppuccin-latte": {
		kText:    "\x1b[38;2;76;79;105m",
		kPunct:   "\x1b[38;2;76;79;105m",
		kKey:     "\x1b[38;2;136;57;239m",
		kString:  "\x1b[38;2;64;160;43m",
		kInt:     "\x1b[38;2;254;100;11m",
		kFloat:   "\x1b[38;2;254;100;11m",
		kKeyword: "\x1b[38;2;254;100;11m",
		kComment: "\x1b[3m\x1b[38;2;156;160;176m",
		kError:   "\x1b[38;2;210;15;57m",
	},
	"catppuccin-mocha": {
		kText:    "\x1b[38;2;205;214;244m",
		kPunct:   "\x1b[38;2;205;214;244m",
		kKey:     "\x1b[38;2;203;166;247m",
		kString:  "\x1b[38;2;166;227;161m",
		kInt:     "\x1b[38;2;250;179;135m",
		kFloat:   "\x1b[38;2;250;179;135m",
		kKeyword: "\x1b[38;2;250;179;135m",
		kComment: "\x1b[3m\x1b[38;2;108;112;134m",
		kError:   "\x1b[38;2;243;139;168m",
	},
}

// Known reports whether style names a style Lines colours with.
func Known(style string) bool { return styles[style] != nil }

// Lines returns src coloured with the named style, split into lines; every
// line holding a colour ends with a reset, so cutting or padding a line
// never bleeds colour into the next. An unknown style returns the plain
// lines. src is expected to be terminal-safe already (termsafe.Text):
// carriage returns are not handled specially.
func Lines(src, style string) []string {
	p := styles[style]
	if p == nil {
		return strings.Split(src, "\n")
	}
	var b strings.Builder
	b.Grow(len(src) * 3)
	lex(src, func(k kind, text string) { write(&b, p[k], text) })
	lines := strings.Split(strings.TrimRight(b.String(), "\n"), "\n")
	for i, l := range lines {
		if strings.Contains(l, "\x1b[") {
			lines[i] = l + reset
		}
	}
	return lines
}

const reset = "\x1b[0m"

// write writes one token: its colour is reset before each newline and
// started again after it, so each line carries its own.
func write(b *strings.Builder, sgr, text string) {
	if sgr == "" {
		b.WriteString(text)
		return
	}
	for {
		i := strings.IndexByte(text, '\n')
		if i < 0 {
			break
		}
		b.WriteString(sgr)
		b.WriteString(text[:i])
		b.WriteString(reset)
		b.WriteByte('\n')
		text = text[i+1:]
	}
	if text != "" {
		b.WriteString(sgr)
		b.WriteString(text)
		b.WriteString(reset)
	}
}

// state is the lexer's state, as in chroma's JSON lexer.
type state uint8

const (
	stRoot   state = iota // a value
	stObject              // inside an object, where a member name or } may come
	stMember              // after a member name: its value, :, or , and } that end it
	stArray               // inside an array
)

// maxRun is the length at which chroma's Coalesce stops growing a run: the
// next token of the kind starts a new one (and a new colour sequence).
const maxRun = 8192

// lex splits src into tokens and calls emit with each run of tokens of one
// kind (chroma's Coalesce, runs capped at maxRun). Like chroma's regexp lexer it tries its state's
// rules in order at each position; where none matches, one character is an
// error token, except that a newline outside the root state resets the
// state to the root (so one unclosed string cannot colour the rest).
func lex(src string, emit func(kind, string)) {
	stack := []state{stRoot}
	runKind, runStart := kind(0), -1
	tok := func(k kind, start int) {
		if runStart >= 0 && (k != runKind || start-runStart >= maxRun) {
			emit(runKind, src[runStart:start])
			runStart = -1
		}
		if runStart < 0 {
			runKind, runStart = k, start
		}
	}
	for pos := 0; pos < len(src); {
		st := stack[len(stack)-1]
		end, k, ok := 0, kind(0), false
		var push state
		pushing, pop := false, 0
		// The value rules, tried first in every state but stObject.
		if st != stObject {
			end, k, ok = value(src, pos)
			if ok && k == kPunct { // { or [
				pushing = true
				push = stObject
				if src[pos] == '[' {
					push = stArray
				}
			}
		} else {
			if end = spaces(src, pos); end > pos {
				k, ok = kText, true
			} else if end, ok = comment(src, pos); ok {
				k = kComment
			} else if end, ok = str(src, pos); ok {
				k, pushing, push = kKey, true, stMember
			} else if src[pos] == '}' {
				end, k, ok, pop = pos+1, kPunct, true, 1
			}
		}
		if !ok {
			switch {
			case st == stMember && src[pos] == ':':
				end, k, ok = pos+1, kPunct, true
			case st == stMember && src[pos] == ',':
				end, k, ok, pop = pos+1, kPunct, true, 1
			case st == stMember && src[pos] == '}':
				end, k, ok, pop = pos+1, kPunct, true, 2
			case st == stArray && src[pos] == ',':
				end, k, ok = pos+1, kPunct, true
			case st == stArray && src[pos] == ']':
				end, k, ok, pop = pos+1, kPunct, true, 1
			}
		}
		if !ok {
			if src[pos] == '\n' && st != stRoot {
				stack = stack[:1]
				continue
			}
			_, n := utf8.DecodeRuneInString(src[pos:])
			end, k = pos+n, kError
		}
		tok(k, pos)
		pos = end
		stack = stack[:len(stack)-pop]
		if pushing {
			stack = append(stack, push)
		}
	}
	if runStart >= 0 {
		emit(runKind, src[runStart:])
	}
}

// value matches the rules every value position shares: whitespace, the
// literals, numbers, strings, a comment, and { or [ (reported as kPunct).
func value(src string, pos int) (end int, k kind, ok bool) {
	if end = spaces(src, pos); end > pos {
		return end, kText, true
	}
	if end, ok = keyword(src, pos); ok {
		return end, kKeyword, true
	}
	if end, isFloat, ok := number(src, pos); ok {
		if isFloat {
			return end, kFloat, true
		}
		return end, kInt, true
	}
	if end, ok = str(src, pos); ok {
		return end, kString, true
	}
	if end, ok = comment(src, pos); ok {
		return end, kComment, true
	}
	if src[pos] == '{' || src[pos] == '[' {
		return pos + 1, kPunct, true
	}
	return 0, 0, false
}

// spaces returns the end of the run of white space at pos (Unicode's, as
// the regexp \s of chroma's lexer).
func spaces(src string, pos int) int {
	for pos < len(src) {
		r, n := utf8.DecodeRuneInString(src[pos:])
		if !unicode.IsSpace(r) {
			break
		}
		pos += n
	}
	return pos
}

// keyword matches true, false or null followed by a word boundary.
func keyword(src string, pos int) (int, bool) {
	for _, w := range [...]string{"true", "false", "null"} {
		if strings.HasPrefix(src[pos:], w) {
			end := pos + len(w)
			if end < len(src) {
				r, _ := utf8.DecodeRuneInString(src[end:])
				if isWordChar(r) {
					return 0, false
				}
			}
			return end, true
		}
	}
	return 0, false
}

// isWordChar is the regexp word character of \b: a letter, a non-spacing
// mark, a decimal digit, a connector punctuation, ZWJ or ZWNJ.
func isWordChar(r rune) bool {
	return unicode.In(r, unicode.L, unicode.Mn, unicode.Nd, unicode.Pc) || r == '\u200D' || r == '\u200C'
}

// digits returns the end of the run of decimal digits (any script's, as
// the regexp \d) at pos.
func digits(src string, pos int) int {
	for pos < len(src) {
		r, n := utf8.DecodeRuneInString(src[pos:])
		if !unicode.Is(unicode.Nd, r) {
			break
		}
		pos += n
	}
	return pos
}

// number matches -?(0|[1-9]\d*) and, for a float, one of \.\d+[eE][+-]?\d+,
// [eE][+-]?\d+ or \.\d+ after it, tried in that order.
func number(src string, pos int) (end int, isFloat, ok bool) {
	i := pos
	if i < len(src) && src[i] == '-' {
		i++
	}
	switch {
	case i < len(src) && src[i] == '0':
		i++
	case i < len(src) && src[i] >= '1' && src[i] <= '9':
		i = digits(src, i+1)
	default:
		return 0, false, false
	}
	frac := func(j int) int { // \.\d+ at j, or -1
		if j < len(src) && src[j] == '.' {
			if e := digits(src, j+1); e > j+1 {
				return e
			}
		}
		return -1
	}
	exp := func(j int) int { // [eE][+-]?\d+ at j, or -1
		if j < len(src) && (src[j] == 'e' || src[j] == 'E') {
			j++
			if j < len(src) && (src[j] == '+' || src[j] == '-') {
				j++
			}
			if e := digits(src, j); e > j {
				return e
			}
		}
		return -1
	}
	if f := frac(i); f >= 0 {
		if e := exp(f); e >= 0 {
			return e, true, true
		}
	}
	if e := exp(i); e >= 0 {
		return e, true, true
	}
	if f := frac(i); f >= 0 {
		return f, true, true
	}
	return i, false, true
}

// str matches "(\\\\|\\"|[^"])*" the way a backtracking regexp does: a
// string closed by its first unescaped quote, or, when the text holds none,
// up to the last quote that follows (an escaped one), or nothing.
func str(src string, pos int) (int, bool) {
	if src[pos] != '"' {
		return 0, false
	}
	for i := pos + 1; i < len(src); i++ {
		switch src[i] {
		case '\\':
			if i+1 < len(src) && (src[i+1] == '\\' || src[i+1] == '"') {
				i++
			}
		case '"':
			return i + 1, true
		}
	}
	if q := strings.LastIndexByte(src[pos+1:], '"'); q >= 0 {
		return pos + 1 + q + 1, true
	}
	return 0, false
}

// comment matches //.*?\n: a comment ends with its newline, and without one
// it is no comment.
func comment(src string, pos int) (int, bool) {
	if !strings.HasPrefix(src[pos:], "//") {
		return 0, false
	}
	if nl := strings.IndexByte(src[pos+2:], '\n'); nl >= 0 {
		return pos + 2 + nl + 1, true
	}
	return 0, false
}
