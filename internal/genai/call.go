package genai

import (
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
)

// Call identity keys: written on the span by every instrumentation, and
// copied onto a call's content log records when the call is assembled, so
// that whatever reads the records alone (prompt versioning, evaluation,
// metrics) sees which operation, provider and model the content belongs to.
const (
	KeyOperation     = "gen_ai.operation.name"
	KeyProvider      = "gen_ai.provider.name"
	KeyRequestModel  = "gen_ai.request.model"
	KeyResponseModel = "gen_ai.response.model"
)

// CallIdentity is what a model-call span tells about the call, for joining
// it with the call's content log records.
type CallIdentity struct {
	Operation, Provider, RequestModel, ResponseModel string
	// Failed is set when the call ended in an error: no answer is coming.
	Failed bool
}

// Identity returns the call identity of a view.
func (v *View) Identity() CallIdentity {
	return CallIdentity{Operation: v.Operation, Provider: v.Provider, RequestModel: v.RequestModel,
		ResponseModel: v.ResponseModel, Failed: v.ErrorType != ""}
}

// IsCallRecord reports whether a log record carries part of a model call's
// content (per-message events, the inference details event, the older
// prompt/completion events). Evaluation results are about a call, not of it.
func IsCallRecord(lr plog.LogRecord) bool {
	switch EventName(lr) {
	case EventInferenceDetails, eventContentPrompt, eventContentComplete, eventSystemMessage,
		eventUserMessage, eventAssistantMessage, eventToolMessage, eventChoice:
		return true
	}
	return false
}

// IsCallOutput reports whether a call record carries the call's answer: a
// choice, a completion, or a details event with output messages. The
// records of a call are complete once its answer is there (instrumentations
// emit the request side first).
func IsCallOutput(lr plog.LogRecord) bool {
	switch EventName(lr) {
	case eventChoice, eventContentComplete:
		return true
	case EventInferenceDetails:
		_, ok := lr.Attributes().Get("gen_ai.output.messages")
		return ok
	}
	return false
}

// readIdentity reads the call identity keys present on a per-message event
// record (written there by call assembly, or by instrumentations that put
// them on every event).
func (r *reader) readIdentity(attrs pcommon.Map) {
	for _, k := range [...]string{KeyOperation, KeyProvider, KeyRequestModel, KeyResponseModel} {
		if v, ok := attrs.Get(k); ok {
			r.attr(k, v)
		}
	}
}
