package hallucination

import (
	"encoding/binary"
	"math/bits"
	"strings"
	"unicode"
	"unicode/utf8"
	"unsafe"

	"github.com/periscope-otel/periscope/internal/eval"
)

// hasGrounding reports whether a call offers anything to ground an answer
// on: context pieces (RAG documents, retrieval spans, tool results, earlier
// turns) or system instructions that carry material of their own. A system
// prompt made only of instructions ("You are a helpful assistant. Answer
// briefly.") states no facts, so an answer to a general question would be
// "ungrounded" by construction: the evaluator reports no_context instead of
// guessing. The user's question alone never makes it run either.
func (e *Evaluator) hasGrounding(in *eval.Input) bool {
	for _, c := range in.Context {
		if c != "" {
			return true
		}
	}
	// A service sends the same system prompt with every call: the
	// decision is kept once the prompt recurs.
	m, hit, keep := e.material.Lookup(in.System)
	if hit {
		return m
	}
	m = systemHasMaterial(in.System)
	if keep {
		e.material.Put(in.System, m)
	}
	return m
}

// contextMarkers introduce reference material inside a system prompt.
var contextMarkers = []string{
	"context:", "<context", "documents:", "<document", "sources:", "source:", "reference:", "references:",
	"knowledge:", "knowledge base:", "facts:", "information:", "background:", "excerpt:", "passage:",
	"article:", "transcript:", "notes:", "data:", "policy:", "```", "\"\"\"",
}

// instructionStarts are first words of instruction sentences.
var instructionStarts = setOf(
	"you", "your", "you're", "answer", "always", "never", "do", "don't", "dont", "be", "use", "respond",
	"reply", "keep", "if", "when", "only", "please", "act", "assume", "follow", "write", "ignore", "avoid",
	"provide", "include", "return", "output", "format", "summarize", "summarise", "translate",
	"classify", "extract", "make", "ensure", "remember", "think", "help",
	"assist", "speak", "talk", "limit", "refuse", "decline", "stay", "consider", "address", "greet",
	"explain", "describe", "list", "generate", "create", "check", "verify", "cite", "mention",
	"ask", "tell", "give", "add", "prefer", "treat", "handle", "focus", "stick", "rely", "quote",
)

// minMaterialWords is how many content words of declarative sentences a
// system prompt needs before it counts as grounding material; after an
// explicit marker ("Context:") fewer do.
const (
	minMaterialWords = 4
	minMarkedWords   = 3
)

// systemHasMaterial reports whether a system prompt carries material of
// its own: a declarative sentence with enough content words, or an explicit
// marker ("Context:") followed by a few. ASCII text is read as it is, every
// comparison folding ASCII case (a prompt is distinct per call under load:
// lower-casing it first cost a pass and a copy); other text is lowercased
// with strings.ToLower first, as the reference does, since that can change
// byte lengths and turn runes into ASCII letters (the Kelvin sign into k).
// Lowercased text holds no ASCII capitals, so folding changes nothing there.
func systemHasMaterial(sys string) bool {
	if strings.TrimSpace(sys) == "" {
		return false
	}
	text := sys
	if !isASCII(sys) {
		text = strings.ToLower(sys)
	}
	return declarativeMaterial(text) || markedMaterial(text)
}

// Byte-wise constants for reading eight bytes as one word.
const (
	ones  = 0x0101010101010101
	highs = 0x8080808080808080
)

// isASCII reads 64 bytes a turn into two accumulators, the slice cut as
// it is used (no bounds checks).
func isASCII(s string) bool {
	b := unsafe.Slice(unsafe.StringData(s), len(s)) // read only
	var acc, acc2 uint64
	for len(b) >= 64 {
		acc |= binary.LittleEndian.Uint64(b) | binary.LittleEndian.Uint64(b[8:]) |
			binary.LittleEndian.Uint64(b[16:]) | binary.LittleEndian.Uint64(b[24:])
		acc2 |= binary.LittleEndian.Uint64(b[32:]) | binary.LittleEndian.Uint64(b[40:]) |
			binary.LittleEndian.Uint64(b[48:]) | binary.LittleEndian.Uint64(b[56:64])
		b = b[64:]
	}
	for len(b) >= 8 {
		acc |= binary.LittleEndian.Uint64(b)
		b = b[8:]
	}
	for _, c := range b {
		acc |= uint64(c)
	}
	return (acc|acc2)&highs == 0
}

var asciiLower = func() (t [256]byte) {
	for i := range t {
		t[i] = byte(i)
		if i >= 'A' && i <= 'Z' {
			t[i] = byte(i) + 32
		}
	}
	return t
}()

// hasFoldAt reports whether s holds the lower-case ASCII pattern m at i,
// ASCII letters of s in either case.
func hasFoldAt[T string | []byte](s T, i int, m string) bool {
	if i < 0 || len(s)-i < len(m) {
		return false
	}
	s = s[i : i+len(m)]
	for k := 0; k < len(m); k++ {
		if asciiLower[s[k]] != m[k] {
			return false
		}
	}
	return true
}

// declarativeMaterial: sentences (split at . ! ? ; and line breaks) that do
// not instruct the model, with minMaterialWords content words among them.
// A sentence is read for its first word, then for the phrases that make it
// an instruction (anywhere in it), and only then for its content words.
func declarativeMaterial(s string) bool {
	n := 0
	var seps sepFinder
	for start := 0; start < len(s); {
		end := seps.next(s, start)
		// Word bounds are kept in s (wordFlags reads past a word's end).
		sent := s[:end]
		i, j, ok := nextWord(sent, start, true)
		if !ok || wordFlags(s, i, j)&wordInstruction != 0 || addressesModel(sent[start:]) {
			start = end + 1
			continue
		}
		start = end + 1
		for ; ok; i, j, ok = nextWord(sent, j, true) {
			if isContentWord(s, i, j) {
				n++
				if n >= minMaterialWords {
					return true
				}
			}
		}
	}
	return false
}

// addressesModel reports whether a sentence holds "you are" or
// "assistant" (ASCII letters in either case). Eight positions are tested
// at once, as the bytes of a uint64: a position is a candidate when it and
// the next byte spell "yo", or "ss" (the second and third letters of
// "assistant"); candidates are checked byte by byte. The sentence is read
// from its end: text put in front of a prompt (a nonce, padding, a
// preamble) leaves the prompt's own words last.
func addressesModel(s string) bool {
	if len(s) < len(assistant) {
		for i := 0; i+len(youAre) <= len(s); i++ {
			if hasFoldAt(s, i, youAre) {
				return true
			}
		}
		return false
	}
	all := unsafe.Slice(unsafe.StringData(s), len(s)) // read only
	b := all
	// A turn tests the 32 pairs at len(b)-33 .. len(b)-2, the slice cut
	// as it is used (no bounds checks).
	for len(b) >= 33 {
		q := b[len(b)-33:]
		t0 := pairs(binary.LittleEndian.Uint64(q), binary.LittleEndian.Uint64(q[1:]))
		t1 := pairs(binary.LittleEndian.Uint64(q[8:]), binary.LittleEndian.Uint64(q[9:]))
		t2 := pairs(binary.LittleEndian.Uint64(q[16:]), binary.LittleEndian.Uint64(q[17:]))
		t3 := pairs(binary.LittleEndian.Uint64(q[24:]), binary.LittleEndian.Uint64(q[25:]))
		if (t0+low7)&(t1+low7)&(t2+low7)&(t3+low7)&highs != highs {
			p := len(b) - 33
			if addressedAt(all, p+24) || addressedAt(all, p+16) || addressedAt(all, p+8) || addressedAt(all, p) {
				return true
			}
		}
		b = b[:len(b)-32]
	}
	// The pairs left, 0 .. len(b)-2, eight at a time down to 0.
	for p := len(b) - 9; p > 0; p -= 8 {
		if addressedAt(all, p) {
			return true
		}
	}
	return addressedAt(all, 0)
}

const (
	youAre    = "you are"
	assistant = "assistant"
	caseBits  = 0x2020202020202020 // the bit that makes an ASCII letter lower case
	low7      = 0x7f7f7f7f7f7f7f7f
)

// pairs has a zero byte where x and y (the bytes one further) spell "yo"
// or "ss", and rarely elsewhere: the two tests share their zero bytes, and
// the top bit is dropped too (so t+low7 carries nowhere: a byte of t is
// zero where the top bit of t+low7 is clear).
func pairs(x, y uint64) uint64 {
	return ((x ^ ones*'y') | (y ^ ones*'o')) & ((x ^ ones*'s') | (y ^ ones*'s')) &^ (caseBits | highs)
}

// addressedAt reports whether "you are" starts at one of the eight
// positions from p in s, or "assistant" one before (p+9 <= len(s)).
func addressedAt(s []byte, p int) bool {
	x, y := binary.LittleEndian.Uint64(s[p:]), binary.LittleEndian.Uint64(s[p+1:])
	if (pairs(x, y)+low7)&highs == highs {
		return false
	}
	yo := zeroBytes(((x ^ ones*'y') | (y ^ ones*'o')) &^ caseBits)
	ss := zeroBytes(((x ^ ones*'s') | (y ^ ones*'s')) &^ caseBits)
	for ; yo != 0; yo &= yo - 1 {
		if hasFoldAt(s, p+bits.TrailingZeros64(yo)/8, youAre) {
			return true
		}
	}
	for ; ss != 0; ss &= ss - 1 {
		if hasFoldAt(s, p+bits.TrailingZeros64(ss)/8-1, assistant) {
			return true
		}
	}
	return false
}

// zeroBytes has the high bit set in exactly the zero bytes of t.
func zeroBytes(t uint64) uint64 {
	return ^((t&low7 + low7) | t | low7)
}

// markedMaterial: the first occurrence of a context marker, followed by
// minMarkedWords content words. Every marker holds one of a few rare bytes
// (':' '<' '`' '"'), so occurrences are found from those bytes alone.
func markedMaterial(s string) bool {
	var first [maxMarkers]int
	for k := range contextMarkers {
		first[k] = -1
	}
	for _, c := range markerAnchors {
		for i := 0; i < len(s); {
			j := strings.IndexByte(s[i:], c)
			if j < 0 {
				break
			}
			at := i + j
			for k, m := range contextMarkers {
				a := markerAnchor[k]
				if first[k] >= 0 || m[a] != c {
					continue
				}
				if st := at - a; hasFoldAt(s, st, m) {
					first[k] = st
				}
			}
			i = at + 1
		}
	}
	for k, m := range contextMarkers {
		if i := first[k]; i >= 0 && atLeastContentWords(s, i+len(m), minMarkedWords) {
			return true
		}
	}
	return false
}

const maxMarkers = 32

// markerAnchors are the rare bytes every context marker holds; markerAnchor
// is the offset of the marker's first anchor byte.
var markerAnchors = []byte{':', '<', '`', '"'}

var markerAnchor = func() []int {
	if len(contextMarkers) > maxMarkers {
		panic("hallucination: raise maxMarkers")
	}
	a := make([]int, len(contextMarkers))
	for k, m := range contextMarkers {
		a[k] = strings.IndexAny(m, string(markerAnchors))
		if a[k] < 0 {
			panic("hallucination: context marker " + m + " holds no anchor byte")
		}
	}
	return a
}()

// sentenceSeps end a sentence of a system prompt.
const sentenceSeps = ".!?\n;"

// sepFinder finds the next sentence separator with one IndexByte pass per
// separator over the whole text: it remembers where each one occurs next.
type sepFinder struct {
	at  [len(sentenceSeps)]int // next occurrence at or after the last query (len(s) if none)
	set bool
}

// next returns the index of the first separator in s at or after from
// (len(s) if none); from never decreases between calls.
func (f *sepFinder) next(s string, from int) int {
	end := len(s)
	for k := range f.at {
		if !f.set || f.at[k] < from {
			f.at[k] = len(s)
			if j := strings.IndexByte(s[from:], sentenceSeps[k]); j >= 0 {
				f.at[k] = from + j
			}
		}
		end = min(end, f.at[k])
	}
	f.set = true
	return end
}

// wordBytes classes ASCII bytes for nextWord: letters and digits, and the
// apostrophe.
const (
	wordAlnum = 1 << iota
	wordApos
)

var wordBytes = func() (t [utf8.RuneSelf]uint8) {
	for c := range t {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
			t[c] = wordAlnum
		case c == '\'':
			t[c] = wordApos
		}
	}
	return t
}()

// nextWord returns the bounds of the first word of s at or after i: a run
// of letters and digits (and apostrophes when apos), as strings.FieldsFunc
// splits it. (The bounds are two results, not an array: an array comes
// back through memory, and reading it stalled the caller.)
func nextWord(s string, i int, apos bool) (int, int, bool) {
	class := uint8(wordAlnum)
	if apos {
		class |= wordApos
	}
	for i < len(s) {
		if c := s[i]; c < utf8.RuneSelf {
			if wordBytes[c]&class != 0 {
				break
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			break
		}
		i += size
	}
	if i >= len(s) {
		return 0, 0, false
	}
	j := i
	for j < len(s) {
		if c := s[j]; c < utf8.RuneSelf {
			if wordBytes[c]&class == 0 {
				break
			}
			j++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[j:])
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			break
		}
		j += size
	}
	return i, j, true
}

// isContentWord reports whether the word s[i:j] is a content word.
func isContentWord(s string, i, j int) bool {
	if j-i < 3 && !unicode.IsDigit(rune(s[i])) {
		return false
	}
	return wordFlags(s, i, j)&wordStop == 0
}

// atLeastContentWords reports whether s[from:] holds k content words
// (words split at anything but letters and digits).
func atLeastContentWords(s string, from, k int) bool {
	n := 0
	for i, j, ok := nextWord(s, from, false); ok; i, j, ok = nextWord(s, j, false) {
		if isContentWord(s, i, j) {
			n++
			if n >= k {
				return true
			}
		}
	}
	return false
}

// Flags of the words wordFlags knows.
const (
	wordStop        = 1 << iota // in stopwords
	wordInstruction             // in instructionStarts
)

// maxKnownWord is the longest word wordFlags knows.
const maxKnownWord = 16

// keyOf packs the bytes of a word, each with the ASCII case bit set, into
// two zero-padded words. A word is a run of ASCII letters, digits and
// apostrophes (only capitals lack that bit) and of non-ASCII runes (whose
// bytes stay above 0x7f), so it has the key of a word of the table (lower
// case ASCII) exactly when it is that word up to ASCII case.
func keyOf(w string) (lo, hi uint64) {
	for i := len(w) - 1; i >= 0; i-- {
		if c := uint64(w[i] | 0x20); i >= 8 {
			hi = hi<<8 | c
		} else {
			lo = lo<<8 | c
		}
	}
	return lo, hi
}

// knownWords is an open-addressing table of the stopwords and instruction
// starts by key: cheaper than two map lookups of a lower-cased copy.
var knownWords = func() (t struct {
	keys  [1 << knownBits][2]uint64
	flags [1 << knownBits]uint8
}) {
	add := func(words map[string]struct{}, f uint8) {
		for w := range words {
			if len(w) == 0 || len(w) > maxKnownWord || strings.IndexFunc(w, func(r rune) bool { return r >= utf8.RuneSelf || byte(r)|0x20 != byte(r) }) >= 0 {
				panic("hallucination: word " + w + " does not fit a key")
			}
			lo, hi := keyOf(w)
			i := knownSlot(lo, hi)
			for t.flags[i] != 0 && t.keys[i] != [2]uint64{lo, hi} {
				i = (i + 1) & (1<<knownBits - 1)
			}
			t.keys[i] = [2]uint64{lo, hi}
			t.flags[i] |= f
		}
	}
	add(stopwords, wordStop)
	add(instructionStarts, wordInstruction)
	return t
}()

// knownShapes marks, by length and first letter, the last letters of the
// words in knownWords: most other words need no lookup. Letters are taken
// by their low five bits, so either case maps to the same bit.
var knownShapes = func() (t [maxKnownWord + 1][32]uint32) {
	for _, set := range []map[string]struct{}{stopwords, instructionStarts} {
		for w := range set {
			t[len(w)][w[0]&31] |= 1 << (w[len(w)-1] & 31)
		}
	}
	return t
}()

const knownBits = 10

// knownSlot is where the probe for a key starts in knownWords.
func knownSlot(lo, hi uint64) uint64 {
	return (lo ^ hi*0x9e3779b97f4a7c15) * 0xbf58476d1ce4e5b9 >> (64 - knownBits)
}

// wordFlags returns the flags of the word s[i:j], ASCII letters in either
// case. With 16 bytes left in s from i, the key is read as two words and
// cut to the word.
func wordFlags(s string, i, j int) uint8 {
	n := j - i
	if n > maxKnownWord || n <= 0 || knownShapes[n][s[i]&31]&(1<<(s[j-1]&31)) == 0 {
		return 0
	}
	var lo, hi uint64
	if len(s)-i >= 16 {
		b := unsafe.Slice(unsafe.StringData(s[i:]), 16) // read only
		lo = (binary.LittleEndian.Uint64(b) | caseBits) & (^uint64(0) >> (64 - 8*min(n, 8)))
		hi = (binary.LittleEndian.Uint64(b[8:]) | caseBits) & (^uint64(0) >> (64 - 8*max(n-8, 0)))
	} else {
		lo, hi = keyOf(s[i:j])
	}
	for k := knownSlot(lo, hi); ; k = (k + 1) & (1<<knownBits - 1) {
		f := knownWords.flags[k]
		if f == 0 || knownWords.keys[k] == [2]uint64{lo, hi} {
			return f
		}
	}
}
