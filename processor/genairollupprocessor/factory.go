package genairollupprocessor

import (
	"context"
	"errors"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/processor"
	"go.opentelemetry.io/collector/processor/processorhelper"

	"github.com/periscope-otel/periscope/internal/handoff"
	"github.com/periscope-otel/periscope/processor/genairollupprocessor/internal/metadata"
)

// NewFactory returns the genai_rollup processor factory.
func NewFactory() processor.Factory {
	return processor.NewFactory(metadata.Type, func() component.Config { return createDefaultConfig() },
		processor.WithTraces(createTraces, metadata.TracesStability))
}

var capabilities = consumer.Capabilities{MutatesData: true}

func createTraces(ctx context.Context, set processor.Settings, cfg component.Config, next consumer.Traces) (processor.Traces, error) {
	c, ok := cfg.(*Config)
	if !ok {
		return nil, errors.New("genai_rollup: unexpected configuration type")
	}
	p, err := newRollupProcessor(set, c)
	if err != nil {
		return nil, err
	}
	tp, err := processorhelper.NewTraces(ctx, set, cfg, handoff.Outgoing(next), p.processTraces,
		processorhelper.WithCapabilities(capabilities),
		processorhelper.WithShutdown(p.shutdown))
	if err != nil {
		return nil, err
	}
	// Views genai_normalize decoded come in (genai_eval's writes are nothing
	// a reader reads back); ours go on.
	return handoff.Incoming(set.Logger, tp), nil
}
