package genaimetricsconnector

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pmetric"
)

func TestSmokePrint(t *testing.T) {
	for _, f := range []string{"real-clients/otel-traces.json", "real-clients/otel-logs.json", "real-clients/vercel-traces.json"} {
		c, sink := newTestConnector(t, defaultCfg(), newFakeClock())
		td, ld := readSample(t, samplePath(t, f))
		require.NoError(t, c.ConsumeTraces(context.Background(), td))
		require.NoError(t, c.ConsumeLogs(context.Background(), ld))
		md := flushed(t, c, sink)
		b, _ := (&pmetric.JSONMarshaler{}).MarshalMetrics(md)
		t.Logf("%s: %d points %d bytes", f, md.DataPointCount(), len(b))
		for _, n := range []string{"periscope.usage.tokens", "periscope.cost", "periscope.eval.failures"} {
			for _, m := range findMetric(md, n) {
				for i := 0; i < m.Sum().DataPoints().Len(); i++ {
					dp := m.Sum().DataPoints().At(i)
					t.Logf("  %s %v = %v", n, dp.Attributes().AsRaw(), dp.DoubleValue())
				}
			}
		}
	}
}
