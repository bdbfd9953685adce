package genaidatasetexporter

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/metric/metricdata/metricdatatest"

	"github.com/periscope-otel/periscope/exporter/genaidatasetexporter/internal/metadata"
	"github.com/periscope-otel/periscope/exporter/genaidatasetexporter/internal/metadatatest"
)

// The counters declared in metadata.yaml add up: every call is either
// written or skipped with a reason.
func TestTelemetry(t *testing.T) {
	tel := componenttest.NewTelemetry()
	t.Cleanup(func() { require.NoError(t, tel.Shutdown(context.Background())) })
	ctx := context.Background()
	cfg := testConfig(t)
	set := metadatatest.NewSettings(tel)
	set.ID = component.NewIDWithName(metadata.Type, "telemetry")
	e, err := NewFactory().CreateTraces(ctx, set, cfg)
	require.NoError(t, err)
	require.NoError(t, e.Start(ctx, componenttest.NewNopHost()))
	td := chatTraces(30, 3, 7)
	require.NoError(t, e.ConsumeTraces(ctx, td))
	require.NoError(t, e.ConsumeTraces(ctx, td)) // redelivered: nothing written twice
	require.NoError(t, e.Shutdown(ctx))
	require.Len(t, readDir(t, cfg.Directory), 10)

	metadatatest.AssertEqualExporterGenaiDatasetRowsWritten(t, tel, []metricdata.DataPoint[int64]{
		{Attributes: attribute.NewSet(attribute.Bool("flagged", true)), Value: 10},
	}, metricdatatest.IgnoreTimestamp(), metricdatatest.IgnoreExemplars())

	got, err := tel.GetMetric("otelcol_exporter_genai_dataset_calls_skipped")
	require.NoError(t, err)
	var skipped int64
	for _, dp := range got.Data.(metricdata.Sum[int64]).DataPoints {
		r, _ := dp.Attributes.Value("reason")
		assert.Contains(t, []string{skipNotFlagged, skipDuplicate}, r.AsString())
		skipped += dp.Value
	}
	assert.Equal(t, int64(60-10), skipped, "every call not written is counted once")

	bytes, err := tel.GetMetric("otelcol_exporter_genai_dataset_bytes_written")
	require.NoError(t, err)
	assert.Positive(t, bytes.Data.(metricdata.Sum[int64]).DataPoints[0].Value)
}
