package genaidatasetexporter

import (
	"encoding/binary"
	"sync"

	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/periscope-otel/periscope/internal/genai"
)

// shared is the state of one configured genai_dataset that its traces and
// logs instances share: one writer (one file at a time in the directory),
// the calls written recently, and what content-less model-call spans said
// about their calls (usage, cost, evaluations) for the rows their log
// records become.
type shared struct {
	writer  *rotatingWriter
	written *callSet
	spans   *spanNotes

	// Session totals, created on first use from the configuration.
	sessionsOnce   sync.Once
	sessions       *sessionTotals
	sessionCounted *callSet
}

// sessionTotals returns the shared session totals, nil when disabled.
func (s *shared) sessionTotals(cfg *Config) *sessionTotals {
	s.sessionsOnce.Do(func() {
		if cfg.SessionTotals.MaxSessions > 0 {
			s.sessions = newSessionTotals(cfg.SessionTotals.MaxSessions, cfg.SessionTotals.TTL)
			s.sessionCounted = newCallSet(1 << 14)
		}
	})
	return s.sessions
}

type callKey struct {
	trace pcommon.TraceID
	span  pcommon.SpanID
}

func slot(k callKey, mask uint64) uint64 {
	h := mix64(binary.LittleEndian.Uint64(k.trace[:8]) ^ mix64(binary.LittleEndian.Uint64(k.trace[8:])))
	return mix64(h^binary.LittleEndian.Uint64(k.span[:])) & mask
}

// callSet remembers recently written calls: a direct-mapped table (bounded
// memory; a colliding call evicts the older one, which at worst lets a
// very late duplicate through).
type callSet struct {
	mu    sync.Mutex
	slots []callKey
	mask  uint64
}

func newCallSet(n int) *callSet { return &callSet{slots: make([]callKey, n), mask: uint64(n - 1)} }

func (s *callSet) has(k callKey) bool {
	if k.span.IsEmpty() {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.slots[slot(k, s.mask)] == k
}

func (s *callSet) add(keys []callKey) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, k := range keys {
		if !k.span.IsEmpty() {
			s.slots[slot(k, s.mask)] = k
		}
	}
}

// spanNote is what a model-call span without content said about its call.
type spanNote struct {
	key                                              callKey
	time                                             pcommon.Timestamp
	service                                          string
	operation, provider, requestModel, responseModel string
	conversationID                                   string
	usage                                            genai.Usage
	ann                                              annotations
}

// spanNotes is a small direct-mapped table of spanNote.
type spanNotes struct {
	mu    sync.Mutex
	slots []*spanNote
	mask  uint64
}

const spanNoteSlots = 1 << 12

func newSpanNotes(n int) *spanNotes {
	return &spanNotes{slots: make([]*spanNote, n), mask: uint64(n - 1)}
}

func (s *spanNotes) put(n *spanNote) {
	s.mu.Lock()
	s.slots[slot(n.key, s.mask)] = n
	s.mu.Unlock()
}

// take returns (and forgets) the note of a call, if any.
func (s *spanNotes) take(k callKey) *spanNote {
	if k.span.IsEmpty() {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	i := slot(k, s.mask)
	if n := s.slots[i]; n != nil && n.key == k {
		s.slots[i] = nil
		return n
	}
	return nil
}

// mix64 is splitmix64's finalizer: ids that are not random still spread.
func mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}
