package schema

// The validator does not memoise: a value reached through two anyOf
// branches is evaluated twice, and nested combinators multiply. A hostile
// schema can make that exponential in a small document, e.g.
//
//	{"$defs":{"a":{"anyOf":[{"$ref":"#/$defs/b"},{"$ref":"#/$defs/b"}]}, "b":…}}
//
// estimateCost counts, with memoisation, how many (subschema, value)
// evaluations validating instance could take, saturating at
// MaxEvaluations+1. It over-approximates (every applicator is assumed to
// run), so a result under the limit is a real bound.

type costKey struct {
	s *object
	v any // *object, *[]any wrapper or leaf marker; see costNode
}

type inode struct {
	obj   *object
	arr   []*inode
	props map[string]*inode
	keys  []string
}

type coster struct {
	d       *docIndex
	memo    map[costKey]int
	active  map[costKey]bool
	entries int
}

const maxCostEntries = 500_000

func estimateCost(d *docIndex, instance any) int {
	c := &coster{d: d, memo: map[costKey]int{}, active: map[costKey]bool{}}
	return c.cost(d.root, buildInode(instance), d.root)
}

func buildInode(v any) *inode {
	n := &inode{}
	switch t := v.(type) {
	case *object:
		n.obj = t
		n.props = make(map[string]*inode, len(t.keys))
		n.keys = t.keys
		for _, k := range t.keys {
			n.props[k] = buildInode(t.vals[k])
		}
	case []any:
		n.arr = make([]*inode, len(t))
		for i, x := range t {
			n.arr[i] = buildInode(x)
		}
	}
	return n
}

func (c *coster) cost(s any, n *inode, base any) int {
	o, ok := s.(*object)
	if !ok {
		return 1
	}
	key := costKey{o, n}
	if v, ok := c.memo[key]; ok {
		return v
	}
	if c.active[key] {
		return 1 // same schema at the same value: the validator reports a cycle
	}
	c.entries++
	if c.entries > maxCostEntries {
		return MaxEvaluations + 1
	}
	c.active[key] = true
	defer delete(c.active, key)

	if id := o.str("$id"); id != "" && id[0] != '#' {
		base = o
	}
	total := 1
	add := func(x int) bool {
		total += x
		return total > MaxEvaluations
	}
	if ref := refOf(o); ref != "" {
		if t, err := c.d.resolve(ref, base); err == nil {
			if add(c.cost(t, n, base)) {
				return c.done(key, total)
			}
		}
	}
	for _, kw := range []string{"allOf", "anyOf", "oneOf"} {
		for _, sub := range o.arr(kw) {
			if add(c.cost(sub, n, base)) {
				return c.done(key, total)
			}
		}
	}
	for _, kw := range []string{"not", "if", "then", "else"} {
		if sub, ok := o.get(kw); ok {
			if add(c.cost(sub, n, base)) {
				return c.done(key, total)
			}
		}
	}
	for _, kw := range []string{"dependentSchemas", "dependencies"} {
		if deps := o.obj(kw); deps != nil {
			for _, k := range deps.keys {
				if add(c.cost(deps.vals[k], n, base)) {
					return c.done(key, total)
				}
			}
		}
	}
	if n.obj != nil {
		props := o.obj("properties")
		pats := o.obj("patternProperties")
		for _, k := range n.keys {
			child := n.props[k]
			if sub, ok := props.get(k); ok {
				if add(c.cost(sub, child, base)) {
					return c.done(key, total)
				}
			}
			if pats != nil {
				for _, p := range pats.keys {
					if add(c.cost(pats.vals[p], child, base)) {
						return c.done(key, total)
					}
				}
			}
			for _, kw := range []string{"additionalProperties", "unevaluatedProperties"} {
				if sub, ok := o.get(kw); ok {
					if add(c.cost(sub, child, base)) {
						return c.done(key, total)
					}
				}
			}
		}
		if _, ok := o.get("propertyNames"); ok {
			if add(len(n.keys)) {
				return c.done(key, total)
			}
		}
	}
	if n.arr != nil {
		tuple := o.arr("prefixItems")
		if items, ok := o.get("items"); ok {
			if a, isArr := items.([]any); isArr {
				tuple = a
			}
		}
		for i, child := range n.arr {
			if i < len(tuple) {
				if add(c.cost(tuple[i], child, base)) {
					return c.done(key, total)
				}
			}
			for _, kw := range []string{"items", "additionalItems", "unevaluatedItems", "contains"} {
				sub, ok := o.get(kw)
				if !ok {
					continue
				}
				if _, isArr := sub.([]any); isArr {
					continue
				}
				if add(c.cost(sub, child, base)) {
					return c.done(key, total)
				}
			}
		}
	}
	return c.done(key, total)
}

func (c *coster) done(key costKey, total int) int {
	if total > MaxEvaluations {
		total = MaxEvaluations + 1
	}
	c.memo[key] = total
	return total
}
