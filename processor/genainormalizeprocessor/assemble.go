package genainormalizeprocessor

import (
	"context"

	"go.opentelemetry.io/collector/processor"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.uber.org/zap"

	"github.com/periscope-otel/periscope/processor/genainormalizeprocessor/internal/assembly"
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
