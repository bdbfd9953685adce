package genaievalprocessor

import (
	"go.opentelemetry.io/collector/component"

	"github.com/periscope-otel/periscope/processor/genaievalprocessor/internal/metadata"
)

// initTelemetry builds the processor's counters, declared in metadata.yaml.
// Labels are bounded: an evaluator name, a label, a skip reason or a
// redaction type, never content.
func (p *evalProcessor) initTelemetry(set component.TelemetrySettings) error {
	tb, err := metadata.NewTelemetryBuilder(set)
	if err != nil {
		return err
	}
	p.processed = tb.ProcessorGenaiEvalSpansProcessed
	p.skipped = tb.ProcessorGenaiEvalSpansSkipped
	p.evals = tb.ProcessorGenaiEvalEvaluations
	p.failures = tb.ProcessorGenaiEvalEvaluationFailures
	p.errors = tb.ProcessorGenaiEvalEvaluatorErrors
	p.redacted = tb.ProcessorGenaiEvalRedactions
	return nil
}
