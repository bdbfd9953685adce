//go:build !race

// Allocation counts are measured without the race detector only: under it
// sync.Pool drops items at random. `make unit` runs this in its plain pass.

package genainormalizeprocessor

import (
	"context"
	"testing"

	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/processor/processortest"

	"github.com/periscope-otel/periscope/processor/genainormalizeprocessor/internal/metadata"
)

// A call already in the semconv shape costs the reader's one allocation,
// the dialect attribute written and, the span's attributes having no room
// left once copied, their growth (3.1 per span measured): a bound that
// catches a helper allocating per span, as sorting no prompt variables did
// (6.1 here). Allocation counts do not depend on the machine's speed.
func TestSemconvCallAllocationsBounded(t *testing.T) {
	p, err := NewFactory().CreateTraces(context.Background(), processortest.NewNopSettings(metadata.Type), createDefaultConfig(), consumertest.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	// Shut down, or its call assembly (shared by component id, and
	// expecting spans) stays registered for the tests after this one.
	t.Cleanup(func() { _ = p.Shutdown(context.Background()) })
	src := semconvBatch()
	work := ptrace.NewTraces()
	run := func() {
		work = ptrace.NewTraces()
		src.CopyTo(work)
		if err := p.ConsumeTraces(context.Background(), work); err != nil {
			t.Fatal(err)
		}
	}
	copyOnly := func() {
		work = ptrace.NewTraces()
		src.CopyTo(work)
	}
	run() // warm
	perSpan := (testing.AllocsPerRun(20, run) - testing.AllocsPerRun(20, copyOnly)) / spansPerBatch
	t.Logf("%.2f allocations per span", perSpan)
	if perSpan > 3.5 {
		t.Fatalf("normalizing a semconv call allocates %.2f times per span, want ≤ 3.5", perSpan)
	}
}
