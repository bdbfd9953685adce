package genaipromptprocessor

import (
	"context"
	"path/filepath"
	"testing"

	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/processor/processortest"

	"github.com/periscope-otel/periscope/internal/testutil"
	"github.com/periscope-otel/periscope/internal/traffic"
	"github.com/periscope-otel/periscope/processor/genaipromptprocessor/internal/metadata"
)

// trafficBatches is the loadgen's traffic (every sample dialect, ~4 KB of
// distinct padding per span), as `make bench` feeds it.
func trafficBatches(tb testing.TB, n int) []ptrace.Traces {
	tpls, err := traffic.LoadTemplates([]string{filepath.Join(testutil.SharedDir(tb), "data", "genai-samples")})
	if err != nil {
		tb.Fatal(err)
	}
	g := traffic.NewGenerator(tpls, 4096)
	out := make([]ptrace.Traces, n)
	for i := range out {
		out[i] = g.Batch(uint64(i*spansPerBatch), spansPerBatch)
	}
	return out
}

// BenchmarkTraffic is the processor alone on make bench's traffic, every
// batch seen once before (the miner knows its templates).
func BenchmarkTraffic(b *testing.B) {
	p, err := newPromptProcessor(processortest.NewNopSettings(metadata.Type), defaultCfg(), "traces")
	if err != nil {
		b.Fatal(err)
	}
	batches := trafficBatches(b, 16)
	for _, td := range batches {
		warm := ptrace.NewTraces()
		td.CopyTo(warm)
		p.processTraces(context.Background(), warm)
	}
	work := ptrace.NewTraces()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		b.StopTimer()
		work = ptrace.NewTraces()
		batches[i%len(batches)].CopyTo(work)
		b.StartTimer()
		p.processTraces(context.Background(), work)
		i++
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*spansPerBatch), "ns/span")
}
