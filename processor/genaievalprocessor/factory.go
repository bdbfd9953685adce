package genaievalprocessor

import (
	"context"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/processor"
	"go.opentelemetry.io/collector/processor/processorhelper"

	"github.com/periscope-otel/periscope/internal/handoff"
	"github.com/periscope-otel/periscope/processor/genaievalprocessor/internal/metadata"
)

var capabilities = consumer.Capabilities{MutatesData: true}

// NewFactory returns the genai_eval processor factory.
func NewFactory() processor.Factory {
	return processor.NewFactory(metadata.Type, createDefaultConfig,
		processor.WithTraces(createTraces, metadata.TracesStability),
		processor.WithLogs(createLogs, metadata.LogsStability))
}

func createTraces(ctx context.Context, set processor.Settings, cfg component.Config, next consumer.Traces) (processor.Traces, error) {
	p, err := newEvalProcessor(set, cfg.(*Config), true)
	if err != nil {
		return nil, err
	}
	var release func()
	p.judged, release = judgedRegistry.Acquire(set.ID, func() *judgedCalls { return newJudgedCalls(judgedSlots) })
	tp, err := processorhelper.NewTraces(ctx, set, cfg, handoff.Outgoing(next), p.processTraces,
		processorhelper.WithCapabilities(capabilities),
		processorhelper.WithStart(p.start), processorhelper.WithShutdown(func(ctx context.Context) error {
			release()
			return p.shutdown(ctx)
		}))
	if err != nil {
		return nil, err
	}
	// Views genai_normalize decoded come in; ours go on.
	return handoff.Incoming(set.Logger, tp), nil
}

func createLogs(ctx context.Context, set processor.Settings, cfg component.Config, next consumer.Logs) (processor.Logs, error) {
	p, err := newEvalProcessor(set, cfg.(*Config), false)
	if err != nil {
		return nil, err
	}
	var release func()
	p.judged, release = judgedRegistry.Acquire(set.ID, func() *judgedCalls { return newJudgedCalls(judgedSlots) })
	p.judged.withLogs()
	lp, err := processorhelper.NewLogs(ctx, set, cfg, handoff.OutgoingLogs(next), p.processLogs,
		processorhelper.WithCapabilities(capabilities),
		processorhelper.WithStart(p.start), processorhelper.WithShutdown(func(ctx context.Context) error {
			release()
			return p.shutdown(ctx)
		}))
	if err != nil {
		return nil, err
	}
	// Views genai_normalize decoded come in; ours go on.
	return handoff.IncomingLogs(set.Logger, lp), nil
}
