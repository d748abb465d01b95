package schema

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func mustCompile(t *testing.T, s string) *Schema {
	t.Helper()
	sch, err := Compile(json.RawMessage(s))
	if err != nil {
		t.Fatalf("Compile: %v", err)
	}
	return sch
}

// errorsOf renders errors as "path: message" lines for easy comparison.
func errorsOf(errs []Error) []string {
	out := make([]string, len(errs))
	for i, e := range errs {
		out[i] = e.String()
	}
	return out
}

func requireErrors(t *testing.T, got []Error, want ...string) {
	t.Helper()
	g := errorsOf(got)
	if strings.Join(g, "\n") != strings.Join(want, "\n") {
		t.Fatalf("errors:\n got: %q\nwant: %q", g, want)
	}
}

const searchSchema = `{
  "type": "object",
  "properties": {
    "query":  {"type": "string", "minLength": 2},
    "limit":  {"type": "integer", "minimum": 1, "maximum": 50},
    "filter": {"type": "object", "properties": {
        "since": {"type": "string", "format": "date"},
        "email": {"type": "string", "format": "email"},
        "site":  {"type": "string", "format": "uri"}
    }, "additionalProperties": false},
    "mode":   {"enum": ["fast", "deep"]},
    "tags":   {"type": "array", "items": {"type": "string"}, "maxItems": 2, "uniqueItems": true},
    "ratio":  {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1, "multipleOf": 0.25},
    "code":   {"type": "string", "pattern": "^[A-Z]{3}$"}
  },
  "required": ["query", "limit"]
}`

func TestValidateValid(t *testing.T) {
	s := mustCompile(t, searchSchema)
	got := s.Validate(json.RawMessage(`{"query":"mcp","limit":5,"filter":{"since":"2026-01-02","email":"a@b.co","site":"https://x.dev/"},"mode":"deep","tags":["a","b"],"ratio":0.5,"code":"ABC"}`))
	if got != nil {
		t.Fatalf("want valid, got %v", got)
	}
}

func TestValidateAllErrorsWithPaths(t *testing.T) {
	s := mustCompile(t, searchSchema)
	got := s.Validate(json.RawMessage(`{"query":"m","limit":500,"filter":{"since":"yesterday","email":"nope","site":"not a uri","x":1},"mode":"slow","tags":["a","a",3],"ratio":1,"code":"abc"}`))
	requireErrors(t, got,
		"/code: must match the pattern ^[A-Z]{3}$",
		"/filter/email: is not a valid email (expected name@example.com)",
		"/filter/since: is not a valid date (expected YYYY-MM-DD)",
		"/filter/site: is not a valid uri (expected https://…)",
		"/filter/x: is not an allowed property",
		"/limit: must be ≤ 50",
		"/mode: must be one of \"fast\", \"deep\"",
		"/query: must be at least 2 characters (got 1)",
		"/ratio: must be < 1",
		"/tags: items 1 and 2 are equal; items must be unique",
		"/tags: must have at most 2 items (got 3)",
		"/tags/2: must be a string (got number)",
	)
}

func TestValidateRequiredPointsAtTheMissingProperty(t *testing.T) {
	s := mustCompile(t, searchSchema)
	requireErrors(t, s.Validate(json.RawMessage(`{}`)),
		"/limit: is required",
		"/query: is required",
	)
	requireErrors(t, s.Validate(json.RawMessage(`[]`)), "(root): must be an object (got array)")
}

func TestValidateNumbersAndMultipleOf(t *testing.T) {
	s := mustCompile(t, `{"type":"number","minimum":0,"multipleOf":0.5}`)
	requireErrors(t, s.Validate(json.RawMessage(`-1.25`)), "(root): must be a multiple of 0.5", "(root): must be ≥ 0")
	if e := s.Validate(json.RawMessage(`2.5`)); e != nil {
		t.Fatal(e)
	}
	i := mustCompile(t, `{"type":"integer"}`)
	requireErrors(t, i.Validate(json.RawMessage(`1.5`)), "(root): must be an integer (got number)")
	if e := i.Validate(json.RawMessage(`2.0`)); e != nil {
		t.Fatalf("2.0 is an integer in 2020-12: %v", e)
	}
}

func TestValidateInvalidInstance(t *testing.T) {
	s := mustCompile(t, `{}`)
	got := s.Validate(json.RawMessage(`{"a":`))
	if len(got) != 1 || got[0].Path != "" || !strings.Contains(got[0].Message, "invalid JSON") {
		t.Fatalf("got %v", got)
	}
}

func TestDefaultDialectIs2020(t *testing.T) {
	// prefixItems exists only in 2020-12; in draft-07 it is ignored.
	s := mustCompile(t, `{"prefixItems":[{"type":"string"}]}`)
	requireErrors(t, s.Validate(json.RawMessage(`[1]`)), "/0: must be a string (got number)")
	d7 := mustCompile(t, `{"$schema":"http://json-schema.org/draft-07/schema#","prefixItems":[{"type":"string"}]}`)
	if e := d7.Validate(json.RawMessage(`[1]`)); e != nil {
		t.Fatalf("draft-07 must ignore prefixItems: %v", e)
	}
}

func TestDraft07Definitions(t *testing.T) {
	s := mustCompile(t, `{
	  "$schema": "http://json-schema.org/draft-07/schema#",
	  "definitions": {"pos": {"type": "integer", "minimum": 0}},
	  "type": "object",
	  "properties": {"x": {"$ref": "#/definitions/pos"}, "y": {"$ref": "#/definitions/pos"}}
	}`)
	requireErrors(t, s.Validate(json.RawMessage(`{"x":-1,"y":"a"}`)), "/x: must be ≥ 0", "/y: must be an integer (got string)")
	n := s.Root()
	if got := n.Properties()[0]; got.Kind != KindInteger || got.Minimum == nil || *got.Minimum != 0 || got.Ref != "#/definitions/pos" {
		t.Fatalf("x: %+v", got)
	}
}

func TestDraft04ExclusiveMaximumBoolean(t *testing.T) {
	s := mustCompile(t, `{"$schema":"http://json-schema.org/draft-04/schema#","type":"number","maximum":10,"exclusiveMaximum":true}`)
	requireErrors(t, s.Validate(json.RawMessage(`10`)), "(root): must be < 10")
	n := s.Root()
	if n.Maximum != nil || n.ExclusiveMaximum == nil || *n.ExclusiveMaximum != 10 {
		t.Fatalf("bounds: max=%v xmax=%v", n.Maximum, n.ExclusiveMaximum)
	}
}

func TestDraft201909AndDraft06(t *testing.T) {
	s := mustCompile(t, `{"$schema":"https://json-schema.org/draft/2019-09/schema","$defs":{"s":{"type":"string"}},"properties":{"a":{"$ref":"#/$defs/s","maxLength":2}}}`)
	requireErrors(t, s.Validate(json.RawMessage(`{"a":"abc"}`)), "/a: must be at most 2 characters (got 3)")
	s6 := mustCompile(t, `{"$schema":"http://json-schema.org/draft-06/schema#","const":3}`)
	requireErrors(t, s6.Validate(json.RawMessage(`4`)), "(root): must be 3")
}

func TestUnsupportedSchemaDialect(t *testing.T) {
	_, err := Compile(json.RawMessage(`{"$schema":"https://example.com/my-dialect"}`))
	if err == nil || !strings.Contains(err.Error(), "unsupported $schema") {
		t.Fatalf("err = %v", err)
	}
}

func TestInvalidSchemaIsReported(t *testing.T) {
	_, err := Compile(json.RawMessage(`{"type":"strng"}`))
	if err == nil || !strings.Contains(err.Error(), "not a valid JSON Schema") || !strings.Contains(err.Error(), "/type") {
		t.Fatalf("err = %v", err)
	}
	if _, err := Compile(json.RawMessage(`{"type":`)); err == nil || !strings.Contains(err.Error(), "invalid JSON") {
		t.Fatalf("err = %v", err)
	}
	if _, err := Compile(nil); err == nil {
		t.Fatal("empty schema must fail")
	}
}

// A remote $ref must be refused without any fetch: the test server counts
// requests and must see none.
func TestRemoteRefRefusedWithoutFetching(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		fmt.Fprint(w, `{"type":"string"}`)
	}))
	defer srv.Close()

	dir := t.TempDir()
	local := filepath.Join(dir, "s.json")
	if err := os.WriteFile(local, []byte(`{"type":"string"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, ref := range []string{
		srv.URL + "/s.json",
		srv.URL + "/s.json#/definitions/x",
		"file://" + local,
		"s.json",
	} {
		t.Run(ref, func(t *testing.T) {
			doc := fmt.Sprintf(`{"type":"object","properties":{"a":{"$ref":%q}}}`, ref)
			_, err := Compile(json.RawMessage(doc))
			if err == nil || !strings.Contains(err.Error(), "refused") {
				t.Fatalf("err = %v", err)
			}
			// The form walk must not follow it either; the field falls
			// back to raw JSON with a note.
			n, err := Walk(json.RawMessage(doc))
			if err != nil {
				t.Fatal(err)
			}
			a := n.Properties()[0]
			if a.Kind != KindUnknown || !strings.Contains(a.Note, "never loads") {
				t.Fatalf("a = %v %q", a.Kind, a.Note)
			}
		})
	}
	// Also via $schema and via an $id base.
	for _, doc := range []string{
		fmt.Sprintf(`{"$schema":%q}`, srv.URL+"/meta"),
		fmt.Sprintf(`{"$id":%q,"$ref":"other.json"}`, srv.URL+"/root.json"),
	} {
		if _, err := Compile(json.RawMessage(doc)); err == nil {
			t.Fatalf("%s: want error", doc)
		}
	}
	if n := hits.Load(); n != 0 {
		t.Fatalf("the loopback server was contacted %d times", n)
	}
}

func TestLocalRefsAnchorsAndEmbeddedIDs(t *testing.T) {
	s := mustCompile(t, `{
	  "$defs": {
	    "name": {"$anchor": "nm", "type": "string", "minLength": 1},
	    "item": {"$id": "https://example.com/item.json", "type": "object",
	             "properties": {"n": {"$ref": "#/$defs/n"}},
	             "$defs": {"n": {"type": "integer"}}}
	  },
	  "type": "object",
	  "properties": {
	    "a": {"$ref": "#nm"},
	    "b": {"$ref": "https://example.com/item.json"},
	    "c": {"$ref": "#/$defs/name", "title": "Overridden"}
	  }
	}`)
	requireErrors(t, s.Validate(json.RawMessage(`{"a":"","b":{"n":"x"},"c":""}`)),
		"/a: must be at least 1 characters (got 0)",
		"/b/n: must be an integer (got string)",
		"/c: must be at least 1 characters (got 0)",
	)
	props := s.Root().Properties()
	if props[0].Kind != KindString || props[0].MinLength == nil {
		t.Fatalf("a: %+v", props[0])
	}
	if props[1].Kind != KindObject || props[1].Properties()[0].Kind != KindInteger {
		t.Fatalf("b: %v", props[1].Kind)
	}
	if props[2].Title != "Overridden" {
		t.Fatalf("c title %q: $ref siblings must win", props[2].Title)
	}
}

func TestDraft07IDAnchor(t *testing.T) {
	s := mustCompile(t, `{"$schema":"http://json-schema.org/draft-07/schema#",
	  "definitions":{"x":{"$id":"#ex","type":"boolean"}},
	  "properties":{"f":{"$ref":"#ex"}}}`)
	requireErrors(t, s.Validate(json.RawMessage(`{"f":1}`)), "/f: must be a boolean (got number)")
	if k := s.Root().Properties()[0].Kind; k != KindBoolean {
		t.Fatalf("kind %v", k)
	}
}

const treeSchema = `{
  "$defs": {"node": {"type": "object", "properties": {
      "name": {"type": "string"},
      "children": {"type": "array", "items": {"$ref": "#/$defs/node"}},
      "parent": {"$ref": "#/$defs/node"}
  }, "required": ["name"]}},
  "$ref": "#/$defs/node"
}`

func TestRecursiveSchemaValidates(t *testing.T) {
	s := mustCompile(t, treeSchema)
	requireErrors(t, s.Validate(json.RawMessage(`{"name":"a","children":[{"name":"b","children":[{"children":[]}]}]}`)),
		"/children/0/children/0/name: is required")
}

func TestRecursiveSchemaWalkIsLazyAndBounded(t *testing.T) {
	done := make(chan *Node)
	go func() {
		n, err := Walk(json.RawMessage(treeSchema))
		if err != nil {
			t.Error(err)
		}
		done <- n
	}()
	var root *Node
	select {
	case root = <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("walking a recursive schema did not finish")
	}
	if root.Kind != KindObject || root.Recursive {
		t.Fatalf("root %v recursive=%v", root.Kind, root.Recursive)
	}
	props := root.Properties()
	parent := props[2]
	if parent.Name != "parent" || !parent.Recursive || parent.Kind != KindObject {
		t.Fatalf("parent: %s %v recursive=%v", parent.Name, parent.Kind, parent.Recursive)
	}
	if it := props[1].Items(); it == nil || !it.Recursive || it.Kind != KindObject {
		t.Fatalf("children items: %+v", it)
	}
	// A consumer that keeps opening "parent" ends at the depth limit with a
	// raw JSON field, not in an endless loop.
	n := parent
	for i := 0; i < 200 && n.Kind == KindObject; i++ {
		n = n.Properties()[2]
	}
	if n.Kind != KindUnknown || !strings.Contains(n.Note, "deeply") {
		t.Fatalf("deep end: %v %q", n.Kind, n.Note)
	}
}

func TestHostileSchemasAreBounded(t *testing.T) {
	deep := strings.Repeat(`{"items":`, MaxDepth+5) + `{}` + strings.Repeat(`}`, MaxDepth+5)
	if _, err := Compile(json.RawMessage(deep)); err == nil || !strings.Contains(err.Error(), "too complex") {
		t.Fatalf("deep: %v", err)
	}
	if _, err := Walk(json.RawMessage(deep)); err == nil {
		t.Fatal("deep walk: want error")
	}
	var b strings.Builder
	b.WriteString(`{"enum":[`)
	for i := 0; i < MaxValues+10; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString("1")
	}
	b.WriteString(`]}`)
	if _, err := Compile(json.RawMessage(b.String())); err == nil || !strings.Contains(err.Error(), "too complex") {
		t.Fatalf("many values: %v", err)
	}
	big := make([]byte, MaxSchemaBytes+1)
	if _, err := Compile(big); err == nil || !strings.Contains(err.Error(), "too complex") {
		t.Fatalf("big: %v", err)
	}
}

// Each level doubles the evaluations; 40 levels would be 2^40.
func exponentialSchema(levels int) string {
	var b strings.Builder
	b.WriteString(`{"$ref":"#/$defs/d0","$defs":{`)
	for i := 0; i < levels; i++ {
		fmt.Fprintf(&b, `"d%d":{"anyOf":[{"$ref":"#/$defs/d%d"},{"$ref":"#/$defs/d%d"}]},`, i, i+1, i+1)
	}
	fmt.Fprintf(&b, `"d%d":{"type":"string"}}}`, levels)
	return b.String()
}

func TestExponentialValidationIsRefused(t *testing.T) {
	s := mustCompile(t, exponentialSchema(40))
	start := time.Now()
	got := s.Validate(json.RawMessage(`1`))
	if time.Since(start) > 5*time.Second {
		t.Fatalf("took %v", time.Since(start))
	}
	if len(got) != 1 || !strings.Contains(got[0].Message, "too complex") {
		t.Fatalf("got %v", got)
	}
	// A small fan-out stays validated normally.
	small := mustCompile(t, exponentialSchema(4))
	if len(small.Validate(json.RawMessage(`"x"`))) != 0 {
		t.Fatal("small: want valid")
	}
	requireErrors(t, small.Validate(json.RawMessage(`1`)), "(root): must be a string (got number)")
}

func TestExponentialAllOfWalkIsBounded(t *testing.T) {
	var b strings.Builder
	b.WriteString(`{"$ref":"#/$defs/d0","$defs":{`)
	for i := 0; i < 40; i++ {
		fmt.Fprintf(&b, `"d%d":{"allOf":[{"$ref":"#/$defs/d%d"},{"$ref":"#/$defs/d%d"}]},`, i, i+1, i+1)
	}
	b.WriteString(`"d40":{"type":"string"}}}`)
	done := make(chan struct{})
	go func() {
		defer close(done)
		if _, err := Walk(json.RawMessage(b.String())); err != nil {
			t.Error(err)
		}
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("walk did not finish")
	}
}

func TestECMAScriptPatternsAndTimeout(t *testing.T) {
	// zod's email pattern uses lookahead, which RE2 lacks.
	s := mustCompile(t, `{"type":"string","pattern":"^(?!\\.)(?!.*\\.\\.)([A-Za-z0-9_'+\\-\\.]*)[A-Za-z0-9_+-]@([A-Za-z0-9][A-Za-z0-9\\-]*\\.)+[A-Za-z]{2,}$"}`)
	if e := s.Validate(json.RawMessage(`"a.b@example.com"`)); e != nil {
		t.Fatal(e)
	}
	if e := s.Validate(json.RawMessage(`".a@example.com"`)); len(e) != 1 {
		t.Fatalf("want a pattern error, got %v", e)
	}
	// Catastrophic backtracking is cut off by the match timeout.
	evil := mustCompile(t, `{"type":"string","pattern":"^(?=a)(a+)+$"}`)
	start := time.Now()
	got := evil.Validate(json.RawMessage(`"` + strings.Repeat("a", 40) + `!"`))
	if time.Since(start) > 3*time.Second {
		t.Fatalf("took %v", time.Since(start))
	}
	if len(got) != 1 {
		t.Fatalf("got %v", got)
	}
	if _, err := Compile(json.RawMessage(`{"pattern":"(("}`)); err == nil {
		t.Fatal("invalid regex must fail")
	}
}

func TestAlternativesReportTheClosestBranch(t *testing.T) {
	s := mustCompile(t, `{"type":"object","properties":{"shape":{"oneOf":[
	  {"type":"object","properties":{"kind":{"const":"circle"},"r":{"type":"number"}},"required":["kind","r"]},
	  {"type":"object","properties":{"kind":{"const":"square"},"side":{"type":"number","minimum":1}},"required":["kind","side"]}
	]}}}`)
	requireErrors(t, s.Validate(json.RawMessage(`{"shape":{"kind":"square","side":0}}`)), "/shape/side: must be ≥ 1")
	requireErrors(t, s.Validate(json.RawMessage(`{"shape":{"kind":"circle"}}`)), "/shape/r: is required")
	requireErrors(t, s.Validate(json.RawMessage(`{"shape":"round"}`)), "/shape: must be an object (got string)")
	two := mustCompile(t, `{"oneOf":[{"type":"number"},{"type":"integer"}]}`)
	requireErrors(t, two.Validate(json.RawMessage(`1`)), "(root): matches more than one alternative (1 and 2); exactly one is allowed")
}

// outputSchema validation of a tool's structuredContent.
func TestStructuredContentAgainstOutputSchema(t *testing.T) {
	s := mustCompile(t, `{"type":"object","properties":{"temperature":{"type":"number"},"conditions":{"type":"string"}},"required":["temperature","conditions"]}`)
	if e := s.Validate(json.RawMessage(`{"temperature":22.5,"conditions":"Partly cloudy"}`)); e != nil {
		t.Fatal(e)
	}
	requireErrors(t, s.Validate(json.RawMessage(`{"temperature":"hot"}`)),
		"/conditions: is required", "/temperature: must be a number (got string)")
}

func TestMessagesAreSanitized(t *testing.T) {
	s := mustCompile(t, `{"enum":["a\u001b[31m","b\u009b2J"]}`)
	got := s.Validate(json.RawMessage(`"c"`))
	if len(got) != 1 || strings.ContainsAny(got[0].Message, "\x1b\u009b") {
		t.Fatalf("got %q", got)
	}
}

func TestPointers(t *testing.T) {
	if got := JoinPointer("a/b", "c~d", "0"); got != "/a~1b/c~0d/0" {
		t.Fatal(got)
	}
	if got := SplitPointer("/a~1b/c~0d/0"); strings.Join(got, "|") != "a/b|c~d|0" {
		t.Fatal(got)
	}
	if SplitPointer("") != nil {
		t.Fatal("root pointer has no tokens")
	}
	if comparePointers("/items/2", "/items/10") >= 0 || comparePointers("/a", "/a/b") >= 0 {
		t.Fatal("order")
	}
}
