package genaicostprocessor

import (
	"context"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/periscope-otel/periscope/internal/componentkit"
	"github.com/periscope-otel/periscope/internal/pricing"
	"github.com/periscope-otel/periscope/processor/genaicostprocessor/internal/metadata"
)

// telemetry holds the processor's own counters, declared in metadata.yaml
// and built by the generated TelemetryBuilder. Labels are bounded: the
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
	tb, err := metadata.NewTelemetryBuilder(set)
	if err != nil {
		return nil, err
	}
	return &telemetry{
		processed:  tb.ProcessorGenaiCostSpansProcessed,
		priced:     tb.ProcessorGenaiCostSpansPriced,
		unpriced:   tb.ProcessorGenaiCostSpansUnpriced,
		skipped:    tb.ProcessorGenaiCostSpansSkipped,
		tableLoads: tb.ProcessorGenaiCostTableLoads,
		costUSD:    tb.ProcessorGenaiCostUsd,
	}, nil
}

// tally aggregates one batch so that counters are updated once per batch,
// not once per span.
type tally struct {
	processed int64
	cost      float64
	priced    map[[3]string]int64
	unpriced  map[[2]string]int64
	// skipped: a short list, not a map (most batches skip for one reason,
	// and a skip is the per-span cost of every non-GenAI span).
	skipped componentkit.Skips
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

func (t *tally) addSkipped(reason string) { t.skipped.Add(reason) }

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
	t.skipped.Each(func(reason string, n int64) {
		tel.skipped.Add(ctx, n, metric.WithAttributes(sig, attribute.String("reason", reason)))
	})
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
