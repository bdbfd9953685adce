package genai

import (
	"encoding/json"
	"math"
	"slices"
	"strconv"

	"github.com/periscope-otel/periscope/internal/jsonesc"
)

// marshalAny returns json.Marshal(x) for the values a JSON decode produces
// (nil, bool, float64, string, []any, map[string]any): the same bytes
// (sorted keys, HTML-safe escaping, encoding/json's float format) without
// reflection. Anything else goes to encoding/json.
func marshalAny(x any) (string, error) {
	b, ok := appendAny(make([]byte, 0, 256), x, 0)
	if !ok {
		out, err := json.Marshal(x)
		return string(out), err
	}
	return string(b), nil
}

func appendAny(b []byte, x any, depth int) ([]byte, bool) {
	if depth > maxAnyDepth {
		return b, false
	}
	switch t := x.(type) {
	case nil:
		return append(b, "null"...), true
	case bool:
		return strconv.AppendBool(b, t), true
	case string:
		return jsonesc.Append(b, t), true
	case float64:
		return appendFloat(b, t)
	case []any:
		if t == nil {
			return append(b, "null"...), true
		}
		b = append(b, '[')
		for i, e := range t {
			if i > 0 {
				b = append(b, ',')
			}
			var ok bool
			if b, ok = appendAny(b, e, depth+1); !ok {
				return b, false
			}
		}
		return append(b, ']'), true
	case map[string]any:
		if t == nil {
			return append(b, "null"...), true
		}
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		b = append(b, '{')
		for i, k := range keys {
			if i > 0 {
				b = append(b, ',')
			}
			b = jsonesc.Append(b, k)
			b = append(b, ':')
			var ok bool
			if b, ok = appendAny(b, t[k], depth+1); !ok {
				return b, false
			}
		}
		return append(b, '}'), true
	}
	return b, false
}

// appendFloat appends a number as encoding/json writes a float64.
func appendFloat(b []byte, t float64) ([]byte, bool) {
	if math.IsNaN(t) || math.IsInf(t, 0) {
		return b, false
	}
	abs := math.Abs(t)
	f := byte('f')
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		f = 'e'
	}
	b = strconv.AppendFloat(b, t, f, -1, 64)
	if f == 'e' {
		// As encoding/json: e-09 becomes e-9.
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b, true
}
