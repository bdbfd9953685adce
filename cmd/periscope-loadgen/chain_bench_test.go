package main

import (
	"context"
	"path/filepath"
	"runtime"
	"testing"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/processor"
	"go.opentelemetry.io/collector/processor/processortest"

	"github.com/periscope-otel/periscope/internal/testutil"
	"github.com/periscope-otel/periscope/processor/genaicostprocessor"
	"github.com/periscope-otel/periscope/processor/genaievalprocessor"
	"github.com/periscope-otel/periscope/processor/genainormalizeprocessor"
	"github.com/periscope-otel/periscope/processor/genaipromptprocessor"

	"github.com/periscope-otel/periscope/internal/traffic"
)

// BenchmarkChain is `make bench` in process: the loadgen's traffic (every
// sample dialect, distinct ~4 KB content per span, 100 spans per batch)
// decoded from OTLP protobuf as the receiver does, then run through each
// scenario's processors with their default configurations. "decode" is the
// pass-through baseline; a processor's cost is its row minus that one.
// Read ns/span with the ratio to decode in mind, not as the binary's CPU.
func BenchmarkChain(b *testing.B) {
	tpls, err := traffic.LoadTemplates([]string{filepath.Join(testutil.SharedDir(b), "data", "genai-samples")})
	if err != nil {
		b.Fatal(err)
	}
	const perBatch, batches = 100, 16
	g := traffic.NewGenerator(tpls, 4096)
	var wire [][]byte
	m := ptrace.ProtoMarshaler{}
	for i := 0; i < batches; i++ {
		buf, err := m.MarshalTraces(g.Batch(uint64(i*perBatch), perBatch))
		if err != nil {
			b.Fatal(err)
		}
		wire = append(wire, buf)
	}
	type stage struct {
		f   processor.Factory
		cfg func(component.Config)
	}
	norm := stage{f: genainormalizeprocessor.NewFactory()}
	cost := stage{f: genaicostprocessor.NewFactory()}
	prompt := stage{f: genaipromptprocessor.NewFactory()}
	eval := stage{f: genaievalprocessor.NewFactory()}
	// make bench's "every evaluator + redaction" scenario.
	evalRedact := stage{f: eval.f, cfg: func(c component.Config) {
		c.(*genaievalprocessor.Config).Redact = map[string]string{"email": "[EMAIL]", "phone": "[PHONE]",
			"credit_card": "[CARD]", "us_ssn": "[SSN]", "iban": "[IBAN]", "secrets": "[SECRET]"}
	}}
	for _, sc := range []struct {
		name   string
		stages []stage
	}{
		{"decode", nil},
		{"normalize", []stage{norm}},
		{"cost", []stage{cost}},
		{"prompt", []stage{prompt}},
		{"normalize+cost+prompt", []stage{norm, cost, prompt}},
		{"eval+redaction", []stage{evalRedact}},
		{"full", []stage{norm, cost, prompt, eval}},
	} {
		b.Run(sc.name, func(b *testing.B) {
			ctx := context.Background()
			// The end of the chain measures what the processors hand on
			// (bigger spans cost every exporter), during the warm-up pass only.
			var outBytes int
			measure := true
			sizer := ptrace.ProtoMarshaler{}
			var next consumer.Traces
			next, err := consumer.NewTraces(func(_ context.Context, td ptrace.Traces) error {
				if measure {
					outBytes += sizer.TracesSize(td)
				}
				return nil
			})
			if err != nil {
				b.Fatal(err)
			}
			for i := len(sc.stages) - 1; i >= 0; i-- {
				st := sc.stages[i]
				cfg := st.f.CreateDefaultConfig()
				if st.cfg != nil {
					st.cfg(cfg)
				}
				p, err := st.f.CreateTraces(ctx, processortest.NewNopSettings(st.f.Type()), cfg, next)
				if err != nil {
					b.Fatal(err)
				}
				if err := p.Start(ctx, nil); err != nil {
					b.Fatal(err)
				}
				b.Cleanup(func() { _ = p.Shutdown(ctx) })
				next = p
			}
			u := ptrace.ProtoUnmarshaler{}
			// Warm-up: every batch once (the prompt miner learns its templates,
			// as the binary's warm-up lets it).
			for _, w := range wire {
				td, err := u.UnmarshalTraces(w)
				if err != nil {
					b.Fatal(err)
				}
				if err := next.ConsumeTraces(ctx, td); err != nil {
					b.Fatal(err)
				}
			}
			measure = false
			b.ReportAllocs()
			runtime.GC()
			cpu0 := int64(testutil.CPUTime())
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				td, err := u.UnmarshalTraces(wire[i%batches])
				if err != nil {
					b.Fatal(err)
				}
				if err := next.ConsumeTraces(ctx, td); err != nil {
					b.Fatal(err)
				}
			}
			// Process CPU (GC workers included, as in the binary's figure)
			// is steadier than wall time on a shared machine.
			b.ReportMetric(float64(int64(testutil.CPUTime())-cpu0)/float64(b.N*perBatch), "cpu-ns/span")
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*perBatch), "ns/span")
			b.ReportMetric(float64(outBytes)/float64(batches*perBatch), "out-B/span")
		})
	}
}
