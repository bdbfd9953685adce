package testutil

import (
	"context"
	"testing"

	"go.opentelemetry.io/collector/pdata/ptrace"
)

// HTTPSpans returns a batch of n plain HTTP server spans, without a single
// GenAI key: what a Periscope component meets most in a shared pipeline.
func HTTPSpans(n int) ptrace.Traces {
	td := ptrace.NewTraces()
	spans := td.ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty().Spans()
	for i := 0; i < n; i++ {
		s := spans.AppendEmpty()
		s.SetName("GET /api/orders")
		s.SetKind(ptrace.SpanKindServer)
		s.SetTraceID([16]byte{15: byte(i), 14: byte(i >> 8), 0: 1})
		s.SetSpanID([8]byte{7: byte(i), 6: byte(i >> 8), 0: 1})
		a := s.Attributes()
		a.PutStr("http.request.method", "GET")
		a.PutStr("url.path", "/api/orders")
		a.PutInt("http.response.status_code", 200)
		a.PutStr("server.address", "orders.internal")
		a.PutInt("server.port", 8080)
		a.PutStr("network.protocol.version", "1.1")
	}
	return td
}

// httpSpanAttrs is the attribute count HTTPSpans gives each span.
const httpSpanAttrs = 6

// BenchNonGenAI measures consume on batches of HTTPSpans and reports
// ns/span. The batches are sent again as they are (refilling them would
// measure the harness's garbage collection), so it fails the benchmark if
// consume wrote to one: a component must pass such spans on untouched.
func BenchNonGenAI(b *testing.B, consume func(context.Context, ptrace.Traces) error) {
	const perBatch = 100
	batches := make([]ptrace.Traces, 64)
	for i := range batches {
		batches[i] = HTTPSpans(perBatch)
	}
	ctx := context.Background()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if err := consume(ctx, batches[i%len(batches)]); err != nil {
			b.Fatal(err)
		}
		i++
	}
	for _, td := range batches {
		s := td.ResourceSpans().At(0).ScopeSpans().At(0).Spans()
		if s.Len() != perBatch || s.At(0).Attributes().Len() != httpSpanAttrs || s.At(0).Events().Len() != 0 {
			b.Fatal("a non-GenAI span was written to")
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*perBatch), "ns/span")
}
