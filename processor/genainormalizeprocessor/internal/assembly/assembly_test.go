package assembly

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/periscope-otel/periscope/internal/genai"
)

func key(n byte) Key {
	return Key{Trace: pcommon.TraceID{1, n}, Span: pcommon.SpanID{2, n}}
}

// record appends one per-message event of call k to ld.
func record(ld plog.Logs, k Key, event, text string) {
	rl := ld.ResourceLogs().AppendEmpty()
	rl.Resource().Attributes().PutStr("service.name", "svc")
	sl := rl.ScopeLogs().AppendEmpty()
	sl.Scope().SetName("@opentelemetry/instrumentation-openai")
	lr := sl.LogRecords().AppendEmpty()
	lr.SetEventName(event)
	lr.SetTraceID(k.Trace)
	lr.SetSpanID(k.Span)
	lr.Attributes().PutStr("gen_ai.system", "openai")
	lr.Body().SetEmptyMap().PutStr("content", text)
}

func callOf(k Key, events ...string) plog.Logs {
	ld := plog.NewLogs()
	for i, e := range events {
		record(ld, k, e, e+" "+string(rune('a'+i)))
	}
	return ld
}

type recorder struct {
	mu       sync.Mutex
	batches  []plog.Logs
	released []Released
	err      error
}

func (r *recorder) emit(_ context.Context, ld plog.Logs, rel Released) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err != nil {
		return r.err
	}
	r.batches = append(r.batches, ld)
	r.released = append(r.released, rel)
	return nil
}

func (r *recorder) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, b := range r.batches {
		n += b.LogRecordCount()
	}
	return n
}

type counts struct {
	mu                     sync.Mutex
	reasons                map[string]int
	late, dups, emitFailed int
}

func (c *counts) Released(r string, n int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.reasons == nil {
		c.reasons = map[string]int{}
	}
	c.reasons[r] += n
}
func (c *counts) Late(n int)       { c.mu.Lock(); c.late += n; c.mu.Unlock() }
func (c *counts) Duplicates(n int) { c.mu.Lock(); c.dups += n; c.mu.Unlock() }
func (c *counts) EmitFailed(n int) { c.mu.Lock(); c.emitFailed += n; c.mu.Unlock() }
func (c *counts) reason(r string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.reasons[r]
}

func started(t *testing.T, cfg Config, spans bool) (*Assembler, *recorder, *counts) {
	tel := &counts{}
	a := New(cfg, tel, nil)
	if spans {
		a.ExpectSpans()
	}
	rec := &recorder{}
	a.Start(rec.emit)
	t.Cleanup(func() { a.Shutdown(context.Background()) })
	return a, rec, tel
}

func eventually(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met in 5s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

var chatID = genai.CallIdentity{Operation: "chat", Provider: "openai", RequestModel: "gpt-4o-mini"}

func TestCompleteWithoutSpansPassesAtOnce(t *testing.T) {
	a, _, tel := started(t, DefaultConfig(), false)
	ld := callOf(key(1), "gen_ai.system.message", "gen_ai.user.message", "gen_ai.choice")
	rel := a.Logs(ld)
	assert.Equal(t, 3, ld.LogRecordCount(), "a complete call is not held")
	assert.Empty(t, rel, "no span seen: nothing to stamp")
	assert.Equal(t, 1, tel.reason(ReasonComplete))
}

func TestSplitCallJoinsTheBatchThatCompletesIt(t *testing.T) {
	a, _, _ := started(t, DefaultConfig(), false)
	first := callOf(key(1), "gen_ai.system.message", "gen_ai.user.message")
	a.Logs(first)
	assert.Equal(t, 0, first.LogRecordCount(), "request side held")
	second := callOf(key(1), "gen_ai.choice")
	record(second, key(9), "gen_ai.user.message", "another call")
	a.Logs(second)
	assert.Equal(t, 3, second.LogRecordCount(), "the call's three records travel together; the other call waits")
	n, _ := a.Pending()
	assert.Equal(t, 1, n)
}

func TestWaitsForSpanThenReleasesWithItsIdentity(t *testing.T) {
	a, rec, _ := started(t, DefaultConfig(), true)
	ld := callOf(key(1), "gen_ai.system.message", "gen_ai.user.message", "gen_ai.choice")
	a.Logs(ld)
	assert.Equal(t, 0, ld.LogRecordCount(), "held until the span is seen")
	a.Span(key(1), chatID)
	eventually(t, func() bool { return rec.count() == 3 })
	rec.mu.Lock()
	defer rec.mu.Unlock()
	assert.Equal(t, chatID, rec.released[0][key(1)])
}

func TestSpanFirst(t *testing.T) {
	a, _, _ := started(t, DefaultConfig(), true)
	a.Span(key(1), chatID)
	ld := callOf(key(1), "gen_ai.user.message", "gen_ai.choice")
	rel := a.Logs(ld)
	assert.Equal(t, 2, ld.LogRecordCount())
	assert.Equal(t, chatID, rel[key(1)])
}

func TestFailedSpanReleasesWithoutAnswer(t *testing.T) {
	a, rec, _ := started(t, DefaultConfig(), true)
	a.Logs(callOf(key(1), "gen_ai.user.message"))
	failed := chatID
	failed.Failed = true
	a.Span(key(1), failed)
	eventually(t, func() bool { return rec.count() == 1 })
}

func TestMissingAnswerReleasedAtTimeout(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Timeout = 100 * time.Millisecond
	a, rec, tel := started(t, cfg, true)
	start := time.Now()
	a.Logs(callOf(key(1), "gen_ai.system.message", "gen_ai.user.message"))
	eventually(t, func() bool { return rec.count() == 2 })
	assert.GreaterOrEqual(t, time.Since(start), cfg.Timeout)
	assert.Equal(t, 1, tel.reason(ReasonTimeout))
	// The answer arriving after its call was released passes on as it is.
	late := callOf(key(1), "gen_ai.choice")
	a.Logs(late)
	assert.Equal(t, 1, late.LogRecordCount())
	assert.Equal(t, 1, tel.late)
}

func TestRecordsWithoutSpanPassThrough(t *testing.T) {
	a, _, _ := started(t, DefaultConfig(), true)
	ld := callOf(Key{}, "gen_ai.user.message")
	a.Logs(ld)
	assert.Equal(t, 1, ld.LogRecordCount())
	other := plog.NewLogs()
	lr := other.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords().AppendEmpty()
	lr.SetSpanID(key(3).Span)
	lr.Body().SetStr("an application log line")
	a.Logs(other)
	assert.Equal(t, 1, other.LogRecordCount(), "non-GenAI records are never held")
}

func TestRedeliveredRequestKeptOnce(t *testing.T) {
	a, rec, tel := started(t, DefaultConfig(), true)
	req := callOf(key(1), "gen_ai.system.message", "gen_ai.user.message")
	again := plog.NewLogs()
	req.CopyTo(again)
	a.Logs(req)
	a.Logs(again)
	a.Logs(callOf(key(1), "gen_ai.choice"))
	a.Span(key(1), chatID)
	eventually(t, func() bool { return rec.count() == 3 })
	assert.Equal(t, 2, tel.dups)
}

func TestFloodOfRecordsReleasesTheCall(t *testing.T) {
	cfg := DefaultConfig()
	cfg.MaxRecordsPerCall = 8
	a, _, tel := started(t, cfg, true)
	events := make([]string, 12)
	for i := range events {
		events[i] = "gen_ai.user.message"
	}
	ld := callOf(key(1), events...)
	a.Logs(ld)
	assert.Equal(t, 12, ld.LogRecordCount(), "over the per-call cap: passed on, not held")
	assert.Equal(t, 1, tel.reason(ReasonOverCap))
	n, _ := a.Pending()
	assert.Equal(t, 0, n)
}

func TestPendingCapsEvictOldestIntoTheBatch(t *testing.T) {
	cfg := DefaultConfig()
	cfg.MaxPendingCalls = 3
	a, _, tel := started(t, cfg, true)
	for i := byte(1); i <= 3; i++ {
		a.Logs(callOf(key(i), "gen_ai.user.message"))
	}
	ld := callOf(key(4), "gen_ai.user.message")
	a.Logs(ld)
	assert.Equal(t, 1, ld.LogRecordCount(), "the oldest call leaves with this batch")
	assert.Equal(t, key(1).Span, ld.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(0).SpanID())
	assert.Equal(t, 1, tel.reason(ReasonEvicted))

	cfg = DefaultConfig()
	cfg.MaxPendingBytes = 2000
	a, _, _ = started(t, cfg, true)
	big := strings.Repeat("x", 900)
	total := 0
	for i := byte(1); i <= 5; i++ {
		ld := plog.NewLogs()
		record(ld, key(i), "gen_ai.user.message", big)
		a.Logs(ld)
		total += ld.LogRecordCount()
		_, b := a.Pending()
		assert.LessOrEqual(t, b, cfg.MaxPendingBytes)
	}
	n, _ := a.Pending()
	assert.Equal(t, 5, total+n, "nothing lost: passed on or held")
}

func TestShutdownPassesOnEverythingHeld(t *testing.T) {
	tel := &counts{}
	a := New(DefaultConfig(), tel, nil)
	a.ExpectSpans()
	rec := &recorder{}
	a.Start(rec.emit)
	for i := byte(1); i <= 4; i++ {
		a.Logs(callOf(key(i), "gen_ai.user.message", "gen_ai.choice"))
	}
	a.Shutdown(context.Background())
	assert.Equal(t, 8, rec.count())
	assert.Equal(t, 4, tel.reason(ReasonShutdown))
	// After shutdown nothing is held any more.
	ld := callOf(key(7), "gen_ai.user.message")
	a.Logs(ld)
	assert.Equal(t, 1, ld.LogRecordCount())
}

func TestNotStartedHoldsNothing(t *testing.T) {
	a := New(DefaultConfig(), nil, nil)
	ld := callOf(key(1), "gen_ai.user.message")
	a.Logs(ld)
	assert.Equal(t, 1, ld.LogRecordCount())
}

func TestRefusedEmissionRetriedThenCounted(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Timeout = 50 * time.Millisecond
	a, rec, tel := started(t, cfg, true)
	rec.err = errors.New("refused")
	a.Logs(callOf(key(1), "gen_ai.user.message"))
	eventually(t, func() bool { tel.mu.Lock(); defer tel.mu.Unlock(); return tel.emitFailed == 1 })
	rec.mu.Lock()
	rec.err = nil
	rec.mu.Unlock()
	a.Logs(callOf(key(2), "gen_ai.user.message"))
	eventually(t, func() bool { return rec.count() == 1 })
}

func TestConfigValidateNamesKeys(t *testing.T) {
	c := DefaultConfig()
	require.NoError(t, c.Validate("call_assembly"))
	c.Timeout, c.MaxPendingCalls, c.MaxPendingBytes, c.MaxRecordsPerCall = 0, 0, -1, 0
	err := c.Validate("call_assembly")
	for _, k := range []string{"call_assembly.timeout", "call_assembly.max_pending_calls", "call_assembly.max_pending_bytes", "call_assembly.max_records_per_call"} {
		assert.ErrorContains(t, err, k)
	}
	c.Enabled = false
	assert.NoError(t, c.Validate("call_assembly"), "bounds of a disabled assembly are not checked")
}

func TestInferenceDetailsEvent(t *testing.T) {
	a, _, _ := started(t, DefaultConfig(), false)
	// The single details event with output messages is a whole call.
	ld := callOf(key(1), "gen_ai.client.inference.operation.details")
	lr := ld.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(0)
	lr.Attributes().PutStr("gen_ai.output.messages", `[{"role":"assistant","parts":[{"type":"text","content":"hi"}]}]`)
	a.Logs(ld)
	assert.Equal(t, 1, ld.LogRecordCount())
	// Without output messages (a failed call, or output not captured) it waits.
	ld = callOf(key(2), "gen_ai.client.inference.operation.details")
	a.Logs(ld)
	assert.Equal(t, 0, ld.LogRecordCount())
}

func TestRecordsThatNameTheirCallDoNotWaitForTheSpan(t *testing.T) {
	a, _, _ := started(t, DefaultConfig(), true)
	ld := callOf(key(1), "gen_ai.user.message", "gen_ai.choice")
	for _, rl := range ld.ResourceLogs().All() {
		lr := rl.ScopeLogs().At(0).LogRecords().At(0)
		lr.Attributes().PutStr("gen_ai.operation.name", "chat")
		lr.Attributes().PutStr("gen_ai.request.model", "gpt-4o-mini")
	}
	a.Logs(ld)
	assert.Equal(t, 2, ld.LogRecordCount(), "assembled upstream (an agent): passed on at once")
}

// TestTablesOnlyWithLogs: the recent-span and released-call tables (~3 MB)
// are made once a logs instance starts the assembler or hands it records,
// never for spans alone.
func TestTablesOnlyWithLogs(t *testing.T) {
	a := New(DefaultConfig(), nil, nil)
	a.ExpectSpans()
	a.Span(Key{Span: pcommon.SpanID{1}}, genai.CallIdentity{})
	require.Nil(t, a.spans)
	a.Start(func(context.Context, plog.Logs, Released) error { return nil })
	defer a.Shutdown(context.Background())
	require.NotNil(t, a.spans)
	require.NotNil(t, a.done)
}
