package genaimetricsconnector

import (
	"context"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"

	"github.com/periscope-otel/periscope/connector/genaimetricsconnector/internal/metadata"
	"github.com/periscope-otel/periscope/internal/contract"
	"github.com/periscope-otel/periscope/internal/metrics"
)

// flush closes drift windows that ended, builds the metrics and sends them.
func (c *metricsConnector) flush(ctx context.Context) error {
	md, persist := c.collect(ctx)
	if persist {
		c.persist(ctx)
	}
	if md.DataPointCount() == 0 {
		return nil
	}
	return c.next.ConsumeMetrics(ctx, md)
}

// collect builds the metrics of the interval; it reports whether a drift
// window closed (the state to persist changed).
func (c *metricsConnector) collect(ctx context.Context) (pmetric.Metrics, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	nowT := c.now()
	now := pcommon.NewTimestampFromTime(nowT)
	closed := false
	if c.rec != nil {
		closed = c.rec.advance(nowT)
	}
	delta := c.cfg.AggregationTemporality == temporalityDelta
	out := metrics.NewOutput(metadata.ScopeName, c.set.BuildInfo.Version, delta)
	c.agg.Emit(out, now, c.lastFlush, delta)
	if delta {
		clear(c.resources)
	}
	if c.rec != nil {
		c.rec.emit(ctx, out, now)
	}
	if c.users != nil {
		c.emitUsers(out, now)
		if delta {
			c.users.reset()
		}
	}
	c.lastFlush = now
	return out.Metrics(), closed && c.store != nil
}

// emitUsers emits the top-K users by cost, labelled by their hashed id,
// on a resource of their own (a user spans services).
func (c *metricsConnector) emitUsers(out *metrics.Output, now pcommon.Timestamp) {
	if len(c.users.heap) == 0 {
		return
	}
	g := out.Gauge(c.agg.OverflowRes, contract.MetricUserCostTop,
		"Cost of the top users by cost (Space-Saving estimate, an upper bound), by salted hash of the user id.", "usd")
	for _, e := range c.users.heap {
		dp := g.DataPoints().AppendEmpty()
		dp.SetTimestamp(now)
		dp.Attributes().PutStr(contract.AttrUserHash, e.label)
		dp.SetDoubleValue(e.count)
	}
}
