package componentkit

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/periscope-otel/periscope/internal/genai"
	"github.com/periscope-otel/periscope/internal/selector"
)

func traces() ptrace.Traces {
	td := ptrace.NewTraces()
	for r := 0; r < 2; r++ {
		rs := td.ResourceSpans().AppendEmpty()
		rs.Resource().Attributes().PutStr("service.name", []string{"a", "b"}[r])
		for s := 0; s < 2; s++ {
			ss := rs.ScopeSpans().AppendEmpty()
			for k := 0; k < 3; k++ {
				sp := ss.Spans().AppendEmpty()
				sp.SetName(strings.Repeat("x", r*100+s*10+k+1))
				sp.Attributes().PutStr("gen_ai.request.model", []string{"m1", "m2", "m3"}[k])
			}
		}
	}
	return td
}

func TestSpansWalkAndSelect(t *testing.T) {
	td := traces()
	assert.Equal(t, 12, SpanCount(td))
	sel, err := selector.NewSpans([]string{`attributes["gen_ai.request.model"] == "m2"`}, componenttest.NewNopTelemetrySettings())
	require.NoError(t, err)
	var names []int
	selected := 0
	for s := range Spans(td) {
		// indices point at where the span lives
		assert.Equal(t, s.RS, td.ResourceSpans().At(s.RSIndex))
		assert.Equal(t, s.SS, s.RS.ScopeSpans().At(s.SSIndex))
		names = append(names, len(s.Span.Name()))
		if s.Selected(context.Background(), sel) {
			selected++
		}
		assert.True(t, s.Selected(context.Background(), nil), "no selector selects all")
	}
	assert.Equal(t, []int{1, 2, 3, 11, 12, 13, 101, 102, 103, 111, 112, 113}, names, "resource, scope, span order")
	assert.Equal(t, 4, selected)
	n := 0
	for range Spans(td) {
		n++
		if n == 5 {
			break // early exit honoured
		}
	}
	assert.Equal(t, 5, n)
}

func logs() plog.Logs {
	ld := plog.NewLogs()
	for r := 0; r < 2; r++ {
		rl := ld.ResourceLogs().AppendEmpty()
		rl.Resource().Attributes().PutStr("service.name", []string{"a", "b"}[r])
		sl := rl.ScopeLogs().AppendEmpty()
		sl.Scope().SetName([]string{"s1", "s2"}[r])
		for k := 0; k < 2; k++ {
			lr := sl.LogRecords().AppendEmpty()
			lr.Body().SetStr("rec")
		}
	}
	return ld
}

func TestLocations(t *testing.T) {
	ld := logs()
	loc := NewLocations(ld)
	rec := ld.ResourceLogs().At(1).ScopeLogs().At(0).LogRecords().At(1)
	r, ok := loc.Of(rec)
	require.True(t, ok)
	assert.Equal(t, "s2", r.SL.Scope().Name())
	_, ok = loc.Of(plog.NewLogRecord())
	assert.False(t, ok, "a record of another batch")

	sel, err := selector.NewLogs([]string{`resource.attributes["service.name"] == "b"`}, componenttest.NewNopTelemetrySettings())
	require.NoError(t, err)
	first := ld.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(0)
	assert.False(t, loc.Selected(context.Background(), sel, first))
	assert.True(t, loc.Selected(context.Background(), sel, rec))
	assert.True(t, loc.AnySelected(context.Background(), sel, []plog.LogRecord{first, rec}))
	assert.False(t, loc.AnySelected(context.Background(), sel, []plog.LogRecord{first}))
	lazy := NewLocations(ld)
	assert.True(t, lazy.AnySelected(context.Background(), nil, []plog.LogRecord{first}))
	assert.Nil(t, lazy.where, "no selector: the map is never built")
	n := 0
	for range LogRecords(ld) {
		n++
	}
	assert.Equal(t, 4, n)
}

// TestGuardRecoversAndWarns: a panic becomes false, a counted panic and a
// rate-limited warning that carries the panic message, cut short.
func TestGuardRecoversAndWarns(t *testing.T) {
	core, logged := observer.New(zap.WarnLevel)
	g := NewGuard(zap.New(core), "genai_x")
	assert.True(t, g.Run("span", func() {}))
	for i := 0; i < 20; i++ {
		assert.False(t, g.Run("span", func() { panic(strings.Repeat("boom ", 100)) }))
	}
	assert.Equal(t, int64(20), g.Panics())
	require.NotZero(t, logged.Len())
	assert.Less(t, logged.Len(), 20, "rate limited")
	e := logged.All()[0]
	assert.Equal(t, "genai_x: span skipped after an internal error", e.Message)
	assert.LessOrEqual(t, len(e.ContextMap()["error"].(string)), maxPanicText+3)
}

func TestGuardReads(t *testing.T) {
	g := NewGuard(nil, "genai_x")
	td := ptrace.NewTraces()
	rs := td.ResourceSpans().AppendEmpty()
	sp := rs.ScopeSpans().AppendEmpty().Spans().AppendEmpty()
	sp.Attributes().PutStr("gen_ai.operation.name", "chat")
	sp.Attributes().PutStr("gen_ai.request.model", "gpt-4o")
	v, ok := g.ReadSpan(sp, rs.Resource(), genai.Options{})
	require.True(t, ok)
	assert.Equal(t, "gpt-4o", v.RequestModel)
	// A reader panic (here: a zero span, nil inside) is recovered: an empty
	// view and false.
	v, ok = g.ReadSpan(ptrace.Span{}, pcommon.Resource{}, genai.Options{})
	assert.False(t, ok)
	assert.Empty(t, v.RequestModel)
	_, ok = g.ReadLogs(genai.LogGroup{Records: []plog.LogRecord{{}}}, genai.Options{Content: true})
	assert.False(t, ok)
	assert.Equal(t, int64(2), g.Panics())
}

func TestSkipsFlush(t *testing.T) {
	tt := componenttest.NewTelemetry()
	defer func() { require.NoError(t, tt.Shutdown(context.Background())) }()
	c, err := tt.NewTelemetrySettings().MeterProvider.Meter("t").Int64Counter("skipped")
	require.NoError(t, err)
	var s Skips
	s.Add(SkipNotSelected)
	s.AddN(SkipInternalError, 3)
	s.Add(SkipNotSelected)
	s.AddN("none", 0)
	assert.Equal(t, int64(2), s.Count(SkipNotSelected))
	var seen []string
	s.Each(func(r string, _ int64) { seen = append(seen, r) })
	assert.Equal(t, []string{SkipNotSelected, SkipInternalError}, seen)
	s.Flush(context.Background(), c)
	assert.Zero(t, s.Count(SkipNotSelected), "reset")
	m, err := tt.GetMetric("skipped")
	require.NoError(t, err)
	got := map[string]int64{}
	for _, dp := range m.Data.(metricdata.Sum[int64]).DataPoints {
		r, _ := dp.Attributes.Value(attribute.Key("reason"))
		got[r.AsString()] = dp.Value
	}
	assert.Equal(t, map[string]int64{SkipNotSelected: 2, SkipInternalError: 3}, got)
	s.Add("x")
	s.Flush(context.Background(), nil) // nil counter: reset only
	assert.Zero(t, s.Count("x"))
}
