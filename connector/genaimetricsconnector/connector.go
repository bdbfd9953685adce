package genaimetricsconnector

import (
	"context"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/connector"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

type metricsConnector struct {
	component.StartFunc
	component.ShutdownFunc
}

func newConnector(_ connector.Settings, _ *Config, _ consumer.Metrics) (*metricsConnector, error) {
	return &metricsConnector{}, nil
}

func (c *metricsConnector) Capabilities() consumer.Capabilities {
	return consumer.Capabilities{MutatesData: false}
}

func (c *metricsConnector) ConsumeTraces(context.Context, ptrace.Traces) error { return nil }

func (c *metricsConnector) ConsumeLogs(context.Context, plog.Logs) error { return nil }
