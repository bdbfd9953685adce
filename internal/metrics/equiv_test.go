package metrics

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"

	"github.com/periscope-otel/periscope/internal/contract"
)

// refSeries is the recording path before the per-base point cache: every
// recording builds its attributes and full series key and looks the key
// up (the reference of TestSeriesMatchesReference).
type refSeries struct {
	agg       *Aggregator
	dims      []KV
	baseAttrs []KV
	attrs     []KV
	key       []byte
}

func (s *refSeries) prepare(res *Resource, extra []KV) ([]KV, []byte) {
	s.baseAttrs = s.baseAttrs[:0]
	for _, d := range s.dims {
		if d.Value != "" {
			s.baseAttrs = append(s.baseAttrs, d)
		}
	}
	s.key = AppendKey(s.key[:0], res, s.baseAttrs)
	for _, x := range extra {
		s.key = appendPair(s.key, x)
	}
	s.attrs = append(append(s.attrs[:0], s.baseAttrs...), extra...)
	return s.attrs, s.key
}

func (s *refSeries) lookup(m *Metric, key []byte, res *Resource, attrs []KV, ts pcommon.Timestamp) *point {
	a := s.agg
	if p, ok := m.points[string(key)]; ok {
		return p
	}
	if len(m.points) >= a.maxCardinality {
		m.overflowed++
		if m.overflow == nil {
			m.overflow = newPoint(m, a.OverflowRes, []KV{{contract.AttrMetricOverflow, "true"}}, ts)
		}
		return m.overflow
	}
	p := newPoint(m, res, append([]KV(nil), attrs...), ts)
	m.points[string(key)] = p
	return p
}

func (s *refSeries) Histogram(m *Metric, res *Resource, ts pcommon.Timestamp, v float64, ex *Exemplar, extra ...KV) {
	attrs, key := s.prepare(res, extra)
	p := s.lookup(m, key, res, attrs, ts)
	p.counts[sort.SearchFloat64s(m.Bounds, v)]++
	p.sum += v
	p.count++
	p.min = math.Min(p.min, v)
	p.max = math.Max(p.max, v)
	if ex != nil {
		e := *ex
		e.Value = v
		p.addExemplar(s.agg.maxExemplars, e)
	}
}

func (s *refSeries) Sum(m *Metric, res *Resource, ts pcommon.Timestamp, v float64, extra ...KV) {
	attrs, key := s.prepare(res, extra)
	s.lookup(m, key, res, attrs, ts).sum += v
}

// bits is a float's bits, any NaN as one: the payload of a NaN sum
// depends on the operand order the compiler picked.
func bits(x float64) string {
	if math.IsNaN(x) {
		return "NaN"
	}
	return fmt.Sprintf("%x", math.Float64bits(x))
}

// canon renders every data point of md as one line, sorted (Emit's order
// follows map iteration).
func canon(md pmetric.Metrics) []string {
	var out []string
	rms := md.ResourceMetrics()
	for i := 0; i < rms.Len(); i++ {
		rm := rms.At(i)
		res := fmt.Sprint(rm.Resource().Attributes().AsRaw())
		for j := 0; j < rm.ScopeMetrics().Len(); j++ {
			ms := rm.ScopeMetrics().At(j).Metrics()
			for k := 0; k < ms.Len(); k++ {
				m := ms.At(k)
				switch m.Type() {
				case pmetric.MetricTypeHistogram:
					dps := m.Histogram().DataPoints()
					for d := 0; d < dps.Len(); d++ {
						dp := dps.At(d)
						var ex []string
						for e := 0; e < dp.Exemplars().Len(); e++ {
							x := dp.Exemplars().At(e)
							ex = append(ex, fmt.Sprintf("%s/%v/%v", bits(x.DoubleValue()), x.SpanID(), x.Timestamp()))
						}
						out = append(out, fmt.Sprintf("%s|%s|%v|%d-%d|n=%d sum=%s min=%s max=%s|%v|%v", res, m.Name(), dp.Attributes().AsRaw(),
							dp.StartTimestamp(), dp.Timestamp(), dp.Count(), bits(dp.Sum()), bits(dp.Min()),
							bits(dp.Max()), dp.BucketCounts().AsRaw(), ex))
					}
				case pmetric.MetricTypeSum:
					dps := m.Sum().DataPoints()
					for d := 0; d < dps.Len(); d++ {
						dp := dps.At(d)
						out = append(out, fmt.Sprintf("%s|%s|%v|%d-%d|%s", res, m.Name(), dp.Attributes().AsRaw(),
							dp.StartTimestamp(), dp.Timestamp(), bits(dp.DoubleValue())))
					}
				}
			}
		}
	}
	sort.Strings(out)
	return out
}

// TestSeriesMatchesReference replays random recordings (dimensions with
// empty and NUL-bearing values, 0-2 extra pairs, resources sharing a key,
// odd values, small caps with overflow, delta and cumulative flushes)
// through Series and through the reference path: outputs and overflow
// counts are identical.
func TestSeriesMatchesReference(t *testing.T) {
	vals := []string{"", "a", "b", "a\x00b", "a\x00", "gpt-4o", strings.Repeat("x", 40)}
	keys := []string{"k1", "k2", "k\x00"}
	nums := []float64{0, 1, 0.5, 3, 1e6, -1, math.NaN(), math.Inf(1), math.Inf(-1), math.Copysign(0, -1)}
	for seed := uint64(0); seed < 24; seed++ {
		r := rand.New(rand.NewPCG(seed, 7))
		capN := []int{1, 3, 8, 1000}[seed%4]
		delta := seed%2 == 0
		a, b := NewGenAI(capN, 2), NewGenAI(capN, 2)
		s := NewSeries(a.Aggregator)
		ref := &refSeries{agg: b.Aggregator}
		resA := []*Resource{{Key: "r1", Attrs: []KV{{"service.name", "x"}}}, {Key: "r2"}, {Key: "r1", Attrs: []KV{{"service.name", "x"}}}}
		resB := []*Resource{{Key: "r1", Attrs: []KV{{"service.name", "x"}}}, {Key: "r2"}, {Key: "r1", Attrs: []KV{{"service.name", "x"}}}}
		var last pcommon.Timestamp
		for op := 0; op < 2000; op++ {
			if r.IntN(200) == 0 {
				now := pcommon.Timestamp(op * 10)
				oa, ob := NewOutput("s", "", delta), NewOutput("s", "", delta)
				a.Emit(oa, now, last, delta)
				b.Emit(ob, now, last, delta)
				last = now
				require.Equal(t, canon(ob.Metrics()), canon(oa.Metrics()), "seed %d op %d", seed, op)
				continue
			}
			if r.IntN(3) == 0 || len(s.Dims) == 0 {
				s.Dims = s.Dims[:0]
				for i := 0; i < 3; i++ {
					s.Dims = append(s.Dims, KV{fmt.Sprint("d", i), vals[r.IntN(len(vals))]})
				}
				ref.dims = append(ref.dims[:0], s.Dims...)
				s.DimsChanged()
			}
			ri := r.IntN(len(resA))
			extra := make([]KV, r.IntN(3))
			for i := range extra {
				extra[i] = KV{keys[r.IntN(len(keys))], vals[r.IntN(len(vals))]}
			}
			ts := pcommon.Timestamp(op)
			v := nums[r.IntN(len(nums))]
			if r.IntN(2) == 0 {
				v = r.Float64() * 100
			}
			ex := &Exemplar{TS: ts, TraceID: pcommon.TraceID{byte(op)}, SpanID: pcommon.SpanID{byte(op >> 8), byte(op)}}
			if r.IntN(2) == 0 {
				mi := r.IntN(3)
				s.Histogram([]*Metric{a.TokenUsage, a.Duration, a.EvalScore}[mi], resA[ri], ts, v, ex, extra...)
				ref.Histogram([]*Metric{b.TokenUsage, b.Duration, b.EvalScore}[mi], resB[ri], ts, v, ex, extra...)
			} else {
				if r.IntN(2) == 0 {
					s.Sum(a.Cost, resA[ri], ts, v, extra...)
					ref.Sum(b.Cost, resB[ri], ts, v, extra...)
				} else {
					s.Sum(a.EvalFailures, resA[ri], ts, v, extra...)
					ref.Sum(b.EvalFailures, resB[ri], ts, v, extra...)
				}
			}
		}
		var oa, ob []string
		a.TakeOverflow(func(n string, c int64) { oa = append(oa, fmt.Sprint(n, c)) })
		b.TakeOverflow(func(n string, c int64) { ob = append(ob, fmt.Sprint(n, c)) })
		require.Equal(t, ob, oa, "seed %d", seed)
	}
}
