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

// callCache holds the tokens of short plain words (lowercase ASCII letters,
// at most eight) of the context read in one call: running text repeats its
// words, and a hit skips the key filter, the memo and place. Unlike a
// normal form, such a token depends on the answer (whether the word is
// hashed, see keySet), so an entry is valid only in the call (generation)
// that filled it.
type callCache struct {
	gen uint64
	e   [callCacheSize]callEntry
}

const (
	callCacheBits = 8
	callCacheSize = 1 << callCacheBits
)

type callEntry struct {
	w, gen      uint64 // the word's bytes, zero-padded (letters are never 0), and its call
	h, hStrip   uint64
	kind, flags uint8
}

// at returns the entry where the word with bytes v (zero-padded) goes.
func (c *callCache) at(v uint64) *callEntry {
	return &c.e[(v*0x9e3779b97f4a7c15)>>(64-callCacheBits)]
}

// cacheWord appends the token of the plain word s[start:end] (bytes v, at
// most eight) and keeps it in e, the word's entry of z.cache. The token
// is what the word's path in run gives: unhashed if the answer cannot
// share it, else its normal form placed.
func (z *tokenizer) cacheWord(s string, start, end int, e *callEntry, v uint64, out []token) []token {
	w := s[start:end]
	t := callEntry{w: v, gen: z.cache.gen, kind: kindWord}
	if z.unkept(w) {
		t.hStrip = stripUnkept(z.only, w)
	} else {
		nw := z.normal(w, true)
		if nw.num != 0 {
			return z.place(s, start, end, nw, out) // may join a tens word before it
		}
		t.h, t.hStrip, t.kind, t.flags = nw.h, nw.hStrip, nw.kind, nw.flags
	}
	*e = t
	return z.push(start, end, t.h, t.hStrip, t.kind, t.flags, w[0], out)
}
