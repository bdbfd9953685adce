package genaievalprocessor

import (
	"encoding/binary"
	"sync"
	"sync/atomic"

	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/periscope-otel/periscope/internal/sharedstate"
)

// judgedCalls remembers the calls judged recently by either instance of
// one configured genai_eval (traces and logs), so each call is judged once:
// a call whose content is both on its span and in its log records, or whose
// records are delivered again, gets one set of results. A direct-mapped
// table: bounded memory, a colliding call evicts the older one.
//
// Only calls that can reach both instances need it: the table (1.5 MB) is
// made on the first claim once a logs instance exists, and spans claim
// nothing without one.
type judgedCalls struct {
	logs  atomic.Bool // a logs instance shares the table
	mu    sync.Mutex
	n     int
	slots []judgedKey
	mask  uint64
}

type judgedKey struct {
	trace pcommon.TraceID
	span  pcommon.SpanID
}

const judgedSlots = 1 << 16

var judgedRegistry sharedstate.Registry[*judgedCalls]

func newJudgedCalls(n int) *judgedCalls {
	return &judgedCalls{n: n, mask: uint64(n - 1)}
}

// withLogs says a logs instance shares the table (all instances are made
// before any data flows).
func (j *judgedCalls) withLogs() { j.logs.Store(true) }

// claim reports whether the call is new, and remembers it. Spans always
// claim and are always judged (a span is a call); log records are judged
// only when they win the claim.
func (j *judgedCalls) claim(trace pcommon.TraceID, span pcommon.SpanID) bool {
	if span.IsEmpty() || !j.logs.Load() {
		return true // no other instance to have judged it
	}
	k := judgedKey{trace, span}
	h := binary.LittleEndian.Uint64(span[:]) ^ binary.LittleEndian.Uint64(trace[:8])
	i := ((h * 0x9E3779B97F4A7C15) >> 17) & j.mask
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.slots == nil {
		j.slots = make([]judgedKey, j.n)
	}
	if j.slots[i] == k {
		return false
	}
	j.slots[i] = k
	return true
}
