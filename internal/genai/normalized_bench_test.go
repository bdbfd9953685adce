package genai_test

import (
	"context"
	"path/filepath"
	"testing"

	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/processor/processortest"

	"github.com/periscope-otel/periscope/internal/genai"
	"github.com/periscope-otel/periscope/internal/testutil"
	"github.com/periscope-otel/periscope/internal/traffic"
	"github.com/periscope-otel/periscope/processor/genainormalizeprocessor"
)

// BenchmarkReadNormalizedTraffic reads `make bench` traffic after
// genai_normalize (defaults) with each downstream reader's options: what
// genai_cost, genai_prompt, genai_eval and genai_metrics pay per span in the
// full pipeline.
func BenchmarkReadNormalizedTraffic(b *testing.B) {
	tpls, err := traffic.LoadTemplates([]string{filepath.Join(testutil.SharedDir(b), "data", "genai-samples")})
	if err != nil {
		b.Fatal(err)
	}
	td := traffic.NewGenerator(tpls, 4096).Batch(0, len(tpls))
	f := genainormalizeprocessor.NewFactory()
	sink := new(consumertest.TracesSink)
	p, err := f.CreateTraces(context.Background(), processortest.NewNopSettings(f.Type()), f.CreateDefaultConfig(), sink)
	if err != nil {
		b.Fatal(err)
	}
	if err := p.ConsumeTraces(context.Background(), td); err != nil {
		b.Fatal(err)
	}
	out := sink.AllTraces()[0]
	var spans []ptrace.ResourceSpans
	for _, rs := range out.ResourceSpans().All() {
		spans = append(spans, rs)
	}
	for _, c := range []struct {
		name string
		opts genai.Options
	}{
		{"metadata", genai.Options{}},
		{"prompt", genai.Options{Content: true, MaxContentBytes: 16 << 10, SkipToolDefinitions: true, SkipOutputMessages: true}},
		{"eval", genai.Options{Content: true, MaxContentBytes: 4 * 8 << 10, SkipToolDefinitions: true}},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			n := 0
			for b.Loop() {
				for _, rs := range spans {
					for _, ss := range rs.ScopeSpans().All() {
						for _, sp := range ss.Spans().All() {
							_ = genai.ReadSpan(sp, rs.Resource(), c.opts)
							n++
						}
					}
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(n), "ns/span")
		})
	}
}
