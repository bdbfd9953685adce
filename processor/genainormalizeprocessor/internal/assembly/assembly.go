// Package assembly holds the content log records of a model call until the
// call is complete, so that every component after genai_normalize sees a
// call whole, once.
//
// Official instrumentations export a call's prompts and answer as log
// records, apart from its span: the records of one call (system, user,
// choice) may arrive in one request or several, before or after the span.
// A call is complete when its answer record is there and, when spans feed
// the same assembler, its span has been seen (or the span says the call
// failed). Until then its records are held, bounded by count, bytes and
// time; whatever a bound releases early is passed on as it is, never dropped.
package assembly

import (
	"context"
	"encoding/binary"
	"hash/fnv"
	"slices"
	"sync"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/periscope-otel/periscope/internal/genai"
)

// Key identifies a call: its span.
type Key struct {
	Trace pcommon.TraceID
	Span  pcommon.SpanID
}

// Released maps the calls released in a batch to what their span said
// (only calls whose span was seen are present).
type Released map[Key]genai.CallIdentity

// Release reasons, as reported to Telemetry.
const (
	ReasonComplete = "complete" // answer (and span, when awaited) present
	ReasonTimeout  = "timeout"  // held for the configured timeout
	ReasonEvicted  = "evicted"  // released early: pending calls or bytes at their cap
	ReasonOverCap  = "over_cap" // the call itself flooded records
	ReasonShutdown = "shutdown" // the collector stopped
)

// Telemetry receives the assembler's counts. Every method must be safe for
// concurrent use.
type Telemetry interface {
	Released(reason string, calls int)
	Late(records int)       // records of a call already released, passed on as they are
	Duplicates(records int) // records delivered again while their call was held
	EmitFailed(records int) // records that could not be passed on after retries
}

// Emit passes released records on (genai_normalize normalizes them and
// calls the next consumer).
type Emit func(context.Context, plog.Logs, Released) error

// Assembler is shared by the traces and logs instances of one
// genai_normalize: spans tell it what they know, log records are held in it.
type Assembler struct {
	cfg Config
	tel Telemetry
	now func() time.Time

	mu       sync.Mutex
	calls    map[Key]*call
	queue    []queued // calls by arrival, for eviction and timeouts (lazily pruned)
	seq      uint64
	bytes    int
	spans    *recentSpans
	done     *recentKeys
	waitSpan bool  // a traces instance feeds spans
	running  bool  // a logs instance is started: spans are worth remembering
	ready    []Key // held calls completed by their span, for the loop

	emit  Emit
	wake  chan struct{}
	stop  chan struct{}
	wg    sync.WaitGroup
	retry []held // released batches whose emission failed
}

type queued struct {
	key Key
	seq uint64
}

type held struct {
	ld       plog.Logs
	released Released
	keys     []Key
	tries    int
}

type call struct {
	seq       uint64
	first     time.Time
	data      plog.Logs
	rl        plog.ResourceLogs // where the last held record went, and its sources
	sl        plog.ScopeLogs
	srcRes    pcommon.Resource
	srcScope  pcommon.InstrumentationScope
	hasRL     bool
	records   int
	bytes     int
	hasOutput bool
	known     bool
	ident     *genai.CallIdentity
	seen      []uint64 // record fingerprints, for redelivered requests
}

// New returns an assembler; now may be nil (time.Now).
func New(cfg Config, tel Telemetry, now func() time.Time) *Assembler {
	if now == nil {
		now = time.Now
	}
	if tel == nil {
		tel = nopTelemetry{}
	}
	return &Assembler{
		cfg: cfg, tel: tel, now: now,
		calls: map[Key]*call{},
		wake:  make(chan struct{}, 1),
	}
}

// tables makes the recent-span and released-call tables (~3 MB) on first
// use: a genai_normalize without a logs pipeline never needs them. a.mu is
// held.
func (a *Assembler) tables() {
	if a.spans == nil {
		a.spans, a.done = newRecentSpans(1<<14), newRecentKeys(1<<15)
	}
}

// ExpectSpans says that spans of the same calls feed this assembler.
func (a *Assembler) ExpectSpans() {
	a.mu.Lock()
	a.waitSpan = a.cfg.WaitForSpan
	a.mu.Unlock()
}

// Pending returns the number of held calls and their bytes.
func (a *Assembler) Pending() (calls, bytes int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.calls), a.bytes
}

// Span records what a model-call span says about its call. A held call
// whose answer is in (or whose span failed) becomes ready and is released
// by the background loop.
func (a *Assembler) Span(k Key, id genai.CallIdentity) {
	if k.Span.IsEmpty() {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if !a.running {
		return
	}
	c := a.calls[k]
	if c == nil {
		if !a.done.has(k) {
			a.spans.put(k, id)
		}
		return
	}
	if c.ident == nil {
		ident := id // a copy here: taking id's address would move every call's id to the heap
		c.ident = &ident
		if c.hasOutput || id.Failed {
			a.ready = append(a.ready, k)
			select {
			case a.wake <- struct{}{}:
			default:
			}
		}
	}
}

type summary struct {
	out     bool
	known   bool // a record names the call's operation and model itself
	records int
	hold    bool
	joined  *call // a held call this batch completes: its records join the batch
}

// Logs takes a batch of log records: records of calls that are complete
// stay (joined by the records held for them), records of incomplete calls
// are taken out and held. It returns the calls released into ld.
func (a *Assembler) Logs(ld plog.Logs) Released {
	var keys map[Key]*summary
	rls := ld.ResourceLogs()
	for i := 0; i < rls.Len(); i++ {
		sls := rls.At(i).ScopeLogs()
		for j := 0; j < sls.Len(); j++ {
			lrs := sls.At(j).LogRecords()
			for k := 0; k < lrs.Len(); k++ {
				lr := lrs.At(k)
				if lr.SpanID().IsEmpty() || !genai.IsCallRecord(lr) {
					continue // records without a span are calls of their own
				}
				if keys == nil {
					keys = map[Key]*summary{}
				}
				key := Key{lr.TraceID(), lr.SpanID()}
				s := keys[key]
				if s == nil {
					s = &summary{}
					keys[key] = s
				}
				s.records++
				s.out = s.out || genai.IsCallOutput(lr)
				s.known = s.known || identified(lr)
			}
		}
	}
	if keys == nil {
		return nil
	}
	now := a.now()
	released := Released{}
	var joined []plog.Logs // held records of calls completed by this batch
	late := 0
	a.mu.Lock()
	defer a.mu.Unlock()
	a.tables()
	for key, s := range keys {
		if a.done.has(key) {
			late += s.records
			continue
		}
		c := a.calls[key]
		var ident *genai.CallIdentity
		if c != nil {
			ident = c.ident
		} else if id, ok := a.spans.get(key); ok {
			ident = &id
		}
		hasOut := s.out || (c != nil && c.hasOutput)
		known := s.known || (c != nil && c.known)
		reason := ""
		switch {
		case !a.running:
			// Nothing would release held records: pass everything on.
			reason = ReasonComplete
		case ident != nil && (hasOut || ident.Failed):
			reason = ReasonComplete
		case hasOut && (!a.waitSpan || known):
			// Nothing to wait for: no span comes here, or the records say
			// what it would (assembled upstream, or a details event).
			reason = ReasonComplete
		case c != nil && c.records+s.records > a.cfg.MaxRecordsPerCall, c == nil && s.records > a.cfg.MaxRecordsPerCall:
			reason = ReasonOverCap
		}
		if reason == "" {
			s.hold = true
			if c == nil {
				a.seq++
				c = &call{seq: a.seq, first: now, data: plog.NewLogs(), ident: ident}
				a.calls[key] = c
				a.queue = append(a.queue, queued{key, c.seq})
			}
			continue
		}
		if c != nil {
			joined = append(joined, a.take(key, c))
			s.joined = c
		}
		a.markReleased(key, ident, released)
		if a.running {
			a.tel.Released(reason, 1)
		}
	}
	// Take the records of held calls out of the batch.
	dups := 0
	for i := 0; i < rls.Len(); i++ {
		rl := rls.At(i)
		sls := rl.ScopeLogs()
		for j := 0; j < sls.Len(); j++ {
			sl := sls.At(j)
			sl.LogRecords().RemoveIf(func(lr plog.LogRecord) bool {
				if lr.SpanID().IsEmpty() || !genai.IsCallRecord(lr) {
					return false
				}
				key := Key{lr.TraceID(), lr.SpanID()}
				s := keys[key]
				if s != nil && s.joined != nil && slices.Contains(s.joined.seen, fingerprint(lr)) {
					dups++ // redelivered: its held copy joins the batch
					return true
				}
				if s == nil || !s.hold {
					return false
				}
				if !a.hold(a.calls[key], rl.Resource(), sl.Scope(), lr) {
					dups++
				}
				return true
			})
		}
		sls.RemoveIf(func(sl plog.ScopeLogs) bool { return sl.LogRecords().Len() == 0 })
	}
	rls.RemoveIf(func(rl plog.ResourceLogs) bool { return rl.ScopeLogs().Len() == 0 })
	for key, s := range keys {
		if s.hold {
			c := a.calls[key]
			c.hasOutput = c.hasOutput || s.out
			c.known = c.known || s.known
		}
	}
	for _, d := range joined {
		d.ResourceLogs().MoveAndAppendTo(rls)
	}
	// Bounds: the oldest calls are released into this batch.
	evicted := 0
	for len(a.calls) > a.cfg.MaxPendingCalls || a.bytes > a.cfg.MaxPendingBytes {
		key, c, ok := a.oldest()
		if !ok {
			break
		}
		d := a.take(key, c)
		d.ResourceLogs().MoveAndAppendTo(rls)
		a.markReleased(key, c.ident, released)
		evicted++
	}
	if evicted > 0 {
		a.tel.Released(ReasonEvicted, evicted)
	}
	if late > 0 {
		a.tel.Late(late)
	}
	if dups > 0 {
		a.tel.Duplicates(dups)
	}
	return released
}

// identified reports whether a record names its call's operation and model
// (then the span has nothing to add).
func identified(lr plog.LogRecord) bool {
	a := lr.Attributes()
	_, op := a.Get(genai.KeyOperation)
	_, model := a.Get(genai.KeyRequestModel)
	return op && model
}

// hold copies lr into c; it reports false for a redelivered record (same
// event, time and body as one already held), which is dropped as a copy.
func (a *Assembler) hold(c *call, res pcommon.Resource, scope pcommon.InstrumentationScope, lr plog.LogRecord) bool {
	fp := fingerprint(lr)
	if slices.Contains(c.seen, fp) {
		return false
	}
	c.seen = append(c.seen, fp)
	if !c.hasRL || c.srcRes != res {
		c.rl = c.data.ResourceLogs().AppendEmpty()
		res.CopyTo(c.rl.Resource())
		c.srcRes, c.hasRL = res, true
		c.sl = plog.ScopeLogs{}
	}
	if c.sl == (plog.ScopeLogs{}) || c.srcScope != scope {
		c.sl = c.rl.ScopeLogs().AppendEmpty()
		scope.CopyTo(c.sl.Scope())
		c.srcScope = scope
	}
	lr.CopyTo(c.sl.LogRecords().AppendEmpty())
	n := recordBytes(lr)
	c.records++
	c.bytes += n
	a.bytes += n
	return true
}

// take removes a held call and returns its records.
func (a *Assembler) take(key Key, c *call) plog.Logs {
	delete(a.calls, key)
	a.bytes -= c.bytes
	return c.data
}

func (a *Assembler) markReleased(key Key, ident *genai.CallIdentity, released Released) {
	a.done.add(key)
	if ident != nil {
		released[key] = *ident
	}
}

// oldest returns the earliest held call still pending.
func (a *Assembler) oldest() (Key, *call, bool) {
	for len(a.queue) > 0 {
		q := a.queue[0]
		a.queue = a.queue[1:]
		if c := a.calls[q.key]; c != nil && c.seq == q.seq {
			return q.key, c, true
		}
	}
	return Key{}, nil, false
}

// due moves the calls that are ready or timed out (all, when flush) into
// one batch. They are marked released only once passed on (see release).
func (a *Assembler) due(now time.Time, flush bool) held {
	h := held{ld: plog.NewLogs(), released: Released{}}
	reasons := map[string]int{}
	defer func() {
		for r, n := range reasons {
			a.tel.Released(r, n)
		}
	}()
	a.mu.Lock()
	defer a.mu.Unlock()
	a.tables()
	out := func(key Key, c *call) {
		a.take(key, c).ResourceLogs().MoveAndAppendTo(h.ld.ResourceLogs())
		if c.ident != nil {
			h.released[key] = *c.ident
		}
		h.keys = append(h.keys, key)
	}
	for _, key := range a.ready {
		if c := a.calls[key]; c != nil {
			out(key, c)
			reasons[ReasonComplete]++
		}
	}
	a.ready = a.ready[:0]
	// The queue is in arrival order: stop at the first call still in time.
	for len(a.queue) > 0 {
		q := a.queue[0]
		c := a.calls[q.key]
		if c == nil || c.seq != q.seq {
			a.queue = a.queue[1:]
			continue
		}
		if !flush && now.Sub(c.first) < a.cfg.Timeout {
			break
		}
		a.queue = a.queue[1:]
		out(q.key, c)
		if flush {
			reasons[ReasonShutdown]++
		} else {
			reasons[ReasonTimeout]++
		}
	}
	if len(a.queue) == 0 {
		a.queue = nil // let the backing array go
	}
	return h
}

// Start begins releasing ready and timed-out calls through emit.
func (a *Assembler) Start(emit Emit) {
	a.mu.Lock()
	if a.running {
		a.mu.Unlock()
		return
	}
	a.running, a.emit = true, emit
	a.tables()
	a.stop = make(chan struct{})
	a.mu.Unlock()
	tick := min(max(a.cfg.Timeout/5, 50*time.Millisecond), time.Second)
	a.wg.Add(1)
	go func() {
		defer a.wg.Done()
		t := time.NewTicker(tick)
		defer t.Stop()
		for {
			select {
			case <-a.stop:
				return
			case <-a.wake:
			case <-t.C:
			}
			a.release(context.Background(), false)
		}
	}()
}

// Shutdown stops the loop and passes on everything still held.
func (a *Assembler) Shutdown(ctx context.Context) {
	a.mu.Lock()
	if !a.running {
		a.mu.Unlock()
		return
	}
	a.running = false
	close(a.stop)
	a.mu.Unlock()
	a.wg.Wait()
	a.release(ctx, true)
}

// release passes on what is due. A call is marked released after it has
// been passed on: until then a redelivered record of it opens a new call
// instead of overtaking it downstream as a late record.
func (a *Assembler) release(ctx context.Context, flush bool) {
	pending := a.retry
	a.retry = nil
	if h := a.due(a.now(), flush); h.ld.LogRecordCount() > 0 {
		pending = append(pending, h)
	}
	for _, h := range pending {
		n := h.ld.LogRecordCount()
		err := a.emit(ctx, h.ld, h.released)
		if err != nil {
			// The next consumer refused (e.g. a memory limiter): try again
			// on the next ticks, a few times, then count the loss.
			if h.tries++; h.tries < 5 && !flush {
				a.retry = append(a.retry, h)
				continue
			}
			a.tel.EmitFailed(n)
		}
		a.mu.Lock()
		a.tables()
		for _, k := range h.keys {
			a.done.add(k)
		}
		a.mu.Unlock()
	}
}

// fingerprint identifies a record by event, time and body.
func fingerprint(lr plog.LogRecord) uint64 {
	h := fnv.New64a()
	var b [16]byte
	binary.LittleEndian.PutUint64(b[:8], uint64(lr.Timestamp()))
	binary.LittleEndian.PutUint64(b[8:], uint64(lr.ObservedTimestamp()))
	h.Write(b[:])
	h.Write([]byte(genai.EventName(lr)))
	h.Write([]byte(lr.Body().AsString()))
	return h.Sum64()
}

// recordBytes estimates the memory a held record takes: its strings plus
// a fixed overhead per record and per value (pdata's wrappers, measured by
// BenchmarkPendingMemory).
func recordBytes(lr plog.LogRecord) int {
	n := 640 + valueBytes(lr.Body())
	for k, v := range lr.Attributes().All() {
		n += len(k) + valueBytes(v)
	}
	return n
}

func valueBytes(v pcommon.Value) int {
	switch v.Type() {
	case pcommon.ValueTypeStr:
		return 64 + len(v.Str())
	case pcommon.ValueTypeBytes:
		return 64 + v.Bytes().Len()
	case pcommon.ValueTypeMap:
		n := 64
		for k, x := range v.Map().All() {
			n += len(k) + valueBytes(x)
		}
		return n
	case pcommon.ValueTypeSlice:
		n := 64
		s := v.Slice()
		for i := 0; i < s.Len(); i++ {
			n += valueBytes(s.At(i))
		}
		return n
	}
	return 64
}

type nopTelemetry struct{}

func (nopTelemetry) Released(string, int) {}
func (nopTelemetry) Late(int)             {}
func (nopTelemetry) Duplicates(int)       {}
func (nopTelemetry) EmitFailed(int)       {}
