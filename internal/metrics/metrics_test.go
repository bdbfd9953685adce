package metrics

import (
	"math"
	"math/rand/v2"
	"sort"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"

	"github.com/periscope-otel/periscope/internal/contract"
)

func find(md pmetric.Metrics, name string) []pmetric.Metric {
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

// TestSeriesHistogramSumExemplars: one observation's dims are shared by
// its metrics, extras split series, empty dims are not emitted, buckets
// are (b[i-1], b[i]], exemplars carry the recorded value.
func TestSeriesHistogramSumExemplars(t *testing.T) {
	a := NewGenAI(100, 2)
	s := NewSeries(a.Aggregator)
	res := &Resource{Key: "svc\x00a", Attrs: []KV{{"service.name", "a"}}}
	s.Dims = append(s.Dims[:0], KV{"gen_ai.request.model", "m"}, KV{"gen_ai.prompt.name", ""})
	s.DimsChanged()
	tid := pcommon.TraceID{1}
	for _, v := range []float64{0.01, 0.02, 5} {
		s.Histogram(a.Duration, res, 10, v, &Exemplar{TS: 10, TraceID: tid, SpanID: pcommon.SpanID{byte(v * 100)}})
	}
	s.Sum(a.Cost, res, 10, 0.5)
	s.Sum(a.Cost, res, 10, 0.25)
	s.Sum(a.UsageTokens, res, 10, 7, KV{contract.AttrTokenType, "input"})
	s.Sum(a.UsageTokens, res, 10, 3, KV{contract.AttrTokenType, "output"})

	out := NewOutput("scope", "1.0", false)
	a.Emit(out, 20, 0, false)
	md := out.Metrics()
	require.Equal(t, 1, md.ResourceMetrics().Len())
	assert.Equal(t, "scope", md.ResourceMetrics().At(0).ScopeMetrics().At(0).Scope().Name())

	h := find(md, contract.MetricOperationDuration)
	require.Len(t, h, 1)
	dp := h[0].Histogram().DataPoints().At(0)
	assert.Equal(t, map[string]any{"gen_ai.request.model": "m"}, dp.Attributes().AsRaw(), "empty dims not emitted")
	assert.Equal(t, uint64(3), dp.Count())
	assert.Equal(t, []uint64{1, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0}, dp.BucketCounts().AsRaw())
	assert.InDelta(t, 5.03, dp.Sum(), 1e-12)
	assert.Equal(t, 0.01, dp.Min())
	assert.Equal(t, 5.0, dp.Max())
	require.Equal(t, 2, dp.Exemplars().Len(), "capped at 2, most recent kept")
	vals := []float64{dp.Exemplars().At(0).DoubleValue(), dp.Exemplars().At(1).DoubleValue()}
	assert.ElementsMatch(t, []float64{5, 0.02}, vals)

	c := find(md, contract.MetricCost)
	require.Len(t, c, 1)
	assert.True(t, c[0].Sum().IsMonotonic())
	assert.Equal(t, pmetric.AggregationTemporalityCumulative, c[0].Sum().AggregationTemporality())
	assert.Equal(t, 0.75, c[0].Sum().DataPoints().At(0).DoubleValue())
	assert.Equal(t, 2, find(md, contract.MetricUsageTokens)[0].Sum().DataPoints().Len())

	// Cumulative keeps the series; exemplars are sent once.
	out = NewOutput("scope", "1.0", false)
	a.Emit(out, 30, 20, false)
	dp = find(out.Metrics(), contract.MetricOperationDuration)[0].Histogram().DataPoints().At(0)
	assert.Equal(t, uint64(3), dp.Count())
	assert.Zero(t, dp.Exemplars().Len())
	assert.Equal(t, pcommon.Timestamp(10), dp.StartTimestamp())
}

func TestDeltaAndOverflow(t *testing.T) {
	a := NewAggregator(2, 0)
	m := a.Register("calls", "Calls.", "{call}", Sum, nil)
	s := NewSeries(a)
	res := &Resource{}
	for _, model := range []string{"a", "b", "c", "d", "a"} {
		s.Dims = append(s.Dims[:0], KV{"model", model})
		s.DimsChanged()
		s.Sum(m, res, 5, 1)
	}
	assert.Equal(t, 2, m.Series())
	var over map[string]int64
	a.TakeOverflow(func(name string, n int64) { over = map[string]int64{name: n} })
	assert.Equal(t, map[string]int64{"calls": 2}, over)
	a.TakeOverflow(func(string, int64) { t.Fatal("reported twice") })

	out := NewOutput("s", "", true)
	a.Emit(out, 20, 10, true)
	dps := find(out.Metrics(), "calls")[0].Sum().DataPoints()
	require.Equal(t, 3, dps.Len())
	got := map[string]float64{}
	for i := 0; i < dps.Len(); i++ {
		k, _ := dps.At(i).Attributes().Get("model")
		if o, ok := dps.At(i).Attributes().Get(contract.AttrMetricOverflow); ok {
			k = o
		}
		got[k.AsString()] = dps.At(i).DoubleValue()
		assert.Equal(t, pcommon.Timestamp(10), dps.At(i).StartTimestamp(), "delta starts at the last flush")
	}
	assert.Equal(t, map[string]float64{"a": 2, "b": 1, "true": 2}, got)
	assert.Equal(t, 0, m.Series(), "delta empties the series")
}

func TestGaugeSinkCap(t *testing.T) {
	out := NewOutput("s", "", false)
	g := &GaugeSink{Name: "drift", Desc: "d", Max: 2}
	res := &Resource{Key: "r", Attrs: []KV{{"service.name", "x"}}}
	over := &Resource{}
	for i, v := range []float64{0.1, 0.2, 0.9, 0.3} {
		g.Put(out, res, []KV{{"i", string(rune('a' + i))}}, v, 5)
	}
	assert.Equal(t, int64(2), g.Finish(out, over, 5))
	ms := find(out.Metrics(), "drift")
	require.Len(t, ms, 2)
	assert.Equal(t, 2, ms[0].Gauge().DataPoints().Len())
	o := ms[1].Gauge().DataPoints().At(0)
	assert.Equal(t, 0.9, o.DoubleValue(), "overflow point carries the largest value")
	v, _ := o.Attributes().Get(contract.AttrMetricOverflow)
	assert.Equal(t, "true", v.Str())
	assert.Zero(t, (&GaugeSink{Max: 1}).Finish(out, over, 5))
}

// TestBucketMatchesSearch: bucket is sort.SearchFloat64s (the reference
// it replaced) on every boundary, next to them, ±0, ±Inf, NaN and random
// values.
func TestBucketMatchesSearch(t *testing.T) {
	vals := []float64{math.NaN(), math.Inf(1), math.Inf(-1), 0, math.Copysign(0, -1), -1, 1e-300, 1e300}
	for _, b := range [][]float64{TokenBounds, DurationBounds, ChunkBounds, ScoreBounds, AgentDurationBounds, nil, {1}} {
		for _, x := range b {
			vals = append(vals, x, math.Nextafter(x, math.Inf(-1)), math.Nextafter(x, math.Inf(1)), x/2, x*1.5)
		}
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 10000 {
		vals = append(vals, r.ExpFloat64()*float64(r.IntN(1<<20)), r.Float64())
	}
	for _, b := range [][]float64{TokenBounds, DurationBounds, ChunkBounds, ScoreBounds, AgentDurationBounds, nil, {1}} {
		for _, v := range vals {
			require.Equal(t, sort.SearchFloat64s(b, v), bucket(b, v), "bounds %v value %v", b, v)
		}
	}
}
