package genai

import (
	"testing"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// FuzzMessages feeds arbitrary text to every content attribute family and to
// a per-message log record: the reader must never panic, must stay within
// its budget and must return valid UTF-8.
func FuzzMessages(f *testing.F) {
	for _, seed := range []string{
		`[{"role":"user","parts":[{"type":"text","content":"hi"}]}]`,
		`[{"role":"assistant","content":[{"type":"tool-call","toolCallId":"c","toolName":"t","input":{"a":1}}]}]`,
		`{"messages":[[{"lc":1,"id":["x","HumanMessage"],"kwargs":{"content":"q"}}]]}`,
		`{"choices":[{"message":{"role":"assistant","content":"ok","tool_calls":[{"id":"1","function":{"name":"f","arguments":"{}"}}]},"finish_reason":"stop"}]}`,
		`[{"type":"text","content":"sys"}]`, `"\"quoted\""`, `[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]`, "\xff\xfe", `{"candidates":[{"content":{"parts":[{"text":"g"}]},"finishReason":"STOP"}]}`,
	} {
		f.Add(seed)
	}
	keys := []string{
		"gen_ai.input.messages", "gen_ai.output.messages", "gen_ai.system_instructions", "gen_ai.prompt", "gen_ai.completion",
		"ai.prompt", "ai.prompt.messages", "ai.response.toolCalls", "langfuse.observation.input", "langfuse.observation.output",
		"mlflow.spanInputs", "mlflow.spanOutputs", "request_data", "response_data", "gen_ai.retrieval.documents",
		"gen_ai.prompt.0.content", "llm.input_messages.0.message.content", "langfuse.observation.usage_details",
		"mlflow.chat.tokenUsage", "ai.response.providerMetadata", "llm.prompt_template.variables", "mlflow.linkedPrompts",
		"gen_ai.response.finish_reasons", "input.value",
		// request parameters and tool definitions (JSON objects and lists)
		"llm.invocation_parameters", "langfuse.observation.model.parameters", "gen_ai.tool.definitions",
		"llm.tools.0.tool.json_schema", "llm.request.functions.0.parameters", "llm.chat.stop_sequences",
		"gen_ai.request.temperature", "ai.settings.maxOutputTokens",
		"llm.input_messages.0.message.contents.0.message_content.image.image.url",
		// streaming timings, pricing inputs
		"langfuse.observation.completion_start_time", "ai.response.msToFinish", "gen_ai.server.time_per_output_token",
		"gen_ai.response.time_to_first_chunk", "openai.response.service_tier", "gen_ai.usage.audio.seconds",
		"gen_ai.usage.output_tokens",
	}
	f.Fuzz(func(t *testing.T, s string) {
		span := ptrace.NewSpan()
		attrs := span.Attributes()
		attrs.PutStr("gen_ai.operation.name", "chat")
		for _, k := range keys {
			attrs.PutStr(k, s)
		}
		ev := span.Events().AppendEmpty()
		ev.SetName("gen_ai.choice")
		ev.Attributes().PutStr("gen_ai.event.content", s)
		v := ReadSpan(span, pcommon.NewResource(), Options{Content: true, MaxContentBytes: 4096})
		if v.ContentBytes > 4096 {
			t.Fatalf("budget exceeded: %d", v.ContentBytes)
		}
		if v.HasTimePerOutputChunk && !(v.TimePerOutputChunk >= 0) || v.HasTimeToFirstChunk && !(v.TimeToFirstChunk >= 0) {
			t.Fatalf("negative or NaN streaming timing: %v %v", v.TimeToFirstChunk, v.TimePerOutputChunk)
		}
		for _, m := range append(v.InputMessages, v.OutputMessages...) {
			for _, p := range m.Parts {
				if !utf8Valid(p.Content) {
					t.Fatalf("invalid UTF-8 in part")
				}
			}
		}

		ld := plog.NewLogs()
		lr := ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords().AppendEmpty()
		lr.SetEventName("gen_ai.user.message")
		lr.SetSpanID(pcommon.SpanID{1})
		lr.Body().SetStr(s)
		for _, g := range GroupLogRecords(ld) {
			_ = ReadLogRecords(g.Records, g.Resource, Options{Content: true})
		}
	})
}

// FuzzSalvage: the prefix reader of oversized content never panics on any
// cut of any input.
func FuzzSalvage(f *testing.F) {
	f.Add(`[{"role":"user","parts":[{"type":"text","content":"abc\u00e9\n`, 40)
	f.Add(`{"messages":[{"role":"system","content":"x"},{"role":"user","content":"`, 60)
	f.Add(`[[[[{"text":"\ud83d`, 17)
	f.Fuzz(func(t *testing.T, s string, limit int) {
		if limit < 0 {
			limit = -limit
		}
		for _, m := range salvageMessages(s, limit%(len(s)+1)) {
			if _, ok := m.(map[string]any); !ok {
				t.Fatalf("unexpected shape %T", m)
			}
		}
	})
}
