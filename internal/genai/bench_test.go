package genai

import (
	"maps"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/periscope-otel/periscope/internal/testutil"
	"github.com/periscope-otel/periscope/internal/traffic"
)

// benchSpan builds a realistic semconv chat span; withContent adds ~3 KB of
// messages as JSON strings (the common Python/JS shape).
func benchSpan(withContent bool) ptrace.Span {
	span := ptrace.NewSpan()
	span.SetName("chat gpt-4o-mini")
	a := span.Attributes()
	a.PutStr("gen_ai.operation.name", "chat")
	a.PutStr("gen_ai.provider.name", "openai")
	a.PutStr("gen_ai.request.model", "gpt-4o-mini")
	a.PutStr("gen_ai.response.model", "gpt-4o-mini-2024-07-18")
	a.PutStr("gen_ai.response.id", "chatcmpl-abc123")
	a.PutStr("server.address", "api.openai.com")
	a.PutInt("server.port", 443)
	a.PutDouble("gen_ai.request.temperature", 0.2)
	a.PutInt("gen_ai.request.max_tokens", 512)
	a.PutInt("gen_ai.usage.input_tokens", 812)
	a.PutInt("gen_ai.usage.output_tokens", 164)
	a.PutInt("gen_ai.usage.cache_read.input_tokens", 512)
	fr := a.PutEmptySlice("gen_ai.response.finish_reasons")
	fr.AppendEmpty().SetStr("stop")
	if withContent {
		para := strings.Repeat("The quarterly report shows revenue of 4.2 million euros, up 12 percent. ", 14)
		a.PutStr("gen_ai.system_instructions", `[{"type":"text","content":"You are a concise financial analyst. Answer in two sentences."}]`)
		a.PutStr("gen_ai.input.messages", `[{"role":"user","parts":[{"type":"text","content":"Summarise: `+para+`"}]}]`)
		a.PutStr("gen_ai.output.messages", `[{"role":"assistant","parts":[{"type":"text","content":"`+para[:900]+`"}],"finish_reason":"stop"}]`)
	}
	return span
}

func benchmarkRead(b *testing.B, withContent bool, opts Options) {
	span := benchSpan(withContent)
	res := pcommon.NewResource()
	b.ReportAllocs()
	for b.Loop() {
		v := ReadSpan(span, res, opts)
		if !v.Billable() {
			b.Fatal("not billable")
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N), "ns/span")
}

func BenchmarkReadSpanMetadata(b *testing.B) { benchmarkRead(b, false, Options{}) }

// BenchmarkReadSpanMetadataOnContentSpan: a metadata reader (cost, metrics)
// on a span that carries content skips the content.
func BenchmarkReadSpanMetadataOnContentSpan(b *testing.B) { benchmarkRead(b, true, Options{}) }

func BenchmarkReadSpanContent3KB(b *testing.B) { benchmarkRead(b, true, Options{Content: true}) }

// BenchmarkReadSpanSamples reads every span of the shared samples (all
// dialects, real-client captures included) with content: the reader's cost
// on the traffic mix, per span.
func BenchmarkReadSpanSamples(b *testing.B) {
	type item struct {
		span ptrace.Span
		res  pcommon.Resource
	}
	var items []item
	for _, f := range sampleFiles(b) {
		td, _ := readSample(b, f)
		for _, rs := range td.ResourceSpans().All() {
			for _, ss := range rs.ScopeSpans().All() {
				for _, sp := range ss.Spans().All() {
					items = append(items, item{sp, rs.Resource()})
				}
			}
		}
	}
	opts := Options{Content: true}
	var ms0, ms1 runtime.MemStats
	runtime.ReadMemStats(&ms0)
	n := 0
	for b.Loop() {
		for _, it := range items {
			_ = ReadSpan(it.span, it.res, opts)
		}
		n += len(items)
	}
	runtime.ReadMemStats(&ms1)
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(n), "ns/span")
	b.ReportMetric(float64(ms1.Mallocs-ms0.Mallocs)/float64(n), "allocs/span")
}

// BenchmarkReadSpanTraffic reads the traffic of `make bench` (every sample
// span, its content made distinct and padded by 4 KB) as genai_normalize
// does, for the whole mix and per dialect.
func BenchmarkReadSpanTraffic(b *testing.B) {
	tpls, err := traffic.LoadTemplates([]string{filepath.Join(testutil.SharedDir(b), "data", "genai-samples")})
	if err != nil {
		b.Fatal(err)
	}
	td := traffic.NewGenerator(tpls, 4096).Batch(0, len(tpls))
	opts := Options{Content: true, MaxContentBytes: 256 << 10}
	byDialect := map[string][]ptrace.ResourceSpans{}
	for _, rs := range td.ResourceSpans().All() {
		d := string(ReadSpan(rs.ScopeSpans().At(0).Spans().At(0), rs.Resource(), opts).Dialect)
		byDialect["all"] = append(byDialect["all"], rs)
		byDialect[d] = append(byDialect[d], rs)
	}
	names := slices.Sorted(maps.Keys(byDialect))
	for _, name := range names {
		spans := byDialect[name]
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			n := 0
			for b.Loop() {
				for _, rs := range spans {
					_ = ReadSpan(rs.ScopeSpans().At(0).Spans().At(0), rs.Resource(), opts)
				}
				n += len(spans)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(n), "ns/span")
		})
	}
}
