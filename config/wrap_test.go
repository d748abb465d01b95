package config

import (
	"bytes"
	"slices"
	"strings"
	"testing"
)

func TestWrap(t *testing.T) {
	for _, tc := range []struct{ name, in, server string }{
		{"claude", `{"mcpServers": {"fs": {"command": "npx", "args": ["-y", "server-fs", "/tmp"], "env": {"K": "v"}}, "other": {"command": "x"}}}`, "fs"},
		{"vscode-jsonc", "{\n  // servers\n  \"servers\": {\n    \"fs\": {\n      \"type\": \"stdio\",\n      \"command\": \"npx\", /* runner */\n      \"args\": [\"-y\", \"server-fs\"],\n    },\n  },\n}\n", "fs"},
		{"settings", `{"editor.fontSize": 12, "mcp": {"servers": {"fs": {"args": ["a"], "command": "node"}}}}`, "fs"},
		{"no-args", "{\"mcpServers\":{\"fs\":{\"command\":\"node\"\n}}}", "fs"},
		// encoding/json matches field names ignoring case, and the last
		// of two spellings counts: so does Wrap.
		{"any-case", `{"mcpServers": {"fs": {"Command": "node", "args": ["old"], "ARGS": ["a"]}}}`, "fs"},
		// mcp.servers wins over servers when both name the server.
		{"precedence", `{"servers": {"fs": {"command": "a"}}, "mcp": {"servers": {"fs": {"command": "node"}}}}`, "fs"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, entry, err := Wrap([]byte(tc.in), tc.server, "/usr/bin/sonde", []string{"tap", "--fault", "delay ms=1"})
			if err != nil {
				t.Fatal(err)
			}
			servers, err := ParseFile(out, "", "x.json")
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, s := range servers {
				if s.Name == tc.server {
					got = s.Config.Command
				}
			}
			old, _ := ParseFile([]byte(tc.in), "", "x.json")
			var was []string
			for _, s := range old {
				if s.Name == tc.server {
					was = s.Config.Command
				}
			}
			want := append([]string{"/usr/bin/sonde", "tap", "--fault", "delay ms=1", "--"}, was...)
			if !slices.Equal(got, want) {
				t.Fatalf("command %q, want %q\n%s", got, want, out)
			}
			if !bytes.Contains(out, entry) {
				t.Fatalf("the entry %s is not in the file", entry)
			}
			// Everything but the command and args stays byte for byte.
			for _, keep := range []string{"// servers", "/* runner */", `"env": {"K": "v"}`, `"other": {"command": "x"}`, `"editor.fontSize": 12`} {
				if strings.Contains(tc.in, keep) && !strings.Contains(string(out), keep) {
					t.Fatalf("lost %q:\n%s", keep, out)
				}
			}
		})
	}
}

func TestWrapRefuses(t *testing.T) {
	for in, want := range map[string]string{
		`{"mcpServers": {"r": {"url": "https://x/mcp"}}}`:                         "is remote",
		`{"mcpServers": {"r": {"command": "sonde", "args": ["tap", "--", "x"]}}}`: "already runs through sonde tap",
		`{"mcpServers": {}}`:                    "no server",
		`{"mcpServers": {"r": {"env": {}}}}`:    "has no command",
		`{"mcpServers": {"r": {"command": 7}}}`: "server \"r\"",
		`{"mcpServers": {"r": /* open`:          "unterminated",
	} {
		_, _, err := Wrap([]byte(in), "r", "sonde", []string{"tap"})
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Wrap(%s) = %v, want %q", in, err, want)
		}
	}
}

// FuzzWrap: on any file, Wrap fails cleanly or yields a file whose server
// runs through the program, the rest of the file kept.
func FuzzWrap(f *testing.F) {
	f.Add([]byte(`{"mcpServers": {"s": {"command": "npx", "args": ["-y", "x"]}}}`))
	f.Add([]byte("{\"servers\":{\"s\":{// c\n\"command\":\"a\",\"args\":[],}},}"))
	f.Add([]byte(`{"mcp":{"servers":{"s":{"args":["x"],"command":"b","args":["y"]}}}}`))
	f.Fuzz(func(t *testing.T, in []byte) {
		out, _, err := Wrap(in, "s", "sonde-prog", []string{"tap"})
		if err != nil {
			return
		}
		servers, err := ParseFile(out, "", "x")
		if err != nil {
			t.Fatalf("the wrapped file does not read: %v\n%s", err, out)
		}
		for _, s := range servers {
			if s.Name == "s" && (len(s.Config.Command) < 3 || s.Config.Command[0] != "sonde-prog" || s.Config.Command[1] != "tap") {
				t.Fatalf("server s runs %q\n%s", s.Config.Command, out)
			}
		}
	})
}
