package demo

import (
	"encoding/json"
	"testing"

	"github.com/sonde-mcp/sonde/schema"
)

// Every default in the demo's input schemas is valid against its own
// property schema (a form prefilled with defaults must validate).
func TestDefaultsValidate(t *testing.T) {
	for name, raw := range map[string]json.RawMessage{"create_booking": bookingSchema, "echo": echoSchema} {
		var walk func(node any, path string)
		walk = func(node any, path string) {
			m, ok := node.(map[string]any)
			if !ok {
				return
			}
			if def, ok := m["default"]; ok {
				sub, _ := json.Marshal(m)
				s, err := schema.Compile(sub)
				if err == nil {
					db, _ := json.Marshal(def)
					if errs := s.Validate(db); len(errs) > 0 {
						t.Errorf("%s %s: default %s is invalid: %v", name, path, db, errs)
					}
				}
			}
			for k, v := range m {
				if k == "properties" {
					for pk, pv := range v.(map[string]any) {
						walk(pv, path+"/"+pk)
					}
				}
			}
		}
		var root any
		json.Unmarshal(raw, &root)
		walk(root, "")
	}
}
