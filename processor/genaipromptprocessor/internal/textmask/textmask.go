// Package textmask splits prompt text into tokens and masks the parts that
// are variable by their form alone (numbers, ids, emails, URLs, quoted and
// code spans, long tokens), so that two renderings of one template differ
// only where their slot values differ in wording.
package textmask

import (
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
		if byteClass[c]&clsStop == 0 { // the common case first
			dst, i = appendRun(dst, text, i)
			continue
		}
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
			if n > 1 {
				dst = append(dst, tokBlank)
			} else { // one break, or a lone \r
				dst = append(dst, tokNewline)
			}
			i = j
		case c == '`' && hasPrefixAt(text, i, "```"):
			end := indexFrom(text, i+3, "```")
			if end < 0 {
				// unclosed: do not swallow the rest of the text
				dst = append(dst, mk("```", KindPunct))
				i += 3
				continue
			}
			i = end + 3
			dst = append(dst, tokCode)
		case c == '`' && opts.MaskQuoted:
			if end := closeOnLine(text, i+1, '`', maxQ); end > 0 {
				dst = append(dst, tokCode)
				i = end + 1
				continue
			}
			dst = append(dst, punct(text, i))
			i++
		case c == '"' && opts.MaskQuoted:
			if end := closeOnLine(text, i+1, '"', maxQ); end > 0 {
				dst = append(dst, tokQuoted)
				i = end + 1
				continue
			}
			dst = append(dst, punct(text, i))
			i++
		default: // '"' or '`'
			dst = append(dst, punct(text, i))
			i++
		}
	}
	return dst, truncated
}

// appendRun appends the tokens of the chunks (runs of non-space bytes)
// from i up to a line break, a quote or a backquote, and returns where it
// stopped. A chunk is split into words and punctuation in the one pass that
// finds its end; the rare chunk recognized as a whole (URL, email,
// number-like) then takes the place of its tokens.
func appendRun(dst []Token, text string, i int) ([]Token, int) {
	start, mark := i, len(dst)
	var cls byte // classes met in the chunk
	for i < len(text) {
		b := text[i]
		c := byteClass[b]
		if c&clsSpace != 0 {
			if maskable(text[start:i], cls) {
				dst = maskChunk(dst, text[start:i], mark)
			}
			if c&clsStop != 0 {
				return dst, i
			}
			i++
			start, mark, cls = i, len(dst), 0
			continue
		}
		if c&(clsWord|clsAt) == 0 && b < utf8.RuneSelf {
			dst = append(dst, punct(text, i))
			i++
			continue
		}
		k := i + 1
		switch {
		case c&clsWord != 0:
			for k < len(text) && byteClass[text[k]]&clsWord != 0 {
				c |= byteClass[text[k]]
				k++
			}
			if k < len(text) && text[k] >= utf8.RuneSelf {
				k = wordEnd(text, k)
				c |= digitClass(text[i:k])
			}
		case b == '@':
			cls |= clsAt
			dst = append(dst, punct(text, i))
			i++
			continue
		default:
			r, size := utf8.DecodeRuneInString(text[i:])
			if !isWordRune(r) {
				dst = append(dst, mk(text[i:i+size], KindPunct))
				i += size
				continue
			}
			k = wordEnd(text, i+size)
			c = digitClass(text[i:k])
		}
		cls |= c
		if n := k - i; n <= 8 && c&clsDigit == 0 && i+8 <= len(text) {
			// the common short word, hashed here as hashAt does: no call
			// in the loop
			h := shortSeed[n] ^ load64(text[i:])&shortMask[n]
			if n == 8 { // one whole block, then an empty tail
				h = mix64(h)
			}
			dst = append(dst, Token{H: mix64(h) ^ uint64(KindWord), Text: text[i:k], Kind: KindWord})
		} else {
			dst = append(dst, word(text, i, k, c&clsDigit != 0))
		}
		i = k
	}
	if maskable(text[start:i], cls) {
		dst = maskChunk(dst, text[start:i], mark)
	}
	return dst, i
}

// maskable reports whether chunk, holding bytes of the classes cls, may be
// masked whole: only chunks with a digit, an '@' or a URL start ("http",
// "www.") can be.
func maskable(chunk string, cls byte) bool {
	return cls&(clsDigit|clsAt) != 0 || len(chunk) > 4 && (chunk[:2] == "ht" || chunk[:2] == "ww")
}

// maskChunk replaces the tokens of chunk (from dst[mark:]) by one
// placeholder when the chunk is a URL, an email or number-like.
func maskChunk(dst []Token, chunk string, mark int) []Token {
	k := chunkKind(chunk)
	if k == "" {
		return dst
	}
	dst = append(dst[:mark], ph(k))
	// keep trailing sentence punctuation outside the mask
	trim := len(chunk)
	for trim > 0 && isTrailPunct(chunk[trim-1]) {
		trim--
	}
	for t := trim; t < len(chunk); t++ {
		dst = append(dst, punct(chunk, t))
	}
	return dst
}

// wordEnd returns the end of the word going on at k.
func wordEnd(text string, k int) int {
	for k < len(text) {
		if b := text[k]; b < utf8.RuneSelf {
			if byteClass[b]&clsWord == 0 {
				break
			}
			k++
			continue
		}
		r, size := utf8.DecodeRuneInString(text[k:])
		if !isWordRune(r) {
			break
		}
		k += size
	}
	return k
}

// digitClass is clsDigit when w holds a digit.
func digitClass(w string) byte {
	for _, c := range []byte(w) {
		if c >= '0' && c <= '9' {
			return clsDigit
		}
	}
	return 0
}

// word is the token of the word text[i:k]. Numbers of 3+ digits, ids
// mixing letters and digits, and very long words are masked; short numbers
// stay because templates carry them as constants ("in 3 sentences").
// Digits are only counted when the word may hold one.
func word(text string, i, k int, digits bool) Token {
	n := k - i
	if n >= longToken {
		return tokLong
	}
	if digits && n >= 2 {
		d, under := 0, 0
		for _, c := range []byte(text[i:k]) {
			switch {
			case c >= '0' && c <= '9':
				d++
			case c == '_':
				under++
			}
		}
		letters := n - d - under
		switch {
		case letters == 0 && d >= 3:
			return tokNumber
		case d >= 2 && letters > 0 && n >= 6:
			return tokID
		}
	}
	return Token{H: hashAt(text, i, k) ^ uint64(KindWord), Text: text[i:k], Kind: KindWord}
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
	clsDigit byte = 1 << iota // first: adding up c&clsDigit counts digits
	clsSpace                  // ends a chunk (whitespace and quotes)
	clsStop                   // ... and is Append's own: line breaks and quotes
	clsAt
	clsWord // ASCII letter, digit or '_'
)

var byteClass = func() (t [256]byte) {
	for _, c := range []byte{' ', '\t', '\f', '\v'} {
		t[c] = clsSpace
	}
	for _, c := range []byte{'\n', '\r', '"', '`'} {
		t[c] = clsSpace | clsStop
	}
	for c := 0; c < utf8.RuneSelf; c++ {
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' {
			t[c] = clsWord
		}
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = clsDigit | clsWord
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
func Hash(s string) uint64 { return hashAt(s, 0, len(s)) }

// hashAt is Hash(text[i:k]). The last bytes are read with one 8-byte load
// when text goes on far enough past them.
func hashAt(text string, i, k int) uint64 {
	h := hashSeed(k - i)
	for k-i >= 8 {
		h = mix64(h ^ load64(text[i:]))
		i += 8
	}
	var v uint64
	if i+8 <= len(text) {
		v = tail64(text[i:], k-i)
	} else {
		for n := 0; i+n < k; n++ {
			v |= uint64(text[i+n]) << (8 * n)
		}
	}
	return mix64(h ^ v)
}

func hashSeed(n int) uint64 { return fnvOffset ^ uint64(n)*fnvPrime }

// shortSeed and shortMask are hashSeed(n) and the mask of tail64(s, n)
// for the n <= 8 of a short word: read, not computed, per word.
var shortSeed, shortMask = func() (seed, mask [9]uint64) {
	for n := range seed {
		seed[n] = hashSeed(n)
		mask[n] = 1<<(8*n) - 1
	}
	return seed, mask
}()

// tail64 is the first n (<= 8) bytes of s, little-endian; s holds 8.
func tail64(s string, n int) uint64 { return load64(s) & (1<<(8*n) - 1) }

// load64 reads the first 8 bytes of s, little-endian (one load once
// compiled).
func load64(s string) uint64 {
	_ = s[7]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
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

// The tokens written most often, hashed once.
var (
	tokNewline = mk("\n", KindNewline)
	tokBlank   = mk("\n\n", KindNewline)
	tokNumber  = ph(PhNumber)
	tokID      = ph(PhID)
	tokLong    = ph(PhLong)
	tokCode    = ph(PhCode)
	tokQuoted  = ph(PhQuoted)
	tokSep     = Token{H: Hash(PhSep) ^ uint64(KindSep), Text: PhSep, Kind: KindSep}
	punctHash  = func() (t [utf8.RuneSelf]uint64) {
		for c := range t {
			t[c] = Hash(string(rune(c))) ^ uint64(KindPunct)
		}
		return t
	}()
)

// punct is the token of the ASCII punctuation byte at text[i].
func punct(text string, i int) Token {
	return Token{H: punctHash[text[i]], Text: text[i : i+1], Kind: KindPunct}
}

// Sep is the boundary token between the system part and the user part.
func Sep() Token { return tokSep }
