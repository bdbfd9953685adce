package genaimetricsconnector

import (
	"math"
	"sort"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"

	"github.com/periscope-otel/periscope/internal/contract"
)

// Semconv bucket boundaries (gen_ai.client.token.usage and
// gen_ai.client.operation.duration advisory parameters).
var (
	tokenBounds    = []float64{1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864}
	durationBounds = []float64{0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92}
	scoreBounds    = []float64{0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95}
	// Agent runs last longer than one model call: up to ~14 minutes.
	agentDurationBounds = []float64{0.1, 0.2, 0.4, 0.8, 1.6, 3.2, 6.4, 12.8, 25.6, 51.2, 102.4, 204.8, 409.6, 819.2}
)

type kv struct{ k, v string }

type exemplar struct {
	value   float64
	ts      pcommon.Timestamp
	traceID pcommon.TraceID
	spanID  pcommon.SpanID
}

type resource struct {
	key   string
	attrs []kv
}

// point is one data point series of one metric.
type point struct {
	res   *resource
	attrs []kv
	start pcommon.Timestamp

	counts []uint64 // histogram
	sum    float64
	count  uint64
	min    float64
	max    float64

	exemplars []exemplar
	exNext    int
}

type metricKind uint8

const (
	kindHistogram metricKind = iota
	kindSum
)

type metricAgg struct {
	name, desc, unit string
	kind             metricKind
	bounds           []float64
	points           map[string]*point
	overflow         *point
	// overflowed counts recordings routed to the overflow point since the
	// last read (internal telemetry).
	overflowed int64
}

func newMetric(name, desc, unit string, kind metricKind, bounds []float64) *metricAgg {
	return &metricAgg{name: name, desc: desc, unit: unit, kind: kind, bounds: bounds, points: map[string]*point{}}
}

// aggregator holds the counting metrics. Not safe for concurrent use.
type aggregator struct {
	maxCardinality int
	maxExemplars   int

	tokenUsage, duration, firstChunk, usageTokens, cost, evalScore, evalFailures    *metricAgg
	agentInvocations, agentCost, agentDuration, agentLoops, toolCalls, toolDuration *metricAgg
	judgeAgreement                                                                  *metricAgg
	all                                                                             []*metricAgg

	overflowRes *resource
}

func newAggregator(maxCardinality, maxExemplars int) *aggregator {
	a := &aggregator{maxCardinality: maxCardinality, maxExemplars: maxExemplars, overflowRes: &resource{}}
	a.tokenUsage = newMetric(contract.MetricTokenUsage, "Number of input and output tokens used per model call.", "{token}", kindHistogram, tokenBounds)
	a.duration = newMetric(contract.MetricOperationDuration, "GenAI operation duration.", "s", kindHistogram, durationBounds)
	a.firstChunk = newMetric(contract.MetricTimeToFirstChunk, "Time to the first chunk of a streamed response.", "s", kindHistogram, durationBounds)
	a.usageTokens = newMetric(contract.MetricUsageTokens, "Tokens used by billable model calls, by token type (input, output, cache_read, cache_write, reasoning).", "{token}", kindSum, nil)
	a.cost = newMetric(contract.MetricCost, "Cost of billable model calls.", "usd", kindSum, nil)
	a.evalScore = newMetric(contract.MetricEvalScore, "Evaluation risk scores in [0,1] (1 = certainly bad).", "1", kindHistogram, scoreBounds)
	a.evalFailures = newMetric(contract.MetricEvalFailures, "Evaluations that failed.", "{evaluation}", kindSum, nil)
	a.agentInvocations = newMetric(contract.MetricAgentInvocations, "Agent invocations (invoke_agent spans), by agent.", "{invocation}", kindSum, nil)
	a.agentCost = newMetric(contract.MetricAgentCost, "Cost of the model calls beneath agent invocations (periscope.rollup.cost), by agent; nested agents are included in their parent's.", "usd", kindSum, nil)
	a.agentDuration = newMetric(contract.MetricAgentDuration, "Agent invocation duration.", "s", kindHistogram, agentDurationBounds)
	a.agentLoops = newMetric(contract.MetricAgentLoops, "Agent invocations flagged as a tool-call loop (periscope.rollup.loop), by agent and tool.", "{loop}", kindSum, nil)
	a.toolCalls = newMetric(contract.MetricToolCalls, "Tool calls (execute_tool spans), by tool and error type.", "{call}", kindSum, nil)
	a.toolDuration = newMetric(contract.MetricToolDuration, "Tool call duration.", "s", kindHistogram, durationBounds)
	a.judgeAgreement = newMetric(contract.MetricJudgeAgreement, "LLM-judge verdicts (genai_judge) by rubric, the heuristic evaluator that selected the call, its label and the judge's label.", "{judgement}", kindSum, nil)
	a.all = []*metricAgg{a.tokenUsage, a.duration, a.firstChunk, a.usageTokens, a.cost, a.evalScore, a.evalFailures,
		a.agentInvocations, a.agentCost, a.agentDuration, a.agentLoops, a.toolCalls, a.toolDuration, a.judgeAgreement}
	return a
}

// appendKey appends the series key of (res, attrs) to b.
func appendKey(b []byte, res *resource, attrs []kv) []byte {
	b = append(b, res.key...)
	b = append(b, 1)
	for _, a := range attrs {
		b = append(b, a.k...)
		b = append(b, 0)
		b = append(b, a.v...)
		b = append(b, 0)
	}
	return b
}

// lookup returns the point for key, creating it (or routing to the overflow
// point past the cap).
func (a *aggregator) lookup(m *metricAgg, key []byte, res *resource, attrs []kv, ts pcommon.Timestamp) *point {
	if p, ok := m.points[string(key)]; ok {
		return p
	}
	if len(m.points) >= a.maxCardinality {
		m.overflowed++
		if m.overflow == nil {
			m.overflow = a.newPoint(m, a.overflowRes, []kv{{contract.AttrMetricOverflow, "true"}}, ts)
		}
		return m.overflow
	}
	p := a.newPoint(m, res, append([]kv(nil), attrs...), ts)
	m.points[string(key)] = p
	return p
}

func (a *aggregator) newPoint(m *metricAgg, res *resource, attrs []kv, ts pcommon.Timestamp) *point {
	p := &point{res: res, attrs: attrs, start: ts, min: math.Inf(1), max: math.Inf(-1)}
	if m.kind == kindHistogram {
		p.counts = make([]uint64, len(m.bounds)+1)
	}
	return p
}

func (p *point) observe(bounds []float64, v float64) {
	i := sort.SearchFloat64s(bounds, v) // first bound >= v: buckets are (b[i-1], b[i]]
	p.counts[i]++
	p.sum += v
	p.count++
	p.min = math.Min(p.min, v)
	p.max = math.Max(p.max, v)
}

func (p *point) addExemplar(maxN int, ex *exemplar) {
	if ex == nil || maxN <= 0 || ex.traceID.IsEmpty() {
		return
	}
	if len(p.exemplars) < maxN {
		p.exemplars = append(p.exemplars, *ex)
		return
	}
	// Keep the most recent ones.
	p.exemplars[p.exNext%maxN] = *ex
	p.exNext++
}

func (a *aggregator) histogram(m *metricAgg, key []byte, res *resource, attrs []kv, v float64, ts pcommon.Timestamp, ex *exemplar) {
	p := a.lookup(m, key, res, attrs, ts)
	p.observe(m.bounds, v)
	if ex != nil {
		ex.value = v
		p.addExemplar(a.maxExemplars, ex)
	}
}

func (a *aggregator) add(m *metricAgg, key []byte, res *resource, attrs []kv, v float64, ts pcommon.Timestamp) {
	p := a.lookup(m, key, res, attrs, ts)
	p.sum += v
}

// emit appends every point to md. Delta temporality drops the points
// afterwards so the next interval starts empty.
func (a *aggregator) emit(rms *resourceMetrics, now, lastFlush pcommon.Timestamp, delta bool) {
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
			mm := rms.metric(p.res, m)
			switch m.kind {
			case kindHistogram:
				h := mm.Histogram()
				dp := h.DataPoints().AppendEmpty()
				dp.SetStartTimestamp(start)
				dp.SetTimestamp(now)
				putAttrs(dp.Attributes(), p.attrs)
				dp.ExplicitBounds().FromRaw(m.bounds)
				dp.BucketCounts().FromRaw(p.counts)
				dp.SetCount(p.count)
				dp.SetSum(p.sum)
				if p.count > 0 {
					dp.SetMin(p.min)
					dp.SetMax(p.max)
				}
				for _, ex := range p.exemplars {
					e := dp.Exemplars().AppendEmpty()
					e.SetDoubleValue(ex.value)
					e.SetTimestamp(ex.ts)
					e.SetTraceID(ex.traceID)
					e.SetSpanID(ex.spanID)
				}
				p.exemplars = p.exemplars[:0]
				p.exNext = 0
			case kindSum:
				dp := mm.Sum().DataPoints().AppendEmpty()
				dp.SetStartTimestamp(start)
				dp.SetTimestamp(now)
				putAttrs(dp.Attributes(), p.attrs)
				dp.SetDoubleValue(p.sum)
			}
		}
		if delta {
			clear(m.points)
			m.overflow = nil
		}
	}
}

func putAttrs(m pcommon.Map, attrs []kv) {
	m.EnsureCapacity(len(attrs))
	for _, a := range attrs {
		m.PutStr(a.k, a.v)
	}
}

// resourceMetrics builds the output, one ResourceMetrics per resource key.
type resourceMetrics struct {
	md        pmetric.Metrics
	scope     string
	version   string
	delta     bool
	byRes     map[string]pmetric.ScopeMetrics
	byMetric  map[string]pmetric.Metric
	keyBuffer []byte
}

func newResourceMetrics(scope, version string, delta bool) *resourceMetrics {
	return &resourceMetrics{md: pmetric.NewMetrics(), scope: scope, version: version, delta: delta,
		byRes: map[string]pmetric.ScopeMetrics{}, byMetric: map[string]pmetric.Metric{}}
}

func (r *resourceMetrics) scopeFor(res *resource) pmetric.ScopeMetrics {
	sm, ok := r.byRes[res.key]
	if !ok {
		rm := r.md.ResourceMetrics().AppendEmpty()
		putAttrs(rm.Resource().Attributes(), res.attrs)
		sm = rm.ScopeMetrics().AppendEmpty()
		sm.Scope().SetName(r.scope)
		sm.Scope().SetVersion(r.version)
		r.byRes[res.key] = sm
	}
	return sm
}

func (r *resourceMetrics) metric(res *resource, m *metricAgg) pmetric.Metric {
	r.keyBuffer = append(append(append(r.keyBuffer[:0], res.key...), 1), m.name...)
	if mm, ok := r.byMetric[string(r.keyBuffer)]; ok {
		return mm
	}
	sm := r.scopeFor(res)
	mm := sm.Metrics().AppendEmpty()
	mm.SetName(m.name)
	mm.SetDescription(m.desc)
	mm.SetUnit(m.unit)
	temp := pmetric.AggregationTemporalityCumulative
	if r.delta {
		temp = pmetric.AggregationTemporalityDelta
	}
	switch m.kind {
	case kindHistogram:
		mm.SetEmptyHistogram().SetAggregationTemporality(temp)
	case kindSum:
		s := mm.SetEmptySum()
		s.SetAggregationTemporality(temp)
		s.SetIsMonotonic(true)
	default:
		mm.SetEmptyGauge()
	}
	r.byMetric[string(r.keyBuffer)] = mm
	return mm
}

// gauge returns the gauge metric name (unit 1) for res, creating it.
func (r *resourceMetrics) gauge(res *resource, name, desc string) pmetric.Gauge {
	return r.gaugeUnit(res, name, desc, "1")
}

// gaugeUnit returns the gauge metric name for res, creating it.
func (r *resourceMetrics) gaugeUnit(res *resource, name, desc, unit string) pmetric.Gauge {
	r.keyBuffer = append(append(append(r.keyBuffer[:0], res.key...), 1), name...)
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
