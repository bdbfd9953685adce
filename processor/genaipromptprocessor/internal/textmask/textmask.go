// Package textmask splits prompt text into tokens and masks the parts that
// are variable by their form alone (numbers, ids, emails, URLs, quoted and
// code spans, long tokens), so that two renderings of one template differ
// only where their slot values differ in wording.
package textmask

import (
	"encoding/binary"
	"unicode"
	"unicode/utf8"
)

// Kind is the class of a token.
type Kind uint8

const (
	KindWord    Kind = iota // letters/digits
	KindPunct               // one punctuation or symbol rune
	KindNewline             // one line break ("\n") or a blank line ("\n\n")
	KindMasked              // a masked variable part; Text is its placeholder
	KindSep                 // boundary between the parts of a call (system | user)
)

// Placeholders written in place of masked parts.
const (
	PhNumber = "<NUM>"
	PhID     = "<ID>"
	PhEmail  = "<EMAIL>"
	PhURL    = "<URL>"
	PhQuoted = "<QUOTED>"
	PhCode   = "<CODE>"
	PhLong   = "<LONG>"
	PhSep    = "<SEP>"
)

// Token is one unit of text. Text is a substring of the input (or a
// placeholder); H is its 64-bit FNV-1a hash.
type Token struct {
	H    uint64
	Text string
	Kind Kind
}

// Options tune the masker.
type Options struct {
	// MaxBytes caps the bytes of text read; 0 means no cap.
	MaxBytes int
	// MaskQuoted masks single-line double-quoted and backquoted spans as
	// one token. Off by default: a slot value holding quotes shifts the
	// pairing, so two renderings of one template would mask differently.
	MaskQuoted bool
	// MaxQuoted is the longest single-line quoted span masked as one
	// token (0 = default 160 bytes).
	MaxQuoted int
}

const (
	defaultMaxQuoted = 160
	longToken        = 32 // a word this long is an identifier or a blob
)

// Append tokenizes text, appends the tokens to dst and returns it together
// with whether the text was cut at MaxBytes.
func Append(dst []Token, text string, opts Options) ([]Token, bool) {
	truncated := false
	if opts.MaxBytes > 0 && len(text) > opts.MaxBytes {
		cut := opts.MaxBytes
		// do not split a rune
		for cut > 0 && !utf8.RuneStart(text[cut]) {
			cut--
		}
		text = text[:cut]
		truncated = true
	}
	maxQ := opts.MaxQuoted
	if maxQ <= 0 {
		maxQ = defaultMaxQuoted
	}
	i := 0
	for i < len(text) {
		c := text[i]
		switch {
		case c == '\n' || c == '\r':
			n := 0
			j := i
			for j < len(text) {
				switch text[j] {
				case '\n':
					n++
					j++
					continue
				case '\r', ' ', '\t':
					j++
					continue
				}
				break
			}
			if n == 0 { // lone \r
				n = 1
			}
			if n > 1 {
				dst = append(dst, mk("\n\n", KindNewline))
			} else {
				dst = append(dst, mk("\n", KindNewline))
			}
			i = j
		case c == ' ' || c == '\t' || c == '\f' || c == '\v':
			i++
		case c == '`' && hasPrefixAt(text, i, "```"):
			end := indexFrom(text, i+3, "```")
			if end < 0 {
				// unclosed: do not swallow the rest of the text
				dst = append(dst, mk("```", KindPunct))
				i += 3
				continue
			}
			i = end + 3
			dst = append(dst, ph(PhCode))
		case c == '`' && opts.MaskQuoted:
			if end := closeOnLine(text, i+1, '`', maxQ); end > 0 {
				dst = append(dst, ph(PhCode))
				i = end + 1
				continue
			}
			dst = append(dst, mk(text[i:i+1], KindPunct))
			i++
		case c == '"' && opts.MaskQuoted:
			if end := closeOnLine(text, i+1, '"', maxQ); end > 0 {
				dst = append(dst, ph(PhQuoted))
				i = end + 1
				continue
			}
			dst = append(dst, mk(text[i:i+1], KindPunct))
			i++
		case c == '"' || c == '`':
			dst = append(dst, mk(text[i:i+1], KindPunct))
			i++
		default:
			// A chunk is a run of non-space bytes; URLs, emails and
			// number-like chunks are recognized as a whole.
			j := i
			var cls byte
			for j < len(text) {
				c := byteClass[text[j]]
				if c&clsSpace != 0 {
					break
				}
				cls |= c
				j++
			}
			chunk := text[i:j]
			// only chunks with a digit, an '@' or a URL start can be masked whole
			maybe := cls&(clsDigit|clsAt) != 0 || (chunk[0] == 'h' || chunk[0] == 'w') && len(chunk) > 4
			k := ""
			if maybe {
				k = chunkKind(chunk)
			}
			if k != "" {
				// keep trailing sentence punctuation outside the mask
				trim := len(chunk)
				for trim > 0 && isTrailPunct(chunk[trim-1]) {
					trim--
				}
				dst = append(dst, ph(k))
				for t := trim; t < len(chunk); t++ {
					dst = append(dst, mk(chunk[t:t+1], KindPunct))
				}
				i = j
				continue
			}
			dst = appendWords(dst, text, i, j)
			i = j
		}
	}
	return dst, truncated
}

var asciiWord = func() (t [utf8.RuneSelf]bool) {
	for c := 0; c < utf8.RuneSelf; c++ {
		t[c] = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_'
	}
	return t
}()

func appendWords(dst []Token, text string, i, j int) []Token {
	for i < j {
		var r rune
		size := 1
		if b := text[i]; b < utf8.RuneSelf {
			r = rune(b)
		} else {
			r, size = utf8.DecodeRuneInString(text[i:j])
		}
		if r == '"' || r == '`' {
			// quotes inside a chunk start a quoted span: let the caller see them
			dst = append(dst, mk(text[i:i+size], KindPunct))
			i += size
			continue
		}
		if isWordRune(r) {
			k := i + size
			for k < j {
				if b := text[k]; b < utf8.RuneSelf { // ASCII fast path
					if !asciiWord[b] {
						break
					}
					k++
					continue
				}
				r2, s2 := utf8.DecodeRuneInString(text[k:j])
				if !isWordRune(r2) {
					break
				}
				k += s2
			}
			dst = append(dst, word(text[i:k]))
			i = k
			continue
		}
		dst = append(dst, mk(text[i:i+size], KindPunct))
		i += size
	}
	return dst
}

// word masks numbers of 3+ digits, ids mixing letters and digits, and very
// long words; short numbers stay because templates carry them as constants
// ("in 3 sentences").
func word(w string) Token {
	digits, letters := 0, 0
	for i := 0; i < len(w); i++ {
		c := w[i]
		switch {
		case c >= '0' && c <= '9':
			digits++
		case c == '_':
		default:
			letters++
		}
	}
	switch {
	case len(w) >= longToken:
		return ph(PhLong)
	case letters == 0 && digits >= 3:
		return ph(PhNumber)
	case digits >= 2 && letters > 0 && len(w) >= 6:
		return ph(PhID)
	}
	return mk(w, KindWord)
}

func chunkKind(c string) string {
	if len(c) < 4 {
		return ""
	}
	if (c[0] == 'h' || c[0] == 'w') && (hasPrefixAt(c, 0, "http://") || hasPrefixAt(c, 0, "https://") || hasPrefixAt(c, 0, "www.")) {
		return PhURL
	}
	// one pass: an '@' (email), or digits with separators only (dates,
	// times, prices)
	digits, seps, other, at := 0, 0, 0, -1
	for i := 0; i < len(c); i++ {
		b := c[i]
		switch {
		case b >= '0' && b <= '9':
			digits++
		case b == '-' || b == '/' || b == ':' || b == '.' || b == ',' || b == '$' || b == '%' || b == '+':
			seps++
		case b == '@':
			if at < 0 {
				at = i
			}
			other++
		default:
			other++
		}
	}
	if other == 0 && digits >= 3 && seps > 0 {
		return PhNumber
	}
	if at > 0 && at < len(c)-3 {
		dot := indexByte(c[at:], '.')
		if dot > 1 && at+dot < len(c)-1 && isWordByte(c[at-1]) && isWordByte(c[at+1]) {
			return PhEmail
		}
	}
	return ""
}

func closeOnLine(text string, from int, q byte, maxLen int) int {
	for k := from; k < len(text) && k-from <= maxLen; k++ {
		switch text[k] {
		case q:
			if k == from {
				return -1 // empty quotes are template text
			}
			return k
		case '\n':
			return -1
		}
	}
	return -1
}

const (
	clsSpace byte = 1 << iota // ends a chunk (whitespace and quotes)
	clsDigit
	clsAt
)

var byteClass = func() (t [256]byte) {
	for _, c := range []byte{' ', '\t', '\n', '\r', '\f', '\v', '"', '`'} {
		t[c] = clsSpace
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = clsDigit
	}
	t['@'] = clsAt
	return t
}()

func isTrailPunct(b byte) bool {
	return b == '.' || b == ',' || b == ';' || b == ':' || b == ')' || b == '!' || b == '?' || b == ']' || b == '\''
}

func isWordByte(b byte) bool {
	return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || b == '_' || b == '-'
}

func isWordRune(r rune) bool {
	if r < utf8.RuneSelf {
		return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_'
	}
	if r == utf8.RuneError {
		return false
	}
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r)
}

func hasPrefixAt(s string, i int, p string) bool {
	return len(s)-i >= len(p) && s[i:i+len(p)] == p
}

func indexFrom(s string, i int, p string) int {
	for k := i; k+len(p) <= len(s); k++ {
		if s[k:k+len(p)] == p {
			return k
		}
	}
	return -1
}

func indexByte(s string, b byte) int {
	for i := 0; i < len(s); i++ {
		if s[i] == b {
			return i
		}
	}
	return -1
}

const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

// Hash is a 64-bit hash of s: words of up to 8 bytes are hashed in one
// multiply-mix step, longer ones 8 bytes at a time.
func Hash(s string) uint64 {
	h := uint64(fnvOffset) ^ uint64(len(s))*fnvPrime
	for len(s) >= 8 {
		h = mix64(h ^ binary.LittleEndian.Uint64([]byte(s[:8])))
		s = s[8:]
	}
	var v uint64
	for i := 0; i < len(s); i++ {
		v |= uint64(s[i]) << (8 * i)
	}
	return mix64(h ^ v)
}

// mix64 is the finalizer of SplitMix64.
func mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

func mk(s string, k Kind) Token { return Token{H: Hash(s) ^ uint64(k), Text: s, Kind: k} }

func ph(p string) Token { return Token{H: Hash(p) ^ uint64(KindMasked), Text: p, Kind: KindMasked} }

// Sep is the boundary token between the system part and the user part.
func Sep() Token { return Token{H: Hash(PhSep) ^ uint64(KindSep), Text: PhSep, Kind: KindSep} }
