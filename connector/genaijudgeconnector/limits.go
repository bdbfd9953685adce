package genaijudgeconnector

import (
	"context"
	"sync"
	"time"
)

// pacer spaces judge calls evenly: at most n per minute (0 = unlimited).
type pacer struct {
	mu       sync.Mutex
	interval time.Duration
	next     time.Time
}

func newPacer(perMinute int) *pacer {
	if perMinute <= 0 {
		return nil
	}
	return &pacer{interval: time.Minute / time.Duration(perMinute)}
}

// wait reserves the next slot and waits for it; false when ctx ended first.
func (p *pacer) wait(ctx context.Context) bool {
	if p == nil {
		return true
	}
	p.mu.Lock()
	now := time.Now()
	if p.next.Before(now) {
		p.next = now
	}
	slot := p.next
	p.next = slot.Add(p.interval)
	p.mu.Unlock()
	d := time.Until(slot)
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// spend tracks the judge's USD spend in fixed one-hour windows. A call in
// flight holds a reservation of the last call's cost until it is settled.
type spend struct {
	mu       sync.Mutex
	max      float64
	start    time.Time
	amount   float64
	reserved float64
	last     float64
	now      func() time.Time
}

func (s *spend) roll() {
	if now := s.now(); now.Sub(s.start) >= time.Hour {
		s.start, s.amount = now, 0
	}
}

// reserve reports whether the hour's budget has room for another call
// counting the calls in flight, and reserves the expected cost of one (the
// last call's) until settle.
func (s *spend) reserve() (float64, bool) {
	if s == nil || s.max <= 0 {
		return 0, true
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.roll()
	if s.amount+s.reserved >= s.max {
		return 0, false
	}
	s.reserved += s.last
	return s.last, true
}

// settle releases a reservation and adds what the call really cost.
func (s *spend) settle(held, usd float64) {
	if s == nil {
		return
	}
	s.mu.Lock()
	s.roll()
	s.reserved = max(0, s.reserved-held)
	s.amount += usd
	if usd > 0 {
		s.last = usd
	}
	s.mu.Unlock()
}

// Circuit states, as reported by the circuit metric.
const (
	circuitClosed   = 0
	circuitOpen     = 1
	circuitHalfOpen = 2
)

// breaker opens after consecutive failed judgements and lets one trial
// call through after the cooldown.
type breaker struct {
	mu        sync.Mutex
	threshold int
	cooldown  time.Duration
	failures  int
	state     int
	openUntil time.Time
	trial     bool
	now       func() time.Time
	// onChange is told when an outage starts (closed -> open, at most once
	// per openNoteEvery, so a judge that stays down or flaps is one
	// warning, not one per cooldown) and when the judge recovers.
	onChange func(state int)
	noted    time.Time
}

// openNoteEvery rate-limits the "circuit opened" notification.
const openNoteEvery = 10 * time.Minute

// allow reports whether a judge call may be made now.
func (b *breaker) allow() bool {
	if b.threshold <= 0 {
		return true
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	switch b.state {
	case circuitOpen:
		if b.now().Before(b.openUntil) {
			return false
		}
		b.set(circuitHalfOpen)
		b.trial = true
		return true
	case circuitHalfOpen:
		if b.trial {
			return false
		}
		b.trial = true
		return true
	}
	return true
}

func (b *breaker) result(ok bool) {
	if b.threshold <= 0 {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.trial = false
	if ok {
		b.failures = 0
		b.set(circuitClosed)
		return
	}
	b.failures++
	if b.state == circuitHalfOpen || b.failures >= b.threshold {
		b.openUntil = b.now().Add(b.cooldown)
		b.set(circuitOpen)
	}
}

func (b *breaker) set(s int) {
	prev := b.state
	if prev == s {
		return
	}
	b.state = s
	if b.onChange == nil {
		return
	}
	switch {
	case s == circuitOpen && prev == circuitClosed:
		if now := b.now(); b.noted.IsZero() || now.Sub(b.noted) >= openNoteEvery {
			b.noted = now
			b.onChange(s)
		}
	case s == circuitClosed:
		b.onChange(s)
	}
}

func (b *breaker) current() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.state
}

// queue is a bounded FIFO that drops its oldest entry when full.
type queue struct {
	mu     sync.Mutex
	items  []*job
	head   int
	n      int
	notify chan struct{}
}

func newQueue(size, workers int) *queue {
	return &queue{items: make([]*job, size), notify: make(chan struct{}, workers)}
}

// push adds a job and returns the job dropped to make room, if any.
func (q *queue) push(j *job) (dropped *job) {
	q.mu.Lock()
	if q.n == len(q.items) {
		dropped = q.items[q.head]
		q.items[q.head] = nil
		q.head = (q.head + 1) % len(q.items)
		q.n--
	}
	q.items[(q.head+q.n)%len(q.items)] = j
	q.n++
	q.mu.Unlock()
	select {
	case q.notify <- struct{}{}:
	default:
	}
	return dropped
}

func (q *queue) pop() *job {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.n == 0 {
		return nil
	}
	j := q.items[q.head]
	q.items[q.head] = nil
	q.head = (q.head + 1) % len(q.items)
	q.n--
	return j
}

func (q *queue) len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.n
}
