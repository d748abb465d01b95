package schema

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// docIndex indexes one schema document for local reference resolution.
// Nothing outside the document is ever looked at: a reference that does
// not resolve here stays unresolved.
type docIndex struct {
	root    any
	anchors map[string]*object // $anchor, $dynamicAnchor, draft-04..07 "$id":"#name"
	ids     map[string]*object // embedded resources by $id (fragment removed)
}

// nonSchemaKeywords hold plain data, never subschemas; their contents must
// not be indexed as anchors or ids.
var nonSchemaKeywords = map[string]bool{
	"enum": true, "const": true, "default": true, "examples": true,
	"required": true, "enumNames": true, "x-enumNames": true,
}

func indexDocument(root any) *docIndex {
	d := &docIndex{root: root, anchors: map[string]*object{}, ids: map[string]*object{}}
	d.index(root)
	return d
}

func (d *docIndex) index(v any) {
	switch t := v.(type) {
	case *object:
		for _, kw := range []string{"$anchor", "$dynamicAnchor"} {
			if a := t.str(kw); a != "" {
				if _, dup := d.anchors[a]; !dup {
					d.anchors[a] = t
				}
			}
		}
		for _, kw := range []string{"$id", "id"} {
			id := t.str(kw)
			if id == "" {
				continue
			}
			base, frag, _ := strings.Cut(id, "#")
			if base == "" && frag != "" {
				if _, dup := d.anchors[frag]; !dup {
					d.anchors[frag] = t
				}
				continue
			}
			if base != "" {
				if _, dup := d.ids[base]; !dup {
					d.ids[base] = t
				}
			}
		}
		for _, k := range t.keys {
			if nonSchemaKeywords[k] {
				continue
			}
			d.index(t.vals[k])
		}
	case []any:
		for _, x := range t {
			d.index(x)
		}
	}
}

// resolve finds the target of a $ref (or $dynamicRef / $recursiveRef)
// inside the document. base is the innermost enclosing resource (the root
// unless an embedded $id was crossed).
func (d *docIndex) resolve(ref string, base any) (any, error) {
	if base == nil {
		base = d.root
	}
	uri, frag, hasFrag := strings.Cut(ref, "#")
	if uri != "" {
		res := d.lookupID(uri)
		if res == nil {
			return nil, fmt.Errorf("remote $ref %q is not followed (sonde never loads schemas from the network or disk)", ref)
		}
		base = res
	}
	if !hasFrag || frag == "" {
		return base, nil
	}
	if f, err := url.PathUnescape(frag); err == nil {
		frag = f
	}
	if strings.HasPrefix(frag, "/") {
		v, ok := pointerGet(base, frag)
		if !ok {
			return nil, fmt.Errorf("$ref %q points at nothing in this schema", ref)
		}
		return v, nil
	}
	if a, ok := d.anchors[frag]; ok {
		return a, nil
	}
	return nil, fmt.Errorf("$ref %q names an anchor this schema does not define", ref)
}

// lookupID finds an embedded resource by its $id. Relative ids are matched
// by suffix, which is what matters in practice ("item.json" against
// "https://example.com/schemas/item.json").
func (d *docIndex) lookupID(uri string) *object {
	if o, ok := d.ids[uri]; ok {
		return o
	}
	for id, o := range d.ids {
		if strings.HasSuffix(id, "/"+uri) || strings.HasSuffix(uri, "/"+id) {
			return o
		}
	}
	return nil
}

// pointerGet follows a JSON pointer inside an ordered value.
func pointerGet(v any, ptr string) (any, bool) {
	for _, tok := range SplitPointer(ptr) {
		switch t := v.(type) {
		case *object:
			x, ok := t.get(tok)
			if !ok {
				return nil, false
			}
			v = x
		case []any:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(t) {
				return nil, false
			}
			v = t[i]
		default:
			return nil, false
		}
	}
	return v, true
}

// refOf returns the reference keyword of a schema object, if any.
func refOf(o *object) string {
	for _, kw := range []string{"$ref", "$dynamicRef", "$recursiveRef"} {
		if r, ok := o.get(kw); ok {
			if s, ok := r.(string); ok {
				return s
			}
		}
	}
	return ""
}
