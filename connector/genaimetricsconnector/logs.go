package genaimetricsconnector

import (
	"context"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/periscope-otel/periscope/internal/componentkit"
	"github.com/periscope-otel/periscope/internal/genai"
)

// ConsumeLogs aggregates evaluation results and usage carried by GenAI log
// records.
func (c *metricsConnector) ConsumeLogs(ctx context.Context, ld plog.Logs) error {
	groups := genai.GroupLogRecords(ld)
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	var processed int64
	var skips componentkit.Skips
	v := viewPool.Get().(*genai.View) // as in processSpan
	defer func() {
		*v = genai.View{}
		viewPool.Put(v)
	}()
	for _, g := range groups {
		opts := c.meta
		if c.contentSampled(g.TraceID) {
			opts = c.opts
		}
		if !c.guard.Run("log records", func() { *v = genai.ReadLogRecords(g.Records, g.Resource, opts) }) {
			skips.AddN(componentkit.SkipInternalError, int64(len(g.Records)))
			continue
		}
		if !v.Billable() || !v.Usage.Any() {
			continue
		}
		processed += int64(len(g.Records))
		c.logUsageSeen = true
		if !c.dedup.add(g.SpanID) {
			continue // already counted from the span
		}
		c.recordLogCall(ctx, g, v, opts.Content, now)
	}
	// Evaluation records last: they inherit the dimensions of a call read
	// above or recently from its span.
	var res *resource
	var lastRL plog.ResourceLogs
	for r := range componentkit.LogRecords(ld) {
		if r.RL != lastRL || res == nil {
			lastRL, res = r.RL, c.resourceFor(r.RL.Resource())
		}
		if !isEvalRecord(r.Record) || !r.Selected(ctx, c.logSel) {
			continue
		}
		c.processEvalRecord(ctx, r, res, now)
		processed++
	}
	if processed > 0 {
		c.tel.records.Add(ctx, processed)
	}
	skips.Flush(ctx, c.tel.skipped)
	c.reportOverflow(ctx)
	return nil
}

// recordLogCall records the usage of a call read from its log records.
func (c *metricsConnector) recordLogCall(ctx context.Context, g genai.LogGroup, v *genai.View, content bool, now time.Time) {
	c.buildDims(v, attrSource{record: g.Records[0].Attributes(), resource: g.Resource.Attributes()})
	c.rememberDims(g.SpanID)
	res := c.resourceFor(g.Resource)
	ts := g.Records[0].Timestamp()
	if ts == 0 {
		ts = pcommon.NewTimestampFromTime(now)
	}
	var cost float64
	var hasCost bool
	for _, r := range g.Records {
		if cost, hasCost = c.costOf(ctx, r.Attributes(), v); hasCost {
			break
		}
	}
	c.recordUsage(ctx, v, res, ts, cost, hasCost, &exemplar{TS: ts, TraceID: g.TraceID, SpanID: g.SpanID})
	if c.rec != nil {
		c.w.call = callObs{view: v, fresh: true, cost: cost, hasCost: hasCost, content: content}
		c.rec.observe(&c.w.call, c.series.Dims, now)
	}
}

func (c *metricsConnector) processEvalRecord(ctx context.Context, r componentkit.LogRef, res *resource, now time.Time) {
	lr := r.Record
	e, ok := c.evalFromAttrs(ctx, lr.Attributes())
	if !ok {
		return
	}
	c.evalLogsSeen = true
	if !c.recallDims(lr.SpanID()) {
		var v genai.View
		c.buildDims(&v, attrSource{record: lr.Attributes(), resource: r.RL.Resource().Attributes(), scope: r.SL.Scope().Attributes()})
	}
	ts := lr.Timestamp()
	if ts == 0 {
		ts = lr.ObservedTimestamp()
	}
	if ts == 0 {
		ts = pcommon.NewTimestampFromTime(now)
	}
	c.w.evals = append(c.w.evals[:0], e)
	evals := c.w.evals
	c.recordEvals(evals, res, ts, &exemplar{TS: ts, TraceID: lr.TraceID(), SpanID: lr.SpanID()})
	c.recordAgreement(lr.Attributes(), e.Name, res, ts)
	if c.rec != nil {
		c.w.call = callObs{evals: evals}
		c.rec.observe(&c.w.call, c.series.Dims, now)
	}
}
