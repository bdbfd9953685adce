package genaimetricsconnector

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/connector/connectortest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/periscope-otel/periscope/connector/genaimetricsconnector/internal/metadata"
	"github.com/periscope-otel/periscope/internal/contract"
)

func counter(t *testing.T, tt *componenttest.Telemetry, name string, attrs ...attribute.KeyValue) int64 {
	t.Helper()
	m, err := tt.GetMetric(name)
	require.NoError(t, err, name)
	want := attribute.NewSet(attrs...)
	var total int64
	for _, dp := range m.Data.(metricdata.Sum[int64]).DataPoints {
		if len(attrs) == 0 || dp.Attributes.Equals(&want) {
			total += dp.Value
		}
	}
	return total
}

func TestConditionsAndInternalTelemetry(t *testing.T) {
	tt := componenttest.NewTelemetry()
	defer func() { require.NoError(t, tt.Shutdown(context.Background())) }()
	set := connectortest.NewNopSettings(metadata.Type)
	set.TelemetrySettings = tt.NewTelemetrySettings()
	cfg := defaultCfg()
	cfg.Conditions = []string{`attributes["gen_ai.request.model"] != "skip-me"`}
	cfg.MaxCardinality = 2
	sink := new(consumertest.MetricsSink)
	c, err := buildConnector(set, cfg, sink)
	require.NoError(t, err)
	c.now = newFakeClock().Now

	td, ss := newTraces("svc")
	addSpan(ss, spanSpec{model: "a", in: 1, out: 1, cost: 1})
	addSpan(ss, spanSpec{model: "b", in: 1, out: 1, cost: 1})
	addSpan(ss, spanSpec{model: "c", in: 1, out: 1, cost: 1}) // over the cap of 2
	addSpan(ss, spanSpec{model: "skip-me", in: 1, out: 1, cost: 1})
	plain := ss.Spans().AppendEmpty()
	plain.SetName("GET /health")
	bad := addSpan(ss, spanSpec{model: "a", in: 1, out: 1})
	bad.SetEndTimestamp(bad.StartTimestamp() - 1)
	require.NoError(t, c.ConsumeTraces(context.Background(), td))

	assert.Equal(t, int64(4), counter(t, tt, "otelcol_connector_genai_metrics_spans_processed"))
	assert.Equal(t, int64(1), counter(t, tt, "otelcol_connector_genai_metrics_spans_skipped", attribute.String("reason", "not_selected")))
	assert.Equal(t, int64(1), counter(t, tt, "otelcol_connector_genai_metrics_spans_skipped", attribute.String("reason", "not_genai")))
	assert.Equal(t, int64(1), counter(t, tt, "otelcol_connector_genai_metrics_overflow", attribute.String("metric", contract.MetricCost)))
	assert.Equal(t, int64(1), counter(t, tt, "otelcol_connector_genai_metrics_bad_values", attribute.String("reason", "invalid_duration")))

	md := flushed(t, c, sink)
	v, _ := sumValue(md, contract.MetricCost, nil)
	assert.Equal(t, 3.0, v, "the skipped span is not counted; the capped one is, in overflow")
	v, _ = sumValue(md, contract.MetricCost, map[string]string{contract.AttrMetricOverflow: "true"})
	assert.Equal(t, 1.0, v)
}
