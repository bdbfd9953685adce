package genainormalizeprocessor

import (
	"context"

	"go.opentelemetry.io/collector/processor"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.uber.org/zap"

	"github.com/periscope-otel/periscope/internal/ratelog"
	"github.com/periscope-otel/periscope/processor/genainormalizeprocessor/internal/assembly"
	"github.com/periscope-otel/periscope/processor/genainormalizeprocessor/internal/metadata"
)

// acquireAssembler returns the call assembly of this component id, shared
// with its instance in the other signal's pipeline.
func (p *normalizer) acquireAssembler(set processor.Settings) (*assembly.Assembler, func()) {
	return assemblers.Acquire(set.ID, func() *assembly.Assembler {
		tel, err := newAssemblyTelemetry(set)
		if err != nil {
			set.Logger.Warn("genai_normalize: call assembly telemetry unavailable", zap.Error(err))
		}
		if tel == nil {
			return assembly.New(p.cfg.CallAssembly, nil, nil)
		}
		a := assembly.New(p.cfg.CallAssembly, tel, nil)
		tel.register(set, a)
		return a
	})
}

// assemblyTelemetry counts what call assembly held and released.
type assemblyTelemetry struct {
	released, late, dups, dropped metric.Int64Counter
	log                           *ratelog.Logger
}

func newAssemblyTelemetry(set processor.Settings) (*assemblyTelemetry, error) {
	m := set.MeterProvider.Meter(metadata.ScopeName)
	t := &assemblyTelemetry{log: ratelog.New(set.Logger, 60e9, 5)}
	var err error
	if t.released, err = m.Int64Counter("otelcol_genai_normalize_calls_released",
		metric.WithDescription("Model calls whose held log records were passed on, by reason (complete, timeout, evicted, over_cap, shutdown)"),
		metric.WithUnit("{call}")); err != nil {
		return nil, err
	}
	if t.late, err = m.Int64Counter("otelcol_genai_normalize_records_late",
		metric.WithDescription("Log records of a call already passed on, passed on as they are"), metric.WithUnit("{record}")); err != nil {
		return nil, err
	}
	if t.dups, err = m.Int64Counter("otelcol_genai_normalize_records_duplicate",
		metric.WithDescription("Log records delivered again while their call was held (kept once)"), metric.WithUnit("{record}")); err != nil {
		return nil, err
	}
	if t.dropped, err = m.Int64Counter("otelcol_genai_normalize_records_dropped",
		metric.WithDescription("Held log records the next consumer refused after retries"), metric.WithUnit("{record}")); err != nil {
		return nil, err
	}
	return t, nil
}

func (t *assemblyTelemetry) register(set processor.Settings, a *assembly.Assembler) {
	m := set.MeterProvider.Meter(metadata.ScopeName)
	_, _ = m.Int64ObservableGauge("otelcol_genai_normalize_calls_pending",
		metric.WithDescription("Model calls whose log records are held awaiting their answer or span"), metric.WithUnit("{call}"),
		metric.WithInt64Callback(func(_ context.Context, o metric.Int64Observer) error {
			n, _ := a.Pending()
			o.Observe(int64(n))
			return nil
		}))
	_, _ = m.Int64ObservableGauge("otelcol_genai_normalize_pending_bytes",
		metric.WithDescription("Estimated memory of held log records"), metric.WithUnit("By"),
		metric.WithInt64Callback(func(_ context.Context, o metric.Int64Observer) error {
			_, b := a.Pending()
			o.Observe(int64(b))
			return nil
		}))
}

func (t *assemblyTelemetry) Released(reason string, n int) {
	t.released.Add(context.Background(), int64(n), metric.WithAttributes(attribute.String("reason", reason)))
	if reason == assembly.ReasonEvicted || reason == assembly.ReasonOverCap {
		t.log.Warn("assembly:"+reason, "genai_normalize: model calls released before complete (call_assembly bounds reached); they are judged with what arrived",
			zap.String("reason", reason), zap.Int("calls", n))
	}
}

func (t *assemblyTelemetry) Late(n int) {
	t.late.Add(context.Background(), int64(n))
}

func (t *assemblyTelemetry) Duplicates(n int) {
	t.dups.Add(context.Background(), int64(n))
}

func (t *assemblyTelemetry) EmitFailed(n int) {
	t.dropped.Add(context.Background(), int64(n))
	t.log.Warn("assembly:dropped", "genai_normalize: held log records refused by the next consumer after retries", zap.Int("records", n))
}
