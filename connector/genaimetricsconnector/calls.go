package genaimetricsconnector

import (
	"context"
	"math"
	"strings"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/periscope-otel/periscope/internal/contract"
	"github.com/periscope-otel/periscope/internal/genai"
)

// recordUsage records token usage and cost of a billable call.
func (c *metricsConnector) recordUsage(ctx context.Context, v *genai.View, res *resource, ts pcommon.Timestamp, cost float64, hasCost bool, ex *exemplar) {
	u := v.Usage
	s, a := c.series, c.agg
	if u.Has&genai.HasInput != 0 {
		if u.Input >= 0 {
			s.Histogram(a.TokenUsage, res, ts, float64(u.Input), ex, kv{Key: contract.AttrTokenType, Value: "input"})
		} else {
			c.bad(ctx, "negative_tokens")
		}
	}
	if u.Has&genai.HasOutput != 0 {
		if u.Output >= 0 {
			s.Histogram(a.TokenUsage, res, ts, float64(u.Output), ex, kv{Key: contract.AttrTokenType, Value: "output"})
		} else {
			c.bad(ctx, "negative_tokens")
		}
	}
	for _, t := range [...]struct {
		has  genai.UsageField
		n    int64
		name string
	}{
		{genai.HasInput, u.Input, "input"},
		{genai.HasOutput, u.Output, "output"},
		{genai.HasCacheRead, u.CacheRead, "cache_read"},
		{genai.HasCacheWrite, u.CacheWrite, "cache_write"},
		{genai.HasReasoning, u.Reasoning, "reasoning"},
	} {
		if u.Has&t.has != 0 && t.n > 0 {
			s.Sum(a.UsageTokens, res, ts, float64(t.n), kv{Key: contract.AttrTokenType, Value: t.name})
		}
	}
	if hasCost {
		s.Sum(a.Cost, res, ts, cost)
	}
}

// costOf reads the cost written by genai_cost (or reported by the
// instrumentation).
func (c *metricsConnector) costOf(ctx context.Context, attrs pcommon.Map, v *genai.View) (float64, bool) {
	x, found := attrs.Get(contract.AttrCost)
	return c.costFrom(ctx, x, found, v)
}

// costFrom is costOf with the gen_ai.usage.cost value already looked up.
func (c *metricsConnector) costFrom(ctx context.Context, x pcommon.Value, found bool, v *genai.View) (float64, bool) {
	var cost float64
	var ok bool
	if found {
		switch x.Type() {
		case pcommon.ValueTypeDouble:
			cost, ok = x.Double(), true
		case pcommon.ValueTypeInt:
			cost, ok = float64(x.Int()), true
		}
	}
	if !ok && v.ReportedCost != nil {
		cost, ok = v.ReportedCost.USD, true
	}
	if ok && (math.IsNaN(cost) || math.IsInf(cost, 0) || cost < 0) {
		c.bad(ctx, "invalid_cost")
		return 0, false
	}
	return cost, ok
}

// spanSeconds is the span's duration, or false (counted) when invalid.
func (c *metricsConnector) spanSeconds(ctx context.Context, span ptrace.Span) (float64, bool) {
	start, end := span.StartTimestamp(), span.EndTimestamp()
	if start == 0 || end == 0 || end < start {
		c.bad(ctx, "invalid_duration")
		return 0, false
	}
	return float64(end-start) / 1e9, true
}

// errorTypeOf is the call's error.type: the dialect's, else _OTHER for a
// span with an error status, else empty.
func errorTypeOf(v *genai.View, span ptrace.Span) string {
	if v.ErrorType == "" && span.Status().Code() == ptrace.StatusCodeError {
		return otherValue
	}
	return v.ErrorType
}

// recordLatency records the duration of a billable call and its streaming
// times; it returns the duration in seconds (false if invalid).
func (c *metricsConnector) recordLatency(ctx context.Context, span ptrace.Span, v *genai.View, res *resource, ts pcommon.Timestamp, ex *exemplar) (float64, bool) {
	d, ok := c.spanSeconds(ctx, span)
	if ok {
		if errType := errorTypeOf(v, span); errType != "" {
			c.series.Histogram(c.agg.Duration, res, ts, d, ex, kv{Key: attrErrorType, Value: truncate(errType, c.cfg.MaxDimensionValueLength)})
		} else {
			c.series.Histogram(c.agg.Duration, res, ts, d, ex)
		}
	}
	if v.HasTimeToFirstChunk {
		c.series.Histogram(c.agg.FirstChunk, res, ts, v.TimeToFirstChunk, ex)
	}
	// Reported by the dialect, else derived by the reader for a streamed
	// call: one mean per call (spans carry totals, not each chunk's time).
	// A reported 0 is OpenLIT's placeholder on calls that did not stream.
	if v.HasTimePerOutputChunk {
		switch x := v.TimePerOutputChunk; {
		case x > 0 && !math.IsInf(x, 0):
			c.series.Histogram(c.agg.ChunkTime, res, ts, x, ex)
		case x != 0:
			c.bad(ctx, "invalid_duration")
		}
	}
	return d, ok
}

// isAgentInvocation: semconv invoke_agent and the dialects' equivalents
// (OpenInference/Langfuse/MLflow AGENT, OpenLLMetry agent, Vercel AI SDK
// outer spans), as the reader maps them. create_agent, agent steps and
// workflows are not agent invocations.
func isAgentInvocation(v *genai.View) bool {
	return v.Category == genai.CategoryAgent && v.Operation == "invoke_agent"
}

// agentName is the agent's name, else its workflow name (the Vercel AI SDK
// functionId), else _OTHER.
func agentName(v *genai.View) string {
	switch {
	case v.AgentName != "":
		return v.AgentName
	case v.WorkflowName != "":
		return v.WorkflowName
	}
	return otherValue
}

// recordAgentTool records the agent invocation, tool call and loop metrics
// of a span.
func (c *metricsConnector) recordAgentTool(ctx context.Context, span ptrace.Span, v *genai.View, res *resource, ts pcommon.Timestamp, ex *exemplar) {
	w := &c.w
	s, a := c.series, c.agg
	limit := c.cfg.MaxDimensionValueLength
	switch {
	case isAgentInvocation(v):
		agent := kv{Key: contract.AttrAgentName, Value: truncate(agentName(v), limit)}
		s.Sum(a.AgentInvocations, res, ts, 1, agent)
		if w.hasRollupCost {
			s.Sum(a.AgentCost, res, ts, w.rollupCost, agent)
		}
		if d, ok := c.spanSeconds(ctx, span); ok {
			s.Histogram(a.AgentDuration, res, ts, d, ex, agent)
		}
	case v.Category == genai.CategoryTool:
		name := v.ToolName
		if name == "" {
			name = strings.TrimSpace(strings.TrimPrefix(span.Name(), "execute_tool"))
		}
		if name == "" {
			name = otherValue
		}
		tool := kv{Key: contract.AttrToolName, Value: truncate(name, limit)}
		d, ok := c.spanSeconds(ctx, span)
		if errType := errorTypeOf(v, span); errType != "" {
			e := kv{Key: attrErrorType, Value: truncate(errType, limit)}
			s.Sum(a.ToolCalls, res, ts, 1, tool, e)
			if ok {
				s.Histogram(a.ToolDuration, res, ts, d, ex, tool, e)
			}
		} else {
			s.Sum(a.ToolCalls, res, ts, 1, tool)
			if ok {
				s.Histogram(a.ToolDuration, res, ts, d, ex, tool)
			}
		}
	}
	if w.loop {
		tool := w.loopTool
		if tool == "" {
			tool = otherValue
		}
		s.Sum(a.AgentLoops, res, ts, 1,
			kv{Key: contract.AttrAgentName, Value: truncate(agentName(v), limit)}, kv{Key: contract.AttrToolName, Value: truncate(tool, limit)})
	}
}

// Span flags: the parent's remoteness is known / the parent is remote.
const (
	flagHasIsRemote = 0x100
	flagIsRemote    = 0x200
)

// isLocalRoot: no parent, a remote parent, or (remoteness unknown) a
// SERVER/CONSUMER span.
func isLocalRoot(span ptrace.Span) bool {
	if span.ParentSpanID().IsEmpty() {
		return true
	}
	f := span.Flags()
	if f&flagHasIsRemote != 0 {
		return f&flagIsRemote != 0
	}
	k := span.Kind()
	return k == ptrace.SpanKindServer || k == ptrace.SpanKindConsumer
}

// recordUserCost adds the cost of a span to its user: a model call's own
// cost, or the part of a local root's rollup not yet attributed from the
// calls of its trace (users are often only on the root span; when they are
// on every span, the calls are counted and the root adds nothing more, in
// either arrival order).
func (c *metricsConnector) recordUserCost(span ptrace.Span, isPricedCall bool, callCost float64) {
	w := &c.w
	var owed float64
	switch {
	case isPricedCall:
		owed = c.userCost.addCall(span.TraceID(), callCost)
	case w.hasRollupCost && isLocalRoot(span):
		owed = c.userCost.addRoot(span.TraceID(), w.rollupCost)
	}
	if owed > 1e-12 {
		c.users.add(w.userID, owed)
	}
}

// keyBit is a one-word Bloom filter bit of an attribute key (its length,
// first and last bytes): attribute keys that are not user keys are
// rejected without a string comparison.
func keyBit(k string) uint64 {
	n := len(k)
	if n == 0 {
		return 1
	}
	return 1 << ((uint(n) + uint(k[n-1])*5 + uint(k[0])*3) & 63)
}

func keyRank(keys []string, k string) int {
	for i, x := range keys {
		if x == k {
			return i
		}
	}
	return len(keys)
}

// userIDOf reads a user id; a JSON-quoted string (OpenInference) is
// unquoted.
func userIDOf(v pcommon.Value) string {
	var s string
	switch v.Type() {
	case pcommon.ValueTypeStr:
		s = v.Str()
	case pcommon.ValueTypeInt:
		s = v.AsString()
	default:
		return ""
	}
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		s = s[1 : len(s)-1]
	}
	return strings.TrimSpace(s)
}
