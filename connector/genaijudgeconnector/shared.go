package genaijudgeconnector

import (
	"encoding/binary"
	"sync"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/periscope-otel/periscope/internal/sharedstate"
)

// limits is what the traces and the logs instance of one configured
// genai_judge share: one call budget, one spend budget, one circuit
// breaker, and the memory of the calls queued recently (a call whose
// content is on its span and in its log records is judged once).
type limits struct {
	pace    *pacer
	budget  *spend
	breaker *breaker
	seen    *seenCalls
}

var limitsRegistry sharedstate.Registry[*limits]

func newLimits(cfg *Config) *limits {
	return &limits{
		pace:    newPacer(cfg.Budget.MaxCallsPerMinute),
		budget:  &spend{max: cfg.Budget.MaxUSDPerHour, now: time.Now, start: time.Now()},
		breaker: &breaker{threshold: cfg.Breaker.Failures, cooldown: cfg.Breaker.Cooldown, now: time.Now},
		seen:    &seenCalls{slots: make([]seenKey, seenSlots), mask: seenSlots - 1},
	}
}

// seenCalls is a direct-mapped table of recently queued (call, rubric)
// pairs: bounded memory, a colliding pair evicts the older one.
type seenCalls struct {
	mu    sync.Mutex
	slots []seenKey
	mask  uint64
}

type seenKey struct {
	trace  pcommon.TraceID
	span   pcommon.SpanID
	rubric string
}

const seenSlots = 1 << 14

// claim reports whether the pair is new, and remembers it. Calls without a
// span id are always new.
func (s *seenCalls) claim(trace pcommon.TraceID, span pcommon.SpanID, rubric string) bool {
	if span.IsEmpty() {
		return true
	}
	k := seenKey{trace, span, rubric}
	h := binary.LittleEndian.Uint64(span[:]) ^ binary.LittleEndian.Uint64(trace[:8])
	for i := 0; i < len(rubric); i++ {
		h = h*31 + uint64(rubric[i])
	}
	i := ((h * 0x9E3779B97F4A7C15) >> 17) & s.mask
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.slots[i] == k {
		return false
	}
	s.slots[i] = k
	return true
}
