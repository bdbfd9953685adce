package genairollupprocessor

import (
	"context"
	"errors"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/periscope-otel/periscope/processor/genairollupprocessor/internal/metadata"
)

// telemetry holds genai_rollup's own metrics, declared in metadata.yaml.
// Labels are bounded (kind, reason); no span content, trace id or tool name
// ever appears.
type telemetry struct {
	tb *metadata.TelemetryBuilder

	kindAgent, kindRoot metric.MeasurementOption
	reasons             [numReasons]metric.MeasurementOption
}

func newTelemetry(set component.TelemetrySettings, p *rollupProcessor) (*telemetry, error) {
	tb, err := metadata.NewTelemetryBuilder(set)
	if err != nil {
		return nil, err
	}
	t := &telemetry{
		tb:        tb,
		kindAgent: metric.WithAttributeSet(attribute.NewSet(attribute.String("kind", "agent"))),
		kindRoot:  metric.WithAttributeSet(attribute.NewSet(attribute.String("kind", "root"))),
	}
	for i, r := range reasonNames {
		t.reasons[i] = metric.WithAttributeSet(attribute.NewSet(attribute.String("reason", r)))
	}
	// One callback per gauge: each reads the state under the lock once.
	gauge := func(pick func(traces, open, bytes int64) int64) metric.Int64Callback {
		return func(_ context.Context, o metric.Int64Observer) error {
			p.mu.Lock()
			traces, open, b := p.st.gauges()
			p.mu.Unlock()
			o.Observe(pick(traces, open, b))
			return nil
		}
	}
	err = errors.Join(
		tb.RegisterProcessorGenaiRollupPendingTracesCallback(gauge(func(_, open, _ int64) int64 { return open })),
		tb.RegisterProcessorGenaiRollupTracesCallback(gauge(func(traces, _, _ int64) int64 { return traces })),
		tb.RegisterProcessorGenaiRollupStateBytesCallback(gauge(func(_, _, b int64) int64 { return b })))
	if err != nil {
		tb.Shutdown()
		return nil, err
	}
	return t, nil
}

func (t *telemetry) shutdown() { t.tb.Shutdown() }

func (t *telemetry) flush(ctx context.Context, c *counts, evicted [numReasons]int64, orphans int64) {
	if c.agentRollups > 0 {
		t.tb.ProcessorGenaiRollupRollupsWritten.Add(ctx, c.agentRollups, t.kindAgent)
	}
	if c.rootRollups > 0 {
		t.tb.ProcessorGenaiRollupRollupsWritten.Add(ctx, c.rootRollups, t.kindRoot)
	}
	if c.late > 0 {
		t.tb.ProcessorGenaiRollupLateChildren.Add(ctx, c.late)
	}
	if c.duplicates > 0 {
		t.tb.ProcessorGenaiRollupDuplicateSpans.Add(ctx, c.duplicates)
	}
	if c.loops > 0 {
		t.tb.ProcessorGenaiRollupLoops.Add(ctx, c.loops)
	}
	for i, n := range evicted {
		if n > 0 {
			t.tb.ProcessorGenaiRollupEvictedTraces.Add(ctx, n, t.reasons[i])
		}
	}
	if orphans > 0 {
		t.tb.ProcessorGenaiRollupOrphanedSums.Add(ctx, orphans)
	}
}
