package genaidatasetexporter

import (
	"context"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/exporter"
	"go.opentelemetry.io/collector/exporter/exporterhelper"

	"github.com/periscope-otel/periscope/exporter/genaidatasetexporter/internal/metadata"
	"github.com/periscope-otel/periscope/internal/sharedstate"
)

// NewFactory returns the genai_dataset exporter factory.
func NewFactory() exporter.Factory {
	f := &factory{}
	return exporter.NewFactory(metadata.Type, func() component.Config { return createDefaultConfig() },
		exporter.WithTraces(f.createTraces, metadata.TracesStability),
		exporter.WithLogs(f.createLogs, metadata.LogsStability))
}

// factory holds the state the traces and logs instances of one configured
// exporter share (see shared); it lives as long as the factory.
type factory struct {
	registry sharedstate.Registry[*shared]
}

func (f *factory) acquire(set exporter.Settings, cfg *Config) (*shared, func()) {
	return f.registry.Acquire(set.ID, func() *shared {
		return &shared{writer: newRotatingWriter(cfg), written: newCallSet(cfg.DedupSlots), spans: newSpanNotes(spanNoteSlots)}
	})
}

func (f *factory) wire(sh *shared, e *datasetExporter) {
	sh.writer.mu.Lock()
	sh.writer.onRotate = func() { e.tel.rotated.Add(context.Background(), 1) }
	sh.writer.onDelete = func(n int) { e.tel.deleted.Add(context.Background(), int64(n)) }
	sh.writer.mu.Unlock()
}

func (f *factory) options(e *datasetExporter, release func()) []exporterhelper.Option {
	return []exporterhelper.Option{
		exporterhelper.WithStart(e.start),
		exporterhelper.WithShutdown(func(ctx context.Context) error {
			defer release()
			return e.shutdown(ctx)
		}),
		exporterhelper.WithCapabilities(consumer.Capabilities{MutatesData: false}),
		exporterhelper.WithTimeout(e.cfg.TimeoutConfig),
		exporterhelper.WithRetry(e.cfg.RetryConfig),
		exporterhelper.WithQueue(e.cfg.QueueConfig),
	}
}

func (f *factory) createTraces(ctx context.Context, set exporter.Settings, c component.Config) (exporter.Traces, error) {
	cfg := c.(*Config)
	sh, release := f.acquire(set, cfg)
	e, err := newDatasetExporter(set, cfg, sh, true)
	if err != nil {
		release()
		return nil, err
	}
	f.wire(sh, e)
	return exporterhelper.NewTraces(ctx, set, cfg, e.pushTraces, f.options(e, release)...)
}

func (f *factory) createLogs(ctx context.Context, set exporter.Settings, c component.Config) (exporter.Logs, error) {
	cfg := c.(*Config)
	sh, release := f.acquire(set, cfg)
	e, err := newDatasetExporter(set, cfg, sh, false)
	if err != nil {
		release()
		return nil, err
	}
	f.wire(sh, e)
	return exporterhelper.NewLogs(ctx, set, cfg, e.pushLogs, f.options(e, release)...)
}
