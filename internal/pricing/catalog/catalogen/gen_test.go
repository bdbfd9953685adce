package catalogen

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/periscope-otel/periscope/internal/pricing"
	"github.com/periscope-otel/periscope/internal/pricing/catalog"
)

func TestDecimal(t *testing.T) {
	for v, want := range map[int64]string{0: "0", 1: "0.000000001", 2_500_000_000: "2.5", 37_500_000: "0.0375", 30_000_000_000: "30", -1_500_000_000: "-1.5"} {
		assert.Equal(t, want, decimal(v, rateScale), v)
	}
}

// Small inputs in each source's own format.
const (
	tinyLiteLLM = `{
 "sample_spec": {"input_cost_per_token": 0},
 "gpt-x": {"litellm_provider": "openai", "mode": "chat", "input_cost_per_token": 2e-06, "output_cost_per_token": 8e-06,
   "input_cost_per_token_batches": 1e-06, "output_cost_per_token_batches": 4e-06},
 "gpt-y": {"litellm_provider": "openai", "mode": "chat", "input_cost_per_token": 5e-06, "output_cost_per_token": 3e-05},
 "mistral/mistral-z": {"litellm_provider": "mistral", "mode": "chat", "input_cost_per_token": 5e-07, "output_cost_per_token": 1.5e-06},
 "dashscope/qwen-q": {"litellm_provider": "dashscope", "mode": "chat", "tiered_pricing": [
   {"input_cost_per_token": 4e-07, "output_cost_per_token": 1.2e-06, "output_cost_per_reasoning_token": 4e-06, "range": [0, 256000.0]},
   {"input_cost_per_token": 1.2e-06, "output_cost_per_token": 3.6e-06, "output_cost_per_reasoning_token": 1.2e-05, "range": [256000.0, 1000000.0]}]},
 "searchapi/thing": {"litellm_provider": "searchapi", "mode": "search", "input_cost_per_query": 0.01},
 "openai/own": {"litellm_provider": "openai", "mode": "chat", "input_cost_per_token": 1e-06, "output_cost_per_token": 1e-06}
}`
	tinyGenAI = `[
 {"id": "openai", "models": [
   {"id": "gpt-x", "match": {"or": [{"equals": "gpt-x"}, {"equals": "gpt-x-2026-01-01"}]}, "prices": {"input_mtok": 2, "output_mtok": 8, "cache_read_mtok": 0.5}},
   {"id": "gpt-y", "match": {"equals": "gpt-y"}, "prices": [
     {"prices": {"input_mtok": 5, "output_mtok": 30}},
     {"constraint": {"type": "start_date", "start_date": "2026-08-21"}, "prices": {"input_mtok": 4, "output_mtok": 20,
       "cache_read_mtok": {"base": 0.4, "tiers": [{"start": 271999, "price": 0.8}]}}},
     {"constraint": {"type": "time_of_date", "start_time": "00:00:00Z", "end_time": "08:00:00Z"}, "prices": {"input_mtok": 9, "output_mtok": 9}}]},
   {"id": "own", "match": {"equals": "own"}, "prices": {"input_mtok": 7, "output_mtok": 7}}]},
 {"id": "mistral", "models": [
   {"id": "mistral-z", "match": {"equals": "mistral-z"}, "prices": {"input_mtok": 0.5, "output_mtok": 1.5, "cache_read_mtok": 0.05}}]},
 {"id": "openrouter", "models": [
   {"id": "meta-llama/llama-9:free", "match": {"equals": "meta-llama/llama-9:free"}, "prices": {}}]},
 {"id": "huggingface_groq", "models": [
   {"id": "openai/gpt-oss-120b", "match": {"equals": "openai/gpt-oss-120b"}, "prices": {"input_mtok": 0.15, "output_mtok": 0.75}}]},
 {"id": "github-copilot", "models": [{"id": "gpt-x", "match": {"equals": "gpt-x"}, "prices": {"input_mtok": 1, "output_mtok": 1}}]}
]`
	tinyOverrides = `openai:
  - {name: own, in: 1, out: 2, since: "2026-12-05", note: "ours"}
`
)

func tinyInputs() Inputs {
	return Inputs{
		LiteLLM: []byte(tinyLiteLLM), GenAIPrices: []byte(tinyGenAI), Overrides: []byte(tinyOverrides),
		Sources: []Source{{Name: "genai-prices", Version: "t", Date: "2026-09-23", License: "MIT"}, {Name: "litellm", Version: "t", Date: "2026-08-01", License: "MIT"}},
	}
}

// TestPrecedence: overrides beat every source; genai-prices beats LiteLLM;
// agreeing rows are merged (LiteLLM's modes + genai-prices' extra rates);
// a genai-prices price change keeps LiteLLM's row as the earlier price.
func TestPrecedence(t *testing.T) {
	res, err := Generate(tinyInputs())
	require.NoError(t, err)
	tab, err := catalog.Parse(res.Catalog, "t")
	require.NoError(t, err)
	line := func(f, n string) string {
		e := tab.Get(f, n)
		require.NotNil(t, e, f+"/"+n)
		return strings.TrimPrefix(Line(e), "  - ")
	}
	// Periscope override wins over both sources.
	assert.Equal(t, "{name: own, in: 1, out: 2}", line("openai", "own"))
	// Same base rates: LiteLLM's batch mode kept, genai-prices' cache rate added.
	assert.Equal(t, "{name: gpt-x, in: 2, out: 8, cache_read: 0.5, batch: {in: 1, out: 4}}", line("openai", "gpt-x"))
	// A match rule's extra exact names become keys.
	assert.NotNil(t, tab.Get("openai", "gpt-x-2026-01-01"))
	// A dated change: the new price from its start date, LiteLLM's row before;
	// "start: 271999" is the at-least-272k tier; time-of-day prices are ignored.
	assert.Equal(t, "{name: gpt-y, in: 4, out: 20, cache_read: 0.4, tiers: [{at_least: 272000, cache_read: 0.8}], history: [{until: 2026-08-21, in: 5, out: 30}]}", line("openai", "gpt-y"))
	// Mistral's cache-read rate from genai-prices.
	assert.Equal(t, "{name: mistral-z, in: 0.5, out: 1.5, cache_read: 0.05}", line("mistral", "mistral-z"))
	// LiteLLM tiered pricing (DashScope): whole-request tiers, thinking rate.
	assert.Equal(t, "{name: qwen-q, in: 0.4, out: 1.2, reasoning: 4, tiers: [{above: 256000, in: 1.2, out: 3.6, reasoning: 12}], thinking_output: true}", line("dashscope", "qwen-q"))
	// OpenRouter ":free" rows cost nothing; Hugging Face rows are keyed model:provider.
	assert.Equal(t, `{name: "meta-llama/llama-9:free", in: 0, out: 0}`, line("openrouter", "meta-llama/llama-9:free"))
	assert.NotNil(t, tab.Get("huggingface", "openai/gpt-oss-120b:groq"))
	// Providers not imported stay out.
	assert.Nil(t, tab.Get("github-copilot", "gpt-x"))
	assert.Nil(t, tab.Get("searchapi", "thing"))

	assert.Contains(t, string(res.Catalog), "# periscope since 2026-12-05: ours")
	assert.Contains(t, res.Report, "openai/own — used periscope")
	assert.Contains(t, res.Report, "openai/gpt-y — used genai-prices")
	assert.Contains(t, res.Report, "constraint time_of_date ×1")
}

// TestDeterministic: the same inputs give the same bytes.
func TestDeterministic(t *testing.T) {
	a, err := Generate(tinyInputs())
	require.NoError(t, err)
	for range 5 {
		b, err := Generate(tinyInputs())
		require.NoError(t, err)
		require.True(t, bytes.Equal(a.Catalog, b.Catalog))
		require.Equal(t, a.Report, b.Report)
	}
}

// TestReportDiffs: the report lists new models and changed prices with
// their effective dates against the previous catalog.
func TestReportDiffs(t *testing.T) {
	in := tinyInputs()
	in.Previous = []byte("version: x\nopenai:\n  - {name: gpt-y, in: 5, out: 30}\n  - {name: gone, in: 1, out: 1}\n")
	res, err := Generate(in)
	require.NoError(t, err)
	assert.Contains(t, res.Report, "## New models")
	assert.Contains(t, res.Report, "- openai/gpt-x (litellm+genai-prices)")
	assert.Contains(t, res.Report, "- openai/gpt-y (genai-prices, price, effective 2026-08-21): in 5, out 30 → in 4, out 20, cache_read 0.4, 1 tier(s)")
	assert.Contains(t, res.Report, "## Removed models (1)\n\n- openai/gone")
}

func TestOverridesNeedADate(t *testing.T) {
	in := tinyInputs()
	in.Overrides = []byte("openai:\n  - {name: own, in: 1, out: 2}\n")
	_, err := Generate(in)
	require.ErrorContains(t, err, "since")
	in.Overrides = []byte("openai:\n  - {name: own, in: 1, out: 2, since: \"2026-01-01\", typo: 3}\n")
	_, err = Generate(in)
	require.ErrorContains(t, err, "typo")
}

// TestCommittedCatalogCoverage: every provider family the processor
// promises is in the committed catalog. That the catalog is what the pinned
// sources produce is `make catalog-check` (in `make test`): it needs the
// npm package, which a plain `go test` does not fetch.
func TestCommittedCatalogCoverage(t *testing.T) {
	committed, err := os.ReadFile("../catalog.yaml")
	require.NoError(t, err)
	// Every provider family the processor promises is covered.
	tab, err := catalog.Parse(committed, "c")
	require.NoError(t, err)
	fams := map[string]int{}
	tab.Entries(func(e *pricing.Entry) { fams[e.Family]++ })
	for _, f := range []string{"zai", "zhipuai", "moonshot", "cerebras", "huggingface", "modal", "dashscope", "fireworks_ai", "openrouter", "groq"} {
		assert.Positive(t, fams[f], f)
	}
}
