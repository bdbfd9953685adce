package genaidatasetexporter

import (
	"context"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/periscope-otel/periscope/exporter/genaidatasetexporter/internal/metadata"
)

// Skip reasons of otelcol_genai_dataset_calls_skipped.
const (
	skipNotModelCall = "not_model_call" // not GenAI, or an agent/tool/retrieval span
	skipNoContent    = "no_content"     // no messages (content in log records, or not captured)
	skipNotSelected  = "not_selected"   // conditions did not match
	skipNotFlagged   = "not_flagged"    // select: flagged, no failed evaluation, not sampled
	skipDuplicate    = "duplicate"      // written already (span and records, or redelivered)
	skipUnreadable   = "unreadable"     // the reader or row builder failed
)

type telemetry struct {
	rows    metric.Int64Counter
	bytes   metric.Int64Counter
	skipped metric.Int64Counter
	rotated metric.Int64Counter
	deleted metric.Int64Counter

	skipOpts map[string]metric.AddOption
}

func newTelemetry(set component.TelemetrySettings) (*telemetry, error) {
	m := set.MeterProvider.Meter(metadata.ScopeName)
	t := &telemetry{skipOpts: map[string]metric.AddOption{}}
	var err error
	mk := func(name, desc, unit string) metric.Int64Counter {
		c, e := m.Int64Counter("otelcol_genai_dataset_"+name, metric.WithDescription(desc), metric.WithUnit(unit))
		if e != nil && err == nil {
			err = e
		}
		return c
	}
	t.rows = mk("rows_written", "Dataset rows (model calls) written, by whether the call was flagged", "{row}")
	t.bytes = mk("bytes_written", "Bytes of JSON rows written (before compression)", "By")
	t.skipped = mk("calls_skipped", "Calls not written, by reason", "{call}")
	t.rotated = mk("files_rotated", "Dataset files closed by rotation (max_bytes, max_age)", "{file}")
	t.deleted = mk("files_deleted", "Dataset files deleted by retention (max_total_bytes)", "{file}")
	for _, r := range []string{skipNotModelCall, skipNoContent, skipNotSelected, skipNotFlagged, skipDuplicate, skipUnreadable} {
		t.skipOpts[r] = metric.WithAttributeSet(attribute.NewSet(attribute.String("reason", r)))
	}
	return t, err
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
