package genai

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// TestTablesAreConsistent: every row is usable by the reader, and every
// replacement is a key genai_normalize writes (a current semconv key).
func TestTablesAreConsistent(t *testing.T) {
	written := map[string]bool{}
	for _, s := range semconvKeys {
		written[s.key] = true
	}
	for _, s := range keyTable {
		switch s.act {
		case aStr, aStrUnq:
			assert.Less(t, int(s.field), int(numStrFields), s.key)
		case aTokens:
			assert.Less(t, int(s.field), int(numIntFields), s.key)
		case aParam:
			assert.Less(t, int(s.field), numParams, s.key)
		case aExtra:
			assert.LessOrEqual(t, int(s.field), int(xCitations), s.key)
		case aFunc:
			assert.NotEqual(t, hNone, s.h, s.key)
		}
		if s.act == aStr || s.act == aStrUnq || s.act == aProvider || s.act == aProvUnq || s.act == aTokens {
			assert.Less(t, int(s.prio), slotsPerField, "%s: precedence beyond the slots", s.key)
		}
		if s.semconv != "" {
			assert.True(t, written[s.semconv], "%s: replacement %s is not a semconv key the normalizer writes", s.key, s.semconv)
			assert.NotEqual(t, s.key, s.semconv)
		}
		assert.Equal(t, strings.TrimSpace(s.key), s.key)
	}
	for _, p := range prefixTable {
		assert.True(t, strings.HasSuffix(p.prefix, "."), p.prefix)
		if p.semconv != "" {
			assert.True(t, written[p.semconv], p.prefix)
		}
	}
	assert.LessOrEqual(t, len(keyTable)+len(prefixTable), maxKeys)
}

// TestKeyLookup: every key is found at its row; other keys are not.
func TestKeyLookup(t *testing.T) {
	require.Nil(t, keyFallback, "keyswitch.go is stale")
	for i := range keyTable {
		j, ok := lookupKey(keyTable[i].key)
		require.True(t, ok, keyTable[i].key)
		assert.Equal(t, i, j)
	}
	for _, k := range []string{"", "a", "gen_ai", "gen_ai.usage.input_token", "gen_ai.usage.input_tokens ", "http.request.method",
		"llm.token_count.prompt.x", "GEN_AI.USAGE.INPUT_TOKENS"} {
		_, ok := lookupKey(k)
		assert.False(t, ok, k)
	}
}

// piiContentKeys are the attribute keys test/smoke/pii_test.go
// (TestAgentRedactsPlantedPII) plants PII in, location by location. The
// other planted locations are log record bodies, which redaction scans
// whole. Every one must be a content key.
var piiContentKeys = map[string]string{
	"semconv gen_ai.system_instructions":                               "gen_ai.system_instructions",
	"semconv gen_ai.input.messages text":                               "gen_ai.input.messages",
	"semconv gen_ai.input.messages tool_call_response":                 "gen_ai.input.messages",
	"semconv gen_ai.output.messages text":                              "gen_ai.output.messages",
	"semconv gen_ai.output.messages tool_call arguments":               "gen_ai.output.messages",
	"semconv gen_ai.tool.call.arguments":                               "gen_ai.tool.call.arguments",
	"semconv gen_ai.tool.call.result":                                  "gen_ai.tool.call.result",
	"span event gen_ai.content.prompt":                                 "gen_ai.prompt",
	"span event gen_ai.content.completion":                             "gen_ai.completion",
	"span event gen_ai.user.message gen_ai.event.content":              "gen_ai.event.content",
	"span event gen_ai.choice gen_ai.event.content":                    "gen_ai.event.content",
	"openllmetry gen_ai.prompt.0.content":                              "gen_ai.prompt.0.content",
	"openllmetry gen_ai.prompt.1.content":                              "gen_ai.prompt.1.content",
	"openllmetry gen_ai.completion.0.content":                          "gen_ai.completion.0.content",
	"openllmetry gen_ai.completion.0.tool_calls.0.arguments":           "gen_ai.completion.0.tool_calls.0.arguments",
	"openllmetry traceloop.entity.input":                               "traceloop.entity.input",
	"openllmetry traceloop.entity.output":                              "traceloop.entity.output",
	"openinference llm.input_messages.0.message.content":               "llm.input_messages.0.message.content",
	"openinference llm.output_messages.0.message.content":              "llm.output_messages.0.message.content",
	"openinference tool_call.function.arguments":                       "llm.output_messages.0.message.tool_calls.0.tool_call.function.arguments",
	"openinference input.value":                                        "input.value",
	"openinference output.value":                                       "output.value",
	"openinference retriever input.value":                              "input.value",
	"openinference retrieval.documents.0.document.content":             "retrieval.documents.0.document.content",
	"openinference retrieval.documents.1.document.content":             "retrieval.documents.1.document.content",
	"openinference tool.parameters":                                    "tool.parameters",
	"openinference tool output.value":                                  "output.value",
	"openinference CHAIN input.value":                                  "input.value",
	"openinference CHAIN output.value":                                 "output.value",
	"openinference llm.prompt_template.variables":                      "llm.prompt_template.variables",
	"langfuse langfuse.observation.input":                              "langfuse.observation.input",
	"langfuse langfuse.observation.output":                             "langfuse.observation.output",
	"langfuse langfuse.observation.metadata.customer":                  "langfuse.observation.metadata.customer",
	"langfuse langfuse.trace.metadata.customer":                        "langfuse.trace.metadata.customer",
	"vercel ai.prompt system":                                          "ai.prompt",
	"vercel ai.prompt prompt":                                          "ai.prompt",
	"vercel ai.response.text":                                          "ai.response.text",
	"vercel ai.telemetry.metadata.customer":                            "ai.telemetry.metadata.customer",
	"vercel ai.prompt.messages":                                        "ai.prompt.messages",
	"vercel doGenerate ai.response.text":                               "ai.response.text",
	"vercel ai.response.toolCalls input":                               "ai.response.toolCalls",
	"vercel ai.toolCall.args":                                          "ai.toolCall.args",
	"vercel ai.toolCall.result":                                        "ai.toolCall.result",
	"log attribute gen_ai.system_instructions":                         "gen_ai.system_instructions",
	"log attribute gen_ai.input.messages":                              "gen_ai.input.messages",
	"log attribute gen_ai.output.messages":                             "gen_ai.output.messages",
	"log attribute gen_ai.input.messages (JSON string)":                "gen_ai.input.messages",
	"log attribute gen_ai.tool.call.arguments":                         "gen_ai.tool.call.arguments",
	"log attribute gen_ai.tool.call.result":                            "gen_ai.tool.call.result",
	"per-message span event without gen_ai.event.content (attributes)": "content",
}

func TestPlantedPIILocationsAreContent(t *testing.T) {
	// 49 attribute locations + 6 log bodies = the 55 plants of the smoke test
	// (the last row is the attribute form of a per-message event).
	require.Len(t, piiContentKeys, 49+1)
	for loc, k := range piiContentKeys {
		assert.True(t, IsContentKey(k), "%s: %s must be a content key", loc, k)
	}
	// And what genai_normalize writes from them.
	for _, k := range []string{scInputMessages, scOutputMessages, scSystemInstr, scToolArguments, scToolResult, scToolDefs,
		scRetrievalDocs, "gen_ai.retrieval.query.text", "gen_ai.prompt.variable.customer"} {
		assert.True(t, IsContentKey(k), k)
	}
}

func TestMetadataKeysAreNotContent(t *testing.T) {
	for _, k := range []string{scInputTokens, scRequestModel, scProvider, scToolName, scToolCallID, "gen_ai.prompt.name",
		"gen_ai.prompt.version", "llm.token_count.prompt", "ai.usage.promptTokens", "session.id", "server.address",
		"traceloop.span.kind", "langfuse.observation.type", "mlflow.spanType", "openinference.span.kind",
		"gen_ai.usage.cost", "http.request.method", "service.name", "llm.model_name", "langfuse.trace.name"} {
		assert.False(t, IsContentKey(k), k)
	}
	// Free-form metadata is content whatever the key.
	for _, k := range []string{"ai.telemetry.metadata.anything", "langfuse.span.metadata.x", "metadata",
		"traceloop.association.properties.customer_id", "mlflow.traceTag.owner"} {
		assert.True(t, IsContentKey(k), k)
	}
}

// TestSourcesAndReplacements: the View records the keys it was read from,
// and Replaced answers only for keys it read.
func TestSourcesAndReplacements(t *testing.T) {
	v := read(map[string]any{
		"openinference.span.kind": "LLM", "llm.model_name": "gpt-4o", "llm.token_count.prompt": 10,
		"llm.input_messages.0.message.role": "user", "llm.input_messages.0.message.content": "hi",
		"gen_ai.prompt.variable.city": "Paris", "http.route": "/chat",
	})
	rep, ok := v.Replaced("llm.token_count.prompt")
	require.True(t, ok)
	assert.Equal(t, Replacement{Semconv: scInputTokens}, rep)
	rep, ok = v.Replaced("llm.input_messages.0.message.content")
	require.True(t, ok)
	assert.Equal(t, Replacement{Semconv: scInputMessages, Content: true}, rep)
	_, ok = v.Replaced("gen_ai.prompt.variable.city") // read, but no replacement
	assert.False(t, ok)
	_, ok = v.Replaced("llm.token_count.completion") // a replaceable key the span does not carry
	assert.False(t, ok)
	_, ok = v.Replaced("http.route")
	assert.False(t, ok)
	assert.Equal(t, []string{"openinference.span.kind", "llm.model_name", "llm.token_count.prompt", "gen_ai.prompt.*",
		"llm.input_messages.*"}, v.Sources.Keys())
	assert.Contains(t, ReplacementKeys(), scInputTokens)
}

func TestConversationAndUserOfEveryDialect(t *testing.T) {
	for _, tc := range []struct {
		key, conv, user string
	}{
		{"gen_ai.conversation.id", "c1", ""},
		{"session.id", "c1", ""},
		{"langfuse.session.id", "c1", ""},
		{"traceloop.association.properties.session_id", "c1", ""},
		{"ai.telemetry.metadata.sessionId", "c1", ""},
		{"user.id", "", "c1"},
		{"enduser.id", "", "c1"},
		{"langfuse.user.id", "", "c1"},
		{"traceloop.association.properties.user_id", "", "c1"},
		{"ai.telemetry.metadata.userId", "", "c1"},
		{"gen_ai.request.user", "", "c1"},
		{"llm.user", "", "c1"},
	} {
		v := read(map[string]any{"gen_ai.operation.name": "chat", tc.key: "c1"})
		assert.Equal(t, tc.conv, v.ConversationID, tc.key)
		assert.Equal(t, tc.user, v.UserID, tc.key)
	}
	// MLflow JSON-encodes strings.
	v := read(map[string]any{"mlflow.spanType": `"CHAT_MODEL"`, "session.id": `"s-9"`, "user.id": `"u-9"`})
	assert.Equal(t, "s-9", v.ConversationID)
	assert.Equal(t, "u-9", v.UserID)
	// Precedence: the general key first, the OpenAI user parameter last.
	v = read(map[string]any{"gen_ai.operation.name": "chat", "llm.user": "param", "langfuse.user.id": "lf", "user.id": "otel"})
	assert.Equal(t, "otel", v.UserID)
	assert.Equal(t, []string{"user.id", "enduser.id", "langfuse.user.id", "traceloop.association.properties.user_id",
		"ai.telemetry.metadata.userId", "gen_ai.request.user", "llm.user"}, UserKeys())
	assert.Equal(t, "gen_ai.conversation.id", ConversationKeys()[0])
}

func timedSpan(attrs map[string]any, d time.Duration) ptrace.Span {
	s := spanWith(attrs)
	start := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	s.SetStartTimestamp(pcommon.NewTimestampFromTime(start))
	s.SetEndTimestamp(pcommon.NewTimestampFromTime(start.Add(d)))
	return s
}

func TestTimePerOutputChunk(t *testing.T) {
	read := func(attrs map[string]any, d time.Duration) View {
		return ReadSpan(timedSpan(attrs, d), pcommon.NewResource(), Options{})
	}
	chat := func(kv ...any) map[string]any {
		m := map[string]any{"gen_ai.operation.name": "chat", "gen_ai.request.model": "gpt-4o"}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	}
	// Reported: semconv, OpenLIT.
	for _, k := range []string{"gen_ai.response.time_per_output_chunk", "gen_ai.server.time_per_output_token"} {
		v := read(chat(k, 0.02), time.Second)
		require.True(t, v.HasTimePerOutputChunk, k)
		assert.InDelta(t, 0.02, v.TimePerOutputChunk, 1e-12, k)
	}
	// Derived: (2.5 s - 0.5 s) / (101 - 1) = 20 ms.
	v := read(chat("gen_ai.request.stream", true, "gen_ai.response.time_to_first_chunk", 0.5, "gen_ai.usage.output_tokens", 101), 2500*time.Millisecond)
	require.True(t, v.HasTimePerOutputChunk)
	assert.InDelta(t, 0.02, v.TimePerOutputChunk, 1e-9)
	// Reasoning tokens are produced before the first visible chunk.
	v = read(chat("gen_ai.response.time_to_first_chunk", 0.5, "gen_ai.usage.output_tokens", 151, "gen_ai.usage.reasoning.output_tokens", 50), 2500*time.Millisecond)
	assert.InDelta(t, 0.02, v.TimePerOutputChunk, 1e-9)
	// Vercel: its own ms to finish, not the span's duration.
	v = read(map[string]any{"ai.operationId": "ai.streamText.doStream", "ai.model.id": "gpt-4o", "ai.response.msToFirstChunk": 400,
		"ai.response.msToFinish": 1400, "ai.usage.outputTokens": 51}, 9*time.Second)
	assert.InDelta(t, 0.02, v.TimePerOutputChunk, 1e-9)
	// Langfuse: time to first chunk from the completion start time.
	v = read(map[string]any{"langfuse.observation.type": "generation", "langfuse.observation.model.name": "gpt-4o",
		"langfuse.observation.completion_start_time": `"2026-01-02T03:04:05.300000Z"`, "langfuse.observation.usage_details": `{"output": 11}`}, 500*time.Millisecond)
	require.True(t, v.HasTimeToFirstChunk)
	assert.InDelta(t, 0.3, v.TimeToFirstChunk, 1e-9)
	assert.InDelta(t, 0.02, v.TimePerOutputChunk, 1e-9)
	// Not derivable: no TTFC, one token, duration not above the TTFC.
	for _, attrs := range []map[string]any{
		chat("gen_ai.request.stream", true, "gen_ai.usage.output_tokens", 100),
		chat("gen_ai.response.time_to_first_chunk", 0.5, "gen_ai.usage.output_tokens", 1),
		chat("gen_ai.response.time_to_first_chunk", 3.0, "gen_ai.usage.output_tokens", 100),
	} {
		v := read(attrs, 2*time.Second)
		assert.False(t, v.HasTimePerOutputChunk, attrs)
	}
	v = read(map[string]any{"langfuse.observation.type": "generation", "langfuse.observation.completion_start_time": "yesterday"}, time.Second)
	assert.False(t, v.HasTimeToFirstChunk)
	assert.NotEmpty(t, v.Problems)
}

func TestPricingExtras(t *testing.T) {
	v := read(map[string]any{
		"gen_ai.operation.name": "chat", "openai.response.service_tier": "Flex", "gen_ai.request.batch": "true",
		"anthropic.usage.cache_creation.ephemeral_1h_input_tokens": 300, "gen_ai.usage.audio.input_tokens": "12",
		"llm.token_count.completion_details.audio": 4.0, "gen_ai.usage.web_search_requests": 2,
		"gen_ai.request.audio.duration": 1.5, "perplexity.usage.citation_tokens": -4, "gen_ai.usage.images": 1e300,
	})
	x := v.Pricing
	assert.Equal(t, "flex", x.ServiceTier)
	assert.True(t, x.Batch)
	assert.Equal(t, int64(300), x.CacheWrite1h)
	assert.Equal(t, int64(12), x.AudioIn)
	assert.Equal(t, int64(4), x.AudioOut)
	assert.Equal(t, int64(2), x.WebSearches)
	assert.Equal(t, int64(1500), x.AudioMillis)
	assert.Zero(t, x.Citations, "negative counts read as 0")
	assert.Zero(t, x.Images, "absurd counts read as 0")
	assert.False(t, v.UsageUnreadable, "pricing inputs never make usage unreadable")

	var y PricingExtras
	assert.True(t, y.Set("region", pcommon.NewValueStr("EU")))
	assert.Equal(t, "eu", y.Region)
	assert.False(t, y.Set("nope", pcommon.NewValueStr("x")))
	assert.Equal(t, []string{"gen_ai.usage.citation_tokens", "perplexity.usage.citation_tokens"}, PricingKeys("citation_tokens"))
}

func TestUsageUnreadable(t *testing.T) {
	for _, attrs := range []map[string]any{
		{"gen_ai.usage.input_tokens": "lots"},
		{"gen_ai.usage.output_tokens": -3},
		{"llm.token_count.prompt": true},
		{"langfuse.observation.usage_details": "{not json"},
		{"mlflow.chat.tokenUsage": 7},
	} {
		attrs["gen_ai.operation.name"] = "chat"
		assert.True(t, read(attrs).UsageUnreadable, attrs)
	}
	// A bad request parameter or cost is no usage problem.
	for _, attrs := range []map[string]any{
		{"gen_ai.request.max_tokens": "many", "gen_ai.usage.input_tokens": 3},
		{"gen_ai.usage.cost": "free", "gen_ai.usage.input_tokens": 3},
	} {
		attrs["gen_ai.operation.name"] = "chat"
		v := read(attrs)
		assert.False(t, v.UsageUnreadable, attrs)
		assert.NotEmpty(t, v.Problems, attrs)
	}
}

func TestToolArguments(t *testing.T) {
	m := pcommon.NewMap()
	_, ok := ToolArguments(m)
	assert.False(t, ok)
	m.PutStr("input.value", `{"q":1}`)
	m.PutStr("ai.toolCall.input", `{"q":2}`)
	v, ok := ToolArguments(m)
	require.True(t, ok)
	assert.Equal(t, `{"q":2}`, v.Str())
	m.PutStr("gen_ai.tool.call.arguments", `{"q":3}`)
	v, _ = ToolArguments(m)
	assert.Equal(t, `{"q":3}`, v.Str())
}
