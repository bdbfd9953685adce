package genaijudgeconnector

import (
	"context"
	"errors"

	"go.opentelemetry.io/otel/metric"
	"go.uber.org/zap"

	"github.com/periscope-otel/periscope/connector/genaijudgeconnector/internal/metadata"
)

// initTelemetry builds the connector's instruments, declared in
// metadata.yaml. Labels are bounded: a configured rubric, a verdict, a
// selection or failure reason, never content or a model reply.
func (c *judgeConnector) initTelemetry() error {
	tb, err := metadata.NewTelemetryBuilder(c.set.TelemetrySettings)
	if err != nil {
		return err
	}
	c.tel = tb
	c.queued = tb.ConnectorGenaiJudgeQueued
	c.dropped = tb.ConnectorGenaiJudgeDropped
	c.judged = tb.ConnectorGenaiJudgeJudged
	c.failures = tb.ConnectorGenaiJudgeFailures
	c.costUSD = tb.ConnectorGenaiJudgeCost
	logger, cooldown := c.set.Logger, c.cfg.Breaker.Cooldown
	c.breaker.mu.Lock()
	if c.breaker.onChange == nil {
		c.breaker.onChange = func(s int) {
			if s == circuitOpen {
				logger.Warn("judge circuit opened after consecutive failures", zap.Duration("cooldown", cooldown))
			}
		}
	}
	c.breaker.mu.Unlock()
	err = errors.Join(
		tb.RegisterConnectorGenaiJudgeCircuitStateCallback(func(_ context.Context, o metric.Int64Observer) error {
			o.Observe(int64(c.breaker.current()))
			return nil
		}),
		tb.RegisterConnectorGenaiJudgeQueueSizeCallback(func(_ context.Context, o metric.Int64Observer) error {
			o.Observe(int64(c.q.len()))
			return nil
		}))
	if err != nil {
		tb.Shutdown()
	}
	return err
}
