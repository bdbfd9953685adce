package genairollupprocessor

import (
	"context"
	"hash/fnv"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/processor"
	"go.opentelemetry.io/collector/processor/processortest"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/periscope-otel/periscope/internal/contract"
	"github.com/periscope-otel/periscope/processor/genairollupprocessor/internal/metadata"
)

// spec is one span of a synthetic trace. Ids are names, hashed to ids.
type spec struct {
	trace  string
	id     string
	parent string // "" = no parent
	name   string
	svc    string // default "agent-app"
	kind   ptrace.SpanKind
	flags  uint32
	err    bool
	attrs  map[string]any
}

func hashID(s string) uint64 {
	h := fnv.New64a()
	_, _ = h.Write([]byte(s))
	return h.Sum64() | 1 // never the empty id
}

func spanID(trace, id string) pcommon.SpanID {
	if id == "" {
		return pcommon.SpanID{}
	}
	var b [8]byte
	x := hashID(trace + "/" + id)
	for i := range b {
		b[i] = byte(x >> (8 * i))
	}
	return b
}

func traceID(trace string) pcommon.TraceID {
	var b [16]byte
	x, y := hashID(trace), hashID(trace+"#")
	for i := 0; i < 8; i++ {
		b[i], b[8+i] = byte(x>>(8*i)), byte(y>>(8*i))
	}
	return b
}

// toTraces builds one batch from specs, one ResourceSpans per service (in
// order of first appearance), spans in the given order.
func toTraces(specs []spec) ptrace.Traces {
	td := ptrace.NewTraces()
	bySvc := map[string]ptrace.SpanSlice{}
	for _, s := range specs {
		svc := s.svc
		if svc == "" {
			svc = "agent-app"
		}
		spans, ok := bySvc[svc]
		if !ok {
			rs := td.ResourceSpans().AppendEmpty()
			rs.Resource().Attributes().PutStr("service.name", svc)
			spans = rs.ScopeSpans().AppendEmpty().Spans()
			bySvc[svc] = spans
		}
		sp := spans.AppendEmpty()
		sp.SetTraceID(traceID(s.trace))
		sp.SetSpanID(spanID(s.trace, s.id))
		sp.SetParentSpanID(spanID(s.trace, s.parent))
		sp.SetName(s.name)
		if s.name == "" {
			sp.SetName(s.id)
		}
		sp.SetKind(s.kind)
		sp.SetFlags(s.flags)
		t0 := pcommon.NewTimestampFromTime(time.Date(2026, 9, 3, 10, 0, 0, 0, time.UTC))
		sp.SetStartTimestamp(t0)
		sp.SetEndTimestamp(t0 + 1e9)
		if s.err {
			sp.Status().SetCode(ptrace.StatusCodeError)
		}
		if err := sp.Attributes().FromRaw(s.attrs); err != nil {
			panic(err)
		}
	}
	return td
}

func withTrace(trace string, specs []spec) []spec {
	out := make([]spec, len(specs))
	for i, s := range specs {
		s.trace = trace
		out[i] = s
	}
	return out
}

// harness runs the processor through its factory.
type harness struct {
	t      testing.TB
	proc   processor.Traces
	sink   *consumertest.TracesSink
	reader *sdkmetric.ManualReader
	rp     *rollupProcessor
}

func newHarness(t testing.TB, cfg *Config) *harness {
	t.Helper()
	h := &harness{t: t, sink: new(consumertest.TracesSink), reader: sdkmetric.NewManualReader()}
	set := processortest.NewNopSettings(metadata.Type)
	set.MeterProvider = sdkmetric.NewMeterProvider(sdkmetric.WithReader(h.reader))
	var err error
	h.proc, err = NewFactory().CreateTraces(context.Background(), set, cfg, h.sink)
	require.NoError(t, err)
	require.NoError(t, h.proc.Start(context.Background(), nil))
	t.Cleanup(func() { require.NoError(t, h.proc.Shutdown(context.Background())) })
	return h
}

// newDirect builds the processor itself (for clock injection).
func newDirect(t testing.TB, cfg *Config) *harness {
	t.Helper()
	h := &harness{t: t, reader: sdkmetric.NewManualReader()}
	set := processortest.NewNopSettings(metadata.Type)
	set.MeterProvider = sdkmetric.NewMeterProvider(sdkmetric.WithReader(h.reader))
	var err error
	h.rp, err = newRollupProcessor(set, cfg)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, h.rp.shutdown(context.Background())) })
	return h
}

func (h *harness) send(specs []spec) ptrace.Traces {
	h.t.Helper()
	td := toTraces(specs)
	if h.rp != nil {
		out, err := h.rp.processTraces(context.Background(), td)
		require.NoError(h.t, err)
		return out
	}
	require.NoError(h.t, h.proc.ConsumeTraces(context.Background(), td))
	return td
}

// metrics returns int64 sums and gauges by name (and "|k=v" labels).
func (h *harness) metrics() map[string]int64 {
	h.t.Helper()
	var rm metricdata.ResourceMetrics
	require.NoError(h.t, h.reader.Collect(context.Background(), &rm))
	got := map[string]int64{}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			var dps []metricdata.DataPoint[int64]
			switch d := m.Data.(type) {
			case metricdata.Sum[int64]:
				dps = d.DataPoints
			case metricdata.Gauge[int64]:
				dps = d.DataPoints
			}
			for _, dp := range dps {
				key := m.Name
				for _, kv := range dp.Attributes.ToSlice() {
					key += "|" + string(kv.Key) + "=" + kv.Value.Emit()
				}
				got[key] += dp.Value
			}
		}
	}
	return got
}

// rollup is what a span carries, read back for assertions.
type rollup struct {
	Cost                     float64
	HasCost                  bool
	In, Out                  int64
	Model, Tools, ToolErrors int64
	Unpriced                 int64
	Loop                     bool
	LoopTool                 string
}

func readRollup(sp ptrace.Span) (rollup, bool) {
	a := sp.Attributes()
	if _, ok := a.Get(contract.AttrRollupModelCalls); !ok {
		return rollup{}, false
	}
	var r rollup
	if v, ok := a.Get(contract.AttrRollupCost); ok {
		r.Cost, r.HasCost = v.Double(), true
	}
	get := func(k string) int64 {
		v, _ := a.Get(k)
		return v.Int()
	}
	r.In, r.Out = get(contract.AttrRollupInputTokens), get(contract.AttrRollupOutputTokens)
	r.Model, r.Tools = get(contract.AttrRollupModelCalls), get(contract.AttrRollupToolCalls)
	r.ToolErrors, r.Unpriced = get(contract.AttrRollupToolErrors), get(contract.AttrRollupUnpricedCalls)
	if v, ok := a.Get(contract.AttrRollupLoop); ok {
		r.Loop = v.Bool()
	}
	if v, ok := a.Get(contract.AttrRollupLoopTool); ok {
		r.LoopTool = v.Str()
	}
	return r, true
}

// rollups collects the rollups of every span of the batches by span name.
func rollups(tds ...ptrace.Traces) map[string]rollup {
	out := map[string]rollup{}
	for _, td := range tds {
		for i := 0; i < td.ResourceSpans().Len(); i++ {
			sss := td.ResourceSpans().At(i).ScopeSpans()
			for j := 0; j < sss.Len(); j++ {
				spans := sss.At(j).Spans()
				for k := 0; k < spans.Len(); k++ {
					if r, ok := readRollup(spans.At(k)); ok {
						out[spans.At(k).Name()] = r
					}
				}
			}
		}
	}
	return out
}

// childrenFirst returns a random order of specs in which every span comes
// after all its children (the usual export order), then splits it into
// 1..maxBatches consecutive batches.
func childrenFirst(rng *rand.Rand, specs []spec, maxBatches int) [][]spec {
	children := map[string][]int{}
	for i, s := range specs {
		children[s.trace+"/"+s.parent] = append(children[s.trace+"/"+s.parent], i)
	}
	remaining := make([]int, len(specs))
	for i, s := range specs {
		remaining[i] = len(children[s.trace+"/"+s.id])
	}
	index := map[string]int{}
	for i, s := range specs {
		index[s.trace+"/"+s.id] = i
	}
	var ready, order []int
	for i := range specs {
		if remaining[i] == 0 {
			ready = append(ready, i)
		}
	}
	for len(ready) > 0 {
		k := rng.IntN(len(ready))
		i := ready[k]
		ready = append(ready[:k], ready[k+1:]...)
		order = append(order, i)
		if j, ok := index[specs[i].trace+"/"+specs[i].parent]; ok && specs[i].parent != "" {
			if remaining[j]--; remaining[j] == 0 {
				ready = append(ready, j)
			}
		}
	}
	n := 1 + rng.IntN(maxBatches)
	cuts := map[int]bool{}
	for len(cuts) < n-1 && len(cuts) < len(order)-1 {
		cuts[1+rng.IntN(len(order)-1)] = true
	}
	var out [][]spec
	var cur []spec
	for pos, i := range order {
		if cuts[pos] {
			out = append(out, cur)
			cur = nil
		}
		cur = append(cur, specs[i])
	}
	return append(out, cur)
}
