package genainormalizeprocessor

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/processor/processortest"

	"github.com/periscope-otel/periscope/internal/componentkit"
	"github.com/periscope-otel/periscope/internal/genai"
	"github.com/periscope-otel/periscope/internal/testutil"
	"github.com/periscope-otel/periscope/internal/traffic"
	"github.com/periscope-otel/periscope/processor/genainormalizeprocessor/internal/metadata"
)

const spansPerBatch = 100

// batch builds 100 OpenLLMetry-style chat spans (the dialect that needs the
// most rewriting), with ~1 KB of flattened content when withContent is set.
func batch(withContent bool) ptrace.Traces {
	td := ptrace.NewTraces()
	spans := td.ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty().Spans()
	text := strings.Repeat("Please summarise the customer's ticket about invoice 2291. ", 16)
	for i := 0; i < spansPerBatch; i++ {
		s := spans.AppendEmpty()
		s.SetName("openai.chat")
		a := s.Attributes()
		a.PutStr("llm.request.type", "chat")
		a.PutStr("gen_ai.system", "openai")
		a.PutStr("gen_ai.request.model", "gpt-4o-mini")
		a.PutStr("gen_ai.response.model", "gpt-4o-mini-2024-07-18")
		a.PutInt("gen_ai.usage.input_tokens", 812)
		a.PutInt("gen_ai.usage.output_tokens", 164)
		a.PutInt("llm.usage.total_tokens", 976)
		a.PutStr("server.address", "api.openai.com")
		if withContent {
			a.PutStr("gen_ai.prompt.0.role", "system")
			a.PutStr("gen_ai.prompt.0.content", "You are a billing assistant.")
			a.PutStr("gen_ai.prompt.1.role", "user")
			a.PutStr("gen_ai.prompt.1.content", text)
			a.PutStr("gen_ai.completion.0.role", "assistant")
			a.PutStr("gen_ai.completion.0.content", text[:300])
			a.PutStr("gen_ai.completion.0.finish_reason", "stop")
		}
	}
	return td
}

// semconvBatch is fixture S of perf-anchors.md: 100 current-semconv chat
// spans, ~12 attributes, no content. The normalizer only adds the dialect.
func semconvBatch() ptrace.Traces {
	td := ptrace.NewTraces()
	spans := td.ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty().Spans()
	for i := 0; i < spansPerBatch; i++ {
		a := spans.AppendEmpty().Attributes()
		a.PutStr("gen_ai.operation.name", "chat")
		a.PutStr("gen_ai.provider.name", "openai")
		a.PutStr("gen_ai.request.model", "gpt-4o-mini")
		a.PutStr("gen_ai.response.model", "gpt-4o-mini-2024-07-18")
		a.PutStr("gen_ai.response.id", "chatcmpl-abc")
		a.PutInt("gen_ai.usage.input_tokens", 812)
		a.PutInt("gen_ai.usage.output_tokens", 164)
		a.PutDouble("gen_ai.request.temperature", 0.2)
		a.PutInt("gen_ai.request.max_tokens", 512)
		a.PutStr("server.address", "api.openai.com")
		a.PutInt("server.port", 443)
		a.PutEmptySlice("gen_ai.response.finish_reasons").AppendEmpty().SetStr("stop")
	}
	return td
}

func BenchmarkNormalizeSemconvS(b *testing.B) {
	cfg := createDefaultConfig()
	benchmarkBatches(b, cfg, semconvBatch)
}

// BenchmarkPassThroughNonGenAI: spans the processor leaves alone, which it
// must pass on untouched (the benchmark fails if one was written to).
func BenchmarkPassThroughNonGenAI(b *testing.B) {
	p, err := NewFactory().CreateTraces(context.Background(), processortest.NewNopSettings(metadata.Type), createDefaultConfig(), consumertest.NewNop())
	if err != nil {
		b.Fatal(err)
	}
	testutil.BenchNonGenAI(b, p.ConsumeTraces)
}

func benchmarkProcessor(b *testing.B, cfg *Config, withContent bool) {
	benchmarkBatches(b, cfg, func() ptrace.Traces { return batch(withContent) })
}

func benchmarkBatches(b *testing.B, cfg *Config, mk func() ptrace.Traces) {
	p, err := NewFactory().CreateTraces(context.Background(), processortest.NewNopSettings(metadata.Type), cfg, consumertest.NewNop())
	if err != nil {
		b.Fatal(err)
	}
	// A pool of fresh batches: the processor writes, so a reused batch
	// would only measure the "already normalized" path.
	const pool = 64
	batches := make([]ptrace.Traces, pool)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if i%pool == 0 {
			b.StopTimer()
			for j := range batches {
				batches[j] = mk()
			}
			b.StartTimer()
		}
		if err := p.ConsumeTraces(context.Background(), batches[i%pool]); err != nil {
			b.Fatal(err)
		}
		i++
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*spansPerBatch), "ns/span")
}

func BenchmarkNormalizeMetadata(b *testing.B) {
	cfg := createDefaultConfig()
	cfg.Content = false
	benchmarkProcessor(b, cfg, false)
}

func BenchmarkNormalizeWithContent1KB(b *testing.B) {
	benchmarkProcessor(b, createDefaultConfig(), true)
}

// BenchmarkNormalizeSamples normalizes the spans of the shared samples (all
// dialects, real-client captures included), each span fresh: ns and
// allocations per span on the traffic mix.
func BenchmarkNormalizeSamples(b *testing.B) {
	dir := filepath.Join(testutil.SharedDir(b), "data", "genai-samples")
	files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	more, _ := filepath.Glob(filepath.Join(dir, "real-clients", "*.json"))
	all := ptrace.NewTraces()
	for _, f := range append(files, more...) {
		raw, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		td, err := (&ptrace.JSONUnmarshaler{}).UnmarshalTraces(raw)
		if err != nil {
			continue // a logs sample
		}
		td.ResourceSpans().MoveAndAppendTo(all.ResourceSpans())
	}
	n := all.SpanCount()
	p, err := NewFactory().CreateTraces(context.Background(), processortest.NewNopSettings(metadata.Type), createDefaultConfig(), consumertest.NewNop())
	if err != nil {
		b.Fatal(err)
	}
	const pool = 32
	batches := make([]ptrace.Traces, pool)
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	mallocs := ms.Mallocs // excluding the copies made outside the timer
	i, spans := 0, 0
	for b.Loop() {
		if i%pool == 0 {
			b.StopTimer()
			runtime.ReadMemStats(&ms)
			before := ms.Mallocs
			for j := range batches {
				batches[j] = ptrace.NewTraces()
				all.CopyTo(batches[j])
			}
			runtime.ReadMemStats(&ms)
			mallocs += ms.Mallocs - before
			b.StartTimer()
		}
		if err := p.ConsumeTraces(context.Background(), batches[i%pool]); err != nil {
			b.Fatal(err)
		}
		i++
		spans += n
	}
	runtime.ReadMemStats(&ms)
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(spans), "ns/span")
	b.ReportMetric(float64(ms.Mallocs-mallocs)/float64(spans), "allocs/span")
}

// BenchmarkWriteTraffic measures the writer alone on make bench's traffic
// (every sample span, 4 KB of padding in the first content attribute):
// the views are read once, each iteration writes 100 fresh spans.
func BenchmarkWriteTraffic(b *testing.B) {
	tpls, err := traffic.LoadTemplates([]string{filepath.Join(testutil.SharedDir(b), "data", "genai-samples")})
	if err != nil {
		b.Fatal(err)
	}
	src := traffic.NewGenerator(tpls, 4096).Batch(0, spansPerBatch)
	var views []genai.View
	for s := range componentkit.Spans(src) {
		views = append(views, genai.ReadSpan(s.Span, s.RS.Resource(), genai.Options{Content: true, MaxContentBytes: 256 << 10}))
	}
	b.Run("defaults", func(b *testing.B) { benchmarkWrite(b, createDefaultConfig(), src, views) })
	cfg := createDefaultConfig()
	cfg.RemoveOriginals = true
	b.Run("remove_originals", func(b *testing.B) { benchmarkWrite(b, cfg, src, views) })
}

func benchmarkWrite(b *testing.B, cfg *Config, src ptrace.Traces, views []genai.View) {
	p, err := newNormalizer(processortest.NewNopSettings(metadata.Type), cfg, false)
	if err != nil {
		b.Fatal(err)
	}
	const pool = 64
	batches := make([]ptrace.Traces, pool)
	ctx := context.Background()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if i%pool == 0 {
			b.StopTimer()
			for j := range batches {
				batches[j] = ptrace.NewTraces()
				src.CopyTo(batches[j])
			}
			b.StartTimer()
		}
		j := 0
		for s := range componentkit.Spans(batches[i%pool]) {
			if views[j].IsGenAI() {
				p.write(ctx, s.Span.Attributes(), &views[j])
			}
			j++
		}
		i++
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*spansPerBatch), "ns/span")
}
