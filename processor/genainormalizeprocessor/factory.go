package genainormalizeprocessor

import (
	"context"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/processor"
	"go.opentelemetry.io/collector/processor/processorhelper"

	"github.com/periscope-otel/periscope/internal/handoff"
	"github.com/periscope-otel/periscope/internal/sharedstate"
	"github.com/periscope-otel/periscope/processor/genainormalizeprocessor/internal/assembly"

	"github.com/periscope-otel/periscope/processor/genainormalizeprocessor/internal/metadata"
)

var capabilities = consumer.Capabilities{MutatesData: true}

// NewFactory returns the genai_normalize processor factory.
func NewFactory() processor.Factory {
	return processor.NewFactory(metadata.Type,
		func() component.Config { return createDefaultConfig() },
		processor.WithTraces(createTraces, metadata.TracesStability),
		processor.WithLogs(createLogs, metadata.LogsStability))
}

// assemblers is the call assembly shared by the traces and logs instances
// of one configured genai_normalize: spans feed it, log records wait in it.
var assemblers sharedstate.Registry[*assembly.Assembler]

func createTraces(ctx context.Context, set processor.Settings, cfg component.Config, next consumer.Traces) (processor.Traces, error) {
	p, err := newNormalizer(set, cfg.(*Config), false)
	if err != nil {
		return nil, err
	}
	asm, release := p.acquireAssembler(set)
	asm.ExpectSpans()
	p.asm = asm
	tp, err := processorhelper.NewTraces(ctx, set, cfg, handoff.Outgoing(next), p.processTraces,
		processorhelper.WithCapabilities(capabilities),
		processorhelper.WithShutdown(func(context.Context) error { release(); return nil }))
	if err != nil {
		return nil, err
	}
	// The views read here go on to genai_cost, genai_prompt and genai_eval
	// later in the pipeline.
	return handoff.Scope(tp), nil
}

func createLogs(ctx context.Context, set processor.Settings, cfg component.Config, next consumer.Logs) (processor.Logs, error) {
	p, err := newNormalizer(set, cfg.(*Config), true)
	if err != nil {
		return nil, err
	}
	asm, release := p.acquireAssembler(set)
	p.asm = asm
	// The views read here go on to the Periscope processors after this one,
	// for calls passed on at once and for calls released later alike.
	out := handoff.OutgoingLogs(next)
	lp, err := processorhelper.NewLogs(ctx, set, cfg, out, p.processLogs,
		processorhelper.WithCapabilities(capabilities),
		processorhelper.WithStart(func(context.Context, component.Host) error {
			if p.cfg.CallAssembly.Enabled {
				asm.Start(func(ctx context.Context, ld plog.Logs, released assembly.Released) error {
					ctx, views := handoff.OpenLogs(ctx, ld)
					defer views.Close()
					p.normalizeLogs(ctx, ld, released)
					return out.ConsumeLogs(ctx, ld)
				})
			}
			return nil
		}),
		processorhelper.WithShutdown(func(ctx context.Context) error {
			// Downstream components are still running: what is held is
			// passed on, not dropped.
			asm.Shutdown(ctx)
			release()
			return nil
		}))
	if err != nil {
		return nil, err
	}
	return handoff.ScopeLogs(lp), nil
}
