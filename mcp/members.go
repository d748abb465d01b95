package mcp

import "bytes"

// Members returns the params, result and error members of a JSON-RPC
// message object as they are in raw (subslices, not copies), in one pass
// and without decoding anything: for readers that decode one member after
// routing (the session state decodes params once). As with encoding/json,
// the last of repeated keys wins. ok is false when the fast path cannot
// tell (not an object, a key written with escapes, nesting deeper than
// the scanner follows, bad JSON): decode with encoding/json then.
func Members(raw []byte) (params, result, errMember []byte, ok bool) {
	n := len(raw)
	i := skipWS(raw, 0)
	if i >= n || raw[i] != '{' {
		return nil, nil, nil, false
	}
	i = skipWS(raw, i+1)
	if i < n && raw[i] == '}' {
		return nil, nil, nil, skipWS(raw, i+1) == n
	}
	for {
		if i >= n || raw[i] != '"' {
			return nil, nil, nil, false
		}
		end, err := skipStr(raw, i)
		if err != nil {
			return nil, nil, nil, false
		}
		key := raw[i+1 : end-1]
		if bytes.IndexByte(key, '\\') >= 0 {
			return nil, nil, nil, false // an escaped key may spell a member
		}
		i = skipWS(raw, end)
		if i >= n || raw[i] != ':' {
			return nil, nil, nil, false
		}
		start := skipWS(raw, i+1)
		stop, err := skipValue(raw, start)
		if err != nil {
			return nil, nil, nil, false
		}
		switch string(key) {
		case "params":
			params = raw[start:stop]
		case "result":
			result = raw[start:stop]
		case "error":
			errMember = raw[start:stop]
		}
		i = skipWS(raw, stop)
		switch {
		case i < n && raw[i] == ',':
			i = skipWS(raw, i+1)
		case i < n && raw[i] == '}':
			return params, result, errMember, skipWS(raw, i+1) == n
		default:
			return nil, nil, nil, false
		}
	}
}
