package genaidatasetexporter

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/periscope-otel/periscope/exporter/genaidatasetexporter/dataset"
	"github.com/periscope-otel/periscope/internal/contract"
)

func TestSessionTotalsBounded(t *testing.T) {
	s := newSessionTotals(2, time.Hour)
	now := time.Unix(1_700_000_000, 0)
	s.now = func() time.Time { return now }
	usd := 0.5
	a1 := s.observe("a", sessionCall{input: 10, output: 2, cost: &usd, time: 2e9})
	assert.Equal(t, int64(1), a1.Calls)
	a2 := s.observe("a", sessionCall{input: 5, output: 1, time: 1e9})
	assert.Equal(t, dataset.Session{ID: "a", Calls: 2, InputTokens: 15, OutputTokens: 3, CostUSD: a2.CostUSD,
		UnpricedCalls: 1, FirstCall: "1970-01-01T00:00:01Z"}, *a2)
	assert.InDelta(t, 0.5, *a2.CostUSD, 1e-12)
	// A snapshot is a copy: later calls do not change a row already built.
	assert.Equal(t, int64(1), a1.Calls)

	s.observe("b", sessionCall{input: 1})
	s.observe("c", sessionCall{input: 1}) // evicts "a", the least recently active
	assert.Equal(t, 2, s.len())
	assert.Nil(t, s.snapshot("a"))
	assert.Equal(t, int64(1), s.observe("a", sessionCall{input: 1}).Calls, "an evicted session starts again")

	now = now.Add(2 * time.Hour) // idle past the TTL
	assert.Equal(t, int64(1), s.observe("c", sessionCall{input: 1}).Calls)
	assert.Nil(t, (*sessionTotals)(nil).observe("x", sessionCall{}))
	assert.Nil(t, s.observe("", sessionCall{}))
}

// sessionTraces builds chat spans of several sessions in one service,
// shuffled; calls of session "s0" fail an evaluator, the others do not.
func sessionTraces(rng *rand.Rand, sessions, perSession int, first byte) (ptrace.Traces, map[string][3]int64) {
	type spec struct {
		session string
		i       int
	}
	var specs []spec
	for s := 0; s < sessions; s++ {
		for i := 0; i < perSession; i++ {
			specs = append(specs, spec{fmt.Sprintf("s%d", s), s*perSession + i})
		}
	}
	rng.Shuffle(len(specs), func(i, j int) { specs[i], specs[j] = specs[j], specs[i] })
	want := map[string][3]int64{}
	td := ptrace.NewTraces()
	rs := td.ResourceSpans().AppendEmpty()
	rs.Resource().Attributes().PutStr("service.name", "svc")
	ss := rs.ScopeSpans().AppendEmpty()
	for _, sp := range specs {
		s := ss.Spans().AppendEmpty()
		s.SetTraceID(pcommon.TraceID{first, byte(sp.i), 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16})
		s.SetSpanID(pcommon.SpanID{first, byte(sp.i), 1, 1, 1, 1, 1, 1})
		s.SetEndTimestamp(pcommon.Timestamp(1_700_000_000_000_000_000 + int64(sp.i)*1e9))
		a := s.Attributes()
		a.PutStr("gen_ai.operation.name", "chat")
		a.PutStr("gen_ai.provider.name", "openai")
		a.PutStr("gen_ai.request.model", "gpt-4o-mini")
		a.PutStr("gen_ai.conversation.id", sp.session)
		in, out := int64(10+sp.i), int64(1+sp.i%3)
		a.PutInt("gen_ai.usage.input_tokens", in)
		a.PutInt("gen_ai.usage.output_tokens", out)
		a.PutDouble(contract.AttrCost, 0.001)
		a.PutStr("gen_ai.input.messages", fmt.Sprintf(`[{"role":"user","parts":[{"type":"text","content":"q %d"}]}]`, sp.i))
		a.PutStr("gen_ai.output.messages", fmt.Sprintf(`[{"role":"assistant","parts":[{"type":"text","content":"a %d"}]}]`, sp.i))
		if sp.session == "s0" {
			a.PutEmptySlice(contract.AttrEvalFailed).AppendEmpty().SetStr(contract.EvalPII)
		}
		w := want[sp.session]
		want[sp.session] = [3]int64{w[0] + 1, w[1] + in, w[2] + out}
	}
	return td, want
}

// Rows carry their session's running totals over every call of the
// session the exporter saw, flagged or not, across requests.
func TestRowsCarrySessionTotals(t *testing.T) {
	for seed := uint64(1); seed <= 3; seed++ {
		rng := rand.New(rand.NewPCG(seed, 7))
		cfg := testConfig(t)
		p := newPair(t, cfg)
		ctx := context.Background()
		td, want := sessionTraces(rng, 4, 6, byte(seed))
		// Split the calls over two requests: totals carry across them.
		first, second := ptrace.NewTraces(), ptrace.NewTraces()
		td.CopyTo(first)
		td.CopyTo(second)
		half := td.SpanCount() / 2
		spans1 := first.ResourceSpans().At(0).ScopeSpans().At(0).Spans()
		n := 0
		spans1.RemoveIf(func(ptrace.Span) bool { n++; return n > half })
		spans2 := second.ResourceSpans().At(0).ScopeSpans().At(0).Spans()
		n = 0
		spans2.RemoveIf(func(ptrace.Span) bool { n++; return n <= half })
		require.NoError(t, p.traces.ConsumeTraces(ctx, first))
		require.NoError(t, p.traces.ConsumeTraces(ctx, second))
		require.NoError(t, p.traces.ConsumeTraces(ctx, second)) // redelivered: neither written nor counted twice
		p.stop(t)
		raw := readDir(t, cfg.Directory)
		validateRows(t, rowSchema(t), raw)
		rows := decodeRows(t, raw)
		require.Len(t, rows, 6, "seed %d: only s0's flagged calls become rows", seed)
		var last *dataset.Session
		for _, r := range rows {
			require.NotNil(t, r.Session)
			assert.Equal(t, "s0", r.Session.ID)
			if last == nil || r.Session.Calls > last.Calls {
				last = r.Session
			}
		}
		// The s0 row with the most calls seen so far; all 6 s0 calls were
		// counted by the time the last of them was written.
		assert.Equal(t, want["s0"][0], last.Calls, "seed %d", seed)
		assert.Equal(t, want["s0"][1], last.InputTokens, "seed %d", seed)
		assert.Equal(t, want["s0"][2], last.OutputTokens, "seed %d", seed)
		assert.InDelta(t, 0.006, *last.CostUSD, 1e-12)
	}
}

// A call whose span carries the session and whose content comes as log
// records counts once, in either arrival order.
func TestSessionOfLogContentCall(t *testing.T) {
	for _, spanFirst := range []bool{true, false} {
		cfg := testConfig(t)
		p := newPair(t, cfg)
		ctx := context.Background()
		tid := pcommon.TraceID{4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4}
		sid := pcommon.SpanID{5, 5, 5, 5, 5, 5, 5, 5}
		td := ptrace.NewTraces()
		s := td.ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty().Spans().AppendEmpty()
		s.SetTraceID(tid)
		s.SetSpanID(sid)
		s.Attributes().PutStr("gen_ai.operation.name", "chat")
		s.Attributes().PutStr("gen_ai.provider.name", "openai")
		s.Attributes().PutStr("gen_ai.request.model", "gpt-4o-mini")
		s.Attributes().PutStr("gen_ai.conversation.id", "conv-1")
		s.Attributes().PutInt("gen_ai.usage.input_tokens", 30)
		ld := plog.NewLogs()
		sl := ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty()
		for _, ev := range []struct {
			name string
			body map[string]any
		}{
			{"gen_ai.user.message", map[string]any{"content": "hello"}},
			{"gen_ai.choice", map[string]any{"index": 0, "finish_reason": "stop", "message": map[string]any{"content": "hi"}}},
		} {
			lr := sl.LogRecords().AppendEmpty()
			lr.SetEventName(ev.name)
			lr.SetTraceID(tid)
			lr.SetSpanID(sid)
			require.NoError(t, lr.Body().SetEmptyMap().FromRaw(ev.body))
		}
		fail := sl.LogRecords().AppendEmpty()
		fail.SetEventName(contract.EventEvaluationResult)
		fail.SetTraceID(tid)
		fail.SetSpanID(sid)
		fail.Attributes().PutStr(contract.AttrEvalName, "pii")
		fail.Attributes().PutStr(contract.AttrEvalScoreLabel, "fail")
		if spanFirst {
			require.NoError(t, p.traces.ConsumeTraces(ctx, td))
			require.NoError(t, p.logs.ConsumeLogs(ctx, ld))
		} else {
			require.NoError(t, p.logs.ConsumeLogs(ctx, ld))
			require.NoError(t, p.traces.ConsumeTraces(ctx, td))
		}
		p.stop(t)
		rows := decodeRows(t, readDir(t, cfg.Directory))
		require.Len(t, rows, 1)
		if spanFirst {
			require.NotNil(t, rows[0].Session)
			assert.Equal(t, "conv-1", rows[0].Session.ID)
			assert.Equal(t, int64(1), rows[0].Session.Calls)
			assert.Equal(t, int64(30), rows[0].Session.InputTokens)
		} else {
			// Records first: the row is written before the span names the
			// session, so it carries none (documented).
			assert.Nil(t, rows[0].Session)
		}
	}
}

func TestSessionTotalsDisabled(t *testing.T) {
	cfg := testConfig(t)
	cfg.SessionTotals.MaxSessions = 0
	p := newPair(t, cfg)
	td, _ := sessionTraces(rand.New(rand.NewPCG(1, 1)), 2, 2, 1)
	require.NoError(t, p.traces.ConsumeTraces(context.Background(), td))
	p.stop(t)
	for _, r := range decodeRows(t, readDir(t, cfg.Directory)) {
		assert.Nil(t, r.Session)
	}
}
