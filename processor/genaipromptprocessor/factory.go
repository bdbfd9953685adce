package genaipromptprocessor

import (
	"context"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/processor"
	"go.opentelemetry.io/collector/processor/processorhelper"

	"github.com/periscope-otel/periscope/internal/handoff"
	"github.com/periscope-otel/periscope/processor/genaipromptprocessor/internal/metadata"
)

var processorCapabilities = consumer.Capabilities{MutatesData: true}

// NewFactory returns the factory of the genai_prompt processor.
func NewFactory() processor.Factory {
	return processor.NewFactory(
		metadata.Type,
		createDefaultConfig,
		processor.WithTraces(createTraces, metadata.TracesStability),
		processor.WithLogs(createLogs, metadata.LogsStability),
	)
}

func createDefaultConfig() component.Config {
	return &Config{
		MaxContentBytes:  0,
		MaxTemplateBytes: 16 << 10,
		PersistInterval:  30 * time.Second,
		Inference: InferenceConfig{
			Enabled:       true,
			MaxTemplates:  10000,
			MaxStateBytes: 64 << 20,
			MaxVersions:   50000,
			NameFrom:      []string{"agent", "workflow", "service_operation"},
		},
	}
}

func createTraces(ctx context.Context, set processor.Settings, cfg component.Config, next consumer.Traces) (processor.Traces, error) {
	p, err := newPromptProcessor(set, cfg.(*Config), "traces")
	if err != nil {
		return nil, err
	}
	tp, err := processorhelper.NewTraces(ctx, set, cfg, handoff.Outgoing(next),
		func(ctx context.Context, td ptrace.Traces) (ptrace.Traces, error) {
			return p.processTraces(ctx, td), nil
		},
		processorhelper.WithCapabilities(processorCapabilities),
		processorhelper.WithStart(p.start),
		processorhelper.WithShutdown(p.shutdown))
	if err != nil {
		return nil, err
	}
	// Views genai_normalize decoded come in; ours go on.
	return handoff.Incoming(set.Logger, tp), nil
}

func createLogs(ctx context.Context, set processor.Settings, cfg component.Config, next consumer.Logs) (processor.Logs, error) {
	p, err := newPromptProcessor(set, cfg.(*Config), "logs")
	if err != nil {
		return nil, err
	}
	lp, err := processorhelper.NewLogs(ctx, set, cfg, handoff.OutgoingLogs(next),
		func(ctx context.Context, ld plog.Logs) (plog.Logs, error) { return p.processLogs(ctx, ld), nil },
		processorhelper.WithCapabilities(processorCapabilities),
		processorhelper.WithStart(p.start),
		processorhelper.WithShutdown(p.shutdown))
	if err != nil {
		return nil, err
	}
	// Views genai_normalize decoded come in; ours go on.
	return handoff.IncomingLogs(set.Logger, lp), nil
}
