package hallucination

import (
	"encoding/binary"
	"slices"
	"strings"
	"sync"
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
// marker ("Context:") followed by a few. It reads the prompt once, without
// allocating for ASCII text (lowercasing keeps offsets there); other text
// is lowercased with strings.ToLower first, as the reference does.
func systemHasMaterial(sys string) bool {
	if strings.TrimSpace(sys) == "" {
		return false
	}
	bp := lowerPool.Get().(*[]byte)
	defer lowerPool.Put(bp)
	b := slices.Grow((*bp)[:0], len(sys))[:len(sys)]
	*bp = b
	lower := unsafe.String(unsafe.SliceData(b), len(b)) // never escapes this call
	if !lowerASCII(b, sys) {
		lower = strings.ToLower(sys)
	}
	return declarativeMaterial(lower) || markedMaterial(lower)
}

// lowerASCII writes s lower-cased into b (len(s) bytes) and reports
// whether s is all ASCII; if not, b holds garbage. Eight bytes at a time:
// a byte gets 0x20 added where it lies in 'A'..'Z' (for bytes below 0x80
// the additions never carry into the next byte).
func lowerASCII(b []byte, s string) bool {
	const ones = 0x0101010101010101
	upper := func(v uint64) uint64 { return (v + ones*(0x80-'A')) &^ (v + ones*(0x80-'Z'-1)) & (ones * 0x80) }
	src := unsafe.Slice(unsafe.StringData(s), len(s)) // read only
	dst := b[:len(src)]
	var high uint64
	// Two words a turn, the slices cut as they are used: the compiler then
	// drops the bounds checks.
	for len(src) >= 16 && len(dst) >= 16 {
		v, w := binary.LittleEndian.Uint64(src), binary.LittleEndian.Uint64(src[8:])
		high |= v | w
		binary.LittleEndian.PutUint64(dst, v|upper(v)>>2)
		binary.LittleEndian.PutUint64(dst[8:], w|upper(w)>>2)
		src, dst = src[16:], dst[16:]
	}
	for k, c := range src {
		high |= uint64(c)
		dst[k] = asciiLower[c]
	}
	return high&(ones*0x80) == 0
}

var lowerPool = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

var asciiLower = func() (t [256]byte) {
	for i := range t {
		t[i] = byte(i)
		if i >= 'A' && i <= 'Z' {
			t[i] = byte(i) + 32
		}
	}
	return t
}()

// declarativeMaterial: sentences (split at . ! ? ; and line breaks) that do
// not instruct the model, with minMaterialWords content words among them.
func declarativeMaterial(lower string) bool {
	n := 0
	var seps sepFinder
	for start := 0; start < len(lower); {
		end := seps.next(lower, start)
		sent := lower[start:end]
		start = end + 1
		first, ok := nextWord(sent, 0, true)
		if !ok {
			continue
		}
		if _, instr := instructionStarts[sent[first[0]:first[1]]]; instr || strings.Contains(sent, "you are") || strings.Contains(sent, "assistant") {
			continue
		}
		for w, ok := first, true; ok; w, ok = nextWord(sent, w[1], true) {
			if isContentWord(sent[w[0]:w[1]]) {
				n++
				if n >= minMaterialWords {
					return true
				}
			}
		}
	}
	return false
}

// markedMaterial: the first occurrence of a context marker, followed by
// minMarkedWords content words. Every marker holds one of a few rare bytes
// (':' '<' '`' '"'), so occurrences are found from those bytes alone.
func markedMaterial(lower string) bool {
	var first [maxMarkers]int
	for k := range contextMarkers {
		first[k] = -1
	}
	for _, c := range markerAnchors {
		for i := 0; i < len(lower); {
			j := strings.IndexByte(lower[i:], c)
			if j < 0 {
				break
			}
			at := i + j
			for k, m := range contextMarkers {
				a := markerAnchor[k]
				if first[k] >= 0 || m[a] != c {
					continue
				}
				if st := at - a; st >= 0 && st+len(m) <= len(lower) && lower[st:st+len(m)] == m {
					first[k] = st
				}
			}
			i = at + 1
		}
	}
	for k, m := range contextMarkers {
		if i := first[k]; i >= 0 && atLeastContentWords(lower[i+len(m):], minMarkedWords) {
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

// nextWord returns the bounds of the first word of s at or after i: a run
// of letters and digits (and apostrophes when apos), as strings.FieldsFunc
// splits it.
func nextWord(s string, i int, apos bool) ([2]int, bool) {
	for i < len(s) {
		r, size := rune(s[i]), 1
		if r >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(s[i:])
		}
		if fieldRune(r, apos) {
			break
		}
		i += size
	}
	if i >= len(s) {
		return [2]int{}, false
	}
	j := i
	for j < len(s) {
		r, size := rune(s[j]), 1
		if r >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(s[j:])
		}
		if !fieldRune(r, apos) {
			break
		}
		j += size
	}
	return [2]int{i, j}, true
}

func fieldRune(r rune, apos bool) bool {
	if r < utf8.RuneSelf {
		return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || apos && r == '\''
	}
	return unicode.IsLetter(r) || unicode.IsDigit(r)
}

func isContentWord(w string) bool {
	if _, stop := stopwords[w]; stop {
		return false
	}
	return len(w) >= 3 || (len(w) > 0 && unicode.IsDigit(rune(w[0])))
}

// atLeastContentWords reports whether s holds k content words (words split
// at anything but letters and digits).
func atLeastContentWords(s string, k int) bool {
	n := 0
	for w, ok := nextWord(s, 0, false); ok; w, ok = nextWord(s, w[1], false) {
		if isContentWord(s[w[0]:w[1]]) {
			n++
			if n >= k {
				return true
			}
		}
	}
	return false
}
