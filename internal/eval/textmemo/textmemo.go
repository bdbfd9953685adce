// Package textmemo remembers what an evaluator derived from a long text that
// recurs from call to call, keyed by the exact text. A service's system
// prompt is the case: the same instructions arrive with every call, and an
// evaluator that reads them word by word need not do it again.
//
// A text is kept only once it has been seen twice (a fingerprint of recent
// texts decides), so traffic whose texts never repeat costs one fingerprint
// per call and never a copy. A hit compares the whole text: a memo never
// answers for a different text.
package textmemo

import (
	"hash/maphash"
	"strings"
	"sync"
)

const (
	// MinLen is the shortest text worth remembering: below it the
	// evaluators' own reading costs about what a lookup does.
	MinLen = 256
	// MaxLen bounds what one entry holds.
	MaxLen = 32 << 10
	// entries is how many texts are kept (round robin), seenSlots how many
	// fingerprints of texts seen once.
	entries   = 8
	seenSlots = 64
	// edge is how much of each end of a text the fingerprint reads.
	edge = 64
)

// Memo maps texts to values of type V. The zero Memo is ready to use and
// safe for concurrent use.
type Memo[V any] struct {
	mu    sync.Mutex
	kept  [entries]entry[V]
	next  int
	seen  [seenSlots]uint64
	nSeen int
}

type entry[V any] struct {
	text string
	v    V
}

var seed = maphash.MakeSeed()

// fingerprint identifies a text well enough to decide whether it recurs:
// its length and both ends (templated prompts differ at the start or the
// end; a false match only costs a copy, never a wrong answer).
func fingerprint(s string) uint64 {
	var h maphash.Hash
	h.SetSeed(seed)
	h.WriteString(s[:edge])
	h.WriteString(s[len(s)-edge:])
	return h.Sum64() ^ uint64(len(s))*0x9e3779b97f4a7c15
}

// Get returns the value kept for text. ok is false when there is none.
func (m *Memo[V]) Get(text string) (v V, ok bool) {
	if len(text) < MinLen || len(text) > MaxLen {
		return v, false
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for i := range m.kept {
		if e := &m.kept[i]; len(e.text) == len(text) && e.text == text {
			return e.v, true
		}
	}
	return v, false
}

// Admit reports whether text, which Get did not find, should be kept: it
// has been seen recently. Otherwise it is noted as seen.
func (m *Memo[V]) Admit(text string) bool {
	if len(text) < MinLen || len(text) > MaxLen {
		return false
	}
	f := fingerprint(text)
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, s := range m.seen {
		if s == f {
			return true
		}
	}
	m.seen[m.nSeen%seenSlots] = f
	m.nSeen++
	return false
}

// Put keeps v for a copy of text, in place of the oldest entry. v must not
// share memory the caller goes on changing.
func (m *Memo[V]) Put(text string, v V) {
	if len(text) < MinLen || len(text) > MaxLen {
		return
	}
	text = strings.Clone(text) // the span's memory is not ours to keep
	m.mu.Lock()
	defer m.mu.Unlock()
	for i := range m.kept {
		if m.kept[i].text == text {
			return // another goroutine kept it first
		}
	}
	m.kept[m.next] = entry[V]{text: text, v: v}
	m.next = (m.next + 1) % entries
}
