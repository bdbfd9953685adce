package genaimetricsconnector

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/periscope-otel/periscope/internal/contract"
	"github.com/periscope-otel/periscope/internal/testutil"
)

// spanBuilder appends synthetic spans to one resource.
type spanBuilder struct {
	td    ptrace.Traces
	spans ptrace.SpanSlice
	t0    time.Time
	seq   uint64
}

func newSpanBuilder(service string) *spanBuilder {
	td := ptrace.NewTraces()
	rs := td.ResourceSpans().AppendEmpty()
	rs.Resource().Attributes().PutStr("service.name", service)
	return &spanBuilder{td: td, spans: rs.ScopeSpans().AppendEmpty().Spans(), t0: time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)}
}

// add appends a span of trace tid lasting d; attrs values are string,
// float64, int or bool.
func (b *spanBuilder) add(tid byte, parent pcommon.SpanID, name string, d time.Duration, attrs map[string]any) ptrace.Span {
	sp := b.spans.AppendEmpty()
	b.seq++
	sp.SetTraceID(pcommon.TraceID{tid, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15})
	sp.SetSpanID(pcommon.SpanID{byte(b.seq), byte(b.seq >> 8), byte(b.seq >> 16), 1, 1, 1, 1, 1})
	sp.SetParentSpanID(parent)
	sp.SetName(name)
	sp.SetStartTimestamp(pcommon.NewTimestampFromTime(b.t0))
	sp.SetEndTimestamp(pcommon.NewTimestampFromTime(b.t0.Add(d)))
	for k, v := range attrs {
		switch x := v.(type) {
		case string:
			sp.Attributes().PutStr(k, x)
		case float64:
			sp.Attributes().PutDouble(k, x)
		case int:
			sp.Attributes().PutInt(k, int64(x))
		case bool:
			sp.Attributes().PutBool(k, x)
		}
	}
	return sp
}

func consume(t *testing.T, c *metricsConnector, td ptrace.Traces) {
	t.Helper()
	require.NoError(t, c.ConsumeTraces(context.Background(), td))
}

// TestAgentToolMetricsSemconv: an invoke_agent span with rollup attributes
// (as genai_rollup writes them) and execute_tool children.
func TestAgentToolMetricsSemconv(t *testing.T) {
	c, sink := newTestConnector(t, defaultCfg(), newFakeClock())
	b := newSpanBuilder("travel")
	agent := b.add(1, pcommon.SpanID{}, "invoke_agent planner", 2*time.Second, map[string]any{
		"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "planner", "gen_ai.provider.name": "openai",
		contract.AttrRollupCost: 0.03, contract.AttrRollupModelCalls: 2, contract.AttrRollupToolCalls: 3,
		contract.AttrRollupLoop: true, contract.AttrRollupLoopTool: "search",
	})
	for i := 0; i < 2; i++ {
		b.add(1, agent.SpanID(), "chat gpt-4o", 500*time.Millisecond, map[string]any{
			"gen_ai.operation.name": "chat", "gen_ai.provider.name": "openai", "gen_ai.request.model": "gpt-4o",
			"gen_ai.usage.input_tokens": 100, "gen_ai.usage.output_tokens": 10, contract.AttrCost: 0.015,
		})
	}
	for i := 0; i < 2; i++ {
		b.add(1, agent.SpanID(), "execute_tool search", 100*time.Millisecond, map[string]any{
			"gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": "search", "gen_ai.tool.call.arguments": `{"q":"x"}`,
		})
	}
	bad := b.add(1, agent.SpanID(), "execute_tool search", 300*time.Millisecond, map[string]any{
		"gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": "search", "error.type": "timeout",
	})
	bad.Status().SetCode(ptrace.StatusCodeError)
	consume(t, c, b.td)
	md := flushed(t, c, sink)

	agentDims := map[string]string{contract.AttrAgentName: "planner", attrOperation: "invoke_agent", attrServiceName: "travel"}
	v, n := sumValue(md, contract.MetricAgentInvocations, agentDims)
	assert.Equal(t, 1.0, v)
	assert.Equal(t, 1, n)
	v, _ = sumValue(md, contract.MetricAgentCost, agentDims)
	assert.InDelta(t, 0.03, v, 1e-12)
	h := histPoints(md, contract.MetricAgentDuration, agentDims)
	require.Len(t, h, 1)
	assert.Equal(t, uint64(1), h[0].Count())
	assert.InDelta(t, 2.0, h[0].Sum(), 1e-9)
	assert.Equal(t, 1, h[0].Exemplars().Len(), "agent duration carries an exemplar")

	// Model-call cost is not double counted by the agent.
	v, _ = sumValue(md, contract.MetricCost, nil)
	assert.InDelta(t, 0.03, v, 1e-12)

	v, n = sumValue(md, contract.MetricToolCalls, map[string]string{contract.AttrToolName: "search", attrOperation: "execute_tool"})
	assert.Equal(t, 3.0, v)
	assert.Equal(t, 2, n, "one series without error.type, one with")
	v, _ = sumValue(md, contract.MetricToolCalls, map[string]string{contract.AttrToolName: "search", attrErrorType: "timeout"})
	assert.Equal(t, 1.0, v)
	th := histPoints(md, contract.MetricToolDuration, map[string]string{contract.AttrToolName: "search"})
	var cnt uint64
	var sum float64
	for _, p := range th {
		cnt += p.Count()
		sum += p.Sum()
	}
	assert.Equal(t, uint64(3), cnt)
	assert.InDelta(t, 0.5, sum, 1e-9)

	v, n = sumValue(md, contract.MetricAgentLoops, map[string]string{contract.AttrAgentName: "planner", contract.AttrToolName: "search"})
	assert.Equal(t, 1.0, v)
	assert.Equal(t, 1, n)
	// create_agent is not an invocation.
	c2, sink2 := newTestConnector(t, defaultCfg(), newFakeClock())
	b2 := newSpanBuilder("travel")
	b2.add(2, pcommon.SpanID{}, "create_agent planner", time.Second, map[string]any{"gen_ai.operation.name": "create_agent", "gen_ai.agent.name": "planner"})
	consume(t, c2, b2.td)
	_, n = sumValue(flushed(t, c2, sink2), contract.MetricAgentInvocations, nil)
	assert.Zero(t, n)
}

// TestAgentToolMetricsOpenInference: AGENT / TOOL span kinds, agent.name and
// tool.name, a failed tool by status only.
func TestAgentToolMetricsOpenInference(t *testing.T) {
	c, sink := newTestConnector(t, defaultCfg(), newFakeClock())
	b := newSpanBuilder("oi")
	for i := 0; i < 4; i++ {
		agent := b.add(byte(10+i), pcommon.SpanID{}, "Agent", 1500*time.Millisecond, map[string]any{
			"openinference.span.kind": "AGENT", "agent.name": "researcher", contract.AttrRollupCost: 0.25,
		})
		b.add(byte(10+i), agent.SpanID(), "lookup", 200*time.Millisecond, map[string]any{
			"openinference.span.kind": "TOOL", "tool.name": "lookup", "input.value": `{"id":1}`,
		})
		if i == 0 {
			sp := b.add(byte(10+i), agent.SpanID(), "lookup", 50*time.Millisecond, map[string]any{
				"openinference.span.kind": "TOOL", "tool.name": "lookup",
			})
			sp.Status().SetCode(ptrace.StatusCodeError)
		}
	}
	consume(t, c, b.td)
	md := flushed(t, c, sink)
	a := map[string]string{contract.AttrAgentName: "researcher"}
	v, _ := sumValue(md, contract.MetricAgentInvocations, a)
	assert.Equal(t, 4.0, v)
	v, _ = sumValue(md, contract.MetricAgentCost, a)
	assert.InDelta(t, 1.0, v, 1e-12)
	v, _ = sumValue(md, contract.MetricToolCalls, map[string]string{contract.AttrToolName: "lookup"})
	assert.Equal(t, 5.0, v)
	v, _ = sumValue(md, contract.MetricToolCalls, map[string]string{contract.AttrToolName: "lookup", attrErrorType: otherValue})
	assert.Equal(t, 1.0, v, "error status without error.type is _OTHER")
	_, n := sumValue(md, contract.MetricAgentLoops, nil)
	assert.Zero(t, n)
}

// TestAgentToolMetricsVercel: the AI SDK's outer ai.generateText span is the
// agent invocation (named by its functionId) and ai.toolCall spans are tools.
func TestAgentToolMetricsVercel(t *testing.T) {
	c, sink := newTestConnector(t, defaultCfg(), newFakeClock())
	b := newSpanBuilder("web")
	root := b.add(20, pcommon.SpanID{}, "ai.generateText", 3*time.Second, map[string]any{
		"ai.operationId": "ai.generateText", "operation.name": "ai.generateText trip-planner",
		"ai.telemetry.functionId": "trip-planner", "ai.model.id": "gpt-4o-mini", "ai.model.provider": "openai.chat",
		"ai.usage.promptTokens": 300, "ai.usage.completionTokens": 40,
		contract.AttrRollupCost: 0.0012,
	})
	b.add(20, root.SpanID(), "ai.generateText.doGenerate", time.Second, map[string]any{
		"ai.operationId": "ai.generateText.doGenerate", "ai.model.id": "gpt-4o-mini", "ai.model.provider": "openai.chat",
		"gen_ai.request.model": "gpt-4o-mini", "gen_ai.system": "openai.chat",
		"ai.usage.promptTokens": 300, "ai.usage.completionTokens": 40, contract.AttrCost: 0.0012,
	})
	for i := 0; i < 2; i++ {
		b.add(20, root.SpanID(), "ai.toolCall", 400*time.Millisecond, map[string]any{
			"ai.operationId": "ai.toolCall", "operation.name": "ai.toolCall trip-planner",
			"ai.toolCall.name": "searchFlights", "ai.toolCall.id": fmt.Sprintf("call_%d", i), "ai.toolCall.args": `{"from":"OSL"}`,
		})
	}
	consume(t, c, b.td)
	md := flushed(t, c, sink)
	a := map[string]string{contract.AttrAgentName: "trip-planner", attrOperation: "invoke_agent"}
	v, _ := sumValue(md, contract.MetricAgentInvocations, a)
	assert.Equal(t, 1.0, v)
	v, _ = sumValue(md, contract.MetricAgentCost, a)
	assert.InDelta(t, 0.0012, v, 1e-15)
	h := histPoints(md, contract.MetricAgentDuration, a)
	require.Len(t, h, 1)
	assert.InDelta(t, 3.0, h[0].Sum(), 1e-9)
	v, _ = sumValue(md, contract.MetricToolCalls, map[string]string{contract.AttrToolName: "searchFlights"})
	assert.Equal(t, 2.0, v)
	// The outer span's aggregate usage is not billed again.
	v, _ = sumValue(md, contract.MetricCost, nil)
	assert.InDelta(t, 0.0012, v, 1e-15)
}

// TestLoopOnRoot: a root span that is not GenAI still yields its loop and
// rollup (user) cost.
func TestLoopOnRoot(t *testing.T) {
	c, sink := newTestConnector(t, defaultCfg(), newFakeClock())
	b := newSpanBuilder("api")
	b.add(30, pcommon.SpanID{}, "GET /plan", time.Second, map[string]any{
		contract.AttrRollupCost: 0.5, contract.AttrRollupLoop: true, contract.AttrRollupLoopTool: "fetch", "user.id": "alice",
	})
	b.add(31, pcommon.SpanID{}, "GET /health", time.Millisecond, map[string]any{"user.id": "bob"})
	consume(t, c, b.td)
	md := flushed(t, c, sink)
	v, _ := sumValue(md, contract.MetricAgentLoops, map[string]string{contract.AttrAgentName: otherValue, contract.AttrToolName: "fetch"})
	assert.Equal(t, 1.0, v)
	pts := gaugePoints(md, contract.MetricUserCostTop, nil)
	require.Len(t, pts, 1)
	assert.InDelta(t, 0.5, pts[0].DoubleValue(), 1e-12)
}

// TestUserCost: per-user cost from priced calls and from roots, never
// double counted, ids hashed with the salt.
func TestUserCost(t *testing.T) {
	cfg := defaultCfg()
	cfg.Users.Salt = "s3cret"
	c, sink := newTestConnector(t, cfg, newFakeClock())
	b := newSpanBuilder("app")
	chat := func(tid byte, parent pcommon.SpanID, cost float64, attrs map[string]any) {
		a := map[string]any{"gen_ai.operation.name": "chat", "gen_ai.provider.name": "openai", "gen_ai.request.model": "gpt-4o",
			"gen_ai.usage.input_tokens": 10, contract.AttrCost: cost}
		for k, v := range attrs {
			a[k] = v
		}
		b.add(tid, parent, "chat", time.Second, a)
	}
	// Trace 1 (OpenLLMetry style): the user on every span; the root's
	// rollup adds nothing more.
	r1 := b.add(40, pcommon.SpanID{}, "workflow", time.Second, map[string]any{
		"traceloop.association.properties.user_id": "u-everywhere", contract.AttrRollupCost: 0.3})
	chat(40, r1.SpanID(), 0.1, map[string]any{"traceloop.association.properties.user_id": "u-everywhere"})
	chat(40, r1.SpanID(), 0.2, map[string]any{"traceloop.association.properties.user_id": "u-everywhere"})
	// Trace 2 (Langfuse/MLflow style): the user only on the root.
	r2 := b.add(41, pcommon.SpanID{}, "request", time.Second, map[string]any{"langfuse.user.id": "u-root", contract.AttrRollupCost: 0.7})
	chat(41, r2.SpanID(), 0.7, nil)
	// Trace 3: the OpenAI user parameter on the call, Vercel metadata, enduser.id.
	chat(42, pcommon.SpanID{1}, 0.05, map[string]any{"gen_ai.request.user": "u-param"})
	chat(43, pcommon.SpanID{1}, 0.04, map[string]any{"ai.telemetry.metadata.userId": "u-vercel"})
	chat(44, pcommon.SpanID{1}, 0.03, map[string]any{"enduser.id": "u-enduser"})
	// OpenInference JSON-quoted user.id wins over llm.user (priority).
	chat(45, pcommon.SpanID{1}, 0.02, map[string]any{"user.id": `"u-oi"`, "llm.user": "u-low"})
	// Trace 4: the user on one call and on the root, the root last: the
	// root adds the call without a user (0.25), nothing twice.
	r4 := pcommon.SpanID{0xAA, 1}
	chat(47, r4, 0.05, map[string]any{"user.id": "u-mixed"})
	chat(47, r4, 0.25, nil)
	root4 := b.add(47, pcommon.SpanID{}, "POST /ask", time.Second, map[string]any{"user.id": "u-mixed", contract.AttrRollupCost: 0.3})
	root4.SetSpanID(r4)
	// An agent span with a user and a rollup is not a root: not counted.
	b.add(46, pcommon.SpanID{9}, "invoke_agent", time.Second, map[string]any{
		"gen_ai.operation.name": "invoke_agent", "user.id": "u-agent", contract.AttrRollupCost: 9.0})
	consume(t, c, b.td)
	md := flushed(t, c, sink)

	got := map[string]float64{}
	for _, p := range gaugePoints(md, contract.MetricUserCostTop, nil) {
		l, ok := p.Attributes().Get(contract.AttrUserHash)
		require.True(t, ok)
		assert.Equal(t, 1, p.Attributes().Len())
		got[l.Str()] = p.DoubleValue()
	}
	want := map[string]float64{"u-everywhere": 0.3, "u-root": 0.7, "u-param": 0.05, "u-vercel": 0.04, "u-enduser": 0.03, "u-oi": 0.02, "u-mixed": 0.3}
	require.Len(t, got, len(want))
	for id, usd := range want {
		label := c.users.label(id)
		assert.NotEqual(t, id, label)
		assert.NotContains(t, label, id)
		assert.InDelta(t, usd, got[label], 1e-12, id)
	}
	// The salt changes the labels.
	other := newUserTop(10, "another")
	assert.NotEqual(t, c.users.label("u-root"), other.label("u-root"))
	assert.Equal(t, c.users.label("u-root"), newUserTop(10, "s3cret").label("u-root"), "stable for a given salt")
	m := findMetric(md, contract.MetricUserCostTop)
	require.Len(t, m, 1)
	assert.Equal(t, "usd", m[0].Unit())
}

// TestUserTopBounded: 100k distinct users never make more than top_k
// points; heavy hitters are found; raw ids never appear.
func TestUserTopBounded(t *testing.T) {
	cfg := defaultCfg()
	cfg.Users.TopK = 10
	cfg.Drift.Enabled, cfg.Regression.Enabled = false, false
	c, sink := newTestConnector(t, cfg, newFakeClock())
	const users = 100000
	heavy := []string{"whale-0", "whale-1", "whale-2", "whale-3", "whale-4"}
	for batch := 0; batch < 10; batch++ {
		b := newSpanBuilder("app")
		for i := 0; i < users/10; i++ {
			u := fmt.Sprintf("user-%d", batch*users/10+i)
			b.add(byte(i), pcommon.SpanID{1}, "chat", time.Second, map[string]any{
				"gen_ai.operation.name": "chat", "gen_ai.request.model": "m", "gen_ai.usage.input_tokens": 1,
				contract.AttrCost: 0.001, "user.id": u})
			if i%100 == 0 {
				for j, h := range heavy {
					b.add(byte(i), pcommon.SpanID{1}, "chat", time.Second, map[string]any{
						"gen_ai.operation.name": "chat", "gen_ai.request.model": "m", "gen_ai.usage.input_tokens": 1,
						contract.AttrCost: 0.05 * float64(j+1), "user.id": h})
				}
			}
		}
		consume(t, c, b.td)
		md := flushed(t, c, sink)
		pts := gaugePoints(md, contract.MetricUserCostTop, nil)
		assert.LessOrEqual(t, len(pts), cfg.Users.TopK)
	}
	assert.LessOrEqual(t, len(c.users.idx), cfg.Users.TopK)
	md := flushed(t, c, sink)
	labels := map[string]float64{}
	for _, p := range gaugePoints(md, contract.MetricUserCostTop, nil) {
		l, _ := p.Attributes().Get(contract.AttrUserHash)
		assert.False(t, strings.HasPrefix(l.Str(), "user-") || strings.HasPrefix(l.Str(), "whale-"), "raw id emitted")
		labels[l.Str()] = p.DoubleValue()
	}
	require.Len(t, labels, cfg.Users.TopK)
	// Each whale spent 1000 calls × 0.05·(j+1); the estimate is an upper
	// bound within the Space-Saving error (total / K).
	total := users*0.001 + 1000*0.05*15
	for j, h := range heavy {
		est, ok := labels[c.users.label(h)]
		require.True(t, ok, "%s not in the top K", h)
		truth := 1000 * 0.05 * float64(j+1)
		assert.GreaterOrEqual(t, est, truth-1e-9)
		assert.LessOrEqual(t, est, truth+total/float64(cfg.Users.TopK))
	}
}

func TestUsersDisabled(t *testing.T) {
	cfg := defaultCfg()
	cfg.Users.Enabled = false
	c, sink := newTestConnector(t, cfg, newFakeClock())
	b := newSpanBuilder("app")
	b.add(1, pcommon.SpanID{}, "chat", time.Second, map[string]any{"gen_ai.operation.name": "chat", "gen_ai.request.model": "m",
		"gen_ai.usage.input_tokens": 1, contract.AttrCost: 0.5, "user.id": "u"})
	consume(t, c, b.td)
	assert.Empty(t, gaugePoints(flushed(t, c, sink), contract.MetricUserCostTop, nil))
}

func TestValidateUsers(t *testing.T) {
	cfg := defaultCfg()
	cfg.Users.TopK = maxTopK + 1
	cfg.Users.Attributes = []string{"user.id", ""}
	err := cfg.Validate()
	require.Error(t, err)
	assert.Contains(t, err.Error(), "users.top_k")
	assert.Contains(t, err.Error(), "users.attributes[1]")
	cfg.Users.Attributes = nil
	assert.Contains(t, cfg.Validate().Error(), "users.attributes")
	cfg.Users.Enabled = false
	require.NoError(t, cfg.Validate())
}

// TestAgentCardinality: agent names past max_cardinality go to the overflow
// series, and the invocation count stays exact.
func TestAgentCardinality(t *testing.T) {
	cfg := defaultCfg()
	cfg.MaxCardinality = 5
	c, sink := newTestConnector(t, cfg, newFakeClock())
	b := newSpanBuilder("svc")
	for i := 0; i < 50; i++ {
		b.add(byte(i), pcommon.SpanID{}, "invoke_agent", time.Second, map[string]any{
			"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": fmt.Sprintf("agent-%d", i)})
	}
	consume(t, c, b.td)
	md := flushed(t, c, sink)
	v, n := sumValue(md, contract.MetricAgentInvocations, nil)
	assert.Equal(t, 50.0, v)
	assert.Equal(t, 6, n)
	v, _ = sumValue(md, contract.MetricAgentInvocations, map[string]string{contract.AttrMetricOverflow: "true"})
	assert.Equal(t, 45.0, v)
}

func BenchmarkAgentToolPath(b *testing.B) {
	cfg := defaultCfg()
	cfg.Drift.Enabled, cfg.Regression.Enabled = false, false
	clk := newFakeClock()
	c, _ := newTestConnector(b, cfg, clk)
	sb := newSpanBuilder("bench")
	for i := 0; i < 20; i++ {
		agent := sb.add(byte(i), pcommon.SpanID{}, "invoke_agent planner", 2*time.Second, map[string]any{
			"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "planner", "user.id": fmt.Sprintf("u%d", i%7),
			contract.AttrRollupCost: 0.03, contract.AttrRollupModelCalls: 2, contract.AttrRollupLoop: i%5 == 0, contract.AttrRollupLoopTool: "search",
		})
		for j := 0; j < 2; j++ {
			sb.add(byte(i), agent.SpanID(), "chat gpt-4o", time.Second, map[string]any{
				"gen_ai.operation.name": "chat", "gen_ai.provider.name": "openai", "gen_ai.request.model": "gpt-4o",
				"gen_ai.usage.input_tokens": 100, "gen_ai.usage.output_tokens": 10, contract.AttrCost: 0.015, "user.id": fmt.Sprintf("u%d", i%7),
			})
			sb.add(byte(i), agent.SpanID(), "execute_tool search", 100*time.Millisecond, map[string]any{
				"gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": "search", "gen_ai.tool.call.arguments": `{"q":"x"}`,
			})
		}
	}
	td, n := sb.td, sb.td.SpanCount()
	var seq uint64
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	spans := 0
	cpu0 := testutil.CPUTime()
	for b.Loop() {
		renumber(td, &seq)
		if err := c.ConsumeTraces(ctx, td); err != nil {
			b.Fatal(err)
		}
		spans += n
	}
	b.StopTimer()
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(spans), "ns/span")
	b.ReportMetric(float64(testutil.CPUTime()-cpu0)/float64(spans), "cpu-ns/span")
}

func BenchmarkUserTopAdd(b *testing.B) {
	t := newUserTop(10, "salt")
	ids := make([]string, 1<<16)
	for i := range ids {
		ids[i] = fmt.Sprintf("user-%d", i)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		// 1 in 8 updates to a new user (a replacement), the rest to a few heavy users.
		if i%8 == 0 {
			t.add(ids[i%len(ids)], 0.001)
		} else {
			t.add(ids[i%4], 0.01)
		}
		i++
	}
}

// TestUserTopDelta: with delta temporality the top users restart at each
// flush.
func TestUserTopDelta(t *testing.T) {
	cfg := defaultCfg()
	cfg.AggregationTemporality = temporalityDelta
	c, sink := newTestConnector(t, cfg, newFakeClock())
	b := newSpanBuilder("app")
	b.add(1, pcommon.SpanID{1}, "chat", time.Second, map[string]any{"gen_ai.operation.name": "chat", "gen_ai.request.model": "m",
		"gen_ai.usage.input_tokens": 1, contract.AttrCost: 0.5, "user.id": "u"})
	consume(t, c, b.td)
	pts := gaugePoints(flushed(t, c, sink), contract.MetricUserCostTop, nil)
	require.Len(t, pts, 1)
	assert.InDelta(t, 0.5, pts[0].DoubleValue(), 1e-12)
	assert.Empty(t, gaugePoints(flushed(t, c, sink), contract.MetricUserCostTop, nil))
}
