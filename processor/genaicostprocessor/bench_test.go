package genaicostprocessor

import (
	"context"
	"runtime"
	"testing"
	"time"

	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/processor/processortest"

	"github.com/periscope-otel/periscope/internal/genai"
	"github.com/periscope-otel/periscope/internal/testutil"
	"github.com/periscope-otel/periscope/processor/genaicostprocessor/internal/metadata"
)

const benchSpansPerBatch = 100

// benchBatch builds a batch of realistic spans: a semconv chat call as the
// OpenAI instrumentations emit it (without content), or a plain HTTP span.
func benchBatch(kind string) ptrace.Traces {
	td := ptrace.NewTraces()
	rs := td.ResourceSpans().AppendEmpty()
	rs.Resource().Attributes().PutStr("service.name", "checkout")
	rs.Resource().Attributes().PutStr("telemetry.sdk.name", "opentelemetry")
	spans := rs.ScopeSpans().AppendEmpty().Spans()
	now := pcommon.NewTimestampFromTime(time.Date(2026, 8, 15, 12, 0, 0, 0, time.UTC))
	for i := 0; i < benchSpansPerBatch; i++ {
		s := spans.AppendEmpty()
		s.SetStartTimestamp(now)
		s.SetEndTimestamp(now + 800_000_000)
		a := s.Attributes()
		if kind == "http" {
			s.SetName("GET /api/orders")
			a.PutStr("http.request.method", "GET")
			a.PutStr("url.path", "/api/orders")
			a.PutInt("http.response.status_code", 200)
			a.PutStr("server.address", "orders.internal")
			a.PutInt("server.port", 8080)
			continue
		}
		model := "gpt-4o-mini"
		if kind == "unpriced" {
			model = "acme-internal-llm-v3"
		}
		s.SetName("chat " + model)
		a.PutStr("gen_ai.operation.name", "chat")
		a.PutStr("gen_ai.provider.name", "openai")
		a.PutStr("gen_ai.request.model", model)
		a.PutStr("gen_ai.response.model", model+"-2024-07-18")
		a.PutStr("gen_ai.response.id", "chatcmpl-AbCdEf0123456789")
		a.PutInt("gen_ai.request.max_tokens", 512)
		a.PutDouble("gen_ai.request.temperature", 0.2)
		a.PutInt("gen_ai.usage.input_tokens", 1200)
		a.PutInt("gen_ai.usage.output_tokens", 240)
		a.PutInt("gen_ai.usage.cache_read.input_tokens", 1024)
		a.PutStr("server.address", "api.openai.com")
		a.PutInt("server.port", 443)
		a.PutStr("openai.response.service_tier", "default")
		a.PutEmptySlice("gen_ai.response.finish_reasons").AppendEmpty().SetStr("stop")
	}
	return td
}

func benchProcessor(b *testing.B, cfg *Config, kind string) {
	sink := new(consumertest.TracesSink)
	p, err := NewFactory().CreateTraces(context.Background(), processortest.NewNopSettings(metadata.Type), cfg, sink)
	if err != nil {
		b.Fatal(err)
	}
	if err := p.Start(context.Background(), nil); err != nil {
		b.Fatal(err)
	}
	defer func() { _ = p.Shutdown(context.Background()) }()

	// Fresh (never processed) batches so that every span pays for the
	// attributes it gains; rebuilt outside the measured time.
	const pool = 4
	batches := make([]ptrace.Traces, pool)
	fill := func() {
		for i := range batches {
			batches[i] = benchBatch(kind)
		}
	}
	fill()
	ctx := context.Background()
	var ms runtime.MemStats
	var allocs, spans uint64
	var busy, cpu time.Duration
	idx := 0
	runtime.GC()
	runtime.ReadMemStats(&ms)
	start, startCPU, startAllocs := time.Now(), testutil.CPUTime(), ms.Mallocs
	// Spans the processor leaves alone (non-GenAI) are sent again as they
	// are: refilling would measure the harness's garbage collection.
	reuse := kind == "http"
	for b.Loop() {
		if idx == pool && reuse {
			idx = 0
		}
		if idx == pool {
			// Time first: ReadMemStats stops the world.
			busy += time.Since(start)
			cpu += testutil.CPUTime() - startCPU
			runtime.ReadMemStats(&ms)
			allocs += ms.Mallocs - startAllocs
			b.StopTimer()
			fill()
			sink.Reset()
			runtime.GC()
			idx = 0
			b.StartTimer()
			runtime.ReadMemStats(&ms)
			start, startCPU, startAllocs = time.Now(), testutil.CPUTime(), ms.Mallocs
		}
		if err := p.ConsumeTraces(ctx, batches[idx]); err != nil {
			b.Fatal(err)
		}
		idx++
		spans += benchSpansPerBatch
	}
	busy += time.Since(start)
	cpu += testutil.CPUTime() - startCPU
	runtime.ReadMemStats(&ms)
	allocs += ms.Mallocs - startAllocs
	if reuse && batches[0].ResourceSpans().At(0).ScopeSpans().At(0).Spans().At(0).Attributes().Len() != 5 {
		b.Fatal("a non-GenAI span was written to")
	}
	b.ReportMetric(float64(busy.Nanoseconds())/float64(spans), "ns/span")
	// Process CPU time per span: robust when other processes share the cores.
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(spans), "cpu-ns/span")
	b.ReportMetric(float64(allocs)/float64(spans), "allocs/span")
}

// BenchmarkPricedSpan: a priced chat span with the full LiteLLM table
// (2,984 models) loaded above the embedded catalog.
func BenchmarkPricedSpan(b *testing.B) {
	cfg := createDefaultConfig()
	cfg.Tables = []TableConfig{{Path: litellmPath(b), Format: FormatLiteLLM}}
	benchProcessor(b, cfg, "priced")
}

// BenchmarkPricedSpanEmbedded: the same with the embedded catalog only.
func BenchmarkPricedSpanEmbedded(b *testing.B) {
	benchProcessor(b, createDefaultConfig(), "priced")
}

// BenchmarkUnpricedSpan: an unknown model (negative result cached).
func BenchmarkUnpricedSpan(b *testing.B) {
	cfg := createDefaultConfig()
	cfg.Tables = []TableConfig{{Path: litellmPath(b), Format: FormatLiteLLM}}
	benchProcessor(b, cfg, "unpriced")
}

// BenchmarkNonGenAISpan: a plain HTTP span passing through.
func BenchmarkNonGenAISpan(b *testing.B) {
	benchProcessor(b, createDefaultConfig(), "http")
}

// BenchmarkEngine measures the pricing itself (reading the extra keys,
// resolving the model through the cache, computing the cost) on a span
// already read, with the full LiteLLM table loaded: no allocation.
func BenchmarkEngine(b *testing.B) {
	cfg := createDefaultConfig()
	cfg.Tables = []TableConfig{{Path: litellmPath(b), Format: FormatLiteLLM}}
	p, err := newCostProcessor(processortest.NewNopSettings(metadata.Type), cfg)
	if err != nil {
		b.Fatal(err)
	}
	td := benchBatch("priced")
	span := td.ResourceSpans().At(0).ScopeSpans().At(0).Spans().At(0)
	res := td.ResourceSpans().At(0).Resource()
	v := genai.ReadSpan(span, res, viewOpts)
	start := span.StartTimestamp().AsTime()
	b.ReportAllocs()
	for b.Loop() {
		o := p.evaluate(&v, span.Attributes(), res, start)
		if o.kind != outPriced {
			b.Fatal("not priced")
		}
	}
}
