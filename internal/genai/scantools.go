package genai

import (
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/periscope-otel/periscope/internal/jsonesc"
)

// Tool definitions read from JSON text (Vercel ai.prompt.tools items,
// gen_ai.tool.definitions) without building maps: toolDefinitions' rules
// on the index of the object, the schema re-encoded from the text as
// marshalAny writes its decoded value. What the scanner does not read goes
// to the generic decoder.

// scanToolDef reads one tool definition as toolDefinitions reads the
// decoded value of s; keep is false for an item it skips, ok false when
// the scanner does not read s.
func scanToolDef(s string) (d ToolDefinition, keep, ok bool) {
	if scanOff {
		return d, false, false
	}
	sc := jscan{s: s}
	sc.ws()
	var o jobj
	if !sc.index(&o) || !sc.end() {
		return d, false, false
	}
	o.sc.checked = true // index validated all of s
	d.Type = o.str(kType)
	src := &o
	var fn jobj
	if f := o.get(kFunction); f != nil && f.kind == '{' {
		if !o.sub(f, &fn) {
			return d, false, false
		}
		src = &fn
	}
	d.Name, d.Description = src.str(kName), src.str(kDescription)
	if p := src.firstAny(kParameters, kInputSchema, kInputSchemaSnake); p != nil {
		sc := src.value(p)
		b, ok := sc.appendCanon(make([]byte, 0, 256), 0)
		if !ok {
			return d, false, false
		}
		d.Parameters = string(b)
	}
	if d.Type == "" {
		d.Type = "function"
	}
	return d, d.Name != "", true
}

// splitList returns the elements of the JSON array s as toolDefinitions
// items: a string element decoded, anything else as its JSON text (which
// decodes to the element). ok is false when s is not an array validJSON
// accepts.
func splitList(s string) ([]any, bool) {
	sc := jscan{s: s}
	sc.ws()
	if scanOff || sc.i >= len(s) || s[sc.i] != '[' || !validJSON(s) {
		return nil, false
	}
	sc.checked = true
	var out []any
	more, ok := sc.items()
	for ok && more {
		start := sc.i
		if s[start] == '"' {
			var t string
			t, ok = sc.str()
			out = append(out, t)
		} else {
			ok = sc.valid(0)
			out = append(out, s[start:sc.i])
		}
		if ok {
			more, ok = sc.next()
		}
	}
	return out, ok && sc.end()
}

// appendCanon appends the value at sc.i as marshalAny writes its decoded
// value: keys sorted (the last of duplicates kept), encoding/json's string
// escaping and number format. false: not done.
func (sc *jscan) appendCanon(b []byte, depth int) ([]byte, bool) {
	if depth > maxAnyDepth || sc.i >= len(sc.s) {
		return b, false
	}
	switch c := sc.s[sc.i]; {
	case c == '"':
		t, ok := sc.strView()
		return jsonesc.Append(b, t), ok
	case c == '{':
		return sc.appendCanonObject(b, depth)
	case c == '[':
		b = append(b, '[')
		more, ok := sc.items()
		for n := 0; ok && more; n++ {
			if n > 0 {
				b = append(b, ',')
			}
			if b, ok = sc.appendCanon(b, depth+1); ok {
				more, ok = sc.next()
			}
		}
		return append(b, ']'), ok
	case c == 't':
		return append(b, "true"...), sc.lit("true")
	case c == 'f':
		return append(b, "false"...), sc.lit("false")
	case c == 'n':
		return append(b, "null"...), sc.lit("null")
	case c == '-' || ('0' <= c && c <= '9'):
		start := sc.i
		if !sc.number() {
			return b, false
		}
		d, err := strconv.ParseFloat(sc.s[start:sc.i], 64)
		if err != nil {
			return b, false
		}
		return appendFloat(b, d)
	}
	return b, false
}

// member is an object member written by appendCanonObject: its text
// ("key":value) is b[start:end].
type member struct {
	key        string
	start, end int
}

// appendCanonObject writes the members in the document's order; when their
// keys are not strictly increasing, it then writes them again in key order
// in their place.
func (sc *jscan) appendCanonObject(b []byte, depth int) ([]byte, bool) {
	sc.i++ // '{'
	var buf [16]member
	ms := buf[:0]
	mark := len(b)
	b = append(b, '{')
	sorted := true
	sc.ws()
	if !sc.eat('}') {
		for {
			sc.ws()
			k, ok := sc.strView()
			if !ok {
				return b, false
			}
			sc.ws()
			if !sc.eat(':') {
				return b, false
			}
			sc.ws()
			if len(ms) > 0 {
				sorted = sorted && ms[len(ms)-1].key < k
				b = append(b, ',')
			}
			start := len(b)
			b = append(jsonesc.Append(b, k), ':')
			if b, ok = sc.appendCanon(b, depth+1); !ok {
				return b, false
			}
			ms = append(ms, member{k, start, len(b)})
			sc.ws()
			if sc.eat(',') {
				continue
			}
			if sc.eat('}') {
				break
			}
			return b, false
		}
	}
	if sorted {
		return append(b, '}'), true
	}
	slices.SortStableFunc(ms, func(x, y member) int { return strings.Compare(x.key, y.key) })
	end := len(b)
	b = append(b, '{')
	for i, m := range ms {
		if i+1 < len(ms) && ms[i+1].key == m.key {
			continue // a map keeps the last
		}
		if len(b) > end+1 {
			b = append(b, ',')
		}
		b = append(b, b[m.start:m.end]...)
	}
	b = append(b, '}')
	n := copy(b[mark:], b[end:])
	return b[:mark+n], true
}

// strView reads a string value like str, without copying it out of the
// text (for values used while the text is).
func (sc *jscan) strView() (string, bool) {
	if sc.i+1 < len(sc.s) && sc.s[sc.i] == '"' {
		start := sc.i + 1
		end, ascii, ok := sc.run(start)
		if ok && sc.s[end] == '"' && (ascii || utf8.ValidString(sc.s[start:end])) {
			sc.i = end + 1
			return sc.s[start:end], true
		}
	}
	return sc.str()
}
