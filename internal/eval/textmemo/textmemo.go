// Package textmemo remembers what an evaluator derived from a long text that
// recurs from call to call, keyed by the exact text. A service's system
// prompt is the case: the same instructions arrive with every call, and an
// evaluator that reads them word by word need not do it again.
//
// A text is kept only once it has been seen twice (a fingerprint of recent
// texts decides), and a memo whose kept texts are not asked for again (the
// texts never recur, or only look alike to the fingerprint, or more of them
// recur than it holds) stops looking for a while, longer each time (50 ms
// up to 10 s): traffic whose texts never repeat then costs a clock read per
// lookup. A hit compares the whole text: a memo never answers for a
// different text. Lookups that are not resting take a lock: a memo is for a
// lookup or two per call (a system prompt), not one per attribute (the
// redaction memo that did so cost more under concurrent batches than it
// saved).
package textmemo

import (
	"hash/maphash"
	"strings"
	"sync"
	"sync/atomic"
	"time"
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
	// window is how many lookups the memo reviews at a time; a window
	// without a hit, or with fewer hits than texts kept, rests it for
	// minRest, doubling up to maxRest while that goes on.
	window  = 64
	minRest = 50 * time.Millisecond
	maxRest = 10 * time.Second
)

// start anchors the monotonic clock the rests are timed on.
var start = time.Now()

func now() time.Duration { return time.Since(start) }

// Memo maps texts to values of type V. The zero Memo is ready to use and
// safe for concurrent use.
type Memo[V any] struct {
	// restUntil is when a rest ends (0: not resting). A resting lookup
	// reads it and the clock, and writes nothing shared: lookups from
	// several goroutines at once do not contend.
	restUntil atomic.Int64
	mu        sync.Mutex
	kept      [entries]entry[V]
	next      int
	seen      [seenSlots]uint64
	nSeen     int
	// The current window's lookups, hits and texts kept, and the length
	// of the last rest.
	lookups, hits, puts int
	restLen             time.Duration
}

type entry[V any] struct {
	text string
	v    V
}

var seed = maphash.MakeSeed()

// fingerprint identifies a text well enough to decide whether it recurs:
// its length and both ends (a false match only costs a copy, never a wrong
// answer).
func fingerprint(s string) uint64 {
	var h maphash.Hash
	h.SetSeed(seed)
	h.WriteString(s[:edge])
	h.WriteString(s[len(s)-edge:])
	return h.Sum64() ^ uint64(len(s))*0x9e3779b97f4a7c15
}

func takes(text string) bool { return len(text) >= MinLen && len(text) <= MaxLen }

// Lookup returns the value kept for text (hit), or whether the caller
// should Put what it derives from text (keep): the text has been seen
// recently.
func (m *Memo[V]) Lookup(text string) (v V, hit, keep bool) {
	if !takes(text) {
		return v, false, false
	}
	if m.resting() {
		return v, false, false
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.lookups++
	if m.lookups >= window {
		m.review()
	}
	for i := range m.kept {
		if e := &m.kept[i]; len(e.text) == len(text) && e.text == text {
			m.hits++
			return e.v, true, false
		}
	}
	f := fingerprint(text)
	for _, s := range m.seen {
		if s == f {
			return v, false, true
		}
	}
	m.seen[m.nSeen%seenSlots] = f
	m.nSeen++
	return v, false, false
}

// Kept reports whether a value is kept for text, without counting as a
// lookup.
func (m *Memo[V]) Kept(text string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	for i := range m.kept {
		if m.kept[i].text == text && text != "" {
			return true
		}
	}
	return false
}

// review closes a window: rest when it found nothing or kept texts that
// were not asked for again.
func (m *Memo[V]) review() {
	if m.hits == 0 || m.hits < m.puts {
		m.restLen = min(max(2*m.restLen, minRest), maxRest)
		m.restUntil.Store(int64(now() + m.restLen))
	} else {
		m.restLen = 0
		m.restUntil.Store(0)
	}
	m.lookups, m.hits, m.puts = 0, 0, 0
}

// resting reports whether the memo is resting: one atomic load and a clock
// read, nothing written.
func (m *Memo[V]) resting() bool {
	u := m.restUntil.Load()
	return u != 0 && int64(now()) < u
}

// Put keeps v for a copy of text, in place of the oldest entry. v must not
// share memory the caller goes on changing.
func (m *Memo[V]) Put(text string, v V) {
	if !takes(text) {
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
	m.puts++
	m.kept[m.next] = entry[V]{text: text, v: v}
	m.next = (m.next + 1) % entries
}
