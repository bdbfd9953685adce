package genaievalprocessor

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/processor/processortest"

	"github.com/periscope-otel/periscope/internal/eval"
	"github.com/periscope-otel/periscope/internal/eval/safety"
	"github.com/periscope-otel/periscope/internal/testutil"
	"github.com/periscope-otel/periscope/internal/traffic"
	"github.com/periscope-otel/periscope/processor/genaievalprocessor/internal/metadata"
)

// trafficBatches builds 100-span batches the way cmd/periscope-loadgen does
// for `make bench`: every span of the OTLP/JSON samples in turn, with its own
// ids, a per-span nonce in each content string and ~4 KB of padding text in
// the first one.
func trafficBatches(tb testing.TB, n int) []ptrace.Traces {
	tpls, err := traffic.LoadTemplates([]string{filepath.Join(testutil.SharedDir(tb), "data", "genai-samples")})
	require.NoError(tb, err)
	g := traffic.NewGenerator(tpls, 4096)
	out := make([]ptrace.Traces, n)
	for i := range out {
		out[i] = g.Batch(uint64(i*100), 100)
	}
	return out
}

// BenchmarkTraffic runs genai_eval over the traffic of `make bench` (the
// "every evaluator + redaction" row, and the defaults of the full pipeline)
// in process: what that table's genai_eval row adds to pass-through,
// without OTLP decoding. cpu-ns/span is the process CPU time per span.
func BenchmarkTraffic(b *testing.B) {
	for _, c := range []struct {
		name   string
		redact map[string]string
	}{
		{"redaction", map[string]string{"email": "[EMAIL]", "phone": "[PHONE]", "credit_card": "[CARD]", "us_ssn": "[SSN]", "iban": "[IBAN]", "secrets": "[SECRET]"}},
		{"defaults", nil},
	} {
		b.Run(c.name, func(b *testing.B) {
			cfg := defaultCfg()
			cfg.Redact = c.redact
			p, err := NewFactory().CreateTraces(context.Background(), processortest.NewNopSettings(metadata.Type), cfg, consumertest.NewNop())
			require.NoError(b, err)
			const pool = 16
			src := trafficBatches(b, pool)
			var bytes int64
			for _, td := range src {
				for _, rs := range td.ResourceSpans().All() {
					for _, ss := range rs.ScopeSpans().All() {
						for _, sp := range ss.Spans().All() {
							for _, v := range sp.Attributes().All() {
								if v.Type() == pcommon.ValueTypeStr {
									bytes += int64(len(v.Str()))
								}
							}
						}
					}
				}
			}
			var batches []ptrace.Traces
			b.ReportAllocs()
			b.SetBytes(bytes / pool)
			var cpu int64
			for b.Loop() {
				if len(batches) == 0 {
					b.StopTimer()
					for _, td := range src {
						c := ptrace.NewTraces()
						td.CopyTo(c)
						batches = append(batches, c)
					}
					b.StartTimer()
				}
				batch := batches[len(batches)-1]
				batches = batches[:len(batches)-1]
				c0 := int64(testutil.CPUTime())
				if err := p.ConsumeTraces(context.Background(), batch); err != nil {
					b.Fatal(err)
				}
				cpu += int64(testutil.CPUTime()) - c0
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*100), "ns/span")
			b.ReportMetric(float64(cpu)/float64(b.N*100), "cpu-ns/span")
		})
	}
}

// BenchmarkTrafficEvaluators splits BenchmarkTraffic by stage: the reader,
// each evaluator alone, the safety suite and redaction, over the calls of
// the same traffic.
func BenchmarkTrafficEvaluators(b *testing.B) {
	cfg := defaultCfg()
	cfg.Redact = map[string]string{"email": "[EMAIL]", "phone": "[PHONE]", "credit_card": "[CARD]", "us_ssn": "[SSN]", "iban": "[IBAN]", "secrets": "[SECRET]"}
	p, err := newEvalProcessor(processortest.NewNopSettings(metadata.Type), cfg, true)
	require.NoError(b, err)
	src := trafficBatches(b, 2)
	var spans []ptrace.Span
	var ins []eval.Input
	for _, td := range src {
		for _, rs := range td.ResourceSpans().All() {
			for _, ss := range rs.ScopeSpans().All() {
				for _, sp := range ss.Spans().All() {
					spans = append(spans, sp)
					v, _ := p.guard.ReadSpan(sp, rs.Resource(), p.opts)
					if v.IsGenAI() && hasContent(&v) {
						ins = append(ins, p.buildInput(&v, nil))
					}
				}
			}
		}
	}
	// The shared automata are built on first use: build them before the
	// first sub-benchmark, which would otherwise time their construction
	// (a few µs per call at -benchtime 200x).
	for i := range ins {
		p.suite.Evaluate(&ins[i], nil)
	}
	run := func(name string, n int, fn func(i int)) {
		b.Run(name, func(b *testing.B) {
			var cpu int64
			k := 0
			for b.Loop() {
				c0 := int64(testutil.CPUTime())
				for i := 0; i < n; i++ {
					fn(i)
				}
				cpu += int64(testutil.CPUTime()) - c0
				k++
			}
			b.ReportMetric(float64(cpu)/float64(k*n), "cpu-ns/call")
		})
	}
	run("read", len(spans), func(i int) { _, _ = p.guard.ReadSpan(spans[i], pcommon.NewResource(), p.opts) })
	for _, c := range p.evs {
		run(c.name, len(ins), func(i int) { c.ev.Evaluate(&ins[i]) })
	}
	var res []eval.Result
	run("suite", len(ins), func(i int) { res = p.suite.Evaluate(&ins[i], res[:0]) })
	// What switching one safety evaluator off saves: suite minus
	// suite-without-<name> (the shared normalisation stays).
	for k := range p.evs[:p.nSuite] {
		var rest []eval.Evaluator
		for j, c := range p.evs[:p.nSuite] {
			if j != k {
				rest = append(rest, c.ev)
			}
		}
		s, ok := safety.NewSuite(rest...)
		require.True(b, ok)
		run("suite-without-"+p.evs[k].name, len(ins), func(i int) { res = s.Evaluate(&ins[i], res[:0]) })
	}
	rd := newRedaction(p.redactor)
	run("redact-scan", len(spans), func(i int) {
		for _, v := range spans[i].Attributes().All() {
			if v.Type() == pcommon.ValueTypeStr {
				rd.redactString(v.Str())
			}
		}
	})
}
