package genaicostprocessor

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/periscope-otel/periscope/internal/contract"
)

// coverageCases: one table per class of issue #21 (catalog freshness,
// missing providers and models, name matching), each expected value worked
// out by hand from the provider's published price list (cited per case);
// where the only dated source is the catalog's pinned genai-prices data
// (future price changes), the case says so.
func coverageCases() []costCase {
	return []costCase{
		// Catalog freshness: dated price changes and rates the old catalog missed.
		{n: "fresh gpt-5.6 before its 2026-08-21 cut (5/30)", provider: "openai", req: "gpt-5.6", in: 10000, out: 1000, start: "2026-08-15", want: "0.08", wantID: "openai/gpt-5.6"},
		{n: "fresh gpt-5.6 after its cut (4/20, genai-prices dated)", provider: "openai", req: "gpt-5.6", in: 10000, out: 1000, start: "2026-09-01", want: "0.06", wantID: "openai/gpt-5.6"},
		{n: "fresh gemini-3.6-flash introductory rate through 2026 (0.75/3.75)", provider: "gcp.gemini", req: "gemini-3.6-flash", in: 100000, out: 10000, start: "2026-10-01", want: "0.1125", wantID: "gemini/gemini-3.6-flash"},
		{n: "fresh gemini-3.6-flash list rate from 2027 (1.5/7.5)", provider: "gcp.gemini", req: "gemini-3.6-flash", in: 100000, out: 10000, start: "2027-01-02", want: "0.225", wantID: "gemini/gemini-3.6-flash"},
		// mistral.ai/pricing: Mistral Large 3 $0.5 in / $1.5 out, cached input 10% of input.
		{n: "fresh mistral cache read", provider: "mistral_ai", req: "mistral-large-2512", in: 10000, cr: 8000, out: 1000, want: "0.0029", wantID: "mistral/mistral-large-2512"},
		{n: "fresh mistral-large-latest is Large 3", provider: "mistral_ai", req: "mistral-large-latest", in: 10000, out: 1000, want: "0.0065", wantID: "mistral/mistral-large-latest"},
		// aws.amazon.com/bedrock/pricing: OpenAI GPT-5.4 on Bedrock at 1.1x OpenAI list (2.75/16.5).
		{n: "fresh bedrock gpt-5.4 at 1.1x list", provider: "aws.bedrock", req: "openai.gpt-5.4", in: 10000, out: 1000, want: "0.044", wantID: "bedrock/openai.gpt-5.4"},
		// api-docs.deepseek.com: unified price, cache hit 0.028, miss 0.28, output 0.42 (kept over the sources).
		{n: "keep deepseek unified price", provider: "deepseek", req: "deepseek-reasoner", in: 10000, cr: 8000, out: 1000, want: "0.001204", wantID: "deepseek/deepseek-reasoner"},

		// Missing providers and models.
		// docs.z.ai pricing: GLM-4.6 $0.6 in, $0.11 cached, $2.2 out.
		{n: "zai glm-4.6", provider: "z.ai", req: "glm-4.6", in: 10000, cr: 4000, out: 1000, want: "0.00624", wantID: "zai/glm-4.6"},
		// platform.moonshot.ai pricing: kimi-k2-0905-preview $0.6 miss, $0.15 hit, $2.5 out.
		{n: "moonshot kimi-k2", provider: "moonshot", req: "kimi-k2-0905-preview", in: 10000, cr: 5000, out: 1000, want: "0.00625", wantID: "moonshot/kimi-k2-0905-preview"},
		// cerebras.ai/pricing: Llama 3.3 70B $0.85 in / $1.20 out.
		{n: "cerebras llama-3.3-70b", provider: "cerebras", req: "llama-3.3-70b", in: 10000, out: 1000, want: "0.0097", wantID: "cerebras/llama-3.3-70b"},
		// Hugging Face router bills the chosen provider's rate ("model:provider"); Groq's row in genai-prices.
		{n: "hugging face router with provider suffix", provider: "huggingface", req: "openai/gpt-oss-120b:groq", in: 10000, out: 1000, want: "0.00225", wantID: "huggingface/openai/gpt-oss-120b:groq"},
		{n: "modal hosted model", provider: "modal", req: "moonshotai/Kimi-K3", in: 1000, out: 1000, want: "0.018", wantID: "modal/moonshotai/kimi-k3"},
		// alibabacloud.com Model Studio (international): qwen-plus $0.4 in, $1.2 out, $4 thinking-mode output.
		{n: "dashscope qwen-plus non-thinking", provider: "dashscope", req: "qwen-plus-latest", in: 10000, out: 2000, want: "0.0064", wantID: "dashscope/qwen-plus-latest"},
		{n: "dashscope qwen-plus thinking bills all output at the thinking rate", provider: "dashscope", req: "qwen-plus-latest", in: 10000, out: 2000, reason: 1500, want: "0.012", wantID: "dashscope/qwen-plus-latest"},
		// qwen3-max: 0-32K $1.2/$6, 32K-128K $2.4/$12 (whole request by prompt length).
		{n: "dashscope qwen3-max 32k tier", provider: "dashscope", req: "qwen3-max", in: 40000, out: 1000, want: "0.108", wantID: "dashscope/qwen3-max"},
		{n: "dashscope qwen3-max at 32k stays in the base tier", provider: "dashscope", req: "qwen3-max", in: 32000, out: 1000, want: "0.0444", wantID: "dashscope/qwen3-max"},
		// openai.com/api/pricing: gpt-realtime text $4/$16, audio $32/$64:
		// 1000 text in 0.004 + 2000 audio in 0.064 + 500 text out 0.008 + 1000 audio out 0.064.
		{n: "gpt-realtime audio", provider: "openai", req: "gpt-realtime", in: 3000, out: 1500,
			attrs: map[string]any{"gen_ai.usage.audio.input_tokens": 2000, "gen_ai.usage.audio.output_tokens": 1000}, want: "0.14", wantID: "openai/gpt-realtime"},
		// openai.com/api/pricing: computer-use-preview $3/$12.
		{n: "openai computer-use", provider: "openai", req: "computer-use-preview", in: 10000, out: 1000, want: "0.042", wantID: "openai/computer-use-preview"},
		// mistral.ai/pricing: Pixtral Large $2/$6, Pixtral 12B $0.15/$0.15.
		{n: "pixtral large", provider: "mistral_ai", req: "pixtral-large-2411", in: 10000, out: 1000, want: "0.026", wantID: "mistral/pixtral-large-2411"},
		{n: "pixtral 12b", provider: "mistral_ai", req: "pixtral-12b-2409", in: 10000, out: 1000, want: "0.00165", wantID: "mistral/pixtral-12b-2409"},
		// groq.com/pricing (as listed while served): llama3-70b-8192 $0.59/$0.79, mixtral-8x7b-32768 $0.24/$0.24.
		{n: "older groq llama3-70b-8192", provider: "groq", req: "llama3-70b-8192", in: 10000, out: 1000, want: "0.00669", wantID: "groq/llama3-70b-8192"},
		{n: "older groq mixtral-8x7b-32768", provider: "groq", req: "mixtral-8x7b-32768", in: 10000, out: 1000, want: "0.00264", wantID: "groq/mixtral-8x7b-32768"},
		// fireworks.ai/pricing: gpt-oss-120b $0.15/$0.60.
		{n: "fireworks gpt-oss-120b", provider: "fireworks", req: "accounts/fireworks/models/gpt-oss-120b", in: 10000, out: 1000, want: "0.0021", wantID: "fireworks_ai/accounts/fireworks/models/gpt-oss-120b"},

		// Modality tokens (gen_ai.usage.{image,video}.input_tokens,
		// gen_ai.usage.audio.cache_read.input_tokens, gen_ai.usage.image.output_tokens).
		// openai.com/api/pricing gpt-realtime: text 4/16, audio 32/64, cached text and cached audio 0.4:
		// 500 text 0.002 + 1500 audio 0.048 + 1000 cached text 0.0004 + 2000 cached audio 0.0008 + 1000 audio out 0.064.
		{n: "modality gpt-realtime cached audio", provider: "openai", req: "gpt-realtime", in: 5000, cr: 3000, out: 1000,
			attrs: map[string]any{"gen_ai.usage.audio.input_tokens": 1500, "gen_ai.usage.audio.cache_read.input_tokens": 2000, "gen_ai.usage.audio.output_tokens": 1000},
			want:  "0.1152", wantID: "openai/gpt-realtime"},
		// gpt-image-1: text in 5, image in 10, image out 40: 400 text 0.002 + 600 image 0.006 + 4160 image out 0.1664.
		{n: "modality gpt-image-1 image tokens", provider: "openai", req: "gpt-image-1", op: "image_generation", in: 1000, out: 4160,
			attrs: map[string]any{"gen_ai.usage.image.input_tokens": 600, "gen_ai.usage.image.output_tokens": 4160},
			want:  "0.1744", wantID: "openai/gpt-image-1"},
		// ai.google.dev/gemini-api/docs/pricing: Gemini 2.5 Flash Image output $30/1M image tokens
		// (1290 tokens = $0.039 per image), text input 0.3: 100 text 0.00003 + 1290 image out 0.0387.
		{n: "modality gemini image output tokens, no double per-image fee", provider: "gcp.gemini", req: "gemini-2.5-flash-image", op: "image_generation", in: 100, out: 1290,
			attrs: map[string]any{"gen_ai.usage.image.output_tokens": 1290}, want: "0.03873", wantID: "gemini/gemini-2.5-flash-image"},

		// Name matching.
		// OpenRouter's own row under the router's older Claude spelling (Sonnet 4.5: $3/$15).
		{n: "openrouter claude-4.5-sonnet spelling", provider: "openrouter", req: "anthropic/claude-4.5-sonnet-20250929", in: 1000, out: 1000, want: "0.018", wantID: "openrouter/anthropic/claude-4.5-sonnet-20250929"},
		{n: "openrouter claude-sonnet-4-5 dashed spelling", provider: "openrouter", req: "anthropic/claude-sonnet-4-5", in: 1000, out: 1000, want: "0.018", wantID: "openrouter/anthropic/claude-sonnet-4.5"},
		{n: "openrouter :free variant costs nothing", provider: "openrouter", req: "openai/gpt-oss-120b:free", in: 1000, out: 1000, want: "0", wantID: "openrouter/openai/gpt-oss-120b:free"},
		{n: "openrouter :thinking on a prefixed name", provider: "openrouter", req: "anthropic/claude-3.7-sonnet:thinking", in: 1000, out: 1000, want: "0.018", wantID: "openrouter/anthropic/claude-3.7-sonnet:thinking"},
		// Without a router provider: the upstream vendor's own row (Anthropic: Claude 3.7 Sonnet $3/$15).
		{n: "prefixed :thinking without provider", provider: "", req: "anthropic/claude-3.7-sonnet:thinking", in: 1000, out: 1000, want: "0.018", wantID: "anthropic/claude-3.7-sonnet-latest"},
		// An Anthropic span never takes Vertex's row when Anthropic has its own.
		{n: "anthropic span with vertex @date spelling", provider: "anthropic", req: "claude-sonnet-4-5@20250929", in: 1000, out: 1000, want: "0.018", wantID: "anthropic/claude-sonnet-4-5-20250929"},
		{n: "anthropic alias", provider: "anthropic", req: "claude-opus-4", in: 1000, out: 1000, want: "0.09", wantID: "anthropic/claude-opus-4"},
		{n: "anthropic -latest alias", provider: "anthropic", req: "claude-3-5-sonnet-latest", in: 1000, out: 1000, want: "0.018", wantID: "anthropic/claude-3-5-sonnet-latest"},
		// A model only Vertex lists: another provider's price, flagged.
		{n: "anthropic span priced from vertex is an estimate", provider: "anthropic", req: "claude-opus-4-6@default", in: 1000, out: 1000, want: "0.03", wantID: "vertex_ai/claude-opus-4-6@default", est: true},
	}
}

func TestCoverageCases(t *testing.T) {
	for _, tc := range coverageCases() {
		t.Run(tc.n, func(t *testing.T) {
			cfg := createDefaultConfig()
			require.NoError(t, cfg.Validate())
			sink, consume := newTestTraces(t, cfg)
			consume(caseSpan(tc))
			require.Len(t, sink.AllTraces(), 1)
			a := sink.AllTraces()[0].ResourceSpans().At(0).ScopeSpans().At(0).Spans().At(0).Attributes()
			if tc.want == "0" {
				v, ok := a.Get(contract.AttrCost)
				require.True(t, ok, "cost written")
				assert.Zero(t, v.Double())
				id, _ := a.Get(contract.AttrCostPriceID)
				assert.Equal(t, tc.wantID, id.Str())
				return
			}
			checkCost(t, tc, a)
		})
	}
}
