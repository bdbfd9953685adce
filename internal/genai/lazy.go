package genai

import (
	"strings"
	"unicode/utf8"

	"go.opentelemetry.io/collector/pdata/pcommon"
)

// Deferred decoding of the lower-priority content families (legacy
// gen_ai.prompt/completion, Vercel ai.prompt and ai.prompt.messages,
// Langfuse input/output, Logfire request/response, MLflow inputs/outputs).
// A span often carries several: after genai_normalize it carries the
// semconv messages too, which win, so the others are never used. Such a
// document is validated where it is met (zero allocations, so problems are
// reported exactly as before, in the same order) and read only if resolve
// reaches it, by the dialect scanner (scanchat.go) or else decoded. What
// the validator cannot vouch for is decoded at once, as before.

// lazyDoc is a JSON document that json.Unmarshal is known to accept; it
// decodes to neither nil nor a string.
type lazyDoc struct{ s string }

// lazyContent is content() for the deferred families.
func (r *reader) lazyContent(k string, v pcommon.Value) any {
	if !r.opts.Content {
		return nil
	}
	if v.Type() == pcommon.ValueTypeStr {
		s := strings.TrimSpace(v.Str())
		if s != "" && (s[0] == '[' || s[0] == '{') && r.deferrable(s) {
			return lazyDoc{s}
		}
	}
	return r.content(k, v)
}

// deferrable reports whether decodeJSON would decode s without a problem,
// so it may be decoded later.
func (r *reader) deferrable(s string) bool {
	return len(s) <= r.b.remaining*maxParseFactor+4096 && validJSON(s)
}

// force returns the decoded value of a deferred document (x otherwise).
func force(x any) any {
	if d, ok := x.(lazyDoc); ok {
		v, err := unmarshalAny(d.s)
		if err != nil {
			return nil // not reached: validJSON vouched for it
		}
		return v
	}
	return x
}

// validJSON reports whether s is one JSON value that json.Unmarshal into an
// any accepts. It may refuse valid documents (invalid UTF-8 in strings, deep
// nesting), never accept an invalid one.
func validJSON(s string) bool {
	sc := jscan{s: s}
	sc.ws()
	return sc.valid(0) && sc.end()
}

func (sc *jscan) valid(depth int) bool { return sc.value(depth, true) }

// validStr passes over a string without building it.
func (sc *jscan) validStr() bool {
	if !sc.eat('"') {
		return false
	}
	s := sc.s
	i := sc.i
	for {
		end, ascii, ok := sc.run(i)
		if !ok || (!ascii && !utf8.ValidString(s[i:end])) {
			return false
		}
		if s[end] == '"' {
			sc.i = end + 1
			return true
		}
		// A backslash: one escape sequence.
		if end+1 >= len(s) {
			return false
		}
		switch s[end+1] {
		case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			i = end + 2
		case 'u':
			if hex4(s, end+2) < 0 {
				return false
			}
			i = end + 6
		default:
			return false
		}
	}
}
