package genaidatasetexporter

import (
	"container/list"
	"sync"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/periscope-otel/periscope/exporter/genaidatasetexporter/dataset"
	"github.com/periscope-otel/periscope/internal/genai"
)

// sessionTotals keeps running totals per session (the reader's
// conversation id: gen_ai.conversation.id, session.id, Langfuse,
// OpenInference and Vercel session keys) over every model call this
// exporter sees, flagged or not, so a row can say what its session had
// cost and used up to and including that call. Bounded: the least
// recently active session is forgotten first, and a session idle for
// longer than the TTL starts again from zero.
type sessionTotals struct {
	mu    sync.Mutex
	max   int
	ttl   time.Duration
	order *list.List // front = most recently active
	byID  map[string]*list.Element
	now   func() time.Time
}

type sessionEntry struct {
	id    string
	last  time.Time
	first pcommon.Timestamp
	total dataset.Session
}

func newSessionTotals(max int, ttl time.Duration) *sessionTotals {
	return &sessionTotals{max: max, ttl: ttl, order: list.New(), byID: map[string]*list.Element{}, now: time.Now}
}

// sessionCall is what one model call adds to its session.
type sessionCall struct {
	input, output int64
	cost          *float64
	time          pcommon.Timestamp
}

// observe adds one call to its session and returns the session's totals
// including it. A nil receiver or an empty id records nothing.
func (s *sessionTotals) observe(id string, c sessionCall) *dataset.Session {
	if s == nil || id == "" {
		return nil
	}
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	el, ok := s.byID[id]
	if ok && s.ttl > 0 && now.Sub(el.Value.(*sessionEntry).last) > s.ttl {
		s.order.Remove(el)
		delete(s.byID, id)
		ok = false
	}
	if !ok {
		for s.order.Len() >= s.max {
			old := s.order.Back()
			s.order.Remove(old)
			delete(s.byID, old.Value.(*sessionEntry).id)
		}
		el = s.order.PushFront(&sessionEntry{id: id, total: dataset.Session{ID: id}})
		s.byID[id] = el
	} else {
		s.order.MoveToFront(el)
	}
	e := el.Value.(*sessionEntry)
	e.last = now
	t := &e.total
	t.Calls++
	t.InputTokens += c.input
	t.OutputTokens += c.output
	if c.cost != nil {
		usd := *c.cost
		if t.CostUSD != nil {
			usd += *t.CostUSD
		}
		t.CostUSD = &usd
	} else {
		t.UnpricedCalls++
	}
	if c.time != 0 && (e.first == 0 || c.time < e.first) {
		e.first = c.time
	}
	return e.snapshot()
}

func (e *sessionEntry) snapshot() *dataset.Session {
	snap := e.total
	if e.first != 0 {
		snap.FirstCall = timeString(e.first)
	}
	if e.total.CostUSD != nil {
		usd := *e.total.CostUSD
		snap.CostUSD = &usd
	}
	return &snap
}

// snapshot returns the current totals of a session, nil if unknown.
func (s *sessionTotals) snapshot(id string) *dataset.Session {
	s.mu.Lock()
	defer s.mu.Unlock()
	if el, ok := s.byID[id]; ok {
		return el.Value.(*sessionEntry).snapshot()
	}
	return nil
}

// len reports the number of sessions held (tests, telemetry).
func (s *sessionTotals) len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.order.Len()
}

// countSession adds a model call to its session once (a call read from its
// span and again from its log records counts once) and returns the
// session's totals including it; nil when the call names no session or
// session totals are off.
func (e *datasetExporter) countSession(k callKey, v *genai.View, cost *dataset.Cost, ts pcommon.Timestamp) *dataset.Session {
	st := e.shared.sessionTotals(e.cfg)
	if st == nil || v.ConversationID == "" {
		return nil
	}
	if !k.span.IsEmpty() {
		if e.shared.sessionCounted.has(k) {
			return st.snapshot(v.ConversationID)
		}
		e.shared.sessionCounted.add([]callKey{k})
	}
	c := sessionCall{input: v.Usage.Input, output: v.Usage.Output, time: ts}
	if cost != nil {
		c.cost = cost.USD
	}
	return st.observe(v.ConversationID, c)
}
