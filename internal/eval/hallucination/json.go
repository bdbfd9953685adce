package hallucination

import (
	"encoding/json"
)

// maskJSON returns text unchanged unless it is a JSON document; then object
// keys and JSON syntax are blanked (same length, so byte offsets still point
// into the original answer) and only the values are checked as claims.
func maskJSON(text string, buf *[]byte) string {
	i := 0
	for i < len(text) && (text[i] == ' ' || text[i] == '\n' || text[i] == '\t' || text[i] == '\r') {
		i++
	}
	if i == len(text) || (text[i] != '{' && text[i] != '[') || !json.Valid([]byte(text)) {
		return text
	}
	b := append((*buf)[:0], text...)
	for k := 0; k < len(b); k++ {
		switch b[k] {
		case '{', '}', '[', ']', ':', ',':
			b[k] = ' '
			// A comma or colon as JSON syntax becomes a line break so
			// values do not run together into one sentence.
			if k > 0 {
				b[k] = '\n'
			}
		case '"':
			// Scan the string; blank it if it is a key (followed by ':').
			j := k + 1
			for j < len(b) && b[j] != '"' {
				if b[j] == '\\' {
					j++
				}
				j++
			}
			if j >= len(b) {
				k = j
				break
			}
			m := j + 1
			for m < len(b) && (b[m] == ' ' || b[m] == '\n' || b[m] == '\t' || b[m] == '\r') {
				m++
			}
			b[k], b[j] = ' ', ' '
			if m < len(b) && b[m] == ':' {
				// A key: every byte (multi-byte runes included) becomes a
				// space, which keeps the length and the text valid UTF-8.
				for x := k; x <= j; x++ {
					b[x] = ' '
				}
			}
			k = j
		}
	}
	*buf = b
	return string(b)
}
