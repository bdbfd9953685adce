package genaijudgeconnector

import (
	"context"
	"testing"

	"go.opentelemetry.io/collector/consumer/consumertest"

	"github.com/periscope-otel/periscope/internal/testutil"
)

// BenchmarkConsumeTracesUnselected measures the hot path: calls that pass
// their heuristics and are not in the sample cost one walk of the span's
// attributes. Reported per span.
func BenchmarkConsumeTracesUnselected(b *testing.B) {
	cfg := testConfig("http://127.0.0.1:1/v1")
	cfg.Rubrics = []string{RubricRelevance, RubricFaithfulness, RubricCorrectness, RubricSafety}
	cfg.Select.SampleRatio = 0
	c, err := newJudgeConnector(nopSettings(), cfg, consumertest.NewNop())
	if err != nil {
		b.Fatal(err)
	}
	td, ss := newTraces()
	const spans = 100
	for i := 0; i < spans; i++ {
		addCall(ss, i, "What is the capital of France?", "Paris is the capital of France.",
			map[string]float64{"hallucination": 0.05, "toxicity": 0.0, "pii": 0.0, "prompt_injection": 0.1, "refusal": 0.0})
	}
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := c.ConsumeTraces(ctx, td); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*spans), "ns/span")
}

// BenchmarkNonGenAISpan: plain HTTP spans, nothing to select (target ≤ 100
// ns/span); the benchmark fails if one was written to.
func BenchmarkNonGenAISpan(b *testing.B) {
	c, err := newJudgeConnector(nopSettings(), testConfig("http://127.0.0.1:1/v1"), consumertest.NewNop())
	if err != nil {
		b.Fatal(err)
	}
	testutil.BenchNonGenAI(b, c.ConsumeTraces)
}
