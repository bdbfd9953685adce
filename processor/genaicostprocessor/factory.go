package genaicostprocessor

import (
	"context"
	"errors"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/processor"
	"go.opentelemetry.io/collector/processor/processorhelper"

	"github.com/periscope-otel/periscope/internal/handoff"
	"github.com/periscope-otel/periscope/processor/genaicostprocessor/internal/metadata"
)

// NewFactory returns the genai_cost processor factory.
func NewFactory() processor.Factory {
	return processor.NewFactory(metadata.Type, func() component.Config { return createDefaultConfig() },
		processor.WithTraces(createTraces, metadata.TracesStability),
		processor.WithLogs(createLogs, metadata.LogsStability))
}

var capabilities = consumer.Capabilities{MutatesData: true}

func asConfig(cfg component.Config) (*Config, error) {
	c, ok := cfg.(*Config)
	if !ok {
		return nil, errors.New("genai_cost: unexpected configuration type")
	}
	return c, nil
}

func createTraces(ctx context.Context, set processor.Settings, cfg component.Config, next consumer.Traces) (processor.Traces, error) {
	c, err := asConfig(cfg)
	if err != nil {
		return nil, err
	}
	p, err := newCostProcessor(set, c)
	if err != nil {
		return nil, err
	}
	tp, err := processorhelper.NewTraces(ctx, set, cfg, handoff.Outgoing(next), p.processTraces,
		processorhelper.WithCapabilities(capabilities),
		processorhelper.WithStart(p.start), processorhelper.WithShutdown(p.shutdown))
	if err != nil {
		return nil, err
	}
	// Views genai_normalize decoded come in; ours go on.
	return handoff.Incoming(set.Logger, tp), nil
}

func createLogs(ctx context.Context, set processor.Settings, cfg component.Config, next consumer.Logs) (processor.Logs, error) {
	c, err := asConfig(cfg)
	if err != nil {
		return nil, err
	}
	p, err := newCostProcessor(set, c)
	if err != nil {
		return nil, err
	}
	lp, err := processorhelper.NewLogs(ctx, set, cfg, handoff.OutgoingLogs(next), p.processLogs,
		processorhelper.WithCapabilities(capabilities),
		processorhelper.WithStart(p.start), processorhelper.WithShutdown(p.shutdown))
	if err != nil {
		return nil, err
	}
	// Views genai_normalize decoded come in; ours go on.
	return handoff.IncomingLogs(set.Logger, lp), nil
}
