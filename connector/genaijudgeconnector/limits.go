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

// spend tracks the judge's USD spend in fixed one-hour windows.
type spend struct {
	mu     sync.Mutex
	max    float64
	start  time.Time
	amount float64
	now    func() time.Time
}

func (s *spend) roll() {
	if now := s.now(); now.Sub(s.start) >= time.Hour {
		s.start, s.amount = now, 0
	}
}

// allow reports whether the hour's budget has room for another call.
func (s *spend) allow() bool {
	if s == nil || s.max <= 0 {
		return true
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.roll()
	return s.amount < s.max
}

func (s *spend) add(usd float64) {
	if s == nil {
		return
	}
	s.mu.Lock()
	s.roll()
	s.amount += usd
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
	onChange  func(state int)
}

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
	if b.state != s {
		b.state = s
		if b.onChange != nil {
			b.onChange(s)
		}
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
