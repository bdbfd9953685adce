package genaimetricsconnector

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/processor"
	"go.opentelemetry.io/collector/processor/processortest"

	"github.com/periscope-otel/periscope/internal/genai"
	"github.com/periscope-otel/periscope/internal/testutil"
	"github.com/periscope-otel/periscope/internal/traffic"
	"github.com/periscope-otel/periscope/processor/genaicostprocessor"
	"github.com/periscope-otel/periscope/processor/genaievalprocessor"
	"github.com/periscope-otel/periscope/processor/genainormalizeprocessor"
	"github.com/periscope-otel/periscope/processor/genaipromptprocessor"
)

// trafficBatches is the load of `make bench` (every sample dialect,
// distinct ~4 KB content per span) as the connector receives it: after
// the full pipeline's processors with their default configurations.
func trafficBatches(b testing.TB, batches, perBatch int) []ptrace.Traces {
	tpls, err := traffic.LoadTemplates([]string{filepath.Join(testutil.SharedDir(b), "data", "genai-samples")})
	if err != nil {
		b.Fatal(err)
	}
	g := traffic.NewGenerator(tpls, 4096)
	var out []ptrace.Traces
	ctx := context.Background()
	var next consumer.Traces
	next, err = consumer.NewTraces(func(_ context.Context, td ptrace.Traces) error {
		out = append(out, td)
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	for _, f := range []processor.Factory{genaievalprocessor.NewFactory(), genaipromptprocessor.NewFactory(),
		genaicostprocessor.NewFactory(), genainormalizeprocessor.NewFactory()} {
		p, err := f.CreateTraces(ctx, processortest.NewNopSettings(f.Type()), f.CreateDefaultConfig(), next)
		if err != nil {
			b.Fatal(err)
		}
		if err := p.Start(ctx, nil); err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { _ = p.Shutdown(ctx) })
		next = p
	}
	for i := 0; i < batches; i++ {
		if err := next.ConsumeTraces(ctx, g.Batch(uint64(i*perBatch), perBatch)); err != nil {
			b.Fatal(err)
		}
	}
	return out
}

// BenchmarkTrafficOwnPath is BenchmarkOwnPath on the traffic of `make
// bench` with the default configuration (drift on, content read for the
// sampled traces): the connector's own work per span, views read
// beforehand.
func BenchmarkTrafficOwnPath(b *testing.B) {
	c, _ := newTestConnector(b, defaultCfg(), newFakeClock())
	type item struct {
		rs      ptrace.ResourceSpans
		ss      ptrace.ScopeSpans
		span    ptrace.Span
		v       genai.View
		content bool
	}
	var items []item
	for _, td := range trafficBatches(b, 4, 100) {
		for i := 0; i < td.ResourceSpans().Len(); i++ {
			rs := td.ResourceSpans().At(i)
			for j := 0; j < rs.ScopeSpans().Len(); j++ {
				ss := rs.ScopeSpans().At(j)
				for k := 0; k < ss.Spans().Len(); k++ {
					span := ss.Spans().At(k)
					opts := c.meta
					if c.contentSampled(span.TraceID()) {
						opts = c.opts
					}
					items = append(items, item{rs, ss, span, genai.ReadSpan(span, rs.Resource(), opts), opts.Content})
				}
			}
		}
	}
	ctx := context.Background()
	now := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
	n := 0
	b.ReportAllocs()
	cpu0 := testutil.CPUTime()
	for b.Loop() {
		c.mu.Lock()
		for i := range items {
			it := &items[i]
			res := c.resourceFor(it.rs.Resource())
			svc := strAttr(it.rs.Resource().Attributes(), attrServiceName)
			c.processView(ctx, it.rs, it.ss, it.span, svc, &it.v, it.content, res, now)
		}
		c.mu.Unlock()
		n += len(items)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(n), "ns/span")
	b.ReportMetric(float64(testutil.CPUTime()-cpu0)/float64(n), "cpu-ns/span")
}
