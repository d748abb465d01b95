package schema

import (
	"encoding/json"
	"testing"
)

// FuzzCompileValidate: compiling, validating and walking arbitrary schema
// documents must not panic.
func FuzzCompileValidate(f *testing.F) {
	for _, s := range []string{searchSchema, treeSchema, exponentialSchema(3), `true`, `{"$ref":"#/$defs/a","$defs":{"a":{"anyOf":[{"$ref":"#"},{"type":"null"}]}}}`,
		`{"$schema":"http://json-schema.org/draft-04/schema#","properties":{"a":{"maximum":1,"exclusiveMaximum":true}}}`} {
		f.Add([]byte(s), []byte(`{"a":[1,{"b":null}],"query":"x"}`))
	}
	f.Fuzz(func(t *testing.T, schemaJSON, instance []byte) {
		if n, err := Walk(json.RawMessage(schemaJSON)); err == nil {
			for _, p := range n.Properties() {
				_ = p.Items()
				_ = p.Variants()
			}
			_ = n.Items()
			_ = n.Variants()
		}
		s, err := Compile(json.RawMessage(schemaJSON))
		if err != nil {
			return
		}
		for _, inst := range [][]byte{instance, []byte(`{}`), []byte(`null`), []byte(`[1,"a"]`)} {
			for _, e := range s.Validate(json.RawMessage(inst)) {
				if e.Message == "" {
					t.Fatalf("empty message at %q", e.Path)
				}
			}
		}
		_ = s.Root()
	})
}
