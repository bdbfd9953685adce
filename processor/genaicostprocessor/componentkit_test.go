package genaicostprocessor

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/processor/processortest"

	"github.com/periscope-otel/periscope/internal/contract"
	"github.com/periscope-otel/periscope/processor/genaicostprocessor/internal/metadata"
)

// TestPanicSkipsSpan: a panic while pricing one span (forced here by a
// processor without its price store) is recovered by the component guard:
// the batch goes on, every span passes, none is priced, and the panic is
// counted.
func TestPanicSkipsSpan(t *testing.T) {
	p, err := newCostProcessor(processortest.NewNopSettings(metadata.Type), createDefaultConfig())
	require.NoError(t, err)
	p.store = nil // evaluate reads the catalog from it: every billable span panics

	td := caseSpan(costCase{provider: "openai", req: "gpt-4o", in: 10, out: 10})
	caseSpan(costCase{provider: "openai", req: "gpt-4o-mini", in: 10, out: 10}).ResourceSpans().MoveAndAppendTo(td.ResourceSpans())
	want := td.SpanCount()
	require.NotPanics(t, func() {
		out, err := p.processTraces(context.Background(), td)
		require.NoError(t, err)
		require.Equal(t, want, out.SpanCount())
		for _, rs := range out.ResourceSpans().All() {
			for _, ss := range rs.ScopeSpans().All() {
				for _, sp := range ss.Spans().All() {
					_, priced := sp.Attributes().Get(contract.AttrCost)
					require.False(t, priced)
				}
			}
		}
	})
	require.Equal(t, int64(want), p.guard.Panics())
}
