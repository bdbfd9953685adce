package genairollupprocessor

import (
	"context"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/periscope-otel/periscope/processor/genairollupprocessor/internal/metadata"
)

// telemetry holds genai_rollup's own metrics. Labels are bounded (kind,
// reason); no span content, trace id or tool name ever appears.
type telemetry struct {
	rollups    metric.Int64Counter
	late       metric.Int64Counter
	duplicates metric.Int64Counter
	loops      metric.Int64Counter
	evicted    metric.Int64Counter
	orphans    metric.Int64Counter
	reg        metric.Registration

	kindAgent, kindRoot metric.MeasurementOption
	reasons             [numReasons]metric.MeasurementOption
}

func newTelemetry(set component.TelemetrySettings, p *rollupProcessor) (*telemetry, error) {
	m := set.MeterProvider.Meter(metadata.ScopeName)
	t := &telemetry{
		kindAgent: metric.WithAttributeSet(attribute.NewSet(attribute.String("kind", "agent"))),
		kindRoot:  metric.WithAttributeSet(attribute.NewSet(attribute.String("kind", "root"))),
	}
	for i, r := range reasonNames {
		t.reasons[i] = metric.WithAttributeSet(attribute.NewSet(attribute.String("reason", r)))
	}
	var err error
	if t.rollups, err = m.Int64Counter("otelcol_genai_rollup_rollups_written",
		metric.WithDescription("Rollups written, by kind (agent: agent invocation or workflow span; root: local root)."),
		metric.WithUnit("{span}")); err != nil {
		return nil, err
	}
	if t.late, err = m.Int64Counter("otelcol_genai_rollup_late_children",
		metric.WithDescription("Spans with calls beneath them that arrived after their parent had passed; their totals are not added to the ancestors."),
		metric.WithUnit("{span}")); err != nil {
		return nil, err
	}
	if t.duplicates, err = m.Int64Counter("otelcol_genai_rollup_duplicate_spans",
		metric.WithDescription("Spans seen a second time (resent); counted once."),
		metric.WithUnit("{span}")); err != nil {
		return nil, err
	}
	if t.loops, err = m.Int64Counter("otelcol_genai_rollup_loops",
		metric.WithDescription("Agent invocations flagged periscope.rollup.loop (the same tool called with the same arguments loop_threshold times)."),
		metric.WithUnit("{invocation}")); err != nil {
		return nil, err
	}
	if t.evicted, err = m.Int64Counter("otelcol_genai_rollup_evicted_traces",
		metric.WithDescription("Traces dropped from the state, by reason (ttl, max_traces, max_bytes)."),
		metric.WithUnit("{trace}")); err != nil {
		return nil, err
	}
	if t.orphans, err = m.Int64Counter("otelcol_genai_rollup_orphaned_sums",
		metric.WithDescription("Running sums dropped with an evicted trace because their parent span never arrived (sampled out, routed elsewhere, or slower than ttl)."),
		metric.WithUnit("{sum}")); err != nil {
		return nil, err
	}
	pending, err := m.Int64ObservableGauge("otelcol_genai_rollup_pending_traces",
		metric.WithDescription("Traces holding running sums that wait for an ancestor span."), metric.WithUnit("{trace}"))
	if err != nil {
		return nil, err
	}
	held, err := m.Int64ObservableGauge("otelcol_genai_rollup_traces",
		metric.WithDescription("Traces held in the state (pending sums, or spans remembered for late detection)."), metric.WithUnit("{trace}"))
	if err != nil {
		return nil, err
	}
	bytes, err := m.Int64ObservableGauge("otelcol_genai_rollup_state_bytes",
		metric.WithDescription("Estimated memory of the state (bounded by max_bytes)."), metric.WithUnit("By"))
	if err != nil {
		return nil, err
	}
	t.reg, err = m.RegisterCallback(func(_ context.Context, o metric.Observer) error {
		p.mu.Lock()
		traces, open, b := p.st.gauges()
		p.mu.Unlock()
		o.ObserveInt64(pending, open)
		o.ObserveInt64(held, traces)
		o.ObserveInt64(bytes, b)
		return nil
	}, pending, held, bytes)
	if err != nil {
		return nil, err
	}
	return t, nil
}

func (t *telemetry) shutdown() {
	if t.reg != nil {
		_ = t.reg.Unregister()
		t.reg = nil
	}
}

func (t *telemetry) flush(ctx context.Context, c *counts, evicted [numReasons]int64, orphans int64) {
	if c.agentRollups > 0 {
		t.rollups.Add(ctx, c.agentRollups, t.kindAgent)
	}
	if c.rootRollups > 0 {
		t.rollups.Add(ctx, c.rootRollups, t.kindRoot)
	}
	if c.late > 0 {
		t.late.Add(ctx, c.late)
	}
	if c.duplicates > 0 {
		t.duplicates.Add(ctx, c.duplicates)
	}
	if c.loops > 0 {
		t.loops.Add(ctx, c.loops)
	}
	for i, n := range evicted {
		if n > 0 {
			t.evicted.Add(ctx, n, t.reasons[i])
		}
	}
	if orphans > 0 {
		t.orphans.Add(ctx, orphans)
	}
}
