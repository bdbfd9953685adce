// Package jsonesc writes strings as JSON exactly as encoding/json does
// (HTML escaping on, invalid UTF-8 as \ufffd, U+2028 and U+2029 escaped),
// copying the runs that need no escape eight bytes at a time. The reader's
// canonical JSON and genai_normalize's semconv messages share it: a 4 KB
// message is mostly one such run.
package jsonesc

import (
	"math/bits"
	"strings"
	"unicode/utf8"
)

// Append appends s to b as a JSON string.
func Append(b []byte, s string) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); {
		j, esc, n := next(s, i)
		b = append(append(b, s[i:j]...), esc...)
		i = j + n
	}
	return append(b, '"')
}

// Write writes s to b as a JSON string.
func Write(b *strings.Builder, s string) {
	b.WriteByte('"')
	for i := 0; i < len(s); {
		j, esc, n := next(s, i)
		b.WriteString(s[i:j])
		b.WriteString(esc)
		i = j + n
	}
	b.WriteByte('"')
}

// next finds the first character from i that encoding/json escapes: its
// index, its escape and its length; len(s), "" and 0 when there is none.
func next(s string, i int) (int, string, int) {
	for i < len(s) {
		if i = SkipPlain(s, i); i >= len(s) {
			break
		}
		esc, n := EscapeAt(s, i)
		if esc != "" {
			return i, esc, n
		}
		i += n
	}
	return len(s), "", 0
}

// EscapeAt returns what encoding/json writes for the character at s[i]
// ("" when it is written as it is) and the character's length.
func EscapeAt(s string, i int) (string, int) {
	if c := s[i]; c < utf8.RuneSelf {
		return asciiEscape[c], 1
	}
	switch r, size := utf8.DecodeRuneInString(s[i:]); {
	case r == utf8.RuneError && size == 1:
		return `\ufffd`, 1
	case r == '\u2028':
		return `\u2028`, size
	case r == '\u2029':
		return `\u2029`, size
	default:
		return "", size
	}
}

// asciiEscape is encoding/json's escape of each ASCII byte with HTML
// escaping on; "" for the bytes it writes as they are.
var asciiEscape = func() (t [utf8.RuneSelf]string) {
	const hex = "0123456789abcdef"
	for c := range 0x20 {
		t[c] = `\u00` + string(hex[c>>4]) + string(hex[c&0xF])
	}
	for _, c := range `<>&` {
		t[c] = `\u00` + string(hex[c>>4]) + string(hex[c&0xF])
	}
	t['"'], t['\\'] = `\"`, `\\`
	t['\b'], t['\f'], t['\n'], t['\r'], t['\t'] = `\b`, `\f`, `\n`, `\r`, `\t`
	return t
}()

// SkipPlain returns the index of the first byte from i on that may need
// escaping, looking 32 then 8 bytes at a time; the last len(s)%8 bytes or
// so are left to the caller. The lowest byte special flags in a word is a
// real candidate (spurious flags only follow a real one).
func SkipPlain(s string, i int) int {
	t := s[i:]
	for len(t) >= 32 && (special(load8(t, 0))|special(load8(t, 8))|special(load8(t, 16))|special(load8(t, 24)))&msb == 0 {
		t = t[32:]
	}
	for len(t) >= 8 {
		if w := special(load8(t, 0)) & msb; w != 0 {
			return len(s) - len(t) + bits.TrailingZeros64(w)>>3
		}
		t = t[8:]
	}
	return len(s) - len(t)
}

const (
	lsb = 0x0101010101010101
	msb = 0x8080808080808080
)

// special has the high bit of a byte of w set where a byte of w may need
// escaping: control, non-ASCII, '"' or '&' (equal once bit 2 is set),
// '\\', '<' or '>' (equal once bits 1, 5 and 6 are set, as are '^', '|'
// and '~': spurious yes, the caller looks again). An ASCII byte equal to c
// is the only one for which (b^c)-1 wraps, one below 0x20 the only one for
// which b-0x20 does; a wrap borrows from the byte above (spurious yes
// there, above a real one). Non-ASCII bytes are found by w itself.
func special(w uint64) uint64 {
	return (((w | 0x62*lsb) ^ 0x7e*lsb) - lsb) | (((w | 4*lsb) ^ '&'*lsb) - lsb) | (w - 0x20*lsb) | w
}

// load8 is the 8 bytes of s at i, little-endian: written so that the
// compiler inlines it as one load (the loop runs on every byte of content).
func load8(s string, i int) uint64 {
	s = s[i : i+8]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}
