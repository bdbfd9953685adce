// Package metrics aggregates observations into OpenTelemetry metrics: sums
// and explicit-bucket histograms with exemplars, a cardinality cap with one
// overflow series per metric, and capped gauges. It is pure: observations
// in, pmetric.Metrics out; it reads no telemetry, keeps no clock and is not
// safe for concurrent use (the caller holds its lock).
//
// A component declares its metrics on an Aggregator (NewAggregator,
// Register, or NewGenAI for the genai_metrics set), records through a
// Series (which builds the key of an observation's dimensions once and
// finds the points they recorded into before without hashing it again),
// and emits with Aggregator.Emit into an Output.
package metrics

import (
	"math"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"

	"github.com/periscope-otel/periscope/internal/contract"
)

// KV is one attribute of a series.
type KV struct{ Key, Value string }

// Exemplar links a recording to the span it came from.
type Exemplar struct {
	Value   float64
	TS      pcommon.Timestamp
	TraceID pcommon.TraceID
	SpanID  pcommon.SpanID
}

// Resource is an interned output resource: its key and attributes.
type Resource struct {
	Key   string
	Attrs []KV
}

// Kind is the instrument of a Metric.
type Kind uint8

const (
	// Histogram is an explicit-bucket histogram.
	Histogram Kind = iota
	// Sum is a monotonic double sum.
	Sum
)

// point is one data point series of one metric.
type point struct {
	res   *Resource
	attrs []KV
	start pcommon.Timestamp

	counts []uint64 // histogram
	sum    float64
	count  uint64
	min    float64
	max    float64

	exemplars []Exemplar
	exNext    int
}

// Metric is one aggregated metric and its series.
type Metric struct {
	Name, Desc, Unit string
	Kind             Kind
	Bounds           []float64
	points           map[string]*point
	overflow         *point
	idx              int // position in Aggregator.all
	// overflowed counts recordings routed to the overflow point since the
	// last TakeOverflow (internal telemetry).
	overflowed int64
}

// Series reports how many series the metric holds (overflow excluded).
func (m *Metric) Series() int { return len(m.points) }

// Aggregator holds metrics under one cardinality cap and exemplar budget.
type Aggregator struct {
	maxCardinality int
	maxExemplars   int
	all            []*Metric
	// OverflowRes is the (empty) resource of overflow points.
	OverflowRes *Resource
	// bases caches points by series base (Series); epoch counts the times
	// it was emptied, with the points or on reaching the cap.
	bases map[string]*base
	epoch uint64
}

// NewAggregator returns an empty aggregator: maxCardinality series per
// metric, maxExemplars exemplars per histogram point (0: none).
func NewAggregator(maxCardinality, maxExemplars int) *Aggregator {
	return &Aggregator{maxCardinality: maxCardinality, maxExemplars: maxExemplars, OverflowRes: &Resource{}, bases: map[string]*base{}}
}

// Register declares a metric; metrics are emitted in registration order.
func (a *Aggregator) Register(name, desc, unit string, kind Kind, bounds []float64) *Metric {
	m := &Metric{Name: name, Desc: desc, Unit: unit, Kind: kind, Bounds: bounds, points: map[string]*point{}, idx: len(a.all)}
	a.all = append(a.all, m)
	return m
}

// MaxCardinality is the cap on series per metric.
func (a *Aggregator) MaxCardinality() int { return a.maxCardinality }

// AppendKey appends the series key of (res, attrs) to b.
func AppendKey(b []byte, res *Resource, attrs []KV) []byte {
	b = append(b, res.Key...)
	b = append(b, 1)
	for _, x := range attrs {
		b = appendPair(b, x)
	}
	return b
}

func appendPair(b []byte, x KV) []byte {
	b = append(b, x.Key...)
	b = append(b, 0)
	b = append(b, x.Value...)
	return append(b, 0)
}

// baseFor returns the point cache of a series base key, emptying the
// caches when they reach the cardinality cap.
func (a *Aggregator) baseFor(key []byte) *base {
	if b, ok := a.bases[string(key)]; ok {
		return b
	}
	if len(a.bases) >= a.maxCardinality {
		a.dropBases()
	}
	b := &base{byMetric: make([]baseSlot, len(a.all))}
	a.bases[string(key)] = b
	return b
}

func (a *Aggregator) dropBases() {
	clear(a.bases)
	a.epoch++
}

// lookup returns the point for key, creating it with attributes base plus
// extra, or the overflow point past the cap (false).
func (a *Aggregator) lookup(m *Metric, key []byte, res *Resource, base, extra []KV, ts pcommon.Timestamp) (*point, bool) {
	if p, ok := m.points[string(key)]; ok {
		return p, true
	}
	if len(m.points) >= a.maxCardinality {
		m.overflowed++
		if m.overflow == nil {
			m.overflow = newPoint(m, a.OverflowRes, []KV{{contract.AttrMetricOverflow, "true"}}, ts)
		}
		return m.overflow, false
	}
	attrs := make([]KV, 0, len(base)+len(extra))
	p := newPoint(m, res, append(append(attrs, base...), extra...), ts)
	m.points[string(key)] = p
	return p, true
}

func newPoint(m *Metric, res *Resource, attrs []KV, ts pcommon.Timestamp) *point {
	p := &point{res: res, attrs: attrs, start: ts, min: math.Inf(1), max: math.Inf(-1)}
	if m.Kind == Histogram {
		p.counts = make([]uint64, len(m.Bounds)+1)
	}
	return p
}

func (p *point) observe(bounds []float64, v float64) {
	p.counts[bucket(bounds, v)]++
	p.sum += v
	p.count++
	p.min = math.Min(p.min, v)
	p.max = math.Max(p.max, v)
}

// bucket is the index of the first bound >= v (len(bounds) if none, NaN
// included): buckets are (b[i-1], b[i]]. sort.SearchFloat64s without its
// closure call per step.
func bucket(bounds []float64, v float64) int {
	i, j := 0, len(bounds)
	for i < j {
		h := int(uint(i+j) >> 1)
		if !(bounds[h] >= v) {
			i = h + 1
		} else {
			j = h
		}
	}
	return i
}

func (p *point) addExemplar(maxN int, ex Exemplar) {
	if maxN <= 0 || ex.TraceID.IsEmpty() {
		return
	}
	if len(p.exemplars) < maxN {
		p.exemplars = append(p.exemplars, ex)
		return
	}
	// Keep the most recent ones.
	p.exemplars[p.exNext%maxN] = ex
	p.exNext++
}

// observe records v in histogram point p of m; ex (may be nil) becomes an
// exemplar carrying v.
func (a *Aggregator) observe(m *Metric, p *point, v float64, ex *Exemplar) {
	p.observe(m.Bounds, v)
	if ex != nil {
		e := *ex
		e.Value = v
		p.addExemplar(a.maxExemplars, e)
	}
}

// TakeOverflow calls fn for each metric that routed recordings to its
// overflow series since the last call.
func (a *Aggregator) TakeOverflow(fn func(metric string, n int64)) {
	for _, m := range a.all {
		if m.overflowed > 0 {
			fn(m.Name, m.overflowed)
			m.overflowed = 0
		}
	}
}

// Emit appends every point to out. Delta temporality drops the points
// afterwards so the next interval starts empty.
func (a *Aggregator) Emit(out *Output, now, lastFlush pcommon.Timestamp, delta bool) {
	for _, m := range a.all {
		pts := make([]*point, 0, len(m.points)+1)
		for _, p := range m.points {
			pts = append(pts, p)
		}
		if m.overflow != nil {
			pts = append(pts, m.overflow)
		}
		for _, p := range pts {
			start := p.start
			if delta {
				start = max(lastFlush, p.start)
			}
			mm := out.metric(p.res, m)
			switch m.Kind {
			case Histogram:
				dp := mm.Histogram().DataPoints().AppendEmpty()
				dp.SetStartTimestamp(start)
				dp.SetTimestamp(now)
				PutAttrs(dp.Attributes(), p.attrs)
				dp.ExplicitBounds().FromRaw(m.Bounds)
				dp.BucketCounts().FromRaw(p.counts)
				dp.SetCount(p.count)
				dp.SetSum(p.sum)
				if p.count > 0 {
					dp.SetMin(p.min)
					dp.SetMax(p.max)
				}
				for _, ex := range p.exemplars {
					e := dp.Exemplars().AppendEmpty()
					e.SetDoubleValue(ex.Value)
					e.SetTimestamp(ex.TS)
					e.SetTraceID(ex.TraceID)
					e.SetSpanID(ex.SpanID)
				}
				p.exemplars = p.exemplars[:0]
				p.exNext = 0
			case Sum:
				dp := mm.Sum().DataPoints().AppendEmpty()
				dp.SetStartTimestamp(start)
				dp.SetTimestamp(now)
				PutAttrs(dp.Attributes(), p.attrs)
				dp.SetDoubleValue(p.sum)
			}
		}
		if delta {
			clear(m.points)
			m.overflow = nil
		}
	}
	if delta {
		a.dropBases()
	}
}

// PutAttrs writes attrs into m as strings.
func PutAttrs(m pcommon.Map, attrs []KV) {
	m.EnsureCapacity(len(attrs))
	for _, x := range attrs {
		m.PutStr(x.Key, x.Value)
	}
}

// Output builds one pmetric.Metrics, one ResourceMetrics per resource key
// and one Metric per (resource, name).
type Output struct {
	md        pmetric.Metrics
	scope     string
	version   string
	delta     bool
	byRes     map[string]pmetric.ScopeMetrics
	byMetric  map[string]pmetric.Metric
	keyBuffer []byte
}

// NewOutput starts an output under the instrumentation scope (scope,
// version) with delta or cumulative temporality.
func NewOutput(scope, version string, delta bool) *Output {
	return &Output{md: pmetric.NewMetrics(), scope: scope, version: version, delta: delta,
		byRes: map[string]pmetric.ScopeMetrics{}, byMetric: map[string]pmetric.Metric{}}
}

// Metrics is what was built.
func (r *Output) Metrics() pmetric.Metrics { return r.md }

func (r *Output) scopeFor(res *Resource) pmetric.ScopeMetrics {
	sm, ok := r.byRes[res.Key]
	if !ok {
		rm := r.md.ResourceMetrics().AppendEmpty()
		PutAttrs(rm.Resource().Attributes(), res.Attrs)
		sm = rm.ScopeMetrics().AppendEmpty()
		sm.Scope().SetName(r.scope)
		sm.Scope().SetVersion(r.version)
		r.byRes[res.Key] = sm
	}
	return sm
}

func (r *Output) metric(res *Resource, m *Metric) pmetric.Metric {
	r.keyBuffer = append(append(append(r.keyBuffer[:0], res.Key...), 1), m.Name...)
	if mm, ok := r.byMetric[string(r.keyBuffer)]; ok {
		return mm
	}
	sm := r.scopeFor(res)
	mm := sm.Metrics().AppendEmpty()
	mm.SetName(m.Name)
	mm.SetDescription(m.Desc)
	mm.SetUnit(m.Unit)
	temp := pmetric.AggregationTemporalityCumulative
	if r.delta {
		temp = pmetric.AggregationTemporalityDelta
	}
	switch m.Kind {
	case Histogram:
		mm.SetEmptyHistogram().SetAggregationTemporality(temp)
	case Sum:
		s := mm.SetEmptySum()
		s.SetAggregationTemporality(temp)
		s.SetIsMonotonic(true)
	}
	r.byMetric[string(r.keyBuffer)] = mm
	return mm
}

// Gauge returns the gauge metric name for res, creating it.
func (r *Output) Gauge(res *Resource, name, desc, unit string) pmetric.Gauge {
	r.keyBuffer = append(append(append(r.keyBuffer[:0], res.Key...), 1), name...)
	if mm, ok := r.byMetric[string(r.keyBuffer)]; ok {
		return mm.Gauge()
	}
	sm := r.scopeFor(res)
	mm := sm.Metrics().AppendEmpty()
	mm.SetName(name)
	mm.SetDescription(desc)
	mm.SetUnit(unit)
	mm.SetEmptyGauge()
	r.byMetric[string(r.keyBuffer)] = mm
	return mm.Gauge()
}

// GaugeSink caps the points of one gauge metric (unit 1) built for one
// output; past Max points one overflow point carries the largest value.
type GaugeSink struct {
	Name, Desc string
	Max        int

	n          int
	overflow   float64
	over       bool
	overflowed int64
}

// Put adds one point.
func (g *GaugeSink) Put(out *Output, res *Resource, attrs []KV, v float64, now pcommon.Timestamp) {
	if g.n >= g.Max {
		g.overflowed++
		if !g.over || v > g.overflow {
			g.overflow, g.over = v, true
		}
		return
	}
	g.n++
	dp := out.Gauge(res, g.Name, g.Desc, "1").DataPoints().AppendEmpty()
	dp.SetTimestamp(now)
	PutAttrs(dp.Attributes(), attrs)
	dp.SetDoubleValue(v)
}

// Finish writes the overflow point, if any, on overflowRes and returns the
// number of points it stands for.
func (g *GaugeSink) Finish(out *Output, overflowRes *Resource, now pcommon.Timestamp) int64 {
	if !g.over {
		return 0
	}
	dp := out.Gauge(overflowRes, g.Name, g.Desc, "1").DataPoints().AppendEmpty()
	dp.SetTimestamp(now)
	dp.Attributes().PutStr(contract.AttrMetricOverflow, "true")
	dp.SetDoubleValue(g.overflow)
	return g.overflowed
}
