package genaimetricsconnector

import (
	"context"
	"encoding/binary"
	"fmt"
	"runtime"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/periscope-otel/periscope/connector/genaimetricsconnector/internal/drift"
	"github.com/periscope-otel/periscope/internal/genai"
	"github.com/periscope-otel/periscope/internal/testutil"
)

// benchTraces loads real-client spans (content on the span for the
// openllmetry sample) as one batch.
func benchTraces(b *testing.B, file string) (ptrace.Traces, int) {
	td, _ := readSample(b, samplePath(b, "real-clients/"+file))
	return td, td.SpanCount()
}

// renumber gives every span a fresh span id so that each iteration counts
// as new calls (usage is deduplicated by span id).
func renumber(td ptrace.Traces, seq *uint64) {
	rss := td.ResourceSpans()
	for i := 0; i < rss.Len(); i++ {
		sss := rss.At(i).ScopeSpans()
		for j := 0; j < sss.Len(); j++ {
			spans := sss.At(j).Spans()
			for k := 0; k < spans.Len(); k++ {
				*seq++
				var id [8]byte
				binary.LittleEndian.PutUint64(id[:], *seq)
				spans.At(k).SetSpanID(id)
			}
		}
	}
}

func benchConsume(b *testing.B, cfg *Config, file string) {
	clk := newFakeClock()
	c, _ := newTestConnector(b, cfg, clk)
	td, n := benchTraces(b, file)
	var seq uint64
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	spans := 0
	cpu0 := testutil.CPUTime()
	for b.Loop() {
		renumber(td, &seq)
		if err := c.ConsumeTraces(ctx, td); err != nil {
			b.Fatal(err)
		}
		spans += n
	}
	b.StopTimer()
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(spans), "ns/span")
	b.ReportMetric(float64(testutil.CPUTime()-cpu0)/float64(spans), "cpu-ns/span")
}

func BenchmarkUsagePath(b *testing.B) {
	for _, f := range []string{"otel-traces.json", "openllmetry-traces.json"} {
		b.Run(f, func(b *testing.B) {
			cfg := defaultCfg()
			cfg.Drift.Enabled = false
			cfg.Regression.Enabled = false
			benchConsume(b, cfg, f)
		})
	}
}

func BenchmarkDriftOn(b *testing.B) {
	for _, f := range []string{"otel-traces.json", "openllmetry-traces.json"} {
		b.Run(f, func(b *testing.B) {
			benchConsume(b, defaultCfg(), f)
		})
	}
}

// BenchmarkAllocsPerSpan reports allocations per span on the usage path
// with drift on.
func BenchmarkAllocsPerSpan(b *testing.B) {
	c, _ := newTestConnector(b, defaultCfg(), newFakeClock())
	td, n := benchTraces(b, "openllmetry-traces.json")
	var seq uint64
	ctx := context.Background()
	renumber(td, &seq)
	_ = c.ConsumeTraces(ctx, td)
	allocs := testing.AllocsPerRun(50, func() {
		renumber(td, &seq)
		_ = c.ConsumeTraces(ctx, td)
	})
	for b.Loop() {
		renumber(td, &seq)
		_ = c.ConsumeTraces(ctx, td)
	}
	b.ReportMetric(allocs/float64(n), "allocs/span")
}

// BenchmarkMemoryPerSeries measures the heap held per drift series (with
// one window of data and a baseline, two evaluators).
func BenchmarkMemoryPerSeries(b *testing.B) {
	const series = 5000
	cfg := defaultCfg()
	set := trackerSettings(cfg)
	set.MaxSeries = series
	for b.Loop() {
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		tr := drift.NewTracker(set)
		now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		o := &drift.Obs{}
		for round := 0; round < 2; round++ {
			for i := 0; i < series; i++ {
				o.Reset()
				o.Input, o.HasInput = int64(100+i%900), true
				o.Output, o.HasOutput = int64(50+i%300), true
				o.LatencyMs, o.HasLatency = float64(200+i%3000), true
				o.CostUSD, o.HasCost = 0.001, true
				o.Finish, o.Script, o.Refusal = drift.FinishStop, drift.LangEN, 0
				o.TopicS2, o.HasTopic = drift.Topic("refund invoice billing question", 512, &o.Topic)
				o.Evals = append(o.Evals, drift.EvalObs{Name: "pii", Score: 0.1, HasScore: true, Failed: 0},
					drift.EvalObs{Name: "toxicity", Score: 0.2, HasScore: true, Failed: 0})
				key := fmt.Sprintf("svc\x00prompt\x00v1\x00model-%d\x00", i)
				tr.Observe(key, []string{"svc", "prompt", "v1", fmt.Sprintf("model-%d", i)}, o, now)
			}
			now = now.Add(25 * time.Hour)
			tr.Advance(now)
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/series, "bytes/series")
		runtime.KeepAlive(tr)
	}
}

// BenchmarkOwnPath measures the connector's own work per span (dimensions,
// aggregation, evaluations, drift observation with text signals) on views
// read beforehand, i.e. without the shared reader's cost.
func BenchmarkOwnPath(b *testing.B) {
	for _, driftOn := range []bool{false, true} {
		b.Run(fmt.Sprintf("drift=%v", driftOn), func(b *testing.B) {
			cfg := defaultCfg()
			cfg.Drift.Enabled = driftOn
			cfg.Regression.Enabled = driftOn
			c, _ := newTestConnector(b, cfg, newFakeClock())
			td, _ := benchTraces(b, "openllmetry-traces.json")
			type item struct {
				rs   ptrace.ResourceSpans
				ss   ptrace.ScopeSpans
				span ptrace.Span
				v    genai.View
			}
			var items []item
			opts := genai.Options{Content: driftOn, MaxContentBytes: cfg.Drift.MaxContentBytes}
			for i := 0; i < td.ResourceSpans().Len(); i++ {
				rs := td.ResourceSpans().At(i)
				for j := 0; j < rs.ScopeSpans().Len(); j++ {
					ss := rs.ScopeSpans().At(j)
					for k := 0; k < ss.Spans().Len(); k++ {
						items = append(items, item{rs, ss, ss.Spans().At(k), genai.ReadSpan(ss.Spans().At(k), rs.Resource(), opts)})
					}
				}
			}
			ctx := context.Background()
			now := time.Now()
			var seq uint64
			n := 0
			b.ReportAllocs()
			cpu0 := testutil.CPUTime()
			for b.Loop() {
				renumber(td, &seq)
				c.mu.Lock()
				for i := range items {
					it := &items[i]
					res := c.resourceFor(it.rs.Resource())
					svc := strAttr(it.rs.Resource().Attributes(), attrServiceName)
					c.processView(ctx, it.rs, it.ss, it.span, svc, &it.v, driftOn, res, now)
				}
				c.mu.Unlock()
				n += len(items)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(n), "ns/span")
			b.ReportMetric(float64(testutil.CPUTime()-cpu0)/float64(n), "cpu-ns/span")
		})
	}
}

// BenchmarkNonGenAISpan: plain HTTP spans, defaults (drift on): nothing to
// record (target ≤ 100 ns/span).
func BenchmarkNonGenAISpan(b *testing.B) {
	c, _ := newTestConnector(b, defaultCfg(), newFakeClock())
	testutil.BenchNonGenAI(b, c.ConsumeTraces)
}
