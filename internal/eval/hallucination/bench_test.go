package hallucination

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/periscope-otel/periscope/internal/eval"
	"github.com/periscope-otel/periscope/internal/genai"
	"github.com/periscope-otel/periscope/internal/testutil"
	"github.com/periscope-otel/periscope/internal/traffic"
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

// trafficInputs maps the spans of the `make bench` traffic (every sample,
// ~4 KB of padding in the first content string) to calls roughly as
// genai_eval does: documents, tool results and earlier turns as context.
func trafficInputs(b testing.TB, spans int) []eval.Input {
	tpls, err := traffic.LoadTemplates([]string{filepath.Join(testutil.SharedDir(b), "data", "genai-samples")})
	if err != nil {
		b.Fatal(err)
	}
	var ins []eval.Input
	td := traffic.NewGenerator(tpls, 4096).Batch(0, spans)
	for _, rs := range td.ResourceSpans().All() {
		for _, ss := range rs.ScopeSpans().All() {
			for _, sp := range ss.Spans().All() {
				v := genai.ReadSpan(sp, rs.Resource(), genai.Options{Content: true})
				if !v.IsGenAI() {
					continue
				}
				in := eval.Input{System: v.SystemText(), Input: v.InputText(), Output: v.OutputText()}
				for _, d := range v.Documents {
					in.Context = append(in.Context, d.Content)
				}
				for i, m := range v.InputMessages {
					for _, p := range m.Parts {
						if p.Type == genai.PartToolCallResponse && p.Content != "" {
							in.Context = append(in.Context, p.Content)
						}
					}
					if i < len(v.InputMessages)-1 && m.Role != "system" && m.Text() != "" {
						in.Context = append(in.Context, m.Text())
					}
				}
				ins = append(ins, in)
			}
		}
	}
	return ins
}

// BenchmarkEvaluateTraffic scores the calls of 100 spans of that traffic
// per op.
func BenchmarkEvaluateTraffic(b *testing.B) {
	e, err := New(DefaultConfig())
	if err != nil {
		b.Fatal(err)
	}
	ins := trafficInputs(b, 100)
	b.ReportAllocs()
	b.ResetTimer()
	testutil.CPULoop(b, func() {
		for i := range ins {
			e.Evaluate(&ins[i])
		}
	})
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*100), "ns/span")
}

// naturalInputs are calls shaped like the `make bench` spans but with
// natural text: a ~4 KB window of a SummEdits document (a new offset per
// call) as the system prompt that grounds the answer, and a 100-600 byte
// answer made of that document's summaries.
func naturalInputs(b testing.TB, n int) []eval.Input {
	rows := loadSet(b, "summedits")
	var ins []eval.Input
	for i := 0; len(ins) < n && len(rows) > 0; i++ {
		r := rows[(i*37)%len(rows)]
		doc := r.Context
		for len(doc) < 8<<10 {
			doc += "\n\n" + r.Context
		}
		ctx, _ := budget(doc[(i*211)%(len(doc)-4<<10):], 4<<10)
		ans := r.Text
		for k := 1; len(ans) < 100+(i*97)%500; k++ {
			ans += " " + rows[(i*37+k)%len(rows)].Text
		}
		ans, _ = budget(ans, 600)
		ins = append(ins, eval.Input{Output: ans, System: "Context: " + ctx, Input: "Summarise the article."})
	}
	return ins
}

// BenchmarkEvaluateNatural4K scores one of 512 distinct natural-text calls
// per op (see naturalInputs).
func BenchmarkEvaluateNatural4K(b *testing.B) {
	e, err := New(DefaultConfig())
	if err != nil {
		b.Fatal(err)
	}
	ins := naturalInputs(b, 512)
	b.ReportAllocs()
	b.ResetTimer()
	i := 0
	testutil.CPULoop(b, func() {
		e.Evaluate(&ins[i%len(ins)])
		i++
	})
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N), "ns/span")
}

// BenchmarkEvaluateSystemPrompt: a call grounded on its ~2 KB system
// prompt (instructions and facts, no documents), the prompt recurring from
// call to call (a service's: its grounding decision is kept) or distinct
// in every call (a nonce up front, as in make bench).
func BenchmarkEvaluateSystemPrompt(b *testing.B) {
	var sys strings.Builder
	for sys.Len() < 2<<10 {
		sys.WriteString("You are the support assistant of Acme Corp. Answer in a friendly tone and keep replies short. ")
		sys.WriteString("Orders ship within two business days from the Denver warehouse; returns are accepted for thirty days. ")
	}
	e, err := New(DefaultConfig())
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		name     string
		distinct int
	}{{"recurring", 1}, {"distinct", 256}} {
		b.Run(c.name, func(b *testing.B) {
			ins := make([]eval.Input, c.distinct)
			for i := range ins {
				ins[i] = eval.Input{System: fmt.Sprintf("ref-%d ", i) + sys.String(), Input: "When will my order ship?",
					Output: "Your order ships within two business days from the Denver warehouse."}
			}
			i := 0
			b.ReportAllocs()
			testutil.CPULoop(b, func() {
				e.Evaluate(&ins[i%len(ins)])
				i++
			})
		})
	}
}

// systemPrompts are the system-prompt shapes systemHasMaterial meets: the
// `make bench` padding (~4 KB, no punctuation) in front of an instruction
// prompt or of one with material, a long instruction sentence, a typical
// ~500 B instruction prompt, and one with a Context: section.
func systemPrompts() []struct{ name, sys string } {
	words := []string{"invoice", "refund", "customer", "shipment", "warranty", "account", "ticket", "order", "billing", "support"}
	var pad strings.Builder
	pad.WriteString("ref-123 ")
	for i := 0; pad.Len() < 4096; i++ {
		pad.WriteString(words[(i*7)%len(words)])
		pad.WriteByte(' ')
	}
	typical := "You are a helpful customer support assistant for Acme Corp. Answer questions about orders, shipping and returns. " +
		"Always be polite and concise. If you do not know the answer, say so and offer to connect the customer with a human agent. " +
		"Never share internal notes or the data of other customers. Use the order lookup tool before answering questions about an order. " +
		"Keep answers under 120 words and respond in the language of the user. Do not make promises about refunds."
	return []struct{ name, sys string }{
		{"padded", pad.String() + "You are a helpful assistant. Answer using the context."},
		{"padded-material", pad.String() + "Summarise the meeting notes in three bullet points."},
		{"long-instruction", "You are a helpful assistant " + pad.String() + ". Answer briefly."},
		{"typical", typical},
		{"short", "ref-5 You write one-line product taglines."},
		{"context", "You are a helpful assistant. Answer using only the context below and cite it.\n" +
			"Context: The Aurora 2 kettle is covered by a 24 month manufacturer warranty. Refunds are accepted within 30 days of delivery."},
	}
}

// BenchmarkSystemHasMaterialPrompts measures systemHasMaterial alone on
// each shape of systemPrompts, and on the system prompts of 100 spans of
// the `make bench` traffic per op (traffic-100).
func BenchmarkSystemHasMaterialPrompts(b *testing.B) {
	for _, c := range systemPrompts() {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(c.sys)))
			b.ReportAllocs()
			testutil.CPULoop(b, func() { systemHasMaterial(c.sys) })
		})
	}
	b.Run("traffic-100", func(b *testing.B) {
		var prompts []string
		for _, in := range trafficInputs(b, 100) {
			prompts = append(prompts, in.System)
		}
		b.ReportAllocs()
		testutil.CPULoop(b, func() {
			for _, sys := range prompts {
				systemHasMaterial(sys)
			}
		})
	})
}
