package genai

import (
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// ReadSpan reads one span (its attributes, and span events for dialects that
// carry content in events). res is the span's resource (used for dialect
// hints such as telemetry.sdk.name); it may be an empty pcommon.NewResource().
func ReadSpan(span ptrace.Span, res pcommon.Resource, opts Options) View {
	return View{}
}

// LogGroup is the GenAI event records of one span found in a plog.Logs batch.
type LogGroup struct {
	TraceID  pcommon.TraceID
	SpanID   pcommon.SpanID
	Resource pcommon.Resource
	Records  []plog.LogRecord
}

// GroupLogRecords returns the GenAI event records of ld grouped by the span
// they belong to (trace id + span id), in first-seen order. Records that are
// not GenAI events are not returned.
func GroupLogRecords(ld plog.Logs) []LogGroup {
	return nil
}

// ReadLogRecords reads the GenAI event records of one span (per-message
// events, gen_ai.client.inference.operation.details) into one View.
func ReadLogRecords(records []plog.LogRecord, res pcommon.Resource, opts Options) View {
	return View{}
}

// EventName returns the GenAI event name of a log record (EventName, or the
// older event.name attribute), or "" when it is not a GenAI event.
func EventName(lr plog.LogRecord) string {
	return ""
}
