package genai

import (
	"strings"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
)

// LogGroup is the GenAI event records of one span found in a plog.Logs batch.
type LogGroup struct {
	TraceID  pcommon.TraceID
	SpanID   pcommon.SpanID
	Resource pcommon.Resource
	Records  []plog.LogRecord
}

// EventName returns the GenAI event name of a log record (EventName, or the
// older event.name attribute), or "" when it is not a GenAI event.
func EventName(lr plog.LogRecord) string {
	name := lr.EventName()
	if name == "" {
		if v, ok := lr.Attributes().Get("event.name"); ok && v.Type() == pcommon.ValueTypeStr {
			name = v.Str()
		}
	}
	if strings.HasPrefix(name, "gen_ai.") {
		return name
	}
	return ""
}

type spanKey struct {
	trace pcommon.TraceID
	span  pcommon.SpanID
}

// GroupLogRecords returns the GenAI event records of ld grouped by the span
// they belong to (trace id + span id), in first-seen order. Records that are
// not GenAI events are not returned; records without a span id form groups
// of their own. Evaluation results (gen_ai.evaluation.result) are not part
// of a call's content and are left out.
func GroupLogRecords(ld plog.Logs) []LogGroup {
	var groups []LogGroup
	var index map[spanKey]int
	rls := ld.ResourceLogs()
	for i := 0; i < rls.Len(); i++ {
		rl := rls.At(i)
		sls := rl.ScopeLogs()
		for j := 0; j < sls.Len(); j++ {
			lrs := sls.At(j).LogRecords()
			for k := 0; k < lrs.Len(); k++ {
				lr := lrs.At(k)
				name := EventName(lr)
				if name == "" || name == EventEvaluationResult {
					continue
				}
				key := spanKey{lr.TraceID(), lr.SpanID()}
				if key.span.IsEmpty() {
					groups = append(groups, LogGroup{TraceID: key.trace, Resource: rl.Resource(), Records: []plog.LogRecord{lr}})
					continue
				}
				if index == nil {
					index = make(map[spanKey]int)
				}
				if gi, ok := index[key]; ok {
					groups[gi].Records = append(groups[gi].Records, lr)
					continue
				}
				index[key] = len(groups)
				groups = append(groups, LogGroup{TraceID: key.trace, SpanID: key.span, Resource: rl.Resource(), Records: []plog.LogRecord{lr}})
			}
		}
	}
	return groups
}

// ReadsWrittenPrompt reports whether ReadLogRecords over records reads back
// a prompt identity written on them: it reads every attribute of the
// details event only (message events give it content, operation, provider
// and models).
func ReadsWrittenPrompt(records []plog.LogRecord) bool {
	for _, lr := range records {
		if EventName(lr) == EventInferenceDetails {
			return true
		}
	}
	return false
}

// ReadLogRecords reads the GenAI event records of one span (per-message
// events, gen_ai.client.inference.operation.details) into one View. A group
// of content-only records (no model, operation or usage: the official JS
// and legacy Python instrumentations put those on the span) is categorised
// CategoryOther, so it is never billed.
func ReadLogRecords(records []plog.LogRecord, res pcommon.Resource, opts Options) View {
	var r reader
	r.init(opts)
	if sdk, ok := res.Attributes().Get("telemetry.sdk.name"); ok && strings.EqualFold(strVal(sdk), "openlit") {
		r.marks |= mOpenLIT
	}
	details := false
	for _, lr := range records {
		name := EventName(lr)
		switch name {
		case EventInferenceDetails:
			details = true
			r.marks |= mSemconv
			for k, val := range lr.Attributes().All() {
				if k != "event.name" {
					r.attr(k, val)
				}
			}
		case eventSystemMessage, eventUserMessage, eventAssistantMessage, eventToolMessage, eventChoice:
			r.marks |= mSemconvLegacy
			if sys, ok := lr.Attributes().Get("gen_ai.system"); ok {
				r.setStr(fProvider, 1, NormalizeProvider(strVal(sys)))
			}
			r.readIdentity(lr.Attributes())
			if opts.Content {
				r.messageEventValue(name, "body", lr.Body())
			}
		case eventContentPrompt:
			r.marks |= mSemconvLegacy
			if opts.Content {
				r.legacyPrompt, _ = r.contentValue("body", lr.Body())
			}
		case eventContentComplete:
			r.marks |= mSemconvLegacy
			if opts.Content {
				r.legacyCompl, _ = r.contentValue("body", lr.Body())
			}
		}
	}
	r.resolve("")
	v := r.v
	if !details && !v.Usage.Any() && v.Dialect != DialectNone {
		// Content records of a call whose usage is on its span: the span is
		// the billable unit, the records only its content (even when call
		// assembly copied the span's operation and model onto them).
		v.Category = CategoryOther
	}
	if v.Category == CategoryNone || (v.Category == CategoryOther && v.Operation == "") {
		if v.Dialect != DialectNone {
			v.Category = CategoryOther
		}
	}
	return v
}
