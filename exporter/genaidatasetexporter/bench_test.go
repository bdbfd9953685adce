package genaidatasetexporter

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/periscope-otel/periscope/internal/genai"
	"github.com/periscope-otel/periscope/internal/testutil"
)

// benchSpan is a typical flagged chat call: system prompt, two turns,
// a 1 KB answer, usage, cost, prompt identity and eight evaluations.
func benchSpan(b *testing.B) (c call) {
	td := chatTraces(1, 1, 7)
	s := td.ResourceSpans().At(0).ScopeSpans().At(0).Spans().At(0)
	a := s.Attributes()
	a.PutStr("gen_ai.system_instructions", `[{"type":"text","content":"You are a helpful assistant for Acme Corp. Answer briefly and only from the provided context."}]`)
	a.PutStr("gen_ai.input.messages", `[{"role":"user","parts":[{"type":"text","content":"What is our refund policy for annual plans?"}]},{"role":"assistant","parts":[{"type":"text","content":"Which plan?"}]},{"role":"user","parts":[{"type":"text","content":"The Pro annual plan, bought 20 days ago."}]}]`)
	a.PutStr("gen_ai.output.messages", `[{"role":"assistant","parts":[{"type":"text","content":"`+strings.Repeat("Refunds are prorated. ", 48)+`"}],"finish_reason":"stop"}]`)
	a.PutDouble("gen_ai.usage.cost", 0.00042)
	a.PutStr("periscope.cost.price_id", "openai/gpt-4o-mini")
	a.PutStr("gen_ai.prompt.name", "support/refunds")
	a.PutStr("gen_ai.prompt.version", "3")
	a.PutStr("periscope.prompt.template_hash", "0123456789abcdef")
	for _, n := range []string{"prompt_injection", "jailbreak", "secrets", "toxicity", "refusal", "prompt_leak", "hallucination"} {
		a.PutDouble("periscope.eval."+n, 0.1)
		ev := s.Events().AppendEmpty()
		ev.SetName("gen_ai.evaluation.result")
		ev.Attributes().PutStr("gen_ai.evaluation.name", n)
		ev.Attributes().PutDouble("gen_ai.evaluation.score.value", 0.1)
		ev.Attributes().PutStr("gen_ai.evaluation.score.label", "pass")
	}
	v := genai.ReadSpan(s, td.ResourceSpans().At(0).Resource(), genai.Options{Content: true, MaxContentBytes: 1 << 20})
	c = call{trace: s.TraceID(), span: s.SpanID(), time: s.EndTimestamp(), service: "svc", source: "span", view: &v}
	c.ann.readAttrs(a)
	return c
}

// BenchmarkRowBuild: the row builder and JSON encoding alone (ns/row,
// allocs/row), the view already read.
func BenchmarkRowBuild(b *testing.B) {
	c := benchSpan(b)
	var buf bytes.Buffer
	b.ReportAllocs()
	for b.Loop() {
		buf.Reset()
		if err := appendRow(&buf, &c); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(int64(buf.Len()))
}

// BenchmarkPushTraces: the whole traces path per row, span read through
// internal/genai to bytes on disk (100 flagged calls per batch).
func BenchmarkPushTraces(b *testing.B) {
	cfg := testConfig(b)
	cfg.MaxTotalBytes = 0
	sh := &shared{writer: newRotatingWriter(cfg), written: newCallSet(1 << 16), spans: newSpanNotes(spanNoteSlots)}
	e, err := newDatasetExporter(newSettings(), cfg, sh, true)
	if err != nil {
		b.Fatal(err)
	}
	defer func() { _ = sh.writer.close() }()
	const n = 100
	td := chatTraces(n, 1, 8)
	ctx := context.Background()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		// New span ids each round, or the calls are duplicates.
		spans := td.ResourceSpans().At(0).ScopeSpans().At(0).Spans()
		for k := 0; k < spans.Len(); k++ {
			i++
			spans.At(k).SetSpanID(pcommon.SpanID{byte(i), byte(i >> 8), byte(i >> 16), byte(i >> 24), 9, 9, 9, 9})
		}
		if err := e.pushTraces(ctx, td); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/row")
}

// BenchmarkNonGenAISpan: plain HTTP spans, no row to write (target ≤ 100
// ns/span); the benchmark fails if one was written to.
func BenchmarkNonGenAISpan(b *testing.B) {
	cfg := testConfig(b)
	sh := &shared{writer: newRotatingWriter(cfg), written: newCallSet(1 << 16), spans: newSpanNotes(spanNoteSlots)}
	e, err := newDatasetExporter(newSettings(), cfg, sh, true)
	if err != nil {
		b.Fatal(err)
	}
	defer func() { _ = sh.writer.close() }()
	testutil.BenchNonGenAI(b, e.pushTraces)
}
