package genaipromptprocessor

import (
	"context"
	"fmt"
	"math/rand/v2"
	"runtime"
	"strings"
	"testing"

	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/processor/processortest"

	"github.com/periscope-otel/periscope/internal/genai"
	"github.com/periscope-otel/periscope/internal/testutil"
	"github.com/periscope-otel/periscope/processor/genaipromptprocessor/internal/metadata"
	"github.com/periscope-otel/periscope/processor/genaipromptprocessor/internal/miner"
	"github.com/periscope-otel/periscope/processor/genaipromptprocessor/internal/textmask"
)

const spansPerBatch = 100

// prompt renders a call of about size bytes from one template.
func benchPrompt(r *rand.Rand, size int) (string, string) {
	sys := "You are a support assistant for Acme. Answer from the ticket only, in at most three sentences, and never promise refunds."
	var b strings.Builder
	b.WriteString("Summarize the following support ticket for the on-call engineer.\nTicket:\n")
	for b.Len() < size-len(sys)-40 {
		b.WriteString(ticket(r))
		b.WriteByte('\n')
	}
	b.WriteString("\nAnswer in English.")
	return sys, b.String()
}

func benchBatch(size int, extra map[string]any, seed uint64) ptrace.Traces {
	r := rand.New(rand.NewPCG(seed, 1))
	td, ss := newTraces("bench")
	for range spansPerBatch {
		s, u := benchPrompt(r, size)
		chatSpan(ss, s, u, extra)
	}
	return td
}

func benchPath(b *testing.B, size int, cfg *Config, extra map[string]any) {
	p, err := newPromptProcessor(processortest.NewNopSettings(metadata.Type), cfg, "traces")
	if err != nil {
		b.Fatal(err)
	}
	batches := make([]ptrace.Traces, 8)
	for i := range batches {
		batches[i] = benchBatch(size, extra, uint64(i))
	}
	warm := ptrace.NewTraces()
	batches[0].CopyTo(warm)
	p.processTraces(context.Background(), warm) // warm: template mined
	// every iteration gets fresh spans: processed spans carry an identity
	// and would be skipped
	work := make([]ptrace.Traces, len(batches))
	b.ReportAllocs()
	b.ResetTimer()
	i := 0
	for b.Loop() {
		b.StopTimer()
		k := i % len(batches)
		work[k] = ptrace.NewTraces()
		batches[k].CopyTo(work[k])
		b.StartTimer()
		p.processTraces(context.Background(), work[k])
		i++
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*spansPerBatch), "ns/span")
	fresh := ptrace.NewTraces()
	allocs := testing.AllocsPerRun(5, func() {
		batches[1].CopyTo(fresh)
		p.processTraces(context.Background(), fresh)
	}) - testing.AllocsPerRun(5, func() { batches[1].CopyTo(fresh) })
	b.ReportMetric(allocs/spansPerBatch, "allocs/span")
}

func BenchmarkProcess(b *testing.B) {
	reg := defaultCfg()
	reg.Registry = []RegistryPrompt{{Name: "ticket", Versions: []RegistryVersion{{Version: "1", Template: "Summarize the following support ticket for the on-call engineer.\nTicket:\n{{ticket}}\n\nAnswer in English."}}}}
	explicit := map[string]any{"gen_ai.prompt.name": "ticket", "gen_ai.prompt.version": "3"}
	for _, size := range []int{1 << 10, 8 << 10} {
		b.Run(fmt.Sprintf("explicit/%dKB", size>>10), func(b *testing.B) { benchPath(b, size, defaultCfg(), explicit) })
		b.Run(fmt.Sprintf("registry/%dKB", size>>10), func(b *testing.B) { benchPath(b, size, reg, nil) })
		b.Run(fmt.Sprintf("inferred/%dKB", size>>10), func(b *testing.B) { benchPath(b, size, defaultCfg(), nil) })
	}
}

// BenchmarkTemplateMemory reports the heap held per tracked template.
func BenchmarkTemplateMemory(b *testing.B) {
	const n = 2000
	for b.Loop() {
		r := rand.New(rand.NewPCG(1, 2))
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		m := miner.New(miner.Params{MaxTemplates: n})
		for i := range n {
			var sb strings.Builder
			for range 150 { // ~1 KB of distinct words per template
				for range 6 {
					sb.WriteByte(byte('a' + r.IntN(26)))
				}
				sb.WriteByte(' ')
			}
			x, _ := textmask.Append(nil, sb.String(), textmask.Options{})
			_ = i
			m.Match(append([]textmask.Token{textmask.Sep()}, x...))
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/n, "bytes/template")
		runtime.KeepAlive(m)
	}
}

// BenchmarkReaderShare measures the shared reader alone on the same spans,
// to tell its cost from this processor's.
func BenchmarkReaderShare(b *testing.B) {
	for _, size := range []int{1 << 10, 8 << 10} {
		b.Run(fmt.Sprintf("%dKB", size>>10), func(b *testing.B) {
			td := benchBatch(size, nil, 1)
			rs := td.ResourceSpans().At(0)
			spans := rs.ScopeSpans().At(0).Spans()
			b.ReportAllocs()
			for b.Loop() {
				for i := 0; i < spans.Len(); i++ {
					v := genai.ReadSpan(spans.At(i), rs.Resource(), genai.Options{})
					if !explicitComplete(&v) {
						v = genai.ReadSpan(spans.At(i), rs.Resource(), genai.Options{Content: true})
					}
					_ = v
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*spansPerBatch), "ns/span")
		})
	}
}

// BenchmarkNonGenAISpan: plain HTTP spans pass through untouched (target
// ≤ 100 ns/span).
func BenchmarkNonGenAISpan(b *testing.B) {
	p, err := NewFactory().CreateTraces(context.Background(), processortest.NewNopSettings(metadata.Type), defaultCfg(), consumertest.NewNop())
	if err != nil {
		b.Fatal(err)
	}
	testutil.BenchNonGenAI(b, p.ConsumeTraces)
}
