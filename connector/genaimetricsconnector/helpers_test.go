package genaimetricsconnector

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/connector/connectortest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/periscope-otel/periscope/connector/genaimetricsconnector/internal/metadata"
	"github.com/periscope-otel/periscope/internal/testutil"
)

// fakeClock is an injectable clock.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{t: time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)}
}

func (f *fakeClock) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.t
}

func (f *fakeClock) Advance(d time.Duration) {
	f.mu.Lock()
	f.t = f.t.Add(d)
	f.mu.Unlock()
}

func defaultCfg() *Config { return createDefaultConfig().(*Config) }

// newTestConnector builds an unshared connector with a fake clock.
func newTestConnector(t testing.TB, cfg *Config, clk *fakeClock) (*metricsConnector, *consumertest.MetricsSink) {
	t.Helper()
	require.NoError(t, cfg.Validate())
	sink := new(consumertest.MetricsSink)
	c, err := buildConnector(connectortest.NewNopSettings(metadata.Type), cfg, sink)
	require.NoError(t, err)
	c.now = clk.Now
	return c, sink
}

// flushed runs one flush and returns what was sent.
func flushed(t testing.TB, c *metricsConnector, sink *consumertest.MetricsSink) pmetric.Metrics {
	t.Helper()
	sink.Reset()
	require.NoError(t, c.flush(context.Background()))
	all := sink.AllMetrics()
	if len(all) == 0 {
		return pmetric.NewMetrics()
	}
	require.Len(t, all, 1)
	return all[0]
}

func samplePath(t testing.TB, name string) string {
	return filepath.Join(testutil.SharedDir(t), "data", "genai-samples", name)
}

func readSample(t testing.TB, path string) (ptrace.Traces, plog.Logs) {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	td, err1 := (&ptrace.JSONUnmarshaler{}).UnmarshalTraces(b)
	ld, err2 := (&plog.JSONUnmarshaler{}).UnmarshalLogs(b)
	if err1 != nil {
		td = ptrace.NewTraces()
	}
	if err2 != nil {
		ld = plog.NewLogs()
	}
	return td, ld
}

// findMetric returns every data point of a metric.
func findMetric(md pmetric.Metrics, name string) []pmetric.Metric {
	var out []pmetric.Metric
	for i := 0; i < md.ResourceMetrics().Len(); i++ {
		sms := md.ResourceMetrics().At(i).ScopeMetrics()
		for j := 0; j < sms.Len(); j++ {
			ms := sms.At(j).Metrics()
			for k := 0; k < ms.Len(); k++ {
				if ms.At(k).Name() == name {
					out = append(out, ms.At(k))
				}
			}
		}
	}
	return out
}

func attrsMatch(m pcommon.Map, want map[string]string) bool {
	for k, v := range want {
		got, ok := m.Get(k)
		if !ok || got.AsString() != v {
			return false
		}
	}
	return true
}

// sumValue adds the sum points of name whose attributes contain want.
func sumValue(md pmetric.Metrics, name string, want map[string]string) (float64, int) {
	var total float64
	n := 0
	for _, m := range findMetric(md, name) {
		dps := m.Sum().DataPoints()
		for i := 0; i < dps.Len(); i++ {
			if attrsMatch(dps.At(i).Attributes(), want) {
				total += dps.At(i).DoubleValue()
				n++
			}
		}
	}
	return total, n
}

// histPoints returns histogram points of name whose attributes contain want.
func histPoints(md pmetric.Metrics, name string, want map[string]string) []pmetric.HistogramDataPoint {
	var out []pmetric.HistogramDataPoint
	for _, m := range findMetric(md, name) {
		dps := m.Histogram().DataPoints()
		for i := 0; i < dps.Len(); i++ {
			if attrsMatch(dps.At(i).Attributes(), want) {
				out = append(out, dps.At(i))
			}
		}
	}
	return out
}

func gaugePoints(md pmetric.Metrics, name string, want map[string]string) []pmetric.NumberDataPoint {
	var out []pmetric.NumberDataPoint
	for _, m := range findMetric(md, name) {
		dps := m.Gauge().DataPoints()
		for i := 0; i < dps.Len(); i++ {
			if attrsMatch(dps.At(i).Attributes(), want) {
				out = append(out, dps.At(i))
			}
		}
	}
	return out
}

var _ = componenttest.NewNopHost
