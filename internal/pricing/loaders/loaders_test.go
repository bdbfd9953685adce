package loaders

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/periscope-otel/periscope/internal/pricing"
)

func TestLiteLLMFields(t *testing.T) {
	tab, err := LoadLiteLLM([]byte(`{
	  "sample_spec": {"input_cost_per_token": "see docs"},
	  "claude-x": {"litellm_provider": "anthropic", "mode": "chat", "input_cost_per_token": 3e-06, "output_cost_per_token": 1.5e-05,
	    "cache_creation_input_token_cost": 3.75e-06, "cache_creation_input_token_cost_above_1hr": 6e-06,
	    "input_cost_per_token_above_200k_tokens": 6e-06, "cache_creation_input_token_cost_above_1hr_above_200k_tokens": 1.2e-05,
	    "provider_specific_entry": {"us": 1.1, "fast": 6.0},
	    "search_context_cost_per_query": {"search_context_size_medium": 0.01}},
	  "xai/grok-y": {"litellm_provider": "xai", "mode": "chat", "input_cost_per_token": 3e-06, "input_cost_per_token_above_128k_tokens": 6e-06},
	  "gpt-z": {"litellm_provider": "openai", "mode": "chat", "input_cost_per_token": 1e-06, "input_cost_per_token_flex": 5e-07,
	    "input_cost_per_token_above_272k_tokens_flex": 1e-06, "regional_processing_uplift_multiplier_eu": 1.1},
	  "no-price": {"litellm_provider": "openai", "mode": "chat", "max_tokens": 10}
	}`), "t.json")
	require.NoError(t, err)
	c := tab.Get("anthropic", "claude-x").Current()
	assert.Equal(t, int64(6_000_000_000), c.Base.V[pricing.CacheWrite1h])
	require.Len(t, c.Tiers, 1)
	assert.Equal(t, int64(200_000), c.Tiers[0].Threshold)
	assert.Equal(t, int64(12_000_000_000), c.Tiers[0].Rates.V[pricing.CacheWrite1h])
	assert.Equal(t, uint64(6_000_000), c.Modes[pricing.Fast].Factor)
	assert.Equal(t, uint64(1_100_000), c.Geo["us"])
	assert.Equal(t, int64(10_000_000_000_000), c.PerSearch)
	x := tab.Get("xai", "grok-y").Current()
	assert.Equal(t, pricing.AtLeast, x.Tiers[0].Boundary)
	g := tab.Get("openai", "gpt-z").Current()
	assert.Equal(t, int64(500_000_000), g.Modes[pricing.Flex].Rates.V[pricing.Input])
	assert.Len(t, g.Modes[pricing.Flex].Tiers, 1)
	assert.Equal(t, uint64(1_100_000), g.Residency["eu"])
	assert.Nil(t, tab.Get("openai", "no-price"), "an entry without a price stays unknown, never $0")
}

func TestLangfuseHistory(t *testing.T) {
	tab, err := LoadLangfuse([]byte(`[
	  {"modelName": "m", "matchPattern": "(?i)^(openai/)?m$", "startDate": "2025-06-10T00:00:00Z",
	   "pricingTiers": [{"isDefault": true, "priority": 0, "conditions": [], "prices": {"input": 2e-6, "output": 8e-6}}]},
	  {"modelName": "m", "matchPattern": "(?i)^(openai/)?m$",
	   "pricingTiers": [{"isDefault": true, "priority": 0, "conditions": [], "prices": {"input": 1e-5, "output": 4e-5}}]},
	  {"modelName": "lookahead", "matchPattern": "(?=x)x", "pricingTiers": [{"isDefault": true, "prices": {"input": 1e-6}}]}
	]`), "lf.json")
	require.NoError(t, err)
	require.Len(t, tab.Patterns, 1, "the RE2-incompatible pattern is skipped with a warning")
	assert.Equal(t, pricing.WarnBadEntry, tab.Warnings[0].Kind)
	e := tab.Patterns[0].Entry
	require.Len(t, e.Versions, 2)
	assert.True(t, tab.Patterns[0].Re.MatchString("openai/m"))
	assert.False(t, tab.Patterns[0].Re.MatchString("xm"), "anchored: never a substring")
}

// FuzzLiteLLM: the LiteLLM loader never panics on hostile JSON.
func FuzzLiteLLM(f *testing.F) {
	f.Add([]byte(`{"gpt-4o": {"litellm_provider": "openai", "mode": "chat", "input_cost_per_token": 2.5e-06, "output_cost_per_token": 1e-05}}`))
	f.Add([]byte(`{"x": {"input_cost_per_token_above_99999999999k_tokens": 1, "provider_specific_entry": {"fast": -1}}}`))
	f.Add([]byte(`{"x": {"litellm_provider": "xai", "input_cost_per_token_above_128k_tokens_flex": 1e-400}}`))
	f.Add([]byte(`[]`))
	f.Add([]byte(`{"x": null, "y": [], "z": {"search_context_cost_per_query": "x"}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		tab, err := LoadLiteLLM(data, "fuzz.json")
		if err == nil && tab == nil {
			t.Fatal("nil table without error")
		}
	})
}

// FuzzLangfuse: the Langfuse loader never panics on hostile JSON.
func FuzzLangfuse(f *testing.F) {
	f.Add([]byte(`[{"modelName": "gpt-4o", "matchPattern": "(?i)^(openai/)?(gpt-4o)$", "pricingTiers": [{"isDefault": true, "priority": 0, "conditions": [], "prices": {"input": 2.5e-6, "output": 1e-5}}, {"isDefault": false, "priority": 1, "conditions": [{"usageDetailPattern": "input", "operator": "gt", "value": 200000}], "prices": {"input": 5e-6}}]}]`))
	f.Add([]byte(`[{"modelName": "m", "matchPattern": "(", "pricingTiers": []}]`))
	f.Add([]byte(`[{"modelName": "m", "matchPattern": "m", "startDate": "yesterday", "inputPrice": 1}]`))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		tab, err := LoadLangfuse(data, "fuzz.json")
		if err == nil && tab == nil {
			t.Fatal("nil table without error")
		}
	})
}
