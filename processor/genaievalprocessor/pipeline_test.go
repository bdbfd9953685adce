package genaievalprocessor

import (
	"context"
	"fmt"
	"math/rand/v2"
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/processor"
	"go.opentelemetry.io/collector/processor/processortest"

	"github.com/periscope-otel/periscope/internal/contract"
	"github.com/periscope-otel/periscope/internal/genai"
	"github.com/periscope-otel/periscope/internal/testutil"
	"github.com/periscope-otel/periscope/processor/genainormalizeprocessor"
)

// callPipeline is genai_normalize -> genai_eval for traces and for logs,
// each component one configured id shared by both signals, as in
// config/default.yaml.
type callPipeline struct {
	traces consumer.Traces
	logs   consumer.Logs
	stop   func()
	tsink  *consumertest.TracesSink
	lsink  *consumertest.LogsSink
}

func newCallPipeline(t *testing.T) *callPipeline {
	ctx := context.Background()
	suffix := fmt.Sprintf("t%d", rand.Uint64())
	nf, ef := genainormalizeprocessor.NewFactory(), NewFactory()
	settings := func(f processor.Factory) processor.Settings {
		s := processortest.NewNopSettings(f.Type())
		s.ID = component.NewIDWithName(f.Type(), suffix)
		return s
	}
	cp := &callPipeline{tsink: new(consumertest.TracesSink), lsink: new(consumertest.LogsSink)}
	et, err := ef.CreateTraces(ctx, settings(ef), ef.CreateDefaultConfig(), cp.tsink)
	require.NoError(t, err)
	el, err := ef.CreateLogs(ctx, settings(ef), ef.CreateDefaultConfig(), cp.lsink)
	require.NoError(t, err)
	nt, err := nf.CreateTraces(ctx, settings(nf), nf.CreateDefaultConfig(), et)
	require.NoError(t, err)
	nl, err := nf.CreateLogs(ctx, settings(nf), nf.CreateDefaultConfig(), el)
	require.NoError(t, err)
	comps := []component.Component{et, el, nt, nl}
	for _, c := range comps { // downstream first, like the collector
		require.NoError(t, c.Start(ctx, componenttest.NewNopHost()))
	}
	cp.traces, cp.logs = nt, nl
	cp.stop = func() {
		for i := len(comps) - 1; i >= 0; i-- { // upstream first
			require.NoError(t, comps[i].Shutdown(ctx))
		}
	}
	return cp
}

var scenarioTag = regexp.MustCompile(`\[scenario:([a-z_]+)\]`)

// callResults collects, per call, the evaluation results (log records and
// span events) and the scenario of the call.
type callResults struct {
	results  map[pcommon.SpanID]map[string][]pcommon.Map
	scenario map[pcommon.SpanID]string
}

func collect(cp *callPipeline) callResults {
	cr := callResults{results: map[pcommon.SpanID]map[string][]pcommon.Map{}, scenario: map[pcommon.SpanID]string{}}
	add := func(id pcommon.SpanID, a pcommon.Map) {
		name, _ := a.Get(contract.AttrEvalName)
		if cr.results[id] == nil {
			cr.results[id] = map[string][]pcommon.Map{}
		}
		cr.results[id][name.Str()] = append(cr.results[id][name.Str()], a)
	}
	for _, ld := range cp.lsink.AllLogs() {
		for i := 0; i < ld.ResourceLogs().Len(); i++ {
			for j := 0; j < ld.ResourceLogs().At(i).ScopeLogs().Len(); j++ {
				lrs := ld.ResourceLogs().At(i).ScopeLogs().At(j).LogRecords()
				for k := 0; k < lrs.Len(); k++ {
					lr := lrs.At(k)
					if lr.EventName() == contract.EventEvaluationResult {
						add(lr.SpanID(), lr.Attributes())
					} else if m := scenarioTag.FindStringSubmatch(lr.Body().AsString()); m != nil {
						cr.scenario[lr.SpanID()] = m[1]
					}
				}
			}
		}
	}
	for _, td := range cp.tsink.AllTraces() {
		for i := 0; i < td.ResourceSpans().Len(); i++ {
			for j := 0; j < td.ResourceSpans().At(i).ScopeSpans().Len(); j++ {
				spans := td.ResourceSpans().At(i).ScopeSpans().At(j).Spans()
				for k := 0; k < spans.Len(); k++ {
					evs := spans.At(k).Events()
					for e := 0; e < evs.Len(); e++ {
						if evs.At(e).Name() == contract.EventEvaluationResult {
							add(spans.At(k).SpanID(), evs.At(e).Attributes())
						}
					}
				}
			}
		}
	}
	return cr
}

func realOTelClient(t *testing.T) (ptrace.Traces, plog.Logs, int) {
	td, ld := testutil.RealOTelClient(t)
	return td, ld, len(genai.GroupLogRecords(ld))
}

// TestOneJudgementPerCall: the official instrumentation's calls, whatever
// the order of spans and records and however the records are split over
// requests (or delivered twice), get exactly one result per evaluator, on
// records that carry the call's operation, provider and model; the RAG
// pair is judged against its system message.
func TestOneJudgementPerCall(t *testing.T) {
	var reference map[pcommon.SpanID]map[string]string
	for _, split := range []int{1, 2, 3} {
		for _, spanAt := range []string{"first", "middle", "last"} {
			for _, dup := range []bool{false, true} {
				seed := uint64(split*10 + len(spanAt))
				t.Run(fmt.Sprintf("split%d/span_%s/dup=%v", split, spanAt, dup), func(t *testing.T) {
					td, ld, nCalls := realOTelClient(t)
					reqs := testutil.SplitCalls(ld, split, rand.New(rand.NewPCG(seed, 7)))
					if dup {
						again := plog.NewLogs()
						reqs[len(reqs)-1].CopyTo(again)
						reqs = append(reqs, again)
					}
					cp := newCallPipeline(t)
					ctx := context.Background()
					if spanAt == "first" {
						require.NoError(t, cp.traces.ConsumeTraces(ctx, td))
					}
					for i, r := range reqs {
						require.NoError(t, cp.logs.ConsumeLogs(ctx, r))
						if spanAt == "middle" && i == 0 {
							require.NoError(t, cp.traces.ConsumeTraces(ctx, td))
						}
					}
					if spanAt == "last" {
						require.NoError(t, cp.traces.ConsumeTraces(ctx, td))
					}
					// Complete calls are released by their span, not by the timeout.
					deadline := time.Now().Add(5 * time.Second)
					for len(collect(cp).results) < nCalls && time.Now().Before(deadline) {
						time.Sleep(10 * time.Millisecond)
					}
					cp.stop()
					cr := collect(cp)
					checkOneJudgement(t, cr, nCalls)
					// Every interleaving judges exactly as the whole call in
					// one request with its span first does.
					got := cr.verdicts()
					if reference == nil {
						reference = got
						return
					}
					assert.Equal(t, reference, got)
				})
			}
		}
	}
}

func checkOneJudgement(t *testing.T, cr callResults, nCalls int) {
	t.Helper()
	require.Len(t, cr.results, nCalls, "every call with content judged")
	for id, byName := range cr.results {
		for name, rs := range byName {
			if !assert.Len(t, rs, 1, "call %s (%s): %s reported %d times", id, cr.scenario[id], name, len(rs)) {
				continue
			}
			a := rs[0]
			for k, want := range map[string]string{genai.KeyOperation: "chat", genai.KeyProvider: "openai"} {
				got, _ := a.Get(k)
				assert.Equal(t, want, got.AsString(), "call %s %s: %s", id, name, k)
			}
			_, hasModel := a.Get(genai.KeyRequestModel)
			assert.True(t, hasModel, "call %s %s: request model", id, name)
		}
	}
	for id, sc := range cr.scenario {
		h := cr.results[id][contract.EvalHallucination]
		if len(h) != 1 {
			continue
		}
		label, _ := h[0].Get(contract.AttrEvalScoreLabel)
		switch sc {
		case "rag_grounded":
			assert.Equal(t, contract.LabelPass, label.Str(), "grounded answer judged against its system message")
		case "rag_hallucinated":
			assert.Equal(t, contract.LabelFail, label.Str(), "fabricated answer flagged")
		}
	}
}

// verdicts renders each call's results as evaluator -> label and score.
func (cr callResults) verdicts() map[pcommon.SpanID]map[string]string {
	out := map[pcommon.SpanID]map[string]string{}
	for id, byName := range cr.results {
		out[id] = map[string]string{}
		for name, rs := range byName {
			for _, a := range rs {
				score := "none"
				if v, ok := a.Get(contract.AttrEvalScoreValue); ok {
					score = v.AsString()
				}
				label, _ := a.Get(contract.AttrEvalScoreLabel)
				out[id][name] += label.Str() + "/" + score + " "
			}
		}
	}
	return out
}

// TestJudgedTableOnlyWithLogs: a genai_eval without a logs instance never
// makes the table of judged calls (nothing could judge a call twice); with
// one, its spans claim their calls.
func TestJudgedTableOnlyWithLogs(t *testing.T) {
	ctx := context.Background()
	f := NewFactory()
	for _, withLogs := range []bool{false, true} {
		set := processortest.NewNopSettings(f.Type())
		set.ID = component.NewIDWithName(f.Type(), fmt.Sprintf("judged-%v", withLogs))
		tp, err := f.CreateTraces(ctx, set, defaultCfg(), consumertest.NewNop())
		require.NoError(t, err)
		comps := []component.Component{tp}
		if withLogs {
			lp, err := f.CreateLogs(ctx, set, defaultCfg(), consumertest.NewNop())
			require.NoError(t, err)
			comps = append(comps, lp)
		}
		for _, c := range comps {
			require.NoError(t, c.Start(ctx, componenttest.NewNopHost()))
		}
		td, ss := newTraces()
		chatSpan(ss, "", "What is the refund window?", "Thirty days from delivery.")
		require.NoError(t, tp.ConsumeTraces(ctx, td))
		j, release := judgedRegistry.Acquire(set.ID, func() *judgedCalls { return nil })
		require.NotNil(t, j, "the instances hold the table")
		j.mu.Lock()
		made := j.slots != nil
		j.mu.Unlock()
		release()
		require.Equal(t, withLogs, made)
		for _, c := range comps {
			require.NoError(t, c.Shutdown(ctx))
		}
	}
}
