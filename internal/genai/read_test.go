package genai

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/periscope-otel/periscope/internal/testutil"
)

var update = flag.Bool("update", false, "rewrite testdata/views/*.json from the current reader")

// sampleFiles lists every OTLP/JSON sample, real-client captures included.
func sampleFiles(t testing.TB) []string {
	dir := filepath.Join(testutil.SharedDir(t), "data", "genai-samples")
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	require.NoError(t, err)
	more, err := filepath.Glob(filepath.Join(dir, "real-clients", "*.json"))
	require.NoError(t, err)
	files = append(files, more...)
	require.GreaterOrEqual(t, len(files), 14)
	return files
}

type namedView struct {
	Span string `json:"span"`
	View View   `json:"view"`
}

func readSample(t testing.TB, path string) (ptrace.Traces, plog.Logs) {
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	td, _ := (&ptrace.JSONUnmarshaler{}).UnmarshalTraces(b)
	ld, _ := (&plog.JSONUnmarshaler{}).UnmarshalLogs(b)
	return td, ld
}

func viewsOf(td ptrace.Traces, ld plog.Logs) []namedView {
	var out []namedView
	for i := 0; i < td.ResourceSpans().Len(); i++ {
		rs := td.ResourceSpans().At(i)
		for j := 0; j < rs.ScopeSpans().Len(); j++ {
			spans := rs.ScopeSpans().At(j).Spans()
			for k := 0; k < spans.Len(); k++ {
				out = append(out, namedView{spans.At(k).Name(), ReadSpan(spans.At(k), rs.Resource(), Options{Content: true})})
			}
		}
	}
	for _, g := range GroupLogRecords(ld) {
		out = append(out, namedView{"logs:" + g.SpanID.String(), ReadLogRecords(g.Records, g.Resource, Options{Content: true})})
	}
	return out
}

// TestSampleViews reads every sample and compares the full normalized view
// with the expected one in testdata/views (reviewed by hand; -update
// rewrites them).
func TestSampleViews(t *testing.T) {
	for _, path := range sampleFiles(t) {
		name := strings.TrimSuffix(filepath.Base(path), ".json")
		if filepath.Base(filepath.Dir(path)) == "real-clients" {
			name = "real-clients-" + name
		}
		t.Run(name, func(t *testing.T) {
			got := viewsOf(readSample(t, path))
			require.NotEmpty(t, got)
			gotJSON, err := json.MarshalIndent(got, "", "  ")
			require.NoError(t, err)
			golden := filepath.Join("testdata", "views", name+".json")
			if *update {
				require.NoError(t, os.WriteFile(golden, append(gotJSON, '\n'), 0o600))
				return
			}
			want, err := os.ReadFile(golden)
			require.NoError(t, err)
			assert.JSONEq(t, string(want), string(gotJSON))
		})
	}
}

// TestModelCallInvariants checks what every component relies on, over all
// samples: model-call spans have a model, a provider and token counts in
// OTel's convention; aggregates are never billable.
func TestModelCallInvariants(t *testing.T) {
	billable := 0
	for _, path := range sampleFiles(t) {
		for _, nv := range viewsOf(readSample(t, path)) {
			v := nv.View
			if !v.IsGenAI() {
				continue
			}
			if v.Category == CategoryAgent || v.Category == CategoryWorkflow || v.Category == CategoryChain {
				assert.False(t, v.Billable(), "%s %s: aggregate span must not be billable", path, nv.Span)
			}
			if !v.Billable() {
				continue
			}
			billable++
			assert.NotEmpty(t, v.Model(), "%s %s: model", path, nv.Span)
			assert.NotEmpty(t, v.Provider, "%s %s: provider", path, nv.Span)
			if v.Usage.Has&HasInput != 0 {
				assert.GreaterOrEqual(t, v.Usage.Input, v.Usage.CacheRead+v.Usage.CacheWrite, "%s %s: input includes cache", path, nv.Span)
			}
			if v.Usage.Has&HasOutput != 0 {
				assert.GreaterOrEqual(t, v.Usage.Output, v.Usage.Reasoning, "%s %s: output includes reasoning", path, nv.Span)
			}
		}
	}
	assert.Greater(t, billable, 50)
}

func TestTokenConventions(t *testing.T) {
	cases := []struct {
		name  string
		attrs map[string]any
		want  Usage
	}{
		{"anthropic net of cache is added back", map[string]any{
			"gen_ai.provider.name": "anthropic", "gen_ai.operation.name": "chat", "gen_ai.request.model": "claude-sonnet-4",
			"gen_ai.usage.input_tokens": 100, "gen_ai.usage.output_tokens": 50,
			"gen_ai.usage.cache_read.input_tokens": 900, "gen_ai.usage.cache_creation.input_tokens": 200,
		}, Usage{Input: 1200, Output: 50, Total: 1250, CacheRead: 900, CacheWrite: 200, Has: HasInput | HasOutput | HasCacheRead | HasCacheWrite}},
		{"openai input already includes cache", map[string]any{
			"gen_ai.provider.name": "openai", "gen_ai.operation.name": "chat", "gen_ai.request.model": "gpt-4o",
			"gen_ai.usage.input_tokens": 2048, "gen_ai.usage.output_tokens": 300,
			"gen_ai.usage.cache_read.input_tokens": 1536, "gen_ai.usage.reasoning.output_tokens": 200,
		}, Usage{Input: 2048, Output: 300, Total: 2348, CacheRead: 1536, Reasoning: 200, Has: HasInput | HasOutput | HasCacheRead | HasReasoning}},
		{"output net of reasoning is added back", map[string]any{
			"gen_ai.operation.name": "chat", "gen_ai.request.model": "o3",
			"gen_ai.usage.input_tokens": 10, "gen_ai.usage.output_tokens": 5, "gen_ai.usage.reasoning_tokens": 40,
		}, Usage{Input: 10, Output: 45, Total: 55, Reasoning: 40, Has: HasInput | HasOutput | HasReasoning}},
		{"langfuse stores net values", map[string]any{
			"langfuse.observation.type":          "generation",
			"langfuse.observation.model.name":    "claude-3-5-sonnet",
			"langfuse.observation.usage_details": `{"input": 10, "output": 20, "cache_read_input_tokens": 90, "total": 120}`,
		}, Usage{Input: 100, Output: 20, Total: 120, CacheRead: 90, Has: HasInput | HasOutput | HasTotal | HasCacheRead}},
		{"strings and doubles are accepted", map[string]any{
			"gen_ai.operation.name": "chat", "gen_ai.request.model": "m",
			"gen_ai.usage.input_tokens": "12", "gen_ai.usage.output_tokens": 3.0,
		}, Usage{Input: 12, Output: 3, Total: 15, Has: HasInput | HasOutput}},
		{"mlflow JSON usage", map[string]any{
			"mlflow.spanType": `"CHAT_MODEL"`, "mlflow.llm.model": `"gpt-4o"`,
			"mlflow.chat.tokenUsage": `{"input_tokens": 7, "output_tokens": 2, "total_tokens": 9}`,
		}, Usage{Input: 7, Output: 2, Total: 9, Has: HasInput | HasOutput | HasTotal}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			span := ptrace.NewSpan()
			require.NoError(t, span.Attributes().FromRaw(c.attrs))
			v := ReadSpan(span, pcommon.NewResource(), Options{})
			assert.Equal(t, c.want, v.Usage)
			assert.True(t, v.Billable())
		})
	}
}

func TestProviderAndFinishNormalization(t *testing.T) {
	for in, want := range map[string]string{
		"openai.responses": "openai", "Anthropic": "anthropic", "az.ai.openai": "azure.ai.openai", "AWS": "aws.bedrock",
		"amazon-bedrock": "aws.bedrock", "vertex_ai": "gcp.vertex_ai", "gemini": "gcp.gemini", "google.vertex.chat": "gcp.vertex_ai",
		"MistralAI": "mistral_ai", "xai": "x_ai", "ibm.watson.ai": "ibm.watsonx.ai", "TogetherAI": "together_ai", "langchain": "",
		"OpenRouter": "openrouter", "Google": "gcp.gen_ai", "google.generative-ai": "gcp.gemini",
	} {
		assert.Equal(t, want, NormalizeProvider(in), in)
	}
	for in, want := range map[string]string{
		"end_turn": "stop", "STOP": "stop", "max_tokens": "length", "tool-calls": "tool_call", "tool_use": "tool_call",
		"SAFETY": "content_filter", "content-filter": "content_filter", "error": "error", "other": "other",
	} {
		assert.Equal(t, want, NormalizeFinishReason(in), in)
	}
	assert.Equal(t, "azure.ai.openai", providerFromHost("https://myres.openai.azure.com/openai/deployments/x"))
	assert.Equal(t, "aws.bedrock", providerFromHost("bedrock-runtime.us-east-1.amazonaws.com"))
}

func TestDialectsOfSyntheticSpans(t *testing.T) {
	cases := []struct {
		attrs   map[string]any
		dialect Dialect
		cat     Category
		model   string
	}{
		{map[string]any{"mlflow.spanType": `"CHAT_MODEL"`, "mlflow.llm.model": `"gpt-4o"`, "mlflow.llm.provider": `"openai"`}, DialectMLflow, CategoryLLM, "gpt-4o"},
		{map[string]any{"logfire.msg_template": "Chat Completion with {request_data[model]!r}", "gen_ai.operation.name": "chat", "gen_ai.request.model": "gpt-4o", "gen_ai.system": "openai", "gen_ai.usage.input_tokens": 3}, DialectLogfire, CategoryLLM, "gpt-4o"},
		{map[string]any{"llm.request.type": "completion", "llm.request.model": "davinci-002", "llm.vendor": "OpenAI", "llm.usage.prompt_tokens": 4}, DialectOpenLLMetry, CategoryLLM, "davinci-002"},
		{map[string]any{"traceloop.span.kind": "workflow", "traceloop.workflow.name": "w"}, DialectOpenLLMetry, CategoryWorkflow, ""},
		{map[string]any{"http.method": "GET"}, DialectNone, CategoryNone, ""},
		{map[string]any{"gen_ai.operation.name": "invoke_agent", "gen_ai.usage.input_tokens": 10, "gen_ai.request.model": "gpt-4o"}, DialectSemconv, CategoryAgent, "gpt-4o"},
	}
	for _, c := range cases {
		span := ptrace.NewSpan()
		require.NoError(t, span.Attributes().FromRaw(c.attrs))
		v := ReadSpan(span, pcommon.NewResource(), Options{Content: true})
		assert.Equal(t, c.dialect, v.Dialect, "%v", c.attrs)
		assert.Equal(t, c.cat, v.Category, "%v", c.attrs)
		assert.Equal(t, c.model, v.Model(), "%v", c.attrs)
	}
}

func TestMLflowAndLogfireContent(t *testing.T) {
	span := ptrace.NewSpan()
	require.NoError(t, span.Attributes().FromRaw(map[string]any{
		"mlflow.spanType":      `"CHAT_MODEL"`,
		"mlflow.spanInputs":    `{"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}]}`,
		"mlflow.spanOutputs":   `{"choices": [{"message": {"role": "assistant", "content": "Hello"}, "finish_reason": "stop"}]}`,
		"mlflow.linkedPrompts": `[{"name": "greeter", "version": "3"}]`,
		"mlflow.llm.cost":      `{"input_cost": 0.1, "output_cost": 0.2, "total_cost": 0.3}`,
	}))
	v := ReadSpan(span, pcommon.NewResource(), Options{Content: true})
	assert.Equal(t, "Be brief.", v.SystemText())
	assert.Equal(t, "Hi", v.LastUserText())
	assert.Equal(t, "Hello", v.OutputText())
	assert.Equal(t, []string{"stop"}, v.FinishReasons)
	assert.Equal(t, Prompt{Name: "greeter", Version: "3", Source: "mlflow.linkedPrompts"}, v.Prompt)
	require.NotNil(t, v.ReportedCost)
	assert.InDelta(t, 0.3, v.ReportedCost.USD, 1e-12)

	span = ptrace.NewSpan()
	require.NoError(t, span.Attributes().FromRaw(map[string]any{
		"logfire.msg_template":  "Chat Completion with {request_data[model]!r}",
		"gen_ai.operation.name": "chat", "gen_ai.request.model": "gpt-4o-mini", "gen_ai.system": "openai",
		"request_data":     `{"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "What is 2+2?"}]}`,
		"response_data":    `{"message": {"role": "assistant", "content": "4"}, "usage": {"prompt_tokens": 9}}`,
		"gen_ai.usage.raw": `{"prompt_tokens": 9, "completion_tokens": 1, "prompt_tokens_details": {"cached_tokens": 4}}`,
		"operation.cost":   0.00001,
	}))
	v = ReadSpan(span, pcommon.NewResource(), Options{Content: true})
	assert.Equal(t, DialectLogfire, v.Dialect)
	assert.Equal(t, "What is 2+2?", v.LastUserText())
	assert.Equal(t, "4", v.OutputText())
	assert.Equal(t, int64(4), v.Usage.CacheRead)
	require.NotNil(t, v.ReportedCost)
	assert.Equal(t, "operation.cost", v.ReportedCost.Source)
}

func TestOwnCostIsNotReportedCost(t *testing.T) {
	span := ptrace.NewSpan()
	require.NoError(t, span.Attributes().FromRaw(map[string]any{
		"gen_ai.operation.name": "chat", "gen_ai.request.model": "gpt-4o",
		"gen_ai.usage.cost": 0.5, "periscope.cost.price_id": "openai/gpt-4o",
	}))
	v := ReadSpan(span, pcommon.NewResource(), Options{})
	assert.Nil(t, v.ReportedCost)
}

// TestBadInput: wrong types, invalid JSON, invalid UTF-8, huge strings,
// hostile indexes and empty spans never panic and are reported.
func TestBadInput(t *testing.T) {
	huge := strings.Repeat("a", 5<<20)
	span := ptrace.NewSpan()
	attrs := span.Attributes()
	attrs.PutStr("gen_ai.operation.name", "chat")
	attrs.PutBool("gen_ai.usage.input_tokens", true)
	attrs.PutStr("gen_ai.usage.output_tokens", "many")
	attrs.PutStr("gen_ai.input.messages", `[{"role": "user", "parts": [`)
	attrs.PutStr("gen_ai.output.messages", "[\"\xff\xfe broken\"]")
	attrs.PutStr("gen_ai.system_instructions", "["+huge+"]")
	attrs.PutStr("gen_ai.prompt.99999999.content", "x")
	attrs.PutStr("gen_ai.prompt.-1.content", "x")
	attrs.PutStr("gen_ai.completion.0.content", huge)
	attrs.PutStr("langfuse.observation.usage_details", "{not json")
	attrs.PutInt("gen_ai.usage.cache_read.input_tokens", -5)
	v := ReadSpan(span, pcommon.NewResource(), Options{Content: true, MaxContentBytes: 1024})
	kinds := map[string]bool{}
	for _, p := range v.Problems {
		kinds[p.Kind] = true
	}
	assert.True(t, kinds["wrong_type"], "%v", v.Problems)
	assert.True(t, kinds["invalid_json"], "%v", v.Problems)
	assert.True(t, kinds["too_large"], "%v", v.Problems)
	assert.True(t, kinds["negative"], "%v", v.Problems)
	assert.Zero(t, v.Usage.Has&HasCacheRead, "a negative count is not a count")
	assert.True(t, v.Truncated)
	assert.LessOrEqual(t, v.ContentBytes, 1024)
	for _, m := range v.OutputMessages {
		for _, p := range m.Parts {
			assert.True(t, utf8Valid(p.Content))
		}
	}

	empty := ReadSpan(ptrace.NewSpan(), pcommon.NewResource(), Options{Content: true})
	assert.False(t, empty.IsGenAI())
	assert.Equal(t, CategoryNone, empty.Category)
}

func utf8Valid(s string) bool { return strings.ToValidUTF8(s, "") == s }

func TestLogGrouping(t *testing.T) {
	_, ld := readSample(t, filepath.Join(testutil.SharedDir(t), "data", "genai-samples", "real-clients", "otel-logs.json"))
	groups := GroupLogRecords(ld)
	require.NotEmpty(t, groups)
	total := 0
	for _, g := range groups {
		total += len(g.Records)
		assert.False(t, g.SpanID.IsEmpty())
		for _, lr := range g.Records {
			assert.Equal(t, g.SpanID, lr.SpanID())
		}
		v := ReadLogRecords(g.Records, g.Resource, Options{Content: true})
		assert.Equal(t, DialectSemconvLegacy, v.Dialect)
		assert.False(t, v.Billable(), "content-only records carry no usage and are never billed")
		assert.NotEmpty(t, v.LastUserText())
		assert.NotEmpty(t, v.OutputText())
	}
	assert.Equal(t, ld.LogRecordCount(), total)
}

// TestHugeContentKeepsAPrefix: a content attribute far beyond the budget is
// not parsed whole, but its beginning is still read (evaluators scan it).
func TestHugeContentKeepsAPrefix(t *testing.T) {
	big := strings.Repeat("lorem ipsum dolor sit amet ", 200000) // ~5 MB
	msgs := `[{"role":"system","parts":[{"type":"text","content":"You are terse."}]},` +
		`{"role":"user","parts":[{"type":"text","content":"My card is 4111 1111 1111 1111. ` + big + `"}]}]`
	span := ptrace.NewSpan()
	span.Attributes().PutStr("gen_ai.operation.name", "chat")
	span.Attributes().PutStr("gen_ai.input.messages", msgs)
	v := ReadSpan(span, pcommon.NewResource(), Options{Content: true, MaxContentBytes: 8192})
	require.True(t, v.Truncated)
	require.Len(t, v.InputMessages, 2)
	assert.Equal(t, "system", v.InputMessages[0].Role)
	assert.Equal(t, "You are terse.", v.SystemText())
	assert.True(t, strings.HasPrefix(v.LastUserText(), "My card is 4111 1111 1111 1111."))
	assert.LessOrEqual(t, v.ContentBytes, 8192)
}
