package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Wrap changes the stdio server name in a server file (the mcpServers
// shape, VS Code's servers, JSONC included) so that its client starts it
// through program (sonde) with args before the server's own command:
// "command" becomes program and "args" becomes args, "--", the old
// command and its args. Only those two values change: every other byte of
// the file (comments, order, other servers, the server's env and cwd)
// stays as it was. It returns the new file and the server's entry as it
// now reads.
func Wrap(data []byte, name, program string, args []string) (out, entry []byte, err error) {
	std, err := standardJSON(data)
	if err != nil {
		return nil, nil, err
	}
	var start, end int
	found := false
	// In ParseFile's order of precedence: an mcpServers entry wins over
	// mcp.servers, which wins over servers.
	for _, path := range [][]string{{"mcpServers", "=" + name}, {"mcp", "servers", "=" + name}, {"servers", "=" + name}} {
		if start, end, err = valueAt(std, path); err == nil {
			found = true
			break
		}
	}
	if !found {
		return nil, nil, fmt.Errorf("no server %q in the file (under mcpServers or servers)", name)
	}
	var def serverDef
	if err := json.Unmarshal(std[start:end], &def); err != nil {
		return nil, nil, fmt.Errorf("server %q: %w", name, err)
	}
	switch {
	case def.Command == "" && (def.URL != "" || def.ServerURL != ""):
		return nil, nil, fmt.Errorf("server %q is remote (%s): run sonde tap --upstream URL --listen 127.0.0.1:PORT and set its url to the tap's", name, def.URL+def.ServerURL)
	case def.Command == "":
		return nil, nil, fmt.Errorf("server %q has no command", name)
	case filepath.Base(def.Command) == filepath.Base(program) && len(def.Args) > 0 && def.Args[0] == "tap":
		return nil, nil, fmt.Errorf("server %q already runs through sonde tap", name)
	}
	newArgs := append(append(append([]string(nil), args...), "--", def.Command), def.Args...)
	obj := std[start:end]
	cs, ce, err := valueAt(obj, []string{"command"})
	if err != nil {
		return nil, nil, err
	}
	type edit struct {
		start, end int
		text       string
	}
	edits := []edit{{cs, ce, jsonText(program)}}
	if as, ae, err := valueAt(obj, []string{"args"}); err == nil {
		edits = append(edits, edit{as, ae, jsonText(newArgs)})
	} else {
		edits = append(edits, edit{ce, ce, `, "args": ` + jsonText(newArgs)})
	}
	// From the end, so earlier offsets hold.
	if edits[1].start < edits[0].start {
		edits[0], edits[1] = edits[1], edits[0]
	}
	newObj := append([]byte(nil), data[start:end]...)
	for i := len(edits) - 1; i >= 0; i-- {
		e := edits[i]
		newObj = append(newObj[:e.start:e.start], append([]byte(e.text), newObj[e.end:]...)...)
	}
	out = append(append(append([]byte(nil), data[:start]...), newObj...), data[end:]...)
	// The edit went where encoding/json reads from; check that the file
	// now starts the server the way we meant, so that a file this edit
	// cannot change cleanly (say a server defined twice, in objects that
	// encoding/json merges) is refused instead of half wrapped.
	servers, err := ParseFile(out, "", "check")
	if err != nil {
		return nil, nil, fmt.Errorf("the changed file would not read back: %w", err)
	}
	want, err := serverDef{Command: program, Args: newArgs}.config("")
	if err != nil {
		return nil, nil, err
	}
	for _, s := range servers {
		if s.Name == name && !slices.Equal(s.Config.Command, want.Command) {
			return nil, nil, fmt.Errorf("server %q is defined more than once in the file (keys that differ only in case, or repeated objects); edit it by hand", name)
		}
	}
	return out, newObj, nil
}

// jsonText writes v as JSON on one line, without HTML escaping.
func jsonText(v any) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.Encode(v)
	return strings.TrimSpace(b.String())
}

// valueAt finds the value at path (object members, one per step) in a
// JSON document and returns its byte span. A step matches member names
// as encoding/json matches a struct field's, ignoring case ("Args" sets
// serverDef.Args), unless it starts with "=", which matches exactly (a
// map key: the server's name); the last match counts, as it does for
// encoding/json.
func valueAt(doc []byte, path []string) (start, end int, err error) {
	start, end = 0, len(doc)
	for _, step := range path {
		key, exact := strings.CutPrefix(step, "=")
		sub := doc[start:end]
		dec := json.NewDecoder(bytes.NewReader(sub))
		tok, err := dec.Token()
		if err != nil {
			return 0, 0, err
		}
		if d, ok := tok.(json.Delim); !ok || d != '{' {
			return 0, 0, errors.New("not an object")
		}
		found := false
		var ns, ne int
		for dec.More() {
			kt, err := dec.Token()
			if err != nil {
				return 0, 0, err
			}
			keyEnd := int(dec.InputOffset())
			var raw json.RawMessage
			if err := dec.Decode(&raw); err != nil {
				return 0, 0, err
			}
			valEnd := int(dec.InputOffset())
			if k, _ := kt.(string); k == key || !exact && strings.EqualFold(k, key) {
				// The last one counts, as for encoding/json.
				vs := keyEnd
				for vs < valEnd && (sub[vs] == ':' || sub[vs] == ' ' || sub[vs] == '\t' || sub[vs] == '\n' || sub[vs] == '\r') {
					vs++
				}
				ns, ne, found = vs, valEnd, true
			}
		}
		if !found {
			return 0, 0, fmt.Errorf("no %q", key)
		}
		start, end = start+ns, start+ne
	}
	return start, end, nil
}

// WriteWithBackup replaces path's content with data, first copying the
// old content to path + ".bak" (an existing backup is kept: it becomes
// .bak.1, .bak.2, ...); the file keeps its mode. It returns the backup's
// path.
func WriteWithBackup(path string, data []byte) (string, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return "", err
	}
	old, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	backup := path + ".bak"
	for i := 1; ; i++ {
		f, err := os.OpenFile(backup, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600) // it may hold secrets
		if err == nil {
			_, werr := f.Write(old)
			if cerr := f.Close(); werr == nil {
				werr = cerr
			}
			if werr != nil {
				return "", werr
			}
			break
		}
		if !os.IsExist(err) || i > 99 {
			return "", err
		}
		backup = fmt.Sprintf("%s.bak.%d", path, i)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return backup, err
	}
	_, werr := io.Copy(tmp, bytes.NewReader(data))
	if werr == nil {
		werr = tmp.Chmod(fi.Mode().Perm())
	}
	if cerr := tmp.Close(); werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = os.Rename(tmp.Name(), path)
	}
	if werr != nil {
		os.Remove(tmp.Name())
	}
	return backup, werr
}
