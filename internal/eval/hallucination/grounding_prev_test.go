package hallucination

import (
	"encoding/binary"
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
	"unsafe"
)

// prevSystemHasMaterial is the systemHasMaterial before ASCII prompts were
// read as they are: it lower-cases every prompt first (into a pooled buffer
// for ASCII), then makes one pass per check. It is kept as a second
// reference (checkSystemHasMaterial).
func prevSystemHasMaterial(sys string) bool {
	if strings.TrimSpace(sys) == "" {
		return false
	}
	bp := prevLowerPool.Get().(*[]byte)
	defer prevLowerPool.Put(bp)
	b := slices.Grow((*bp)[:0], len(sys))[:len(sys)]
	*bp = b
	lower := unsafe.String(unsafe.SliceData(b), len(b)) // never escapes this call
	if !prevLowerASCII(b, sys) {
		lower = strings.ToLower(sys)
	}
	return prevDeclarativeMaterial(lower) || prevMarkedMaterial(lower)
}

// prevLowerASCII writes s lower-cased into b (len(s) bytes) and reports
// whether s is all ASCII; if not, b holds garbage. Eight bytes at a time:
// a byte gets 0x20 added where it lies in 'A'..'Z' (for bytes below 0x80
// the additions never carry into the next byte).
func prevLowerASCII(b []byte, s string) bool {
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
		dst[k] = prevAsciiLower[c]
	}
	return high&(ones*0x80) == 0
}

var prevLowerPool = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

var prevAsciiLower = func() (t [256]byte) {
	for i := range t {
		t[i] = byte(i)
		if i >= 'A' && i <= 'Z' {
			t[i] = byte(i) + 32
		}
	}
	return t
}()

// prevDeclarativeMaterial: sentences (split at . ! ? ; and line breaks) that do
// not instruct the model, with minMaterialWords content words among them.
func prevDeclarativeMaterial(lower string) bool {
	n := 0
	var seps prevSepFinder
	for start := 0; start < len(lower); {
		end := seps.next(lower, start)
		sent := lower[start:end]
		start = end + 1
		first, ok := prevNextWord(sent, 0, true)
		if !ok {
			continue
		}
		if _, instr := instructionStarts[sent[first[0]:first[1]]]; instr || strings.Contains(sent, "you are") || strings.Contains(sent, "assistant") {
			continue
		}
		for w, ok := first, true; ok; w, ok = prevNextWord(sent, w[1], true) {
			if prevIsContentWord(sent[w[0]:w[1]]) {
				n++
				if n >= minMaterialWords {
					return true
				}
			}
		}
	}
	return false
}

// prevMarkedMaterial: the first occurrence of a context marker, followed by
// minMarkedWords content words. Every marker holds one of a few rare bytes
// (':' '<' '`' '"'), so occurrences are found from those bytes alone.
func prevMarkedMaterial(lower string) bool {
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
		if i := first[k]; i >= 0 && prevAtLeastContentWords(lower[i+len(m):], minMarkedWords) {
			return true
		}
	}
	return false
}

// prevSepFinder finds the next sentence separator with one IndexByte pass per
// separator over the whole text: it remembers where each one occurs next.
type prevSepFinder struct {
	at  [len(sentenceSeps)]int // next occurrence at or after the last query (len(s) if none)
	set bool
}

// next returns the index of the first separator in s at or after from
// (len(s) if none); from never decreases between calls.
func (f *prevSepFinder) next(s string, from int) int {
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

// prevNextWord returns the bounds of the first word of s at or after i: a run
// of letters and digits (and apostrophes when apos), as strings.FieldsFunc
// splits it.
func prevNextWord(s string, i int, apos bool) ([2]int, bool) {
	for i < len(s) {
		r, size := rune(s[i]), 1
		if r >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(s[i:])
		}
		if prevFieldRune(r, apos) {
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
		if !prevFieldRune(r, apos) {
			break
		}
		j += size
	}
	return [2]int{i, j}, true
}

func prevFieldRune(r rune, apos bool) bool {
	if r < utf8.RuneSelf {
		return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || apos && r == '\''
	}
	return unicode.IsLetter(r) || unicode.IsDigit(r)
}

func prevIsContentWord(w string) bool {
	if _, stop := stopwords[w]; stop {
		return false
	}
	return len(w) >= 3 || (len(w) > 0 && unicode.IsDigit(rune(w[0])))
}

// prevAtLeastContentWords reports whether s holds k content words (words split
// at anything but letters and digits).
func prevAtLeastContentWords(s string, k int) bool {
	n := 0
	for w, ok := prevNextWord(s, 0, false); ok; w, ok = prevNextWord(s, w[1], false) {
		if prevIsContentWord(s[w[0]:w[1]]) {
			n++
			if n >= k {
				return true
			}
		}
	}
	return false
}
