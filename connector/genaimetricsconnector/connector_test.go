package genaimetricsconnector

import (
	"context"
	"flag"
	"fmt"
	"math"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/golden"
	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/pdatatest/pmetrictest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/periscope-otel/periscope/internal/contract"
	"github.com/periscope-otel/periscope/internal/metrics"
)

var update = flag.Bool("update", false, "rewrite testdata/golden from the current output")

// TestGoldenSamples runs every GenAI sample (spans and log records) through
// the connector and compares one flush with the golden metrics.
func TestGoldenSamples(t *testing.T) {
	dir := filepath.Join(filepath.Dir(samplePath(t, "x")))
	files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	more, _ := filepath.Glob(filepath.Join(dir, "real-clients", "*.json"))
	files = append(files, more...)
	require.NotEmpty(t, files)
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".json")
		t.Run(name, func(t *testing.T) {
			cfg := defaultCfg()
			c, sink := newTestConnector(t, cfg, newFakeClock())
			td, ld := readSample(t, f)
			require.NoError(t, c.ConsumeTraces(context.Background(), td))
			require.NoError(t, c.ConsumeLogs(context.Background(), ld))
			got := flushed(t, c, sink)
			path := filepath.Join("testdata", "golden", name+".yaml")
			if *update {
				require.NoError(t, golden.WriteMetricsToFile(path, got))
				return
			}
			want, err := golden.ReadMetrics(path)
			require.NoError(t, err)
			require.NoError(t, pmetrictest.CompareMetrics(want, got,
				pmetrictest.IgnoreTimestamp(), pmetrictest.IgnoreStartTimestamp(),
				pmetrictest.IgnoreResourceMetricsOrder(), pmetrictest.IgnoreMetricsOrder(),
				pmetrictest.IgnoreMetricDataPointsOrder()))
		})
	}
}

// TestRealClientsAgree: the four instrumentations of the same calls give the
// same billable usage per model (no double counting of wrapper spans).
func TestRealClientsAgree(t *testing.T) {
	usage := map[string]map[string]float64{}
	for _, f := range []string{"otel-traces", "vercel-traces", "openllmetry-traces"} {
		c, sink := newTestConnector(t, defaultCfg(), newFakeClock())
		td, _ := readSample(t, samplePath(t, "real-clients/"+f+".json"))
		require.NoError(t, c.ConsumeTraces(context.Background(), td))
		md := flushed(t, c, sink)
		usage[f] = map[string]float64{}
		for _, model := range []string{"gpt-4o-mini", "gpt-4o", "o3-mini"} {
			for _, typ := range []string{"input", "output"} {
				v, _ := sumValue(md, contract.MetricUsageTokens, map[string]string{attrRequestMdl: model, contract.AttrTokenType: typ})
				usage[f][model+"/"+typ] = v
			}
		}
	}
	assert.Equal(t, usage["otel-traces"], usage["vercel-traces"])
	assert.Equal(t, usage["otel-traces"], usage["openllmetry-traces"])
	assert.Greater(t, usage["otel-traces"]["gpt-4o-mini/input"], 0.0)
}

type spanSpec struct {
	model, version, output, user, finish string
	in, out                              int64
	cost                                 float64
	dur                                  time.Duration
	evals                                map[string]float64
	failed                               []string
	events                               []evalEvent
	attrs                                map[string]string
	noDims                               bool
}

type evalEvent struct {
	name  string
	score float64
	label string
}

var spanSeq atomic.Uint64

func addSpan(ss ptrace.ScopeSpans, s spanSpec) ptrace.Span {
	span := ss.Spans().AppendEmpty()
	seq := spanSeq.Add(1)
	var tid [16]byte
	var sid [8]byte
	for i := 0; i < 8; i++ {
		tid[i] = byte(seq >> (8 * i))
		sid[i] = byte(seq >> (8 * i))
	}
	tid[15] = 1
	span.SetTraceID(tid)
	span.SetSpanID(sid)
	span.SetName("chat " + s.model)
	span.SetKind(ptrace.SpanKindClient)
	start := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	dur := s.dur
	if dur == 0 {
		dur = 1200 * time.Millisecond
	}
	span.SetStartTimestamp(pcommon.NewTimestampFromTime(start))
	span.SetEndTimestamp(pcommon.NewTimestampFromTime(start.Add(dur)))
	a := span.Attributes()
	if !s.noDims {
		a.PutStr("gen_ai.operation.name", "chat")
		a.PutStr("gen_ai.provider.name", "openai")
		a.PutStr("gen_ai.request.model", s.model)
	} else {
		a.PutStr("gen_ai.usage.input_tokens_marker", "x")
	}
	a.PutInt("gen_ai.usage.input_tokens", s.in)
	a.PutInt("gen_ai.usage.output_tokens", s.out)
	if s.finish != "" {
		a.PutEmptySlice("gen_ai.response.finish_reasons").AppendEmpty().SetStr(s.finish)
	}
	if s.cost > 0 {
		a.PutDouble(contract.AttrCost, s.cost)
	}
	if s.version != "" {
		a.PutStr(contract.AttrPromptName, "support")
		a.PutStr(contract.AttrPromptVersion, s.version)
	}
	if s.output != "" {
		a.PutStr("gen_ai.output.messages", fmt.Sprintf(`[{"role":"assistant","parts":[{"type":"text","content":%q}],"finish_reason":"stop"}]`, s.output))
	}
	if s.user != "" {
		a.PutStr("gen_ai.input.messages", fmt.Sprintf(`[{"role":"user","parts":[{"type":"text","content":%q}]}]`, s.user))
	}
	for k, v := range s.evals {
		a.PutDouble(contract.AttrEvalPrefix+k, v)
	}
	if s.failed != nil {
		sl := a.PutEmptySlice(contract.AttrEvalFailed)
		for _, f := range s.failed {
			sl.AppendEmpty().SetStr(f)
		}
	}
	for k, v := range s.attrs {
		a.PutStr(k, v)
	}
	for _, e := range s.events {
		ev := span.Events().AppendEmpty()
		ev.SetName(contract.EventEvaluationResult)
		ev.Attributes().PutStr(contract.AttrEvalName, e.name)
		ev.Attributes().PutDouble(contract.AttrEvalScoreValue, e.score)
		if e.label != "" {
			ev.Attributes().PutStr(contract.AttrEvalScoreLabel, e.label)
		}
	}
	return span
}

func newTraces(service string) (ptrace.Traces, ptrace.ScopeSpans) {
	td := ptrace.NewTraces()
	rs := td.ResourceSpans().AppendEmpty()
	if service != "" {
		rs.Resource().Attributes().PutStr("service.name", service)
	}
	rs.Resource().Attributes().PutStr("host.name", "h1") // never copied unless configured
	return td, rs.ScopeSpans().AppendEmpty()
}

func TestSyntheticMetrics(t *testing.T) {
	c, sink := newTestConnector(t, defaultCfg(), newFakeClock())
	td, ss := newTraces("checkout")
	addSpan(ss, spanSpec{model: "gpt-4o-mini", version: "3", in: 100, out: 20, cost: 0.0005, finish: "stop",
		evals: map[string]float64{"pii": 0.9, "toxicity": 0.1}, failed: []string{"pii"}})
	addSpan(ss, spanSpec{model: "gpt-4o-mini", version: "3", in: 300, out: 40, cost: 0.0015, dur: 3 * time.Second,
		events: []evalEvent{{name: "hallucination", score: 0.7, label: "fail"}, {name: "relevance", score: 0.2, label: "pass"}}})
	require.NoError(t, c.ConsumeTraces(context.Background(), td))
	md := flushed(t, c, sink)

	dims := map[string]string{attrServiceName: "checkout", attrOperation: "chat", attrProvider: "openai",
		attrRequestMdl: "gpt-4o-mini", contract.AttrPromptName: "support", contract.AttrPromptVersion: "3"}
	with := func(k, v string) map[string]string {
		m := map[string]string{k: v}
		for a, b := range dims {
			m[a] = b
		}
		return m
	}
	v, n := sumValue(md, contract.MetricUsageTokens, with(contract.AttrTokenType, "input"))
	assert.Equal(t, 1, n)
	assert.Equal(t, 400.0, v)
	v, _ = sumValue(md, contract.MetricUsageTokens, with(contract.AttrTokenType, "output"))
	assert.Equal(t, 60.0, v)
	v, _ = sumValue(md, contract.MetricCost, dims)
	assert.InDelta(t, 0.002, v, 1e-12)

	hp := histPoints(md, contract.MetricTokenUsage, with(contract.AttrTokenType, "input"))
	require.Len(t, hp, 1)
	assert.Equal(t, uint64(2), hp[0].Count())
	assert.Equal(t, metrics.TokenBounds, hp[0].ExplicitBounds().AsRaw())
	assert.Equal(t, 400.0, hp[0].Sum())

	dp := histPoints(md, contract.MetricOperationDuration, dims)
	require.Len(t, dp, 1)
	assert.Equal(t, metrics.DurationBounds, dp[0].ExplicitBounds().AsRaw())
	assert.InDelta(t, 4.2, dp[0].Sum(), 1e-9)
	require.Equal(t, 2, dp[0].Exemplars().Len(), "duration exemplars")
	assert.False(t, dp[0].Exemplars().At(0).TraceID().IsEmpty())
	assert.False(t, dp[0].Exemplars().At(0).SpanID().IsEmpty())

	for _, name := range []string{"pii", "toxicity", "hallucination", "relevance"} {
		sp := histPoints(md, contract.MetricEvalScore, with(contract.AttrEvalName, name))
		require.Len(t, sp, 1, name)
		assert.Equal(t, 1, sp[0].Exemplars().Len(), name)
	}
	failures := map[string]float64{}
	for _, name := range []string{"pii", "toxicity", "hallucination", "relevance"} {
		failures[name], _ = sumValue(md, contract.MetricEvalFailures, with(contract.AttrEvalName, name))
	}
	assert.Equal(t, map[string]float64{"pii": 1, "toxicity": 0, "hallucination": 1, "relevance": 0}, failures)

	// Only service.name is copied to the output resource by default.
	for i := 0; i < md.ResourceMetrics().Len(); i++ {
		_, ok := md.ResourceMetrics().At(i).Resource().Attributes().Get("host.name")
		assert.False(t, ok)
	}
	// Cumulative: a second flush repeats the totals.
	md = flushed(t, c, sink)
	v, _ = sumValue(md, contract.MetricCost, dims)
	assert.InDelta(t, 0.002, v, 1e-12)
	assert.Equal(t, pmetric.AggregationTemporalityCumulative, findMetric(md, contract.MetricCost)[0].Sum().AggregationTemporality())
}

func TestDeltaTemporality(t *testing.T) {
	cfg := defaultCfg()
	cfg.AggregationTemporality = temporalityDelta
	c, sink := newTestConnector(t, cfg, newFakeClock())
	td, ss := newTraces("svc")
	addSpan(ss, spanSpec{model: "m", in: 10, out: 5, cost: 0.01})
	require.NoError(t, c.ConsumeTraces(context.Background(), td))
	md := flushed(t, c, sink)
	v, _ := sumValue(md, contract.MetricCost, nil)
	assert.InDelta(t, 0.01, v, 1e-12)
	assert.Equal(t, pmetric.AggregationTemporalityDelta, findMetric(md, contract.MetricCost)[0].Sum().AggregationTemporality())
	md = flushed(t, c, sink)
	assert.Equal(t, 0, md.DataPointCount(), "nothing new: nothing sent")
	td, ss = newTraces("svc")
	addSpan(ss, spanSpec{model: "m", in: 10, out: 5, cost: 0.01})
	require.NoError(t, c.ConsumeTraces(context.Background(), td))
	md = flushed(t, c, sink)
	v, _ = sumValue(md, contract.MetricCost, nil)
	assert.InDelta(t, 0.01, v, 1e-12)
}

func TestExtraDimensionsAndResourceAttributes(t *testing.T) {
	cfg := defaultCfg()
	cfg.Dimensions = []DimensionConfig{{Name: "tenant", Default: "none"}, {Name: "deployment.environment.name", Source: sourceResource}}
	cfg.ResourceAttributes = []string{"service.name", "host.name"}
	c, sink := newTestConnector(t, cfg, newFakeClock())
	td, ss := newTraces("svc")
	td.ResourceSpans().At(0).Resource().Attributes().PutStr("deployment.environment.name", "prod")
	addSpan(ss, spanSpec{model: "m", in: 10, out: 5, attrs: map[string]string{"tenant": "acme"}})
	addSpan(ss, spanSpec{model: "m", in: 10, out: 5})
	require.NoError(t, c.ConsumeTraces(context.Background(), td))
	md := flushed(t, c, sink)
	v, _ := sumValue(md, contract.MetricUsageTokens, map[string]string{"tenant": "acme", "deployment.environment.name": "prod", contract.AttrTokenType: "input"})
	assert.Equal(t, 10.0, v)
	v, _ = sumValue(md, contract.MetricUsageTokens, map[string]string{"tenant": "none", contract.AttrTokenType: "input"})
	assert.Equal(t, 10.0, v)
	host, ok := md.ResourceMetrics().At(0).Resource().Attributes().Get("host.name")
	require.True(t, ok)
	assert.Equal(t, "h1", host.Str())
}

func TestBadInput(t *testing.T) {
	cfg := defaultCfg()
	cfg.MaxDimensionValueLength = 64
	c, sink := newTestConnector(t, cfg, newFakeClock())
	td, ss := newTraces("")
	huge := strings.Repeat("é", 1<<19) // 1 MiB
	s := addSpan(ss, spanSpec{model: huge, in: 10, out: 5, evals: map[string]float64{"pii": math.NaN()}})
	s.SetEndTimestamp(s.StartTimestamp() - 5) // negative duration
	s2 := addSpan(ss, spanSpec{model: "m", in: 10, out: 5, dur: 5 * time.Hour, events: []evalEvent{{name: "toxicity", score: math.Inf(1), label: "fail"}}})
	s2.Attributes().PutDouble(contract.AttrCost, math.NaN())
	s3 := addSpan(ss, spanSpec{model: "x", in: 1, out: 1})
	s3.Attributes().Remove("gen_ai.provider.name")
	require.NotPanics(t, func() { require.NoError(t, c.ConsumeTraces(context.Background(), td)) })
	md := flushed(t, c, sink)
	// The 1 MiB model name is truncated, at a rune boundary.
	found := false
	for _, p := range histPoints(md, contract.MetricTokenUsage, map[string]string{contract.AttrTokenType: "input"}) {
		m, _ := p.Attributes().Get(attrRequestMdl)
		assert.LessOrEqual(t, len(m.Str()), 64)
		assert.True(t, strings.ToValidUTF8(m.Str(), "") == m.Str())
		if strings.HasPrefix(m.Str(), "éé") {
			found = true
		}
		svc, _ := p.Attributes().Get(attrServiceName)
		assert.Equal(t, unknownService, svc.Str())
	}
	assert.True(t, found)
	// Missing provider: kept, as _OTHER.
	v, _ := sumValue(md, contract.MetricUsageTokens, map[string]string{attrRequestMdl: "x", attrProvider: otherValue, contract.AttrTokenType: "input"})
	assert.Equal(t, 1.0, v)
	// The 5 h call lands in the overflow bucket; the negative one is not recorded.
	dp := histPoints(md, contract.MetricOperationDuration, map[string]string{attrRequestMdl: "m"})
	require.Len(t, dp, 1)
	assert.Equal(t, uint64(1), dp[0].BucketCounts().At(len(metrics.DurationBounds)))
	assert.Empty(t, histPoints(md, contract.MetricOperationDuration, map[string]string{attrRequestMdl: truncate(huge, 64)}))
	// NaN / Inf scores are not recorded; the fail label still counts.
	assert.Empty(t, histPoints(md, contract.MetricEvalScore, map[string]string{contract.AttrEvalName: "pii"}))
	v, _ = sumValue(md, contract.MetricEvalFailures, map[string]string{contract.AttrEvalName: "toxicity"})
	assert.Equal(t, 1.0, v)
	// NaN cost is not counted.
	_, n := sumValue(md, contract.MetricCost, map[string]string{attrRequestMdl: "m"})
	assert.Equal(t, 0, n)
}

// evalLogs builds gen_ai.evaluation.result log records as an SDK's LLM
// judge emits them (EventName, attributes, the evaluated span's ids).
func evalLogs(n int, name string, score float64, label string, useAttr bool) plog.Logs {
	ld := plog.NewLogs()
	rl := ld.ResourceLogs().AppendEmpty()
	rl.Resource().Attributes().PutStr("service.name", "judge-app")
	sl := rl.ScopeLogs().AppendEmpty()
	for i := 0; i < n; i++ {
		lr := sl.LogRecords().AppendEmpty()
		if useAttr {
			lr.Attributes().PutStr("event.name", contract.EventEvaluationResult)
		} else {
			lr.SetEventName(contract.EventEvaluationResult)
		}
		lr.SetTimestamp(pcommon.NewTimestampFromTime(time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)))
		lr.SetTraceID([16]byte{1, 2, 3, byte(i)})
		lr.SetSpanID([8]byte{4, 5, byte(i)})
		lr.Attributes().PutStr(contract.AttrEvalName, name)
		lr.Attributes().PutDouble(contract.AttrEvalScoreValue, score)
		if label != "" {
			lr.Attributes().PutStr(contract.AttrEvalScoreLabel, label)
		}
		lr.Attributes().PutStr("gen_ai.request.model", "gpt-4o")
		lr.Attributes().PutStr("gen_ai.operation.name", "chat")
	}
	return ld
}

func TestEvaluationLogRecords(t *testing.T) {
	c, sink := newTestConnector(t, defaultCfg(), newFakeClock())
	require.NoError(t, c.ConsumeLogs(context.Background(), evalLogs(3, "Relevance", 0.8, "fail", false)))
	require.NoError(t, c.ConsumeLogs(context.Background(), evalLogs(2, "Relevance", 0.9, "pass", true)))
	md := flushed(t, c, sink)
	want := map[string]string{contract.AttrEvalName: "Relevance", attrServiceName: "judge-app", attrRequestMdl: "gpt-4o"}
	hp := histPoints(md, contract.MetricEvalScore, want)
	require.Len(t, hp, 1)
	assert.Equal(t, uint64(5), hp[0].Count())
	assert.Positive(t, hp[0].Exemplars().Len())
	v, _ := sumValue(md, contract.MetricEvalFailures, want)
	assert.Equal(t, 3.0, v)
}

// TestUsageCountedOnceFromSpansAndLogs: the same call arriving as a span and
// as GenAI log records is counted once.
func TestUsageCountedOnceFromSpansAndLogs(t *testing.T) {
	c, sink := newTestConnector(t, defaultCfg(), newFakeClock())
	td, ld := readSample(t, samplePath(t, "semconv-current-events-logs.json"))
	require.NoError(t, c.ConsumeLogs(context.Background(), ld))
	require.NoError(t, c.ConsumeTraces(context.Background(), td))
	once := flushed(t, c, sink)
	c2, sink2 := newTestConnector(t, defaultCfg(), newFakeClock())
	require.NoError(t, c2.ConsumeLogs(context.Background(), ld))
	logsOnly := flushed(t, c2, sink2)
	a, _ := sumValue(once, contract.MetricUsageTokens, map[string]string{contract.AttrTokenType: "input"})
	b, _ := sumValue(logsOnly, contract.MetricUsageTokens, map[string]string{contract.AttrTokenType: "input"})
	require.Positive(t, b, "the sample carries usage on log records")
	assert.Equal(t, b, a)
}

func TestCardinalityCap(t *testing.T) {
	cfg := defaultCfg()
	cfg.MaxCardinality = 500
	cfg.Drift.MaxSeries = 300
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	c, sink := newTestConnector(t, cfg, newFakeClock())
	const models = 100000
	for b := 0; b < models/1000; b++ {
		td, ss := newTraces("svc")
		for i := 0; i < 1000; i++ {
			addSpan(ss, spanSpec{model: fmt.Sprintf("model-%d", b*1000+i), in: 10, out: 5, cost: 0.001})
		}
		require.NoError(t, c.ConsumeTraces(context.Background(), td))
	}
	assert.Equal(t, 300, c.rec.series())
	runtime.GC()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	// Bounded state: caps, not the 100k models, set the heap held.
	assert.Less(t, int64(after.HeapAlloc)-int64(before.HeapAlloc), int64(32<<20))
	runtime.KeepAlive(c)
	md := flushed(t, c, sink)
	for _, name := range []string{contract.MetricTokenUsage, contract.MetricUsageTokens, contract.MetricCost, contract.MetricOperationDuration} {
		points, overflow := 0, 0
		for _, m := range findMetric(md, name) {
			var attrs []pcommon.Map
			switch m.Type() {
			case pmetric.MetricTypeHistogram:
				for i := 0; i < m.Histogram().DataPoints().Len(); i++ {
					attrs = append(attrs, m.Histogram().DataPoints().At(i).Attributes())
				}
			case pmetric.MetricTypeSum:
				for i := 0; i < m.Sum().DataPoints().Len(); i++ {
					attrs = append(attrs, m.Sum().DataPoints().At(i).Attributes())
				}
			}
			for _, a := range attrs {
				points++
				if v, ok := a.Get(contract.AttrMetricOverflow); ok && v.Str() == "true" {
					overflow++
				}
			}
		}
		assert.LessOrEqual(t, points, cfg.MaxCardinality+1, name)
		assert.Equal(t, 1, overflow, name)
	}
	// Nothing lost: the total cost includes the overflow series.
	v, _ := sumValue(md, contract.MetricCost, nil)
	assert.InDelta(t, models*0.001, v, 1e-6)
}

func TestConcurrentUse(t *testing.T) {
	c, _ := newTestConnector(t, defaultCfg(), newFakeClock())
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 50; i++ {
				td, ss := newTraces(fmt.Sprintf("svc-%d", g))
				addSpan(ss, spanSpec{model: "m", in: 10, out: 5, evals: map[string]float64{"pii": 0.2}})
				assert.NoError(t, c.ConsumeTraces(context.Background(), td))
				assert.NoError(t, c.ConsumeLogs(context.Background(), evalLogs(1, "judge", 0.5, "pass", false)))
			}
		}(g)
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; i < 50; i++ {
			assert.NoError(t, c.flush(context.Background()))
		}
	}()
	wg.Wait()
}
