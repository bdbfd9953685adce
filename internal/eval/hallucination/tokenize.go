package hallucination

import (
	"encoding/binary"
	"math/bits"
	"unicode"
	"unicode/utf8"
	"unsafe"
)

// Token kinds.
const (
	kindWord   uint8 = iota
	kindNumber       // digits, spelled numbers, ordinals
	kindScript       // one rune of a script written without spaces (Han, Kana, Thai...)
	kindSymbol       // %, currency signs
	kindLex          // hash space of the closed-class lexicon (lower case, unstemmed)
)

// Token flags.
const (
	flagStop    uint8 = 1 << iota // function word: no claim of its own
	flagNeg                       // negator ("not", "never", "isn't")
	flagCap                       // capitalised inside a sentence: likely a name
	flagDate                      // month or weekday
	flagFirst                     // first token of its sentence
	flagApology                   // apology / inability ("sorry", "unable"): marks a refusal
)

// maxSentenceTokens bounds a sentence: text without punctuation (tables,
// transcripts) is cut into windows so alignment stays local and cheap.
const maxSentenceTokens = 48

type token struct {
	h          uint64
	hStrip     uint64 // hash of the word without its negating prefix (un-, non-...), or 0
	start, end int32  // byte offsets in the source text
	sent       int32  // sentence index (global across pieces)
	kind       uint8
	flags      uint8
	initial    byte // first byte of the lower-cased word (acronym checks)
}

func (t *token) content() bool { return t.flags&flagStop == 0 }

// tokenizer turns text into tokens: runs of Unicode letters, marks and
// digits (plus inner apostrophes and digit separators), each rune of an
// unspaced script, and a few symbols that qualify numbers.
type tokenizer struct {
	buf    []byte // normalised form of the current token
	sent   int32
	n      int     // tokens in the current sentence
	keys   *keySet // if set, gets the key of every token's normalised form (the answer)
	only   *keySet // if set, a plain word whose key is absent is not hashed (the context)
	memo   *wordMemo
	cache  *callCache // if set (with only), short plain words are looked up there
	nw     normWord   // a normal form the memo does not hold
	hashed int        // tokens pushed with a hash (what the context index holds)
}

// keySet holds word keys (see wordKey) in a Bloom-style bit set. The
// context is read after the answer: a context word can only matter through
// a hash the answer checks (its own words, their opposites and
// prefix-stripped forms), so a plain word whose key the answer lacks is
// pushed without hash (h 0) or stemming; a false positive only costs the
// full work.
type keySet [256]uint64

// wordKey is the first three bytes (fewer for a shorter word) of a
// normalised word: stem never changes them, so a word and its stem share
// the key.
func wordKey[T string | []byte](b T) uint32 {
	switch {
	case len(b) >= 3:
		return 3<<24 | uint32(b[0])<<16 | uint32(b[1])<<8 | uint32(b[2])
	case len(b) == 2:
		return 2<<24 | uint32(b[0])<<8 | uint32(b[1])
	case len(b) == 1:
		return 1<<24 | uint32(b[0])
	}
	return 0
}

func (s *keySet) add(k uint32) {
	i := (k * 0x9e3779b1) >> 18
	s[i>>6] |= 1 << (i & 63)
}

func (s *keySet) has(k uint32) bool {
	i := (k * 0x9e3779b1) >> 18
	return s[i>>6]&(1<<(i&63)) != 0
}

// mixKind folds the token kind into a word hash, so "2" the number and a
// word that happens to hash alike never meet.
func mixKind(h uint64, kind uint8) uint64 {
	return h ^ (uint64(kind)+1)*0x9e3779b97f4a7c15
}

// hash64 is a small multiply-xorshift hash over 8-byte words: tokens are
// short, and this is several times cheaper than a general-purpose hash.
func hash64(b []byte) uint64 {
	const m = 0xff51afd7ed558ccd
	h := uint64(len(b)) * 0x9e3779b97f4a7c15
	for len(b) >= 8 {
		h = (h ^ binary.LittleEndian.Uint64(b)) * m
		h ^= h >> 32
		b = b[8:]
	}
	h = (h ^ loadShort(b)) * m
	h ^= h >> 33
	h *= 0xc4ceb9fe1a85ec53
	h ^= h >> 29
	return h
}

// loadShort reads the 0-8 bytes of b little-endian, zero-padded, from
// two overlapping loads.
func loadShort(b []byte) uint64 {
	switch n := len(b); {
	case n == 8:
		return binary.LittleEndian.Uint64(b)
	case n >= 4:
		return uint64(binary.LittleEndian.Uint32(b)) | uint64(binary.LittleEndian.Uint32(b[n-4:]))<<(8*(n-4))
	case n >= 2:
		return uint64(binary.LittleEndian.Uint16(b)) | uint64(binary.LittleEndian.Uint16(b[n-2:]))<<(8*(n-2))
	case n == 1:
		return uint64(b[0])
	}
	return 0
}

func hashBytes(b []byte, kind uint8) uint64 {
	return mixKind(hash64(b), kind)
}

func unspaced(r rune) bool {
	return unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Thai,
		unicode.Lao, unicode.Khmer, unicode.Myanmar, unicode.Tibetan)
}

func wordRune(r rune) bool {
	if r < utf8.RuneSelf {
		return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9'
	}
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r)
}

func isDigit(b byte) bool { return '0' <= b && b <= '9' }

// Byte classes of ASCII letters and digits (0 for every other byte), so a
// word is scanned with one table load per byte.
const (
	clLower uint8 = 1 << iota
	clUpper
	clDigit
	clOther // in a word: anything else (marks the word as not plain)
)

var byteClass = func() (t [256]uint8) {
	for c := 'a'; c <= 'z'; c++ {
		t[c] = clLower
		t[c-32] = clUpper
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = clDigit
	}
	return t
}()

// newSentence closes the current sentence if it has tokens.
func (z *tokenizer) newSentence() {
	if z.n > 0 {
		z.sent++
		z.n = 0
	}
}

// run appends the tokens of s (offsets relative to s) to out.
func (z *tokenizer) run(s string, out []token) []token {
	z.newSentence()
	src := unsafe.Slice(unsafe.StringData(s), len(s)) // read only, for lowerRun
	i := 0
	for i < len(s) {
		c := s[i]
		if c == ' ' {
			i++
			continue
		}
		// Most words are plain: lowercase ASCII letters ended by a space
		// or punctuation. In the context, short ones go through the cache.
		if byteClass[c] == clLower {
			if n, v := shortPlain(src, i); n > 0 && z.cache != nil {
				// The cache hit inline: a call here would spill the loop's
				// state. Running text is mostly such words one space apart:
				// they are read in this inner loop.
				for {
					sh := uint(64-8*n) & 63
					v = v << sh >> sh // the word's bytes, zero-padded
					if e := z.cache.at(v); e.w == v && e.gen == z.cache.gen {
						out = z.push(i, i+n, e.h, e.hStrip, e.kind, e.flags, byte(v), out)
					} else {
						out = z.cacheWord(s, i, i+n, e, v, out)
					}
					i += n
					if src[i] != ' ' {
						break // shortPlain saw the byte
					}
					i++
					if n, v = shortPlain(src, i); n == 0 {
						break
					}
				}
				continue
			}
			if end := plainWord(src, i); end > 0 {
				if w := s[i:end]; z.unkept(w) {
					out = z.push(i, end, 0, stripUnkept(z.only, w), kindWord, 0, c, out)
				} else {
					out = z.place(s, i, end, z.normal(w, true), out)
				}
				i = end
				if src[i] == ' ' {
					i++ // plainWord saw the byte
				}
				continue
			}
		}
		if c < utf8.RuneSelf && byteClass[c] == 0 {
			switch c {
			case '.', '!', '?':
				if z.endsSentence(s, i, out) {
					z.newSentence()
				}
			case '\n':
				z.newSentence()
			case '%', '$':
				out = z.emitSymbol(s, i, i+1, out)
			}
			i++
			continue
		}
		r, size, cls := rune(c), 1, byteClass[c]
		if c >= utf8.RuneSelf {
			cls = clOther
			r, size = utf8.DecodeRuneInString(s[i:])
			switch {
			case r == '€' || r == '£' || r == '¥':
				out = z.emitSymbol(s, i, i+size, out)
				i += size
				continue
			case r == '。' || r == '！' || r == '？' || r == '\u2028' || r == '\u2029':
				z.newSentence()
				i += size
				continue
			case unspaced(r):
				out = z.emitScript(s, i, i+size, out)
				i += size
				continue
			case !wordRune(r):
				i += size
				continue
			}
		}
		// A word: letters, marks, digits; inner apostrophes; digit
		// separators between digits (1,000.5).
		start := i
		i += size
		for i < len(s) {
			if i+8 <= len(s) {
				n := lowerRun(src, i)
				i += n
				if n > 0 {
					cls |= clLower
				}
				if n == 8 {
					continue
				}
			}
			if cl := byteClass[s[i]]; cl != 0 {
				cls |= cl
				i++
				continue
			}
			if c := s[i]; c < utf8.RuneSelf && !joiners[c] {
				break
			}
			n := wordGoesOn(s, start, i)
			if n == 0 {
				break
			}
			cls |= clOther
			i += n
		}
		if w := s[start:i]; cls == clLower && z.unkept(w) {
			out = z.push(start, i, 0, stripUnkept(z.only, w), kindWord, 0, w[0], out)
			continue
		}
		out = z.place(s, start, i, z.normal(s[start:i], cls == clLower), out)
	}
	return out
}

// unkept reports whether the plain word w (lowercase ASCII letters) of the
// context is one the answer cannot share: it gets no hash (see keySet).
func (z *tokenizer) unkept(w string) bool {
	return z.only != nil && !lexCandidate(w) && !z.only.has(wordKey(w))
}

// plainWord returns the end of the word that starts at src[i] when it is
// lowercase ASCII letters ended by a byte no such word takes in (space,
// most punctuation), else 0: most words are, and need none of the
// general scan's cases.
func plainWord(src []byte, i int) int {
	for j := i; j+8 <= len(src); {
		n := lowerRun(src, j)
		j += n
		if n < 8 {
			if plainEnds[src[j]] {
				return j
			}
			return 0
		}
	}
	return 0 // near the end of the text: the general scan
}

// shortPlain returns the length n of the word at src[i] when it starts
// with a lowercase letter, has at most eight letters (and src[i+n] is
// readable) and plainWord would end it there, else 0; and the eight bytes
// from src[i] (the word's come first).
func shortPlain(src []byte, i int) (n int, v uint64) {
	if i+8 >= len(src) {
		return 0, 0
	}
	v = binary.LittleEndian.Uint64(src[i:])
	if n = lowerLen(v); !plainEnds[src[i+n]] {
		return 0, 0
	}
	return n, v
}

// plainEnds are the ASCII bytes that end a word of letters: all but
// letters, digits, an apostrophe or a hyphen (which may join the next
// letters, see wordGoesOn). ',' and '.' join only digits.
var plainEnds = func() (t [256]bool) {
	for c := 0; c < utf8.RuneSelf; c++ {
		t[c] = byteClass[c] == 0 && c != '\'' && c != '-'
	}
	return t
}()

// lowerRun returns how many of the eight bytes from src[i] on are ASCII
// lowercase letters before the first one that is not. Bytes are masked
// to seven bits before the range test, so no addition carries.
func lowerRun(src []byte, i int) int {
	return lowerLen(binary.LittleEndian.Uint64(src[i:]))
}

// lowerLen is lowerRun of the eight bytes of v (little-endian).
func lowerLen(v uint64) int {
	const ones = 0x0101010101010101
	x := v & (ones * 0x7f)
	m := (x + ones*(0x80-'a')) &^ (x + ones*(0x80-'z'-1)) &^ v & (ones * 0x80)
	return bits.TrailingZeros64(^m&(ones*0x80)) >> 3
}

// joiners are the ASCII bytes that may continue a word (see wordGoesOn).
var joiners = [utf8.RuneSelf]bool{',': true, '.': true, '\'': true, '-': true}

// wordGoesOn returns how many bytes from s[i] (not an ASCII letter or
// digit) the word begun at start takes in, 0 if it ends before s[i].
func wordGoesOn(s string, start, i int) int {
	c := s[i]
	if c < utf8.RuneSelf {
		switch {
		case (c == ',' || c == '.') && i+1 < len(s) && isDigit(s[i+1]) && isDigit(s[i-1]):
			return 2
		case c == '\'' && i+1 < len(s) && isLetterASCII(s[i+1]):
			return 2
		// A negating prefix keeps its word: "non-GAAP" is one token,
		// written as "nongaap", so the polarity checks see it.
		case c == '-' && i+1 < len(s) && isLetterASCII(s[i+1]) && gluePrefix(s[start:i]):
			return 2
		}
		return 0
	}
	r, sz := utf8.DecodeRuneInString(s[i:])
	if r == '’' && i+sz < len(s) && isLetterASCII(s[i+sz]) {
		return sz + 1
	}
	if unspaced(r) || !wordRune(r) {
		return 0
	}
	return sz
}

func isLetterASCII(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

// endsSentence decides whether the terminator at s[i] ends a sentence:
// it must be followed by space or the end, and a dot must not close an
// abbreviation or an initial ("C. V. Raman").
func (z *tokenizer) endsSentence(s string, i int, out []token) bool {
	if i+1 < len(s) {
		n := s[i+1]
		if n != ' ' && n != '\n' && n != '\t' && n != '\r' && n != '"' && n != '\'' && n != ')' {
			return false
		}
	}
	if s[i] != '.' || z.n == 0 || len(out) == 0 {
		return true
	}
	last := out[len(out)-1]
	if int(last.end) != i {
		return true
	}
	w := s[last.start:last.end]
	if len(w) == 1 && w[0] >= 'A' && w[0] <= 'Z' {
		return false
	}
	if w == "al" && len(out) > 1 && s[out[len(out)-2].start:out[len(out)-2].end] == "et" {
		return false // "et al."
	}
	if len(w) <= 5 {
		var low [5]byte
		for k := 0; k < len(w); k++ {
			low[k] = w[k] | 0x20
		}
		if _, ok := abbreviations[string(low[:len(w)])]; ok {
			return false
		}
	}
	return true
}

func (z *tokenizer) emitSymbol(s string, start, end int, out []token) []token {
	z.buf = append(z.buf[:0], s[start:end]...)
	return z.push(start, end, hashBytes(z.buf, kindSymbol), 0, kindSymbol, 0, 0, out)
}

func (z *tokenizer) push(start, end int, h, hStrip uint64, kind, flags uint8, initial byte, out []token) []token {
	if z.n >= maxSentenceTokens {
		z.newSentence()
	}
	if z.n == 0 {
		flags |= flagFirst
	}
	z.n++
	if h != 0 {
		z.hashed++
	}
	return append(out, token{start: int32(start), end: int32(end), sent: z.sent, h: h, hStrip: hStrip, kind: kind, flags: flags, initial: initial})
}

// emitScript appends s[start:end], one rune of an unspaced script.
func (z *tokenizer) emitScript(s string, start, end int, out []token) []token {
	z.buf = append(z.buf[:0], s[start:end]...)
	return z.push(start, end, hashBytes(z.buf, kindScript), 0, kindScript, 0, z.buf[0], out)
}

// normWord is what a word normalises to on its own, before its place
// counts (sentence start, a tens word before it, the key sets).
type normWord struct {
	h, hStrip  uint64
	key0, key  uint32 // wordKey before the lexicon and stemming (what the key filter tests), and after
	kStrip     uint32 // wordKey of the prefix-stripped form, 0 if the word has no negating prefix
	kind       uint8
	flags      uint8 // contraction and lexicon flags
	initial    byte
	num        byte // the digit of a one-digit number word ("five"), for "twenty-five"
	upper      bool
	filterable bool // the key filter may leave the word unhashed
}

// normal returns the normal form of the word w (lower case, number forms,
// light stemming), from the memo when there is one. plain says w is
// lowercase ASCII letters.
func (z *tokenizer) normal(w string, plain bool) *normWord {
	if z.memo != nil {
		if e, hit := z.memo.entry(w); e != nil {
			if !hit {
				z.buf = normalize(&e.nw, w, plain, z.buf)
			}
			return &e.nw
		}
	}
	z.buf = normalize(&z.nw, w, plain, z.buf)
	return &z.nw
}

// place appends the token of a normalised word at s[start:end].
func (z *tokenizer) place(s string, start, end int, nw *normWord, out []token) []token {
	flags := nw.flags
	if z.only != nil && nw.filterable && !z.only.has(nw.key0) {
		// A word the answer cannot share: no hash (see keySet).
		if nw.upper && z.n > 0 {
			flags |= flagCap
		}
		var hStrip uint64
		if nw.kStrip != 0 && z.only.has(nw.kStrip) {
			hStrip = nw.hStrip
		}
		return z.push(start, end, 0, hStrip, kindWord, flags, nw.initial, out)
	}
	if z.keys != nil && nw.hStrip != 0 {
		z.keys.add(nw.kStrip)
	}
	// "twenty-five" is 25, not 20 and 5.
	if n := len(out); nw.num != 0 && n > 0 && z.n > 0 {
		p := &out[n-1]
		gap := s[p.end:start]
		if p.kind == kindNumber && (gap == "-" || gap == " ") && isTens(s[p.start:p.end]) {
			nb := [2]byte{s[p.start:p.end][0], nw.num}
			if d, ok := tensDigit(s[p.start:p.end]); ok {
				nb[0] = d
			}
			p.end = int32(end)
			p.h = hashBytes(nb[:], kindNumber)
			return out
		}
	}
	if z.keys != nil {
		z.keys.add(nw.key)
	}
	if nw.upper && z.n > 0 && flags&flagStop == 0 && nw.kind == kindWord {
		flags |= flagCap
	}
	return z.push(start, end, nw.h, nw.hStrip, nw.kind, flags, nw.initial, out)
}

// normalize fills nw with the normal form of the word w, using b as
// scratch; it returns b (holding the normalised bytes).
func normalize(nw *normWord, w string, plain bool, b []byte) []byte {
	var flags uint8
	kind := kindWord
	var upper bool
	if c := w[0]; c < utf8.RuneSelf {
		upper = 'A' <= c && c <= 'Z'
	} else {
		first, _ := utf8.DecodeRuneInString(w)
		upper = unicode.IsUpper(first)
	}
	// Lower-case into b; fold the typographic apostrophe. Most words are
	// lowercase ASCII letters already: copied as they are.
	b = b[:0]
	digits, letters := 0, 0
	if plain {
		b = append(b, w...)
		letters = len(w)
	}
	for k := 0; k < len(w) && !plain; {
		c := w[k]
		if c < utf8.RuneSelf {
			switch {
			case 'A' <= c && c <= 'Z':
				b = append(b, c+32)
				letters++
			case '0' <= c && c <= '9':
				b = append(b, c)
				digits++
			case c == ',' || c == '-':
				// digit separator: dropped so 1,000 == 1000; the hyphen
				// of a glued prefix: non-GAAP == nonGAAP
			default:
				if c >= 'a' && c <= 'z' {
					letters++
				}
				b = append(b, c)
			}
			k++
			continue
		}
		r, sz := utf8.DecodeRuneInString(w[k:])
		if r == '’' {
			b = append(b, '\'')
		} else {
			b = utf8.AppendRune(b, unicode.ToLower(r))
			letters++
		}
		k += sz
	}
	var initial byte
	if len(b) > 0 {
		initial = b[0]
	}
	// Contractions: "isn't" negates; "Presley's" is "Presley".
	if n := len(b); n > 3 && b[n-3] == 'n' && b[n-2] == '\'' && b[n-1] == 't' {
		flags |= flagNeg
		b = b[:n-3]
	} else if n > 2 && b[n-2] == '\'' && b[n-1] == 's' {
		b = b[:n-2]
	}
	if digits > 0 {
		// Ordinals and decades: 21st, 1990s.
		if n := len(b); n > 2 && isDigit(b[0]) {
			switch string(b[n-2:]) {
			case "st", "nd", "rd", "th":
				if isDigit(b[n-3]) {
					b = b[:n-2]
				}
			default:
				if b[n-1] == 's' && isDigit(b[n-2]) {
					b = b[:n-1]
				}
			}
		}
		allNum := true
		for _, c := range b {
			if !isDigit(c) && c != '.' {
				allNum = false
				break
			}
		}
		if allNum {
			kind = kindNumber
		}
	}
	*nw = normWord{initial: initial, upper: upper, key0: wordKey(b)}
	nw.filterable = digits == 0 && letters > 0 && !lexCandidate(b)
	// One hash of the lower-cased word serves the lexicon lookup and, when
	// stemming leaves the word alone, the token itself.
	h0 := hash64(b)
	n0 := len(b)
	if digits == 0 && letters > 0 {
		nw.hStrip = stripHash(b)
		if p := negPrefixLen(b); p > 0 {
			nw.kStrip = wordKey(b[p:])
		}
	}
	if digits > 0 {
		// numbers: done above
	} else if lx := lexEntry(b, h0); lx != nil {
		// One lookup answers every closed-class question about the word.
		switch {
		case lx.digits != "":
			b = append(b[:0], lx.digits...)
			kind = kindNumber
			if lx.digits == "%" {
				kind = kindSymbol
			}
			if len(b) == 1 && b[0] != '0' {
				nw.num = b[0]
			}
		default:
			flags |= lx.flags
			if !upper {
				flags &^= flagDate // "may", "march" in lower case are verbs
			}
			b = stem(b)
		}
	} else if letters > 0 {
		b = stem(b)
	}
	nw.key = wordKey(b)
	h := mixKind(h0, kind)
	if len(b) != n0 || kind == kindNumber || kind == kindSymbol {
		h = hashBytes(b, kind)
	}
	nw.h, nw.kind, nw.flags = h, kind, flags
	return b
}

// stripUnkept is stripHash for a word left unhashed (see keySet): 0
// unless the answer may hold its prefix-stripped form.
func stripUnkept(only *keySet, b string) uint64 {
	if len(b) < 6 || !negFirst[b[0]] {
		return 0 // too short for a prefix, or starts none (negPrefixLen)
	}
	if p := negPrefixLen(b); p > 0 && only.has(wordKey(b[p:])) {
		return stripHash(b)
	}
	return 0
}

// negPrefixLen returns the length of the negating prefix of b ("un",
// "non", "in", "im", "ir", "il", "dis", "de", "mis", "sub", "anti": they
// turn a word into its opposite) that stripHash removes, or 0.
func negPrefixLen[T string | []byte](b T) int {
	if len(b) < 6 || len(b) > 40 {
		return 0
	}
	// Byte by byte: a string comparison here would be a call.
	p := 0
	switch b[0] {
	case 'u':
		if b[1] == 'n' {
			p = 2
		}
	case 'n':
		if b[1] == 'o' && b[2] == 'n' {
			p = 3
		}
	case 'i':
		if b[1] == 'n' || b[1] == 'm' || b[1] == 'r' || b[1] == 'l' {
			p = 2
		}
	case 'd':
		if b[1] == 'e' {
			p = 2
		} else if b[1] == 'i' && b[2] == 's' {
			p = 3
		}
	case 'm':
		if b[1] == 'i' && b[2] == 's' {
			p = 3
		}
	case 's':
		if b[1] == 'u' && b[2] == 'b' {
			p = 3
		}
	case 'a':
		if b[1] == 'n' && b[2] == 't' && b[3] == 'i' {
			p = 4
		}
	}
	if len(b)-p < 4 {
		return 0 // at least four bytes are left
	}
	return p
}

// negFirst marks the first bytes of the negating prefixes.
var negFirst = [256]bool{'u': true, 'n': true, 'i': true, 'd': true, 'm': true, 's': true, 'a': true}

// stripHash returns the token hash of b without a negating prefix, or 0.
func stripHash[T string | []byte](b T) uint64 {
	p := negPrefixLen(b)
	if p == 0 {
		return 0
	}
	var buf [40]byte
	v := append(buf[:0], b[p:]...)
	return hashBytes(stem(v), kindWord)
}

// stem strips common English inflections so "opened", "opening" and
// "opens" meet. It is deliberately light: a wrong merge costs less than a
// missed one, because a missed one reads as an invented word.
func stem(b []byte) []byte {
	n := len(b)
	if n <= 3 {
		return b
	}
	for k := 0; k < n; k++ {
		if b[k] >= utf8.RuneSelf {
			return b // not ASCII: leave other languages alone
		}
	}
	// Dispatch on the last byte: suffixes that end alike are tried
	// longest-first, as the rules require.
	has := func(suf string) bool { return n > len(suf)+2 && string(b[n-len(suf):]) == suf }
	switch b[n-1] {
	case 's':
		switch {
		case has("ies"):
			b = append(b[:n-3], 'y')
		case has("sses"):
			b = b[:n-2]
		case has("ness"):
			b = b[:n-4]
		case b[n-2] != 's' && b[n-2] != 'u' && b[n-2] != 'i':
			b = b[:n-1]
		}
	case 'g':
		if has("ing") {
			b = b[:n-3]
		}
	case 'd':
		switch {
		case has("ied"):
			b = append(b[:n-3], 'y')
		case has("ed"):
			b = b[:n-2]
		}
	case 'y':
		if has("ly") {
			b = b[:n-2]
		}
	}
	n = len(b)
	// Undo doubled consonants (stopped -> stopp -> stop) and a final e
	// (named -> nam, name -> nam).
	if n > 3 && b[n-1] == b[n-2] && b[n-1] != 'l' && b[n-1] != 's' && b[n-1] != 'e' {
		b = b[:n-1]
	} else if n > 3 && b[n-1] == 'e' {
		b = b[:n-1]
	}
	return b
}

type lexInfo struct {
	flags  uint8
	digits string
}

// lexIndex maps the hash of a lower-cased word to its closed-class facts
// in lexInfos (an open-addressing table: cheaper than a Go map here).
var lexIndex, lexInfos = func() (*table, []lexInfo) {
	m := make(map[uint64]lexInfo)
	add := func(words map[string]struct{}, f uint8) {
		for w := range words {
			k := hashBytes([]byte(w), kindLex)
			li := m[k]
			li.flags |= f
			m[k] = li
		}
	}
	add(stopwords, flagStop)
	add(negators, flagNeg|flagStop)
	add(apologies, flagApology|flagStop)
	add(dateWords, flagDate)
	for w, d := range numberWords {
		m[hashBytes([]byte(w), kindLex)] = lexInfo{digits: d}
	}
	t := &table{}
	t.reset(len(m))
	infos := make([]lexInfo, 0, len(m))
	for k, v := range m {
		t.put(k, int32(len(infos)))
		infos = append(infos, v)
	}
	return t, infos
}()

// lexShapes marks the shapes of the lexicon words: by length, the pairs
// (first byte, last byte) and (second byte, last but one). A word of
// another shape needs no lexicon lookup.
var lexShapes = func() (t [maxLexLen + 1][2][32]uint32) {
	add := func(w string) {
		if len(w) > maxLexLen {
			panic("hallucination: raise maxLexLen for " + w)
		}
		n := len(w)
		t[n][0][w[0]&31] |= 1 << (w[n-1] & 31)
		t[n][1][w[min(1, n-1)]&31] |= 1 << (w[max(n-2, 0)] & 31)
	}
	for _, words := range []map[string]struct{}{stopwords, negators, apologies, dateWords} {
		for w := range words {
			add(w)
		}
	}
	for w := range numberWords {
		add(w)
	}
	return t
}()

const maxLexLen = 15

func lexCandidate[T string | []byte](b T) bool {
	n := len(b)
	if n > maxLexLen || n == 0 {
		return false
	}
	sh := &lexShapes[n]
	return sh[0][b[0]&31]&(1<<(b[n-1]&31)) != 0 && sh[1][b[min(1, n-1)]&31]&(1<<(b[max(n-2, 0)]&31)) != 0
}

// lexEntry returns the closed-class facts of the lower-cased word b (whose
// hash64 is h0), or nil.
func lexEntry(b []byte, h0 uint64) *lexInfo {
	if !lexCandidate(b) {
		return nil
	}
	li, ok := lexIndex.get(mixKind(h0, kindLex))
	if !ok {
		return nil
	}
	return &lexInfos[li]
}

var tensWords = map[string]byte{
	"twenty": '2', "thirty": '3', "forty": '4', "fifty": '5', "sixty": '6', "seventy": '7',
	"eighty": '8', "ninety": '9',
}

func tensDigit(w string) (byte, bool) {
	if len(w) > 7 {
		return 0, false
	}
	var low [7]byte
	for k := 0; k < len(w); k++ {
		low[k] = w[k] | 0x20
	}
	d, ok := tensWords[string(low[:len(w)])]
	return d, ok
}

func isTens(w string) bool {
	_, ok := tensDigit(w)
	return ok
}

// gluePrefix reports whether w is a negating prefix written with a hyphen.
func gluePrefix(w string) bool {
	if len(w) < 2 || len(w) > 4 {
		return false
	}
	var low [4]byte
	for k := 0; k < len(w); k++ {
		low[k] = w[k] | 0x20
	}
	switch string(low[:len(w)]) {
	case "non", "un", "anti", "sub", "dis", "mis", "de", "in", "ir", "il", "im":
		return true
	}
	return false
}
