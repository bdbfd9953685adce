package genainormalizeprocessor

import (
	"context"
	"errors"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/processor"
	"go.opentelemetry.io/otel/metric"
	"go.uber.org/zap"

	"github.com/periscope-otel/periscope/internal/ratelog"

	"github.com/periscope-otel/periscope/processor/genainormalizeprocessor/internal/assembly"
	"github.com/periscope-otel/periscope/processor/genainormalizeprocessor/internal/metadata"
)

// telemetry holds the normalizer's own counters, declared in metadata.yaml.
// Labels are bounded: a dialect, a reason or a problem kind, never a key's
// value.
type telemetry struct {
	processed metric.Int64Counter // by dialect
	skipped   metric.Int64Counter // by reason
	problems  metric.Int64Counter // by kind
}

func newTelemetry(set component.TelemetrySettings) (telemetry, error) {
	tb, err := metadata.NewTelemetryBuilder(set)
	if err != nil {
		return telemetry{}, err
	}
	return telemetry{
		processed: tb.ProcessorGenaiNormalizeSpansProcessed,
		skipped:   tb.ProcessorGenaiNormalizeSpansSkipped,
		problems:  tb.ProcessorGenaiNormalizeReadProblems,
	}, nil
}

// assemblyTelemetry counts what call assembly held and released.
type assemblyTelemetry struct {
	tb                            *metadata.TelemetryBuilder
	released, late, dups, dropped metric.Int64Counter
	log                           *ratelog.Logger
}

func newAssemblyTelemetry(set processor.Settings) (*assemblyTelemetry, error) {
	tb, err := metadata.NewTelemetryBuilder(set.TelemetrySettings)
	if err != nil {
		return nil, err
	}
	return &assemblyTelemetry{
		tb:       tb,
		released: tb.ProcessorGenaiNormalizeCallsReleased,
		late:     tb.ProcessorGenaiNormalizeRecordsLate,
		dups:     tb.ProcessorGenaiNormalizeRecordsDuplicate,
		dropped:  tb.ProcessorGenaiNormalizeRecordsDropped,
		log:      ratelog.New(set.Logger, time.Minute, 5),
	}, nil
}

// register observes what a holds.
func (t *assemblyTelemetry) register(set processor.Settings, a *assembly.Assembler) {
	err := errors.Join(
		t.tb.RegisterProcessorGenaiNormalizeCallsPendingCallback(func(_ context.Context, o metric.Int64Observer) error {
			n, _ := a.Pending()
			o.Observe(int64(n))
			return nil
		}),
		t.tb.RegisterProcessorGenaiNormalizePendingBytesCallback(func(_ context.Context, o metric.Int64Observer) error {
			_, b := a.Pending()
			o.Observe(int64(b))
			return nil
		}))
	if err != nil {
		set.Logger.Warn("genai_normalize: call assembly gauges unavailable", zap.Error(err))
	}
}
