package cli

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/sonde-mcp/sonde/internal/testenv"
)

// helpFlags are the flags a --help text lists: the words starting with a
// dash at the start of a flag line ("  -o, --output FILE   ...").
func helpFlags(help string) []string {
	var out []string
	re := regexp.MustCompile(`^  (-[A-Za-z])?(?:, )?(--[a-z][a-z-]*)?`)
	for _, l := range strings.Split(help, "\n") {
		m := re.FindStringSubmatch(l)
		if m == nil {
			continue
		}
		for _, f := range m[1:] {
			if f != "" && !slices.Contains(out, f) {
				out = append(out, f)
			}
		}
	}
	return out
}

func output(t *testing.T, args ...string) string {
	t.Helper()
	r := run(t, "", args...)
	if r.code != 0 {
		t.Fatalf("%v: exit %d: %s", args, r.code, r.stderr)
	}
	return r.stdout
}

// Every flag of the table is in --help, and each command's --help lists
// exactly the flags that command takes.
func TestHelpListsEveryFlag(t *testing.T) {
	global := helpFlags(output(t, "--help"))
	for _, f := range flagTable {
		if !slices.Contains(global, "--"+f.name) || f.short != "" && !slices.Contains(global, "-"+f.short) {
			t.Errorf("sonde --help lacks --%s", f.name)
		}
	}
	for _, want := range []string{"--config", "--server", "--theme", "--version", "--record", "--root"} {
		if !slices.Contains(global, want) {
			t.Errorf("sonde --help lacks %s", want)
		}
	}
	for _, c := range commands[1:] {
		if c.id == cmdHelp {
			continue // sonde help --help is sonde --help
		}
		got := helpFlags(output(t, c.name, "--help"))
		slices.Sort(got)
		want := offered(c.id)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("sonde %s --help lists %v, want %v", c.name, got, want)
		}
	}
	if h := output(t, "help", "call"); h != output(t, "call", "--help") {
		t.Error("sonde help call differs from sonde call --help")
	}
}

// The completion scripts and the man page name every flag --help names.
func TestCompletionsAndManCoverHelp(t *testing.T) {
	flags := helpFlags(output(t, "--help"))
	if len(flags) < 30 {
		t.Fatalf("only %d flags found in --help: %v", len(flags), flags)
	}
	bash, zsh, fish := output(t, "completion", "bash"), output(t, "completion", "zsh"), output(t, "completion", "fish")
	man := output(t, "man")
	for _, f := range flags {
		name := strings.TrimLeft(f, "-")
		if !regexp.MustCompile(`[ "|(]` + regexp.QuoteMeta(f) + `[ "|)]`).MatchString(bash) {
			t.Errorf("bash completion lacks %s", f)
		}
		if !strings.Contains(zsh, "'"+f+":") {
			t.Errorf("zsh completion lacks %s", f)
		}
		opt := " -l " + name + " "
		if len(name) == 1 {
			opt = " -s " + name + " "
		}
		if !strings.Contains(fish, opt) {
			t.Errorf("fish completion lacks %s", f)
		}
		if !strings.Contains(man, `\fB`+strings.ReplaceAll(f, "-", `\-`)+`\fR`) {
			t.Errorf("man page lacks %s", f)
		}
	}
	for _, c := range commands[1:] {
		if !regexp.MustCompile(`[ "]`+c.name+`[ "]`).MatchString(bash) || !strings.Contains(zsh, "'"+c.name+":") || !strings.Contains(fish, " -a "+c.name+" ") {
			t.Errorf("a completion lacks the command %s", c.name)
		}
	}
}

// The bash completion, run in bash: each command completes exactly the
// flags its --help lists, flag values complete from their choices, and
// the words after -- are the server's.
func TestBashCompletion(t *testing.T) {
	testenv.Need(t, "bash")
	script := filepath.Join(t.TempDir(), "sonde.bash")
	os.WriteFile(script, []byte(output(t, "completion", "bash")), 0o600)
	complete := func(words ...string) []string {
		t.Helper()
		var quoted []string
		for _, w := range words {
			quoted = append(quoted, "'"+w+"'")
		}
		cmd := exec.Command("bash", "--norc", "--noprofile", "-c", `source "$1" && complete -p sonde >&2 &&
COMP_WORDS=(`+strings.Join(quoted, " ")+`); COMP_CWORD=$((${#COMP_WORDS[@]}-1)); _sonde; printf '%s\n' "${COMPREPLY[@]}"`, "bash", script)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil || !strings.Contains(stderr.String(), "complete -F _sonde sonde") {
			t.Fatalf("bash: %v: %s", err, stderr.String())
		}
		got := strings.Fields(string(out))
		slices.Sort(got)
		return got
	}
	for _, c := range commands {
		args := []string{"sonde", c.name, "-"}
		help := output(t, c.name, "--help")
		if c.id == cmdUI || c.id == cmdHelp {
			args = []string{"sonde", c.name, "-"}
			help = ""
		}
		want := offered(c.id)
		if help != "" {
			want = helpFlags(help)
		}
		slices.Sort(want)
		if got := complete(args...); !slices.Equal(got, want) {
			t.Errorf("%v completes %v, want %v", args, got, want)
		}
	}
	for _, tc := range []struct {
		words []string
		want  string
	}{
		{[]string{"sonde", ""}, "auth call completion demo diff doctor export help man mock prompt prompts raw read replay rerun resources sessions shell tap templates tools version"},
		{[]string{"sonde", "--transport", ""}, "auto http sse stdio"},
		{[]string{"sonde", "call", "--ela"}, ""},
		{[]string{"sonde", "call", "--eli"}, "--elicitation"},
		{[]string{"sonde", "call", "--elicitation", "d"}, "decline"},
		{[]string{"sonde", "--timeout", "5s", "tools", "--js"}, "--json"}, // a flag's value is not the command
		{[]string{"sonde", "completion", ""}, "bash fish zsh"},
		{[]string{"sonde", "doctor", "--obs"}, "--observe"},
		{[]string{"sonde", "tools", "--", "sonde-no-such-program-", "--jso"}, ""}, // the server's words
	} {
		if got := strings.Join(complete(tc.words...), " "); got != tc.want {
			t.Errorf("%q completes %q, want %q", tc.words, got, tc.want)
		}
	}
}

// The zsh and fish scripts run in their shells (when installed): zsh's
// completion functions are stood in for, fish completes for real.
func TestZshAndFishCompletion(t *testing.T) {
	dir := t.TempDir()
	t.Run("zsh", func(t *testing.T) {
		testenv.Need(t, "zsh")
		script := filepath.Join(dir, "_sonde")
		os.WriteFile(script, []byte(output(t, "completion", "zsh")), 0o600)
		out, err := exec.Command("zsh", "-f", "-c", `compdef() { :; }
_describe() { local -a a; a=("${(@P)${@[-1]}}"); print -l -- ${a%%:*}; }
compadd() { shift; print -l -- "$@"; }
_files() { print FILES; }
source "$1"
words=(sonde call --tim); CURRENT=3; _sonde
words=(sonde --transport ''); CURRENT=3; _sonde
words=(sonde ''); CURRENT=2; _sonde | head -1`, "zsh", script).CombinedOutput()
		if got := strings.Fields(string(out)); err != nil || !slices.Contains(got, "--timeout") || !slices.Contains(got, "sse") || !slices.Contains(got, "demo") || slices.Contains(got, "--theme") {
			t.Errorf("zsh: %v\n%s", err, out)
		}
	})
	t.Run("fish", func(t *testing.T) {
		testenv.Need(t, "fish")
		script := filepath.Join(dir, "sonde.fish")
		os.WriteFile(script, []byte(output(t, "completion", "fish")), 0o600)
		out, err := exec.Command("fish", "--no-config", "-c", `source $argv[1]; complete -C "sonde call --ti"; complete -C "sonde tools --th"; complete -C "sonde --transport "`, script).CombinedOutput()
		got := string(out)
		if err != nil || !strings.Contains(got, "--timeout") || strings.Contains(got, "--theme") || !strings.Contains(got, "stdio") {
			t.Errorf("fish: %v\n%s", err, out)
		}
	})
}

// A flag the command does not take is an error, not silently ignored.
func TestFlagThatDoesNotApply(t *testing.T) {
	r := run(t, "", "tools", "--theme", "dark", "http://127.0.0.1:1/mcp")
	if r.code != ExitError || !strings.Contains(r.stderr, "--theme does not apply to sonde tools") {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	r = run(t, "", "sessions", "--print")
	if r.code != ExitError || !strings.Contains(r.stderr, "--print does not apply to sonde sessions (it is for: sonde replay)") {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
}

// The man page is valid roff: groff reads it without a warning.
func TestManPage(t *testing.T) {
	man := output(t, "man")
	if !strings.HasPrefix(man, ".TH SONDE 1") {
		t.Fatalf("man page starts %q", man[:min(40, len(man))])
	}
	testenv.Need(t, "groff")
	cmd := exec.Command("groff", "-man", "-Tutf8", "-ww", "-z")
	cmd.Stdin = strings.NewReader(man)
	out, err := cmd.CombinedOutput()
	if err != nil || len(out) > 0 {
		t.Fatalf("groff: %v\n%s", err, out)
	}
}
