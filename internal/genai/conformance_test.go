package genai

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// Conformance of the view with the GenAI semantic conventions (v1.41), one
// test per class of mistake, written from the semconv text and the
// dialects' documented keys.

func spanWith(attrs map[string]any) ptrace.Span {
	s := ptrace.NewSpan()
	s.SetName("call")
	if err := s.Attributes().FromRaw(attrs); err != nil {
		panic(err)
	}
	return s
}

func read(attrs map[string]any) View {
	return ReadSpan(spanWith(attrs), pcommon.NewResource(), Options{Content: true})
}

func TestFinishReasonsOfOpenLLMetry(t *testing.T) {
	for _, k := range []string{"llm.response.finish_reason", "llm.response.stop_reason"} {
		v := read(map[string]any{
			"llm.request.type": "chat", "gen_ai.system": "Anthropic",
			"gen_ai.completion.0.role": "assistant", "gen_ai.completion.0.content": "Hi.",
			k: "end_turn",
		})
		assert.Equal(t, []string{"stop"}, v.FinishReasons, k)
		require.Len(t, v.OutputMessages, 1)
		// Output messages carry finish_reason (required by the output-message schema).
		assert.Equal(t, "stop", v.OutputMessages[0].FinishReason, k)
	}
	// One reason per choice, by index.
	v := read(map[string]any{
		"gen_ai.operation.name": "chat", "gen_ai.response.finish_reasons": []any{"stop", "length"},
		"gen_ai.completion.0.content": "a", "gen_ai.completion.1.content": "b",
	})
	require.Len(t, v.OutputMessages, 2)
	assert.Equal(t, "stop", v.OutputMessages[0].FinishReason)
	assert.Equal(t, "length", v.OutputMessages[1].FinishReason)
}

func TestRequestParametersOfEveryDialect(t *testing.T) {
	cases := []struct {
		name  string
		attrs map[string]any
		want  RequestParams
	}{
		{"semconv", map[string]any{"gen_ai.operation.name": "chat", "gen_ai.request.temperature": 0.3, "gen_ai.request.max_tokens": int64(100),
			"gen_ai.request.top_p": 0.9, "gen_ai.request.top_k": 40.0, "gen_ai.request.seed": int64(7), "gen_ai.request.stop_sequences": []any{"END"},
			"gen_ai.request.frequency_penalty": 0.5, "gen_ai.request.presence_penalty": -0.5, "gen_ai.request.choice.count": int64(2)},
			RequestParams{Temperature: 0.3, MaxTokens: 100, TopP: 0.9, TopK: 40, Seed: 7, StopSequences: []string{"END"}, FrequencyPenalty: 0.5, PresencePenalty: -0.5, ChoiceCount: 2,
				Has: HasTemperature | HasMaxTokens | HasTopP | HasTopK | HasSeed | HasStopSequences | HasFrequencyPenalty | HasPresencePenalty | HasChoiceCount}},
		{"openllmetry", map[string]any{"llm.request.type": "chat", "llm.temperature": 0.7, "llm.top_p": 0.8, "llm.request.max_tokens": int64(64),
			"llm.top_k": int64(5), "llm.frequency_penalty": 0.1, "llm.presence_penalty": 0.2, "llm.chat.stop_sequences": `["\n\n","###"]`},
			RequestParams{Temperature: 0.7, TopP: 0.8, MaxTokens: 64, TopK: 5, FrequencyPenalty: 0.1, PresencePenalty: 0.2, StopSequences: []string{"\n\n", "###"},
				Has: HasTemperature | HasTopP | HasMaxTokens | HasTopK | HasFrequencyPenalty | HasPresencePenalty | HasStopSequences}},
		{"openinference", map[string]any{"openinference.span.kind": "LLM",
			"llm.invocation_parameters": `{"model":"gpt-4o","temperature":0,"max_completion_tokens":50,"stop":"\n","seed":3,"n":1}`},
			RequestParams{Temperature: 0, MaxTokens: 50, StopSequences: []string{"\n"}, Seed: 3, ChoiceCount: 1,
				Has: HasTemperature | HasMaxTokens | HasStopSequences | HasSeed | HasChoiceCount}},
		{"vercel", map[string]any{"ai.operationId": "ai.generateText.doGenerate", "ai.settings.maxOutputTokens": int64(256), "ai.settings.temperature": 0.4,
			"ai.settings.topK": int64(3), "ai.settings.stopSequences": []any{"STOP"}},
			RequestParams{MaxTokens: 256, Temperature: 0.4, TopK: 3, StopSequences: []string{"STOP"}, Has: HasMaxTokens | HasTemperature | HasTopK | HasStopSequences}},
		{"langfuse", map[string]any{"langfuse.observation.type": "generation", "langfuse.observation.model.parameters": `{"temperature":"0.5","max_tokens":"20"}`},
			RequestParams{Temperature: 0.5, MaxTokens: 20, Has: HasTemperature | HasMaxTokens}},
		{"semconv wins over a dialect's spelling", map[string]any{"gen_ai.operation.name": "chat", "llm.temperature": 0.9, "gen_ai.request.temperature": 0.1},
			RequestParams{Temperature: 0.1, Has: HasTemperature}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v := read(c.attrs)
			assert.Equal(t, c.want, v.Request)
		})
	}
}

// A parameter object naming one parameter twice (max_tokens and
// max_completion_tokens) reads the same on every read: the first key of
// jsonParamKeys' order wins; a key repeated keeps its last value, as a
// decoded object does; other values, however deep, are passed over.
func TestParameterObjectReadsInAFixedOrder(t *testing.T) {
	for _, c := range []struct {
		json string
		want RequestParams
	}{
		{`{"max_tokens":10,"max_completion_tokens":20}`, RequestParams{MaxTokens: 20, Has: HasMaxTokens}},
		{`{"max_completion_tokens":20,"max_tokens":10}`, RequestParams{MaxTokens: 20, Has: HasMaxTokens}},
		{`{"topP":0.2,"top_p":0.1}`, RequestParams{TopP: 0.1, Has: HasTopP}},
		{`{"temperature":0.1,"temperature":0.7}`, RequestParams{Temperature: 0.7, Has: HasTemperature}},
		{`{"tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object"}}}],"seed":4}`, RequestParams{Seed: 4, Has: HasSeed}},
		// Not the scanner's (a number float64 cannot hold): encoding/json decides, and refuses.
		{`{"temperature":0.5,"logit_bias":1e999}`, RequestParams{}},
	} {
		for range 20 { // map order would differ between reads
			v := read(map[string]any{"openinference.span.kind": "LLM", "llm.invocation_parameters": c.json})
			require.Equal(t, c.want, v.Request, c.json)
		}
	}
}

// scanParams reads what a map decoded by encoding/json holds for every
// parameter key, or declines.
func FuzzScanParams(f *testing.F) {
	for _, s := range []string{`{"temperature":0.5,"n":2}`, `{"stop":["a","b"],"x":{"y":[1,2,{"z":null}]}}`,
		`{"max_tokens":"20","max_tokens":30}`, `{"top_k":1e400}`, `{"\u0074emperature":1}`, `[1]`, `{"seed":1}x`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var vals [len(jsonParamKeys)]any
		if !scanParams(s, &vals) {
			return
		}
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(s), &m), "scanParams read what encoding/json refuses: %q", s)
		for i, k := range jsonParamKeys {
			assert.Equal(t, m[k.key], vals[i], "%q: %s", s, k.key)
		}
	})
}

func TestParametersAloneMakeAGenAISpan(t *testing.T) {
	for _, attrs := range []map[string]any{
		{"llm.invocation_parameters": `{"temperature":0.1}`},
		{"gen_ai.request.temperature": 0.1},
		{"llm.temperature": 0.1},
	} {
		v := read(attrs)
		assert.True(t, v.IsGenAI(), "%v", attrs)
		assert.Equal(t, HasTemperature, v.Request.Has)
	}
}

func TestWrongParameterTypesAreProblemsNotGuesses(t *testing.T) {
	v := read(map[string]any{"gen_ai.operation.name": "chat", "gen_ai.request.max_tokens": 12.5, "gen_ai.request.temperature": "warm"})
	assert.Zero(t, v.Request.Has)
	assert.Len(t, v.Problems, 2)
}

func TestToolDefinitionsOfEveryDialect(t *testing.T) {
	want := ToolDefinition{Type: "function", Name: "get_weather", Description: "Weather for a city",
		Parameters: `{"properties":{"city":{"type":"string"}},"type":"object"}`}
	for name, attrs := range map[string]map[string]any{
		"semconv":       {"gen_ai.operation.name": "chat", "gen_ai.tool.definitions": `[{"type":"function","name":"get_weather","description":"Weather for a city","parameters":{"type":"object","properties":{"city":{"type":"string"}}}}]`},
		"openllmetry":   {"llm.request.type": "chat", "llm.request.functions.0.name": "get_weather", "llm.request.functions.0.description": "Weather for a city", "llm.request.functions.0.parameters": `{"properties":{"city":{"type":"string"}},"type":"object"}`},
		"openinference": {"openinference.span.kind": "LLM", "llm.tools.0.tool.json_schema": `{"type":"function","function":{"name":"get_weather","description":"Weather for a city","parameters":{"type":"object","properties":{"city":{"type":"string"}}}}}`},
		"vercel":        {"ai.operationId": "ai.generateText.doGenerate", "ai.prompt.tools": []any{`{"type":"function","name":"get_weather","description":"Weather for a city","inputSchema":{"type":"object","properties":{"city":{"type":"string"}}}}`}},
	} {
		v := read(attrs)
		require.Len(t, v.ToolDefinitions, 1, name)
		assert.Equal(t, want, v.ToolDefinitions[0], name)
	}
}

func TestExplicitResponseModelWinsOverGenericModelName(t *testing.T) {
	v := read(map[string]any{"openinference.span.kind": "LLM", "llm.model_name": "gpt-4o", "llm.response.model": "gpt-4o-2024-08-06"})
	assert.Equal(t, "gpt-4o-2024-08-06", v.ResponseModel)
}

func TestTypeRules(t *testing.T) {
	// A fractional token count is invalid: no count, a problem.
	v := read(map[string]any{"gen_ai.operation.name": "chat", "gen_ai.usage.input_tokens": 3.14, "gen_ai.usage.output_tokens": "7.5"})
	assert.Zero(t, v.Usage.Has&(HasInput|HasOutput))
	assert.Len(t, v.Problems, 2)
	// A whole count sent as a double or a string is a count.
	v = read(map[string]any{"gen_ai.operation.name": "chat", "gen_ai.usage.input_tokens": 12.0, "gen_ai.usage.output_tokens": "4"})
	assert.Equal(t, int64(12), v.Usage.Input)
	assert.Equal(t, int64(4), v.Usage.Output)

	// Non-string content is text, not an empty message.
	v = read(map[string]any{"llm.request.type": "chat", "gen_ai.prompt.0.role": "user", "gen_ai.prompt.0.content": int64(42)})
	require.Len(t, v.InputMessages, 1)
	assert.Equal(t, "42", v.InputMessages[0].Text())

	// A key that names no field creates no message.
	v = read(map[string]any{"openinference.span.kind": "LLM", "llm.input_messages.0.message.": "x",
		"llm.input_messages.1.message.role": "user", "llm.input_messages.1.message.content": "hi"})
	require.Len(t, v.InputMessages, 1)
	assert.Equal(t, "user", v.InputMessages[0].Role)
}

func TestRolesAndParts(t *testing.T) {
	// A message answering a tool call, without a role, is a tool message.
	v := read(map[string]any{"llm.request.type": "chat",
		"gen_ai.prompt.0.role": "user", "gen_ai.prompt.0.content": "weather?",
		"gen_ai.prompt.1.tool_call_id": "call_1", "gen_ai.prompt.1.content": `{"temp":21}`})
	require.Len(t, v.InputMessages, 2)
	assert.Equal(t, "tool", v.InputMessages[1].Role)
	assert.Equal(t, PartToolCallResponse, v.InputMessages[1].Parts[0].Type)
	v = read(map[string]any{"gen_ai.operation.name": "chat",
		"gen_ai.input.messages": `[{"tool_call_id":"call_1","content":"21 C"}]`})
	require.Len(t, v.InputMessages, 1)
	assert.Equal(t, "tool", v.InputMessages[0].Role)

	// Images are uri parts (URL kept) or blobs (data: URL), with a modality.
	v = read(map[string]any{"openinference.span.kind": "LLM",
		"llm.input_messages.0.message.role":                                       "user",
		"llm.input_messages.0.message.contents.0.message_content.type":            "text",
		"llm.input_messages.0.message.contents.0.message_content.text":            "What is this?",
		"llm.input_messages.0.message.contents.1.message_content.type":            "image",
		"llm.input_messages.0.message.contents.1.message_content.image.image.url": "https://example.com/cat.png",
		"llm.input_messages.0.message.contents.2.message_content.type":            "image",
		"llm.input_messages.0.message.contents.2.message_content.image.image.url": "data:image/png;base64,iVBORw0KGgo=",
	})
	require.Len(t, v.InputMessages, 1)
	parts := v.InputMessages[0].Parts
	require.Len(t, parts, 3)
	assert.Equal(t, Part{Type: PartURI, Modality: "image", Content: "https://example.com/cat.png"}, parts[1])
	assert.Equal(t, Part{Type: PartBlob, Modality: "image", MimeType: "image/png", Content: "iVBORw0KGgo="}, parts[2])
	v = read(map[string]any{"llm.request.type": "chat", "gen_ai.prompt.0.role": "user",
		"gen_ai.prompt.0.content": `[{"type":"text","text":"see"},{"type":"image_url","image_url":{"url":"https://example.com/a.jpg"}}]`})
	require.Len(t, v.InputMessages, 1)
	assert.Equal(t, Part{Type: PartURI, Modality: "image", Content: "https://example.com/a.jpg"}, v.InputMessages[0].Parts[1])

	// OpenInference tool-call ids and tool descriptions are read.
	v = read(map[string]any{"openinference.span.kind": "LLM",
		"llm.output_messages.0.message.role":                                      "assistant",
		"llm.output_messages.0.message.tool_calls.0.tool_call.id":                 "call_9",
		"llm.output_messages.0.message.tool_calls.0.tool_call.function.name":      "lookup",
		"llm.output_messages.0.message.tool_calls.0.tool_call.function.arguments": `{"q":"x"}`})
	require.Len(t, v.OutputMessages, 1)
	assert.Equal(t, Part{Type: PartToolCall, ID: "call_9", Name: "lookup", Arguments: `{"q":"x"}`}, v.OutputMessages[0].Parts[0])
	v = read(map[string]any{"openinference.span.kind": "TOOL", "tool.name": "lookup", "tool.description": "Looks things up"})
	assert.Equal(t, "Looks things up", v.ToolDescription)
}

func TestTimeToFirstChunkOfEveryDialect(t *testing.T) {
	for attrs, want := range map[string]float64{
		"gen_ai.response.time_to_first_chunk": 0.25, "gen_ai.server.time_to_first_token": 0.25, "ai.response.msToFirstChunk": 250,
	} {
		v := read(map[string]any{"gen_ai.operation.name": "chat", attrs: want})
		require.True(t, v.HasTimeToFirstChunk, attrs)
		assert.InDelta(t, 0.25, v.TimeToFirstChunk, 1e-9, attrs)
	}
	v := read(map[string]any{"gen_ai.operation.name": "chat", "ai.response.msToFirstChunk": "soon"})
	assert.False(t, v.HasTimeToFirstChunk)
}

// A view keeps at most 64 prompt variables; from a JSON object of more, the
// first 64 by name, on every read.
func TestPromptVariablesCapIsDeterministic(t *testing.T) {
	var b strings.Builder
	b.WriteString("{")
	for i := 69; i >= 0; i-- {
		fmt.Fprintf(&b, `"v%02d":"x"`, i)
		if i > 0 {
			b.WriteString(",")
		}
	}
	b.WriteString("}")
	for range 10 {
		v := read(map[string]any{"openinference.span.kind": "LLM", "llm.prompt_template.variables": b.String()})
		require.Len(t, v.Prompt.Variables, 64)
		for i := range 64 {
			require.Contains(t, v.Prompt.Variables, fmt.Sprintf("v%02d", i))
		}
	}
}
