package genaievalprocessor

import (
	"sync"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
)

// pendingInputs remembers the request side (system text and user input) of
// calls whose GenAI log events arrived without their answer. SDK log
// exporters batch by time, so a call's system and user events can travel in
// one OTLP request and its choice in the next; when the answer arrives, the
// output evaluators (hallucination, prompt_leak) still see what it answers.
// Bounded by count and age; the request side is evaluated when it arrives,
// so what is kept here only grounds, it is never scored twice.
type pendingInputs struct {
	mu      sync.Mutex
	max     int
	ttl     time.Duration
	entries map[pendingKey]pendingInput
}

type pendingKey struct {
	trace pcommon.TraceID
	span  pcommon.SpanID
}

type pendingInput struct {
	system, input string
	at            time.Time
}

func newPendingInputs(maxEntries int, ttl time.Duration) *pendingInputs {
	return &pendingInputs{max: maxEntries, ttl: ttl, entries: make(map[pendingKey]pendingInput)}
}

func (p *pendingInputs) put(k pendingKey, system, input string, now time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.entries) >= p.max {
		for key, e := range p.entries { // drop what expired, else everything older than half the ttl
			if now.Sub(e.at) > p.ttl/2 {
				delete(p.entries, key)
			}
		}
		if len(p.entries) >= p.max {
			clear(p.entries)
		}
	}
	p.entries[k] = pendingInput{system: system, input: input, at: now}
}

// take returns and forgets the request side of a call, if it is fresh.
func (p *pendingInputs) take(k pendingKey, now time.Time) (pendingInput, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	e, ok := p.entries[k]
	if !ok {
		return pendingInput{}, false
	}
	delete(p.entries, k)
	return e, now.Sub(e.at) <= p.ttl
}
