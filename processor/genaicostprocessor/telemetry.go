package genaicostprocessor

import (
	"context"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/periscope-otel/periscope/processor/genaicostprocessor/internal/metadata"
	"github.com/periscope-otel/periscope/internal/pricing"
)

// telemetry holds the processor's own counters. Labels are bounded: the
// provider family (known families, else "other"), a reason or source, never
// a model name or any span content.
type telemetry struct {
	processed  metric.Int64Counter
	priced     metric.Int64Counter
	unpriced   metric.Int64Counter
	skipped    metric.Int64Counter
	tableLoads metric.Int64Counter
	costUSD    metric.Float64Counter
}

func newTelemetry(set component.TelemetrySettings) (*telemetry, error) {
	m := set.MeterProvider.Meter(metadata.ScopeName)
	t := &telemetry{}
	var err error
	if t.processed, err = m.Int64Counter("otelcol_genai_cost_spans_processed",
		metric.WithDescription("Spans and GenAI log groups seen by genai_cost."), metric.WithUnit("{span}")); err != nil {
		return nil, err
	}
	if t.priced, err = m.Int64Counter("otelcol_genai_cost_spans_priced",
		metric.WithDescription("Model calls given a cost, by provider, source (local or provider) and whether the match was an estimate."), metric.WithUnit("{span}")); err != nil {
		return nil, err
	}
	if t.unpriced, err = m.Int64Counter("otelcol_genai_cost_spans_unpriced",
		metric.WithDescription("Billable model calls left without a cost, by provider and reason (unknown_model, missing_usage)."), metric.WithUnit("{span}")); err != nil {
		return nil, err
	}
	if t.skipped, err = m.Int64Counter("otelcol_genai_cost_spans_skipped",
		metric.WithDescription("Spans not priced, by reason (not_genai, not_billable, not_selected)."), metric.WithUnit("{span}")); err != nil {
		return nil, err
	}
	if t.tableLoads, err = m.Int64Counter("otelcol_genai_cost_table_loads",
		metric.WithDescription("Price table (re)loads by result (ok, error)."), metric.WithUnit("{load}")); err != nil {
		return nil, err
	}
	if t.costUSD, err = m.Float64Counter("otelcol_genai_cost_usd",
		metric.WithDescription("Sum of the costs written (local and provider-reported)."), metric.WithUnit("USD")); err != nil {
		return nil, err
	}
	return t, nil
}

// tally aggregates one batch so that counters are updated once per batch,
// not once per span.
type tally struct {
	processed int64
	cost      float64
	priced    map[[3]string]int64
	unpriced  map[[2]string]int64
	skipped   map[string]int64
}

func (t *tally) addPriced(provider, source string, estimated bool) {
	if t.priced == nil {
		t.priced = map[[3]string]int64{}
	}
	est := "false"
	if estimated {
		est = "true"
	}
	t.priced[[3]string{provider, source, est}]++
}

func (t *tally) addUnpriced(provider, reason string) {
	if t.unpriced == nil {
		t.unpriced = map[[2]string]int64{}
	}
	t.unpriced[[2]string{provider, reason}]++
}

func (t *tally) addSkipped(reason string) {
	if t.skipped == nil {
		t.skipped = map[string]int64{}
	}
	t.skipped[reason]++
}

func (tel *telemetry) flush(ctx context.Context, signal string, t *tally) {
	sig := attribute.String("signal", signal)
	if t.processed > 0 {
		tel.processed.Add(ctx, t.processed, metric.WithAttributes(sig))
	}
	if t.cost > 0 {
		tel.costUSD.Add(ctx, t.cost, metric.WithAttributes(sig))
	}
	for k, n := range t.priced {
		tel.priced.Add(ctx, n, metric.WithAttributes(sig, attribute.String("provider", k[0]),
			attribute.String("source", k[1]), attribute.String("estimated", k[2])))
	}
	for k, n := range t.unpriced {
		tel.unpriced.Add(ctx, n, metric.WithAttributes(sig, attribute.String("provider", k[0]), attribute.String("reason", k[1])))
	}
	for k, n := range t.skipped {
		tel.skipped.Add(ctx, n, metric.WithAttributes(sig, attribute.String("reason", k)))
	}
}

// providerLabel bounds the provider label to known families.
func providerLabel(family string) string {
	switch {
	case family == "":
		return "unknown"
	case pricing.FamilyRank(family) < pricing.FamilyRank("~"), family == "azure_ai":
		return family
	}
	return "other"
}
