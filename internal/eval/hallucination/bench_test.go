package hallucination

import (
	"strings"
	"testing"

	"github.com/periscope-otel/periscope/internal/eval"
)

// benchInput builds a realistic RAG call from SummEdits rows: documents as
// context (cut to ctxBytes) and summaries as the answer (cut to ansBytes).
func benchInput(b *testing.B, ctxBytes, ansBytes int) *eval.Input {
	rows := loadSet(b, "summedits")
	var ctx, ans strings.Builder
	seen := map[string]bool{}
	for _, r := range rows {
		if !seen[r.Context] {
			seen[r.Context] = true
			ctx.WriteString(r.Context)
			ctx.WriteString("\n\n")
		}
		if ans.Len() < ansBytes {
			ans.WriteString(r.Text)
			ans.WriteString(" ")
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
	for b.Loop() {
		e.Evaluate(in)
	}
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
