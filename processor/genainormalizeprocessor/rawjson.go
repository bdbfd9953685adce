package genainormalizeprocessor

import (
	"strings"

	"github.com/periscope-otel/periscope/internal/jsonesc"
)

// JSON text written as json.Marshal writes a json.RawMessage of it
// (compacted, HTML-escaped) without encoding/json's byte-at-a-time
// scanner: one validating pass tells whether the text is JSON and whether
// it is already in that form (then it is written as it is, the common
// case: instrumentations send compact JSON). The reader's validator
// (internal/genai) is not this one: it may refuse valid text (invalid
// UTF-8, deep nesting), where the output here must be json.Marshal's.

// jsonText is what scanJSON found.
type jsonText uint8

const (
	notJSON   jsonText = iota
	plainJSON          // written back unchanged
	looseJSON          // space between tokens, or bytes json.Marshal escapes
)

// maxJSONDepth is encoding/json's nesting limit: deeper text is not JSON.
const maxJSONDepth = 10000

// jsonScan validates JSON text as encoding/json's scanner does.
type jsonScan struct {
	s     string
	i     int
	loose bool
}

// scanJSON reports whether s is one JSON value as json.Valid accepts it,
// and whether json.Marshal would write it back unchanged.
func scanJSON(s string) jsonText {
	sc := jsonScan{s: s}
	var buf [32]byte
	open := buf[:0] // the bracket of each open array and object
	for {
		sc.space()
		if sc.i >= len(s) {
			return notJSON
		}
		switch c := s[sc.i]; c {
		case '[', '{':
			if len(open) == maxJSONDepth {
				return notJSON
			}
			sc.i++
			sc.space()
			if sc.i < len(s) && s[sc.i] == c+2 { // ']' or '}': empty
				sc.i++
				break
			}
			open = append(open, c)
			if c == '{' && !sc.key() {
				return notJSON
			}
			continue
		case '"':
			if !sc.str() {
				return notJSON
			}
		case 't', 'f', 'n':
			if !sc.literal() {
				return notJSON
			}
		default:
			if !sc.number() {
				return notJSON
			}
		}
		// A value ended: close the containers it ends, then a comma
		// leads to the next element or member.
		if !sc.next(&open) {
			return notJSON
		}
		if len(open) == 0 {
			if sc.loose {
				return looseJSON
			}
			return plainJSON
		}
	}
}

// next moves past what follows a value: closing brackets, then a comma
// (and the key of an object member) or the end of the text.
func (sc *jsonScan) next(open *[]byte) bool {
	s := sc.s
	for {
		sc.space()
		n := len(*open)
		if n == 0 {
			return sc.i == len(s)
		}
		if sc.i >= len(s) {
			return false
		}
		c, top := s[sc.i], (*open)[n-1]
		sc.i++
		if c == top+2 {
			*open = (*open)[:n-1]
			continue
		}
		return c == ',' && (top == '[' || sc.key())
	}
}

// key reads an object member's key and its colon.
func (sc *jsonScan) key() bool {
	sc.space()
	if sc.i >= len(sc.s) || sc.s[sc.i] != '"' || !sc.str() {
		return false
	}
	sc.space()
	if sc.i >= len(sc.s) || sc.s[sc.i] != ':' {
		return false
	}
	sc.i++
	return true
}

func (sc *jsonScan) space() {
	for sc.i < len(sc.s) {
		switch sc.s[sc.i] {
		case ' ', '\t', '\n', '\r':
			sc.i++
			sc.loose = true
		default:
			return
		}
	}
}

// str reads a string: any byte but '"', '\\' and controls, and the
// escapes JSON defines (the bytes need not be UTF-8).
func (sc *jsonScan) str() bool {
	s := sc.s
	for i := sc.i + 1; ; {
		i = jsonesc.SkipPlain(s, i)
		if i >= len(s) {
			return false
		}
		switch c := s[i]; {
		case c == '"':
			sc.i = i + 1
			return true
		case c == '\\':
			n := escapeLen(s[i+1:])
			if n == 0 {
				return false
			}
			i += 1 + n
		case c < 0x20:
			return false
		case c == '<' || c == '>' || c == '&' || isLineSep(s, i):
			sc.loose = true
			i++
		default:
			i++
		}
	}
}

// escapeLen is the length of the escape after a backslash at the start of
// s, 0 when it is not one.
func escapeLen(s string) int {
	if s == "" {
		return 0
	}
	switch s[0] {
	case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
		return 1
	case 'u':
		if len(s) < 5 {
			return 0
		}
		for i := 1; i < 5; i++ {
			if c := s[i] | 0x20; !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
				return 0
			}
		}
		return 5
	}
	return 0
}

// isLineSep reports whether U+2028 or U+2029 starts at s[i], as
// encoding/json finds them.
func isLineSep(s string, i int) bool {
	return s[i] == 0xE2 && i+2 < len(s) && s[i+1] == 0x80 && s[i+2]&^1 == 0xA8
}

func (sc *jsonScan) literal() bool {
	for _, w := range [...]string{"true", "false", "null"} {
		if strings.HasPrefix(sc.s[sc.i:], w) {
			sc.i += len(w)
			return true
		}
	}
	return false
}

// number reads -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?.
func (sc *jsonScan) number() bool {
	s, i := sc.s, sc.i
	if i < len(s) && s[i] == '-' {
		i++
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case i < len(s) && '1' <= s[i] && s[i] <= '9':
		i = digits(s, i)
	default:
		return false
	}
	if i < len(s) && s[i] == '.' {
		if i = digits(s, i+1); s[i-1] == '.' {
			return false
		}
	}
	if i < len(s) && s[i]|0x20 == 'e' {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		j := digits(s, i)
		if j == i {
			return false
		}
		i = j
	}
	sc.i = i
	return true
}

func digits(s string, i int) int {
	for i < len(s) && '0' <= s[i] && s[i] <= '9' {
		i++
	}
	return i
}

// writeJSON writes the JSON text s (t from scanJSON, not notJSON) as
// json.Marshal writes a json.RawMessage of it: space between tokens
// dropped; '<', '>', '&', U+2028 and U+2029 escaped.
func writeJSON(b *strings.Builder, s string, t jsonText) {
	if t == plainJSON {
		b.WriteString(s)
		return
	}
	start, inStr := 0, false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"':
			inStr = !inStr
		case c == '\\':
			i++ // in a string: the escaped byte is written as it is
		case !inStr && (c == ' ' || c == '\t' || c == '\n' || c == '\r'):
			b.WriteString(s[start:i])
			start = i + 1
		case c == '<' || c == '>' || c == '&' || isLineSep(s, i):
			esc, n := jsonesc.EscapeAt(s, i)
			b.WriteString(s[start:i])
			b.WriteString(esc)
			i += n - 1
			start = i + 1
		}
	}
	b.WriteString(s[start:])
}
