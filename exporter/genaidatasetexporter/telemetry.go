package genaidatasetexporter

import (
	"context"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/periscope-otel/periscope/exporter/genaidatasetexporter/internal/metadata"
)

// Skip reasons of otelcol_exporter_genai_dataset_calls_skipped.
const (
	skipNotModelCall = "not_model_call" // not GenAI, or an agent/tool/retrieval span
	skipNoContent    = "no_content"     // no messages (content in log records, or not captured)
	skipNotSelected  = "not_selected"   // conditions did not match
	skipNotFlagged   = "not_flagged"    // select: flagged, no failed evaluation, not sampled
	skipDuplicate    = "duplicate"      // written already (span and records, or redelivered)
	skipUnreadable   = "unreadable"     // the reader or row builder failed
)

// telemetry holds the exporter's own counters, declared in metadata.yaml.
// Labels are bounded: a skip reason or whether the row was flagged.
type telemetry struct {
	rows    metric.Int64Counter
	bytes   metric.Int64Counter
	skipped metric.Int64Counter
	rotated metric.Int64Counter
	deleted metric.Int64Counter

	skipOpts map[string]metric.AddOption
}

func newTelemetry(set component.TelemetrySettings) (*telemetry, error) {
	tb, err := metadata.NewTelemetryBuilder(set)
	if err != nil {
		return nil, err
	}
	t := &telemetry{
		rows:     tb.ExporterGenaiDatasetRowsWritten,
		bytes:    tb.ExporterGenaiDatasetBytesWritten,
		skipped:  tb.ExporterGenaiDatasetCallsSkipped,
		rotated:  tb.ExporterGenaiDatasetFilesRotated,
		deleted:  tb.ExporterGenaiDatasetFilesDeleted,
		skipOpts: map[string]metric.AddOption{},
	}
	for _, r := range []string{skipNotModelCall, skipNoContent, skipNotSelected, skipNotFlagged, skipDuplicate, skipUnreadable} {
		t.skipOpts[r] = metric.WithAttributeSet(attribute.NewSet(attribute.String("reason", r)))
	}
	return t, nil
}

// tally counts one batch; counters are updated once per batch.
type tally struct {
	flagged, sampled int64
	bytes            int64
	skipped          map[string]int64
}

func (t *tally) skip(reason string) {
	if t.skipped == nil {
		t.skipped = map[string]int64{}
	}
	t.skipped[reason]++
}

var (
	flaggedTrue  = metric.WithAttributeSet(attribute.NewSet(attribute.Bool("flagged", true)))
	flaggedFalse = metric.WithAttributeSet(attribute.NewSet(attribute.Bool("flagged", false)))
)

func (t *telemetry) record(ctx context.Context, n *tally) {
	if n.flagged > 0 {
		t.rows.Add(ctx, n.flagged, flaggedTrue)
	}
	if n.sampled > 0 {
		t.rows.Add(ctx, n.sampled, flaggedFalse)
	}
	if n.bytes > 0 {
		t.bytes.Add(ctx, n.bytes)
	}
	for r, c := range n.skipped {
		t.skipped.Add(ctx, c, t.skipOpts[r])
	}
}
