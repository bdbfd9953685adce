package genai

import (
	"strings"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// GenAI event names (span events and log records).
const (
	EventInferenceDetails = "gen_ai.client.inference.operation.details"
	EventEvaluationResult = "gen_ai.evaluation.result"
	eventContentPrompt    = "gen_ai.content.prompt"
	eventContentComplete  = "gen_ai.content.completion"
	eventSystemMessage    = "gen_ai.system.message"
	eventUserMessage      = "gen_ai.user.message"
	eventAssistantMessage = "gen_ai.assistant.message"
	eventToolMessage      = "gen_ai.tool.message"
	eventChoice           = "gen_ai.choice"
	eventDBQueryResult    = "db.query.result"
)

// maxEvents bounds how many span events are inspected per span.
const maxEvents = 256

func (r *reader) spanEvents(evs ptrace.SpanEventSlice) {
	n := evs.Len()
	if n > maxEvents {
		n = maxEvents
	}
	for i := 0; i < n; i++ {
		ev := evs.At(i)
		name := ev.Name()
		attrs := ev.Attributes()
		switch name {
		case EventInferenceDetails:
			for k, v := range attrs.All() {
				r.attr(k, v)
			}
		case eventContentPrompt:
			r.marks |= mSemconvLegacy
			if v, ok := attrs.Get("gen_ai.prompt"); ok && r.legacyPrompt == nil {
				r.legacyPrompt = r.content("gen_ai.prompt", v)
			}
		case eventContentComplete:
			r.marks |= mSemconvLegacy
			if v, ok := attrs.Get("gen_ai.completion"); ok && r.legacyCompl == nil {
				r.legacyCompl = r.content("gen_ai.completion", v)
			}
		case eventSystemMessage, eventUserMessage, eventAssistantMessage, eventToolMessage, eventChoice:
			r.marks |= mSemconvLegacy
			if sys, ok := attrs.Get("gen_ai.system"); ok {
				r.setStr(fProvider, 1, NormalizeProvider(strVal(sys)))
			}
			if !r.opts.Content {
				continue
			}
			if c, ok := attrs.Get("gen_ai.event.content"); ok {
				r.messageEventValue(name, "gen_ai.event.content", c)
			} else {
				r.messageEvent(name, attrs.AsRaw())
			}
		case eventDBQueryResult:
			if !r.opts.Content {
				continue
			}
			var d Document
			if v, ok := attrs.Get("db.query.result.id"); ok {
				d.ID = strVal(v)
			}
			if v, ok := attrs.Get("db.query.result.document"); ok {
				d.Content = r.b.take(strVal(v))
			}
			if v, ok := attrs.Get("db.query.result.score"); ok {
				d.Score, d.HasScore = toFloat(v)
			}
			if d.Content != "" || d.ID != "" {
				r.docs.docs = append(r.docs.docs, d)
				r.docs.seen = append(r.docs.seen, true)
			}
		}
	}
}

// messageEventValue reads a per-message event body held in v (the
// gen_ai.event.content attribute, a log record's body): a JSON object in a
// string is scanned (scanMessageEvent), anything else decoded.
func (r *reader) messageEventValue(name, key string, v pcommon.Value) {
	if v.Type() == pcommon.ValueTypeStr && r.scanMessageEvent(name, strings.TrimSpace(v.Str())) {
		return
	}
	body, _ := r.contentValue(key, v)
	r.messageEvent(name, body)
}

// eventRole is the role a per-message event's name gives its message
// ("gen_ai.user.message": user).
func eventRole(name string) string {
	return strings.TrimSuffix(strings.TrimPrefix(name, "gen_ai."), ".message")
}

// messageEvent reads one v1.28-v1.36 per-message event body (span event
// gen_ai.event.content or log record body).
func (r *reader) messageEvent(name string, body any) {
	m, ok := body.(map[string]any)
	if !ok {
		if s, isStr := body.(string); isStr && s != "" {
			m = map[string]any{"content": s}
		} else {
			return
		}
	}
	switch name {
	case eventChoice:
		inner := asMap(m["message"])
		if inner == nil {
			inner = map[string]any{}
		}
		if _, ok := inner["tool_calls"]; !ok && m["tool_calls"] != nil {
			inner["tool_calls"] = m["tool_calls"]
		}
		msg := r.decodeMessage(inner, "assistant")
		fr := NormalizeFinishReason(str(m["finish_reason"]))
		if fr != "" {
			msg.FinishReason = fr
			r.eventFinish = append(r.eventFinish, fr)
		}
		r.eventOut = append(r.eventOut, msg)
	default:
		role := eventRole(name)
		if _, ok := m["tool_call_id"]; !ok && role == "tool" {
			if id := str(m["id"]); id != "" {
				m["tool_call_id"] = id
			}
		}
		r.eventIn = append(r.eventIn, r.decodeMessage(m, role))
	}
}
