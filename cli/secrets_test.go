package cli

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf16"
	"unicode/utf8"
)

// The hostile servers of these tests echo the user's secrets back in every
// JSON escaping they can think of; every output path of a session (stdout
// as text and --json, stderr with -v, the recording, sonde export as md,
// har and json, sonde replay --print and --json) is searched for them in
// any form a JSON decoder (applied up to three times) or a URL decoder
// would turn back into the secret.

// leakEscapings are the forms a server may give v inside a JSON string:
// as encoding/json writes it, with '/' escaped, every character as \u,
// every other one as \u (the rest with '/' escaped), and the whole thing
// as JSON inside a JSON string (so a decoder must be applied twice).
func leakEscapings(v string) []string {
	plain, _ := json.Marshal(v)
	p := string(plain[1 : len(plain)-1])
	slash := strings.ReplaceAll(p, "/", `\/`)
	var allU, mixed strings.Builder
	i := 0
	for _, r := range v {
		u := uEscape(r)
		allU.WriteString(u)
		if i%2 == 0 {
			mixed.WriteString(u)
		} else {
			b, _ := json.Marshal(string(r))
			mixed.WriteString(strings.ReplaceAll(string(b[1:len(b)-1]), "/", `\/`))
		}
		i++
	}
	inner, _ := json.Marshal(`{"token":"` + slash + `"}`)
	return []string{p, slash, allU.String(), mixed.String(), string(inner[1 : len(inner)-1])}
}

func uEscape(r rune) string {
	if r > 0xffff {
		a, b := utf16.EncodeRune(r)
		return fmt.Sprintf(`\u%04x\u%04X`, a, b)
	}
	return fmt.Sprintf(`\u%04x`, r)
}

// leakText is a tool result's text smuggling every escaping of every value
// in vals, as raw JSON (the server writes it unmarshalled).
func leakResult(id json.RawMessage, vals []string) string {
	var parts []string
	for _, v := range vals {
		for _, e := range leakEscapings(v) {
			parts = append(parts, `{"type":"text","text":"echo: `+e+` and Bearer `+e+`"}`)
		}
	}
	return `{"jsonrpc":"2.0","id":` + string(id) + `,"result":{"content":[` + strings.Join(parts, ",") + `]}}`
}

// leakStdioServer is a legacy stdio server (SONDE_CLI_TEST_STDIO=leak) that
// echoes every LEAK_* variable of its environment: in its tool list, in
// tool results, in a log notification, in an error and on stderr.
func leakStdioServer() {
	var vals []string
	for _, kv := range os.Environ() {
		if k, v, _ := strings.Cut(kv, "="); strings.HasPrefix(k, "LEAK_") {
			vals = append(vals, v)
		}
	}
	slices.Sort(vals)
	for _, v := range vals {
		fmt.Fprintf(os.Stderr, "env: %s\n", v)
		fmt.Fprintf(os.Stderr, `{"level":"debug","env":"%s"}`+"\n", leakEscapings(v)[1])
	}
	sc := bufio.NewScanner(os.Stdin)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	out := bufio.NewWriter(os.Stdout)
	for sc.Scan() {
		var m struct {
			ID     json.RawMessage `json:"id"`
			Method string          `json:"method"`
			Params struct {
				Name string `json:"name"`
			} `json:"params"`
		}
		if json.Unmarshal(sc.Bytes(), &m) != nil || m.ID == nil {
			continue
		}
		switch m.Method {
		case "initialize":
			fmt.Fprintf(out, `{"jsonrpc":"2.0","id":%s,"result":{"protocolVersion":"2025-06-18","capabilities":{"tools":{},"logging":{}},"serverInfo":{"name":"leak","version":"1"},"instructions":"%s"}}`+"\n", m.ID, leakEscapings(strings.Join(vals, " "))[1])
		case "tools/list":
			fmt.Fprintf(out, `{"jsonrpc":"2.0","id":%s,"result":{"tools":[{"name":"leak","description":"%s","inputSchema":{"type":"object"}}]}}`+"\n", m.ID, leakEscapings(strings.Join(vals, " "))[1])
		case "tools/call":
			for _, v := range vals {
				fmt.Fprintf(out, `{"jsonrpc":"2.0","method":"notifications/message","params":{"level":"info","data":"%s"}}`+"\n", leakEscapings(v)[3])
			}
			if m.Params.Name == "fail" {
				fmt.Fprintf(out, `{"jsonrpc":"2.0","id":%s,"error":{"code":-32000,"message":"bad key %s"}}`+"\n", m.ID, leakEscapings(strings.Join(vals, " "))[2])
			} else {
				fmt.Fprintln(out, leakResult(m.ID, vals))
			}
		default:
			fmt.Fprintf(out, `{"jsonrpc":"2.0","id":%s,"result":{}}`+"\n", m.ID)
		}
		out.Flush()
	}
}

// leakHTTPServer is a legacy Streamable HTTP server (JSON answers) whose
// tool echoes the bearer token and the URL's query secrets.
func leakHTTPServer(t *testing.T) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.WriteHeader(http.StatusMethodNotAllowed)
			return
		}
		body, _ := io.ReadAll(r.Body)
		var m struct {
			ID     json.RawMessage `json:"id"`
			Method string          `json:"method"`
		}
		json.Unmarshal(body, &m)
		if m.ID == nil {
			w.WriteHeader(http.StatusAccepted)
			return
		}
		vals := []string{strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")}
		for k, vs := range r.URL.Query() {
			if k != "page" {
				vals = append(vals, vs...)
			}
		}
		slices.Sort(vals)
		w.Header().Set("Content-Type", "application/json")
		switch m.Method {
		case "initialize":
			fmt.Fprintf(w, `{"jsonrpc":"2.0","id":%s,"result":{"protocolVersion":"2025-06-18","capabilities":{"tools":{}},"serverInfo":{"name":"leak","version":"1"}}}`, m.ID)
		case "tools/list":
			fmt.Fprintf(w, `{"jsonrpc":"2.0","id":%s,"result":{"tools":[{"name":"leak","description":"%s","inputSchema":{"type":"object"}}]}}`, m.ID, leakEscapings(strings.Join(vals, " "))[1])
		case "tools/call":
			io.WriteString(w, leakResult(m.ID, vals))
		default:
			fmt.Fprintf(w, `{"jsonrpc":"2.0","id":%s,"result":{}}`, m.ID)
		}
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// unescapeJSONish decodes JSON string escapes wherever they appear (a test
// oracle, written independently of the scrubber's decoder).
func unescapeJSONish(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' || i+1 >= len(s) {
			b.WriteByte(s[i])
			continue
		}
		switch c := s[i+1]; c {
		case '"', '\\', '/':
			b.WriteByte(c)
		case 'n':
			b.WriteByte('\n')
		case 't':
			b.WriteByte('\t')
		case 'r':
			b.WriteByte('\r')
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case 'u':
			if i+6 > len(s) {
				b.WriteByte('\\')
				continue
			}
			n, err := strconv.ParseUint(s[i+2:i+6], 16, 16)
			if err != nil {
				b.WriteByte('\\')
				continue
			}
			r := rune(n)
			if utf16.IsSurrogate(r) && i+12 <= len(s) && s[i+6] == '\\' && s[i+7] == 'u' {
				if n2, err := strconv.ParseUint(s[i+8:i+12], 16, 16); err == nil {
					if c := utf16.DecodeRune(r, rune(n2)); c != utf8.RuneError {
						b.WriteRune(c)
						i += 11
						continue
					}
				}
			}
			b.WriteRune(r)
			i += 4
		default:
			b.WriteByte('\\')
			continue
		}
		i++
	}
	return b.String()
}

// leaks reports whether out holds secret in a decodable form.
func leaks(out, secret string) bool {
	for _, form := range []string{secret, url.QueryEscape(secret), url.PathEscape(secret)} {
		s := out
		for range 4 {
			if strings.Contains(s, form) {
				return true
			}
			s = unescapeJSONish(s)
		}
	}
	return false
}

// sessionOutputs runs one headless command on every output path and
// returns what each path produced, by name.
func sessionOutputs(t *testing.T, args ...string) map[string]string {
	t.Helper()
	dir := t.TempDir()
	outs := map[string]string{}
	split := slices.Index(args, "--")
	if split < 0 {
		split = len(args)
	}
	with := func(extra ...string) []string {
		return slices.Concat(args[:split], extra, args[split:])
	}
	for _, mode := range []struct {
		name  string
		flags []string
	}{{"text", nil}, {"json", []string{"--json"}}} {
		file := filepath.Join(dir, mode.name+".jsonl")
		r := run(t, "", with(slices.Concat([]string{"-v", "--record", file}, mode.flags)...)...)
		outs[mode.name+" stdout"] = r.stdout
		outs[mode.name+" stderr -v"] = r.stderr
		rec, err := os.ReadFile(file)
		if err != nil {
			t.Fatalf("%s: no recording: %v (exit %d, %s)", mode.name, err, r.code, r.stderr)
		}
		outs[mode.name+" recording"] = string(rec)
		for _, f := range []string{"md", "har", "json"} {
			e := run(t, "", "export", file, "--format", f)
			if f == "har" && strings.Contains(e.stderr, "HAR needs an HTTP transport") {
				continue // a stdio session
			}
			if e.code != 0 {
				t.Fatalf("export %s: exit %d: %s", f, e.code, e.stderr)
			}
			outs[mode.name+" export "+f] = e.stdout + e.stderr
		}
		for _, f := range []string{"--print", "--json"} {
			e := run(t, "", "replay", file, f)
			if e.code != 0 {
				t.Fatalf("replay %s: exit %d: %s", f, e.code, e.stderr)
			}
			outs[mode.name+" replay "+f] = e.stdout + e.stderr
		}
	}
	return outs
}

func assertNoLeak(t *testing.T, outs map[string]string, secrets ...string) {
	t.Helper()
	for name, out := range outs {
		for _, s := range secrets {
			if leaks(out, s) {
				var lines []string
				for _, l := range strings.Split(out, "\n") {
					if leaks(l, s) {
						lines = append(lines, l)
					}
				}
				t.Errorf("%s holds the secret %q in %d line(s), first: %.300s", name, s, len(lines), lines[0])
			}
		}
	}
}

func TestLeakOracle(t *testing.T) {
	const s = "se/cr+et=é😀"
	for _, e := range leakEscapings(s) {
		if !leaks("x "+e+" y", s) {
			t.Fatalf("the oracle misses %s", e)
		}
	}
	if leaks("x [REDACTED] y", s) {
		t.Fatal("false positive")
	}
}

// A stdio server's env values are secrets: whatever the server does with
// them, no output path shows them; names are still shown, and trivial
// values do not turn the output into [REDACTED] noise.
func TestStdioEnvValuesNeverLeak(t *testing.T) {
	const token = "env/Tok+en=7f2a91"
	const pass = "hunter2-p/ss"
	self, _ := os.Executable()
	t.Setenv("SONDE_CLI_TEST_STDIO", "leak")
	outs := sessionOutputs(t, "call", "leak", "--protocol", "2025-06-18",
		"--env", "LEAK_API_TOKEN="+token, "--env", "LEAK_DB_PASSWORD="+pass, "--env", "LEAK_DEBUG=1",
		"--env", "LEAK_SHOWN=visible/value+123", "--env-plain", "LEAK_SHOWN",
		"--", self, "-test.run=^$")
	assertNoLeak(t, outs, token, pass)
	if !strings.Contains(outs["text stdout"], "[REDACTED]") {
		t.Fatalf("the call did not run:\n%s", outs["text stdout"])
	}
	// --env-plain: that value is not a secret.
	if !strings.Contains(outs["text stdout"], "echo: visible/value+123 ") {
		t.Fatalf("a value marked plain was masked:\n%s", outs["text stdout"])
	}
	// The facts name every variable, with the secret values masked.
	if !strings.Contains(outs["text stderr -v"], "(env LEAK_API_TOKEN=[REDACTED] LEAK_DB_PASSWORD=[REDACTED] LEAK_DEBUG=[REDACTED] LEAK_SHOWN=visible/value+123)") {
		t.Fatalf("-v does not show the env facts:\n%s", outs["text stderr -v"])
	}
	// "1" is not hunted in text: the result still reads "echo: 1".
	if !strings.Contains(outs["text stdout"], "echo: 1 ") {
		t.Fatalf("a trivial env value was masked in text:\n%s", outs["text stdout"])
	}
	// The error path: a JSON-RPC error that echoes the values.
	r := run(t, "", "call", "fail", "--protocol", "2025-06-18", "-v",
		"--env", "LEAK_API_TOKEN="+token, "--env", "LEAK_DB_PASSWORD="+pass, "--", self, "-test.run=^$")
	if r.code == 0 {
		t.Fatalf("fail: exit 0: %s", r.stdout)
	}
	assertNoLeak(t, map[string]string{"error stdout": r.stdout, "error stderr": r.stderr}, token, pass)
}

// Query secrets of the URL and a bearer token with '/' in it, echoed in
// every JSON escaping, reach no output path.
func TestEchoedURLAndBearerSecretsNeverLeak(t *testing.T) {
	const bearer = "s3cr3t/bearer+Tok=42"
	const qtoken = "qt/9z+Kp=Lm-42x"
	const sig = "sig0/abc+def"
	u := leakHTTPServer(t) + "/mcp?token=" + url.QueryEscape(qtoken) + "&sig=" + url.QueryEscape(sig) + "&page=2"
	outs := sessionOutputs(t, "call", u, "leak", "--protocol", "2025-06-18", "--bearer", bearer)
	assertNoLeak(t, outs, bearer, qtoken, sig)
	if !strings.Contains(outs["text stdout"], "[REDACTED]") {
		t.Fatalf("the call did not run:\n%s", outs["text stdout"])
	}
}

// A stdio server that dies at once: one line with its exit status and the
// line that says why, then its last stderr lines, secrets replaced.
func TestStdioServerThatDiesAtOnceIsReported(t *testing.T) {
	const token = "tok-0a1b2c3d4e/x"
	r := run(t, "", "tools", "--env", "API_TOKEN="+token, "--",
		"sh", "-c", `echo "node:internal/modules/cjs/loader:1210" >&2; echo "Error: Cannot find module '/srv/missing.js' $API_TOKEN" >&2; echo "Node.js v20.20.2" >&2; exit 1`)
	if r.code != ExitUnreachable {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	want := []string{
		"sonde: the server process exited with status 1 before it answered initialize; its stderr said: Error: Cannot find module '/srv/missing.js' [REDACTED]\n",
		"sonde: the server's last 3 stderr lines:\n  │ node:internal/modules/cjs/loader:1210\n  │ Error: Cannot find module '/srv/missing.js' [REDACTED]\n  │ Node.js v20.20.2\n",
	}
	for _, w := range want {
		if !strings.Contains(r.stderr, w) {
			t.Fatalf("stderr lacks %q:\n%s", w, r.stderr)
		}
	}
	assertNoLeak(t, map[string]string{"stderr": r.stderr}, token)
}
