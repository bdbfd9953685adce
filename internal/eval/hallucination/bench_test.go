package hallucination

import (
	"strings"
	"testing"

	"github.com/periscope-otel/periscope/internal/eval"
	"github.com/periscope-otel/periscope/internal/testutil"
)

// benchInput builds a realistic RAG call from SummEdits rows: documents as
// context (cut to ctxBytes) and summaries as the answer (cut to ansBytes).
func benchInput(b *testing.B, ctxBytes, ansBytes int) *eval.Input {
	rows := loadSet(b, "summedits")
	var ctx, ans strings.Builder
	seen := map[string]bool{}
	var docs []string
	for _, r := range rows {
		if !seen[r.Context] {
			seen[r.Context] = true
			docs = append(docs, r.Context)
		}
		if ans.Len() < ansBytes {
			ans.WriteString(r.Text)
			ans.WriteString(" ")
		}
	}
	// The dev copy holds about 70 KB of distinct documents; larger
	// contexts repeat them (the budget case).
	for ctx.Len() < ctxBytes && len(docs) > 0 {
		for _, d := range docs {
			ctx.WriteString(d)
			ctx.WriteString("\n\n")
		}
	}
	c, _ := budget(ctx.String(), ctxBytes)
	a, _ := budget(ans.String(), ansBytes)
	return &eval.Input{Output: a, Context: []string{c}, Input: "Summarise the call."}
}

func benchmarkEvaluate(b *testing.B, ctxBytes int) {
	e, err := New(DefaultConfig())
	if err != nil {
		b.Fatal(err)
	}
	in := benchInput(b, ctxBytes, 2<<10)
	b.ReportAllocs()
	b.ResetTimer()
	testutil.CPULoop(b, func() { e.Evaluate(in) })
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N), "ns/span")
}

func BenchmarkEvaluate2KAnswer4KContext(b *testing.B)  { benchmarkEvaluate(b, 4<<10) }
func BenchmarkEvaluate2KAnswer32KContext(b *testing.B) { benchmarkEvaluate(b, 32<<10) }
func BenchmarkEvaluate2KAnswer256KContext(b *testing.B) {
	benchmarkEvaluate(b, 256<<10)
}

// BenchmarkBaselineFields4K is a yardstick for the host: lower-casing and
// splitting the same 4 KB context and 2 KB answer with the standard
// library. Compare Evaluate against it when the machine is shared.
func BenchmarkBaselineFields4K(b *testing.B) {
	in := benchInput(b, 4<<10, 2<<10)
	b.ReportAllocs()
	for b.Loop() {
		_ = len(strings.Fields(strings.ToLower(in.Context[0]))) + len(strings.Fields(strings.ToLower(in.Output)))
	}
}
