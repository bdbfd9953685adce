package genairollupprocessor

import (
	"container/list"
	"strings"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
)

// Estimated memory of the state, for max_bytes.
const (
	traceBytes  = 256 // entry, list element, map headers
	passedBytes = 48  // one span id in the passed set
)

// Eviction reasons (label of otelcol_processor_genai_rollup_evicted_traces).
const (
	reasonTTL = iota
	reasonMaxTraces
	reasonMaxBytes
	numReasons
)

var reasonNames = [numReasons]string{"ttl", "max_traces", "max_bytes"}

// traceState is what is kept of one trace between batches: the running sums
// waiting for an ancestor that has not arrived yet, and the ids of the spans
// already passed (a child naming one of them as parent is late).
type traceState struct {
	id      pcommon.TraceID
	pending map[pcommon.SpanID]*sums
	passed  map[pcommon.SpanID]struct{}
	last    time.Time
	bytes   int64
	elem    *list.Element
	open    bool // in the open list (holds pending sums)
}

// store bounds the per-trace state by count, estimated bytes and idle time.
// Traces without pending sums ("done": only kept for late detection) are
// evicted before traces whose sums still wait for an ancestor ("open").
// Callers hold the processor's lock.
type store struct {
	traces    map[pcommon.TraceID]*traceState
	open      *list.List // front = most recently active
	done      *list.List
	bytes     int64
	maxTraces int
	maxBytes  int64
	ttl       time.Duration

	// Outcomes since the last drain, flushed to telemetry per batch.
	evicted [numReasons]int64
	orphans int64 // pending sums dropped with an evicted trace
}

func newStore(cfg *Config) *store {
	return &store{
		traces:    map[pcommon.TraceID]*traceState{},
		open:      list.New(),
		done:      list.New(),
		maxTraces: cfg.MaxTraces,
		maxBytes:  cfg.MaxBytes,
		ttl:       cfg.TTL,
	}
}

func (s *store) get(id pcommon.TraceID) *traceState { return s.traces[id] }

// ensure returns the state of a trace, creating it.
func (s *store) ensure(id pcommon.TraceID, now time.Time) *traceState {
	if t, ok := s.traces[id]; ok {
		return t
	}
	t := &traceState{id: id, last: now, bytes: traceBytes}
	t.elem = s.done.PushFront(t)
	s.traces[id] = t
	s.bytes += traceBytes
	return t
}

// touch marks a trace active and files it in the open or done list.
func (s *store) touch(t *traceState, now time.Time) {
	t.last = now
	open := len(t.pending) > 0
	if open == t.open {
		if open {
			s.open.MoveToFront(t.elem)
		} else {
			s.done.MoveToFront(t.elem)
		}
		return
	}
	if t.open {
		s.open.Remove(t.elem)
		t.elem = s.done.PushFront(t)
	} else {
		s.done.Remove(t.elem)
		t.elem = s.open.PushFront(t)
	}
	t.open = open
}

// take removes and returns the sums pending for span sid.
func (s *store) take(t *traceState, sid pcommon.SpanID) *sums {
	p, ok := t.pending[sid]
	if !ok {
		return nil
	}
	delete(t.pending, sid)
	b := p.bytes()
	t.bytes -= b
	s.bytes -= b
	return p
}

// addPending adds a child's totals to the sums waiting for its parent.
func (s *store) addPending(t *traceState, parent pcommon.SpanID, x *sums) {
	if t.pending == nil {
		t.pending = map[pcommon.SpanID]*sums{}
	}
	p, ok := t.pending[parent]
	if !ok {
		p = x.clone()
		t.pending[parent] = p
		b := p.bytes()
		t.bytes += b
		s.bytes += b
		return
	}
	before := p.bytes()
	for i := range x.calls { // names kept beyond the batch are copied
		x.calls[i].name = cloneName(x.calls[i].name, p.calls)
	}
	p.add(x)
	d := p.bytes() - before
	t.bytes += d
	s.bytes += d
}

// cloneName returns a copy of name, or the identical string already held.
func cloneName(name string, held []callCount) string {
	for i := range held {
		if held[i].name == name {
			return held[i].name
		}
	}
	return strings.Clone(name)
}

func (t *traceState) hasPassed(sid pcommon.SpanID) bool {
	_, ok := t.passed[sid]
	return ok
}

func (s *store) markPassed(t *traceState, sid pcommon.SpanID) {
	if t.passed == nil {
		t.passed = map[pcommon.SpanID]struct{}{}
	}
	if _, ok := t.passed[sid]; ok {
		return
	}
	t.passed[sid] = struct{}{}
	t.bytes += passedBytes
	s.bytes += passedBytes
}

func (s *store) remove(t *traceState, reason int) {
	if t.open {
		s.open.Remove(t.elem)
	} else {
		s.done.Remove(t.elem)
	}
	delete(s.traces, t.id)
	s.bytes -= t.bytes
	s.orphans += int64(len(t.pending))
	s.evicted[reason]++
}

// expire evicts traces idle for longer than the TTL, then the least recently
// active ones (done before open) while a bound is exceeded.
func (s *store) expire(now time.Time) {
	for _, l := range [2]*list.List{s.done, s.open} {
		for e := l.Back(); e != nil; e = l.Back() {
			t := e.Value.(*traceState)
			if now.Sub(t.last) <= s.ttl {
				break
			}
			s.remove(t, reasonTTL)
		}
	}
	for len(s.traces) > s.maxTraces {
		s.remove(s.oldest(), reasonMaxTraces)
	}
	for s.bytes > s.maxBytes && len(s.traces) > 0 {
		s.remove(s.oldest(), reasonMaxBytes)
	}
}

func (s *store) oldest() *traceState {
	if e := s.done.Back(); e != nil {
		return e.Value.(*traceState)
	}
	return s.open.Back().Value.(*traceState)
}

// drain returns and resets the evictions and orphans counted so far.
func (s *store) drain() (evicted [numReasons]int64, orphans int64) {
	evicted, orphans = s.evicted, s.orphans
	s.evicted, s.orphans = [numReasons]int64{}, 0
	return evicted, orphans
}

// gauges returns the traces held, those with pending sums, and the
// estimated bytes.
func (s *store) gauges() (traces, open, bytes int64) {
	return int64(len(s.traces)), int64(s.open.Len()), s.bytes
}
