package hallucination

import (
	"encoding/binary"
	"unsafe"
)

// wordMemo remembers the normal forms of recent words (two-way, by
// the word's exact bytes). Normalising a word (lower case, lexicon,
// stemming, hashes) costs far more than finding it again, and the words
// of a call repeat: the answer restates the context, and function words
// recur everywhere. A normal form depends on the word alone, so entries
// stay valid across calls.
type wordMemo [memoSize]memoEntry

const (
	memoBits   = 11
	memoSize   = 1 << memoBits
	memoMaxLen = 16 // longer words are rare and not remembered
)

type memoEntry struct {
	lo, hi uint64 // the word's bytes, zero-padded
	n      int    // its length; 0 for an empty entry
	nw     normWord
}

// entry returns the entry for w and whether it holds w's normal form;
// when not, the caller fills it (it now belongs to w). It returns nil for
// a word too long to remember.
func (m *wordMemo) entry(w string) (*memoEntry, bool) {
	if len(w) > memoMaxLen {
		return nil, false
	}
	b := unsafe.Slice(unsafe.StringData(w), len(w)) // read only
	var lo, hi uint64
	if len(b) > 8 {
		lo, hi = binary.LittleEndian.Uint64(b), loadShort(b[8:])
	} else {
		lo = loadShort(b)
	}
	// Two ways: a word looks in an even slot and the odd one beside it,
	// so two frequent words of the same slot do not evict each other.
	i := ((lo^hi*0x9e3779b97f4a7c15)*0xff51afd7ed558ccd + uint64(len(b))) >> (64 - memoBits) &^ 1
	for k := i; k < i+2; k++ {
		if e := &m[k]; e.n == len(b) && e.lo == lo && e.hi == hi {
			return e, true
		}
	}
	// Miss: the older entry moves to the second way.
	m[i+1] = m[i]
	e := &m[i]
	e.lo, e.hi, e.n = lo, hi, len(b)
	return e, false
}
