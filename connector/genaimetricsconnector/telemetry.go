package genaimetricsconnector

import (
	"context"

	"go.opentelemetry.io/otel/metric"

	"github.com/periscope-otel/periscope/connector/genaimetricsconnector/internal/metadata"
)

// telemetry holds the connector's own instruments, declared in
// metadata.yaml. Labels are bounded: a reason, a metric name or a state
// operation, never a dimension value.
type telemetry struct {
	tb        *metadata.TelemetryBuilder
	spans     metric.Int64Counter
	records   metric.Int64Counter
	skipped   metric.Int64Counter
	overflow  metric.Int64Counter
	badValues metric.Int64Counter
	stateErr  metric.Int64Counter
}

func (c *metricsConnector) initTelemetry() error {
	tb, err := metadata.NewTelemetryBuilder(c.set.TelemetrySettings)
	if err != nil {
		return err
	}
	c.tel = telemetry{
		tb:        tb,
		spans:     tb.ConnectorGenaiMetricsSpansProcessed,
		records:   tb.ConnectorGenaiMetricsLogRecordsProcessed,
		skipped:   tb.ConnectorGenaiMetricsSpansSkipped,
		overflow:  tb.ConnectorGenaiMetricsOverflow,
		badValues: tb.ConnectorGenaiMetricsBadValues,
		stateErr:  tb.ConnectorGenaiMetricsStateErrors,
	}
	return tb.RegisterConnectorGenaiMetricsDriftSeriesCallback(func(_ context.Context, o metric.Int64Observer) error {
		if c.rec == nil {
			return nil
		}
		c.mu.Lock()
		n := c.rec.series()
		c.mu.Unlock()
		o.Observe(int64(n))
		return nil
	})
}

// shutdown unregisters the drift series gauge.
func (t *telemetry) shutdown() {
	if t.tb != nil {
		t.tb.Shutdown()
	}
}
