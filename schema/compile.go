package schema

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/dlclark/regexp2/v2"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"golang.org/x/text/language"
	xmessage "golang.org/x/text/message"
)

var messagePrinter = xmessage.NewPrinter(language.English)

// Schema is a compiled JSON Schema document.
type Schema struct {
	raw      json.RawMessage
	doc      *docIndex
	compiled *jsonschema.Schema
}

// Error is one validation failure.
type Error struct {
	// Path is the JSON pointer of the failing value inside the instance,
	// such as "/filter/since". The empty string is the whole instance. A
	// missing required property is reported at the property's own path.
	// Its tokens are property names from the instance and the schema:
	// [Sanitize] it before drawing.
	Path string
	// Message says what is wrong, in words meant for a person. It is
	// already sanitized (it can quote patterns and enum values).
	Message string
}

// String renders the error as "path: message" ("(root)" for the whole
// instance).
func (e Error) String() string {
	p := e.Path
	if p == "" {
		p = "(root)"
	}
	return p + ": " + e.Message
}

// resourceURL is the made-up base URL of the document being compiled. It is
// never dereferenced.
const resourceURL = "sonde://schema/input.json"

// Compile compiles a JSON Schema document.
//
// The default dialect is 2020-12 (MCP 2025-11-25 and later); a "$schema"
// naming draft-04, -06, -07 or 2019-09 is honoured. Nothing is ever loaded
// from the network or the file system: "$ref" resolves only within the
// document (pointers, anchors and embedded "$id" resources), and a remote
// reference is an error. Size, depth and value count are bounded (see
// [MaxSchemaBytes], [MaxDepth], [MaxValues]); "format" is asserted.
func Compile(raw json.RawMessage) (*Schema, error) {
	v, err := parseSchemaDoc(raw)
	if err != nil {
		return nil, err
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	c.UseLoader(refusingLoader{})
	c.UseRegexpEngine(compileRegexp)
	if err := c.AddResource(resourceURL, plain(v)); err != nil {
		return nil, fmt.Errorf("schema: %w", err)
	}
	sch, err := c.Compile(resourceURL)
	if err != nil {
		return nil, compileError(err, v)
	}
	return &Schema{raw: append(json.RawMessage(nil), raw...), doc: indexDocument(v), compiled: sch}, nil
}

func parseSchemaDoc(raw json.RawMessage) (any, error) {
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil, errors.New("schema: empty document")
	}
	if len(raw) > MaxSchemaBytes {
		return nil, fmt.Errorf("schema: %w: %d bytes is more than the %d allowed", errTooComplex, len(raw), MaxSchemaBytes)
	}
	v, err := decodeOrdered(raw, MaxValues)
	if err != nil {
		return nil, fmt.Errorf("schema: %w", err)
	}
	return v, nil
}

// Raw returns the schema document as it was given.
func (s *Schema) Raw() json.RawMessage { return s.raw }

// refusingLoader is the only loader the compiler gets: every URL that is
// not an embedded metaschema or a resource of the document itself is
// refused (MCP 2026-07-28: clients MUST NOT auto-dereference network refs).
type refusingLoader struct{}

var errRemoteRef = errors.New("remote reference refused")

func (refusingLoader) Load(u string) (any, error) {
	return nil, fmt.Errorf("%w: %s", errRemoteRef, u)
}

func compileError(err error, doc any) error {
	var le *jsonschema.LoadURLError
	if errors.As(err, &le) {
		if o, ok := doc.(*object); ok {
			if ms := o.str("$schema"); ms != "" && strings.TrimSuffix(ms, "#") == strings.TrimSuffix(le.URL, "#") {
				return fmt.Errorf("schema: unsupported $schema %q (supported: draft-04, draft-06, draft-07, 2019-09, 2020-12)", ms)
			}
		}
		return fmt.Errorf("schema: remote $ref to %q refused: sonde never loads schemas from the network or the file system", strings.TrimPrefix(le.URL, "sonde://schema/"))
	}
	var sve *jsonschema.SchemaValidationError
	if errors.As(err, &sve) {
		var ve *jsonschema.ValidationError
		if errors.As(sve.Err, &ve) {
			errs := flatten(ve)
			msgs := make([]string, 0, 3)
			for i, e := range errs {
				if i == 3 {
					msgs = append(msgs, fmt.Sprintf("and %d more", len(errs)-3))
					break
				}
				msgs = append(msgs, "at "+e.String())
			}
			return fmt.Errorf("schema: not a valid JSON Schema: %s", strings.Join(msgs, "; "))
		}
	}
	var re *jsonschema.InvalidRegexError
	if errors.As(err, &re) {
		return fmt.Errorf("schema: invalid pattern %q: %v", re.Regex, re.Err)
	}
	msg := strings.ReplaceAll(err.Error(), resourceURL, "")
	return fmt.Errorf("schema: %s", msg)
}

// compileRegexp compiles "pattern" and "patternProperties" regexes. Go's
// RE2 engine (linear time) is tried first; ECMA-262 syntax it lacks
// (lookaround, backreferences — e.g. the email pattern zod emits) falls
// back to regexp2 in ECMAScript mode with a match timeout, so a
// catastrophic pattern cannot hang validation.
func compileRegexp(s string) (jsonschema.Regexp, error) {
	if re, err := regexp.Compile(s); err == nil {
		return re, nil
	}
	re, err := regexp2.Compile(s, regexp2.ECMAScript)
	if err != nil {
		return nil, err
	}
	re.MatchTimeout = 100 * time.Millisecond
	return ecmaRegexp{re}, nil
}

type ecmaRegexp struct{ re *regexp2.Regexp }

func (r ecmaRegexp) String() string { return r.re.String() }

// MatchString reports a match; a timeout counts as no match.
func (r ecmaRegexp) MatchString(s string) bool {
	ok, err := r.re.MatchString(s)
	return err == nil && ok
}

// Validate validates an instance and returns every error, sorted by path.
// It returns nil when the instance is valid. Invalid JSON, an instance over
// the size limits, or a schema/instance combination too expensive to
// evaluate (see [MaxEvaluations]) gives a single error at the root.
func (s *Schema) Validate(instance json.RawMessage) []Error {
	if s == nil || s.compiled == nil {
		return nil
	}
	if len(instance) > MaxInstanceBytes {
		return []Error{{Message: fmt.Sprintf("value too large to validate (%d bytes)", len(instance))}}
	}
	ov, err := decodeOrdered(instance, 0)
	if err != nil {
		return []Error{{Message: err.Error()}}
	}
	if n := estimateCost(s.doc, ov); n > MaxEvaluations {
		return []Error{{Message: "not validated: this schema is too complex to evaluate against this value"}}
	}
	verr := s.compiled.Validate(plain(ov))
	if verr == nil {
		return nil
	}
	var ve *jsonschema.ValidationError
	if !errors.As(verr, &ve) {
		return []Error{{Message: verr.Error()}}
	}
	return flatten(ve)
}

// flatten turns the validator's error tree into a flat, de-duplicated,
// path-sorted list of leaf errors with readable messages.
func flatten(ve *jsonschema.ValidationError) []Error {
	var out []Error
	collect(ve, &out)
	seen := map[Error]bool{}
	uniq := out[:0]
	for _, e := range out {
		// Messages can quote schema text (patterns, enum values) that
		// came from the server.
		e.Message = SanitizeLine(e.Message)
		if !seen[e] {
			seen[e] = true
			uniq = append(uniq, e)
		}
	}
	sort.SliceStable(uniq, func(i, j int) bool {
		if c := comparePointers(uniq[i].Path, uniq[j].Path); c != 0 {
			return c < 0
		}
		return uniq[i].Message < uniq[j].Message
	})
	return uniq
}

func collect(e *jsonschema.ValidationError, out *[]Error) {
	path := JoinPointer(e.InstanceLocation...)
	switch k := e.ErrorKind.(type) {
	case *kind.Schema, *kind.Group, *kind.Reference, *kind.AllOf:
		if len(e.Causes) == 0 {
			*out = append(*out, Error{path, message(e.ErrorKind)})
		}
		for _, c := range e.Causes {
			collect(c, out)
		}
	case *kind.AnyOf:
		collectAlternatives(e, path, out)
	case *kind.OneOf:
		if len(k.Subschemas) == 0 {
			collectAlternatives(e, path, out)
			return
		}
		*out = append(*out, Error{path, message(k)})
	case *kind.Required:
		for _, m := range k.Missing {
			*out = append(*out, Error{path + "/" + escapeToken(m), "is required"})
		}
	case *kind.AdditionalProperties:
		for _, p := range k.Properties {
			*out = append(*out, Error{path + "/" + escapeToken(p), "is not an allowed property"})
		}
	case *kind.Dependency:
		for _, m := range k.Missing {
			*out = append(*out, Error{path + "/" + escapeToken(m), fmt.Sprintf("is required when %q is present", k.Prop)})
		}
	case *kind.DependentRequired:
		for _, m := range k.Missing {
			*out = append(*out, Error{path + "/" + escapeToken(m), fmt.Sprintf("is required when %q is present", k.Prop)})
		}
	default:
		*out = append(*out, Error{path, message(k)})
		for _, c := range e.Causes {
			collect(c, out)
		}
	}
}

// collectAlternatives reports a failed anyOf/oneOf. Listing the errors of
// every branch would bury the user; instead the branch that came closest
// (fewest errors, no type or discriminator mismatch) is reported, which is
// what a form whose variant is chosen wants to see. If every branch
// failed on the type itself, one summary error is given.
func collectAlternatives(e *jsonschema.ValidationError, path string, out *[]Error) {
	best, bestScore := []Error(nil), -1
	for _, c := range e.Causes {
		var errs []Error
		collect(c, &errs)
		score := len(errs)
		for _, x := range errs {
			if x.Path == path && strings.HasPrefix(x.Message, "must be ") && isTypeMessage(x.Message) {
				score += 1000
			}
			if depth(x.Path) == depth(path)+1 && strings.HasPrefix(x.Message, "must be ") && !isTypeMessage(x.Message) {
				// const/enum mismatch one level down: likely a
				// discriminator, i.e. the wrong variant.
				score += 100
			}
		}
		if bestScore < 0 || score < bestScore {
			best, bestScore = errs, score
		}
	}
	if best == nil || bestScore >= 1000 {
		var want []string
		got := ""
		typeWants(e, e.InstanceLocation, &want, &got)
		if len(want) > 0 {
			*out = append(*out, Error{path, message(&kind.Type{Got: got, Want: want})})
			return
		}
		*out = append(*out, Error{path, "does not match any of the allowed alternatives"})
		return
	}
	*out = append(*out, best...)
}

// typeWants gathers the types wanted by every type error at loc in the
// tree, so "string or integer" can be said when no alternative matched.
func typeWants(e *jsonschema.ValidationError, loc []string, want *[]string, got *string) {
	if k, ok := e.ErrorKind.(*kind.Type); ok && slices.Equal(e.InstanceLocation, loc) {
		*got = k.Got
		for _, w := range k.Want {
			if !slices.Contains(*want, w) {
				*want = append(*want, w)
			}
		}
	}
	for _, c := range e.Causes {
		typeWants(c, loc, want, got)
	}
}

func isTypeMessage(m string) bool {
	return strings.Contains(m, "(got ")
}

func depth(p string) int { return strings.Count(p, "/") }

var typeArticles = map[string]string{
	"string": "a string", "number": "a number", "integer": "an integer",
	"boolean": "a boolean", "object": "an object", "array": "an array", "null": "null",
}

func withArticle(t string) string {
	if a, ok := typeArticles[t]; ok {
		return a
	}
	return t
}

// message renders one error kind in plain words.
func message(k jsonschema.ErrorKind) string {
	switch k := k.(type) {
	case *kind.Type:
		want := make([]string, len(k.Want))
		for i, w := range k.Want {
			want[i] = withArticle(w)
		}
		return fmt.Sprintf("must be %s (got %s)", strings.Join(want, " or "), k.Got)
	case *kind.Enum:
		return "must be one of " + listValues(k.Want)
	case *kind.Const:
		return "must be " + displayValue(k.Want)
	case *kind.Format:
		msg := fmt.Sprintf("is not a valid %s", k.Want)
		if h := FormatHint(k.Want); h != "" {
			return msg + " (expected " + h + ")"
		}
		if k.Err != nil {
			msg += ": " + k.Err.Error()
		}
		return msg
	case *kind.MinLength:
		return fmt.Sprintf("must be at least %d characters (got %d)", k.Want, k.Got)
	case *kind.MaxLength:
		return fmt.Sprintf("must be at most %d characters (got %d)", k.Want, k.Got)
	case *kind.Pattern:
		return fmt.Sprintf("must match the pattern %s", k.Want)
	case *kind.Minimum:
		return fmt.Sprintf("must be ≥ %s", ratString(k.Want))
	case *kind.Maximum:
		return fmt.Sprintf("must be ≤ %s", ratString(k.Want))
	case *kind.ExclusiveMinimum:
		return fmt.Sprintf("must be > %s", ratString(k.Want))
	case *kind.ExclusiveMaximum:
		return fmt.Sprintf("must be < %s", ratString(k.Want))
	case *kind.MultipleOf:
		return fmt.Sprintf("must be a multiple of %s", ratString(k.Want))
	case *kind.MinItems:
		return fmt.Sprintf("must have at least %d items (got %d)", k.Want, k.Got)
	case *kind.MaxItems:
		return fmt.Sprintf("must have at most %d items (got %d)", k.Want, k.Got)
	case *kind.UniqueItems:
		return fmt.Sprintf("items %d and %d are equal; items must be unique", k.Duplicates[0]+1, k.Duplicates[1]+1)
	case *kind.MinProperties:
		return fmt.Sprintf("must have at least %d properties (got %d)", k.Want, k.Got)
	case *kind.MaxProperties:
		return fmt.Sprintf("must have at most %d properties (got %d)", k.Want, k.Got)
	case *kind.OneOf:
		if len(k.Subschemas) >= 2 {
			return fmt.Sprintf("matches more than one alternative (%d and %d); exactly one is allowed", k.Subschemas[0]+1, k.Subschemas[1]+1)
		}
		return "does not match any of the allowed alternatives"
	case *kind.AnyOf:
		return "does not match any of the allowed alternatives"
	case *kind.Not:
		return "must not match the schema in \"not\""
	case *kind.FalseSchema:
		return "is not allowed here"
	case *kind.Contains:
		return "must contain at least one matching item"
	case *kind.MinContains:
		return fmt.Sprintf("must contain at least %d matching items (got %d)", k.Want, len(k.Got))
	case *kind.MaxContains:
		return fmt.Sprintf("must contain at most %d matching items (got %d)", k.Want, len(k.Got))
	case *kind.AdditionalItems:
		return fmt.Sprintf("has %d more items than allowed", k.Count)
	case *kind.PropertyNames:
		return fmt.Sprintf("property name %q is not allowed", k.Property)
	case *kind.RefCycle:
		return "schema reference cycle"
	case *kind.InvalidJsonValue:
		return "is not a JSON value"
	}
	return k.LocalizedString(messagePrinter)
}

// ratString formats the *big.Rat bounds the validator reports.
func ratString(r interface{ FloatString(int) string }) string {
	s := r.FloatString(10)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}

func displayValue(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	s := string(b)
	if len(s) > 60 {
		s = s[:57] + "…"
	}
	return s
}

func listValues(vals []any) string {
	const max = 6
	parts := make([]string, 0, max+1)
	for i, v := range vals {
		if i == max {
			parts = append(parts, fmt.Sprintf("… (%d more)", len(vals)-max))
			break
		}
		parts = append(parts, displayValue(v))
	}
	return strings.Join(parts, ", ")
}

// comparePointers orders JSON pointers token by token, numerically where
// both tokens are array indices, so "/items/2" sorts before "/items/10".
func comparePointers(a, b string) int {
	ta, tb := SplitPointer(a), SplitPointer(b)
	for i := 0; i < len(ta) && i < len(tb); i++ {
		if ta[i] == tb[i] {
			continue
		}
		ia, ea := strconv.Atoi(ta[i])
		ib, eb := strconv.Atoi(tb[i])
		if ea == nil && eb == nil {
			if ia < ib {
				return -1
			}
			return 1
		}
		if ta[i] < tb[i] {
			return -1
		}
		return 1
	}
	return len(ta) - len(tb)
}

// formatHints are the placeholders shown for common "format" values.
var formatHints = map[string]string{
	"date":          "YYYY-MM-DD",
	"date-time":     "YYYY-MM-DDThh:mm:ssZ",
	"time":          "hh:mm:ssZ",
	"duration":      "ISO 8601 duration, e.g. P1DT2H",
	"email":         "name@example.com",
	"idn-email":     "name@example.com",
	"uri":           "https://…",
	"iri":           "https://…",
	"url":           "https://…",
	"uri-reference": "URI or relative reference",
	"uri-template":  "URI template, e.g. /items/{id}",
	"uuid":          "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx",
	"ipv4":          "IPv4 address, e.g. 192.0.2.1",
	"ipv6":          "IPv6 address, e.g. 2001:db8::1",
	"hostname":      "host name, e.g. example.com",
	"idn-hostname":  "host name, e.g. example.com",
	"json-pointer":  "JSON pointer, e.g. /a/b",
	"regex":         "regular expression",
}

// FormatHint returns a short placeholder describing a "format" value
// ("YYYY-MM-DD" for "date"), or "" for formats it does not know.
func FormatHint(format string) string {
	return formatHints[format]
}
