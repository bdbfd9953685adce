package genaicostprocessor

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/processor"
	"go.opentelemetry.io/collector/processor/processortest"
	"go.uber.org/zap"

	"github.com/periscope-otel/periscope/internal/contract"
	"github.com/periscope-otel/periscope/internal/pricing"
	"github.com/periscope-otel/periscope/internal/pricing/catalog"
	"github.com/periscope-otel/periscope/internal/pricing/loaders"
	"github.com/periscope-otel/periscope/internal/testutil"
	"github.com/periscope-otel/periscope/processor/genaicostprocessor/internal/metadata"
)

func litellmPath(t testing.TB) string {
	return filepath.Join(testutil.SharedDir(t), "data", "pricing", "litellm_model_prices.json")
}

func langfusePath(t testing.TB) string {
	return filepath.Join(testutil.SharedDir(t), "data", "pricing", "langfuse_default_model_prices.json")
}

// TestLiteLLMLoads: the full LiteLLM map loads without a single error.
func TestLiteLLMLoads(t *testing.T) {
	data, err := os.ReadFile(litellmPath(t))
	require.NoError(t, err)
	tab, err := loaders.LoadLiteLLM(data, "litellm")
	require.NoError(t, err)
	var raw map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(data, &raw))
	assert.GreaterOrEqual(t, len(raw)-1, 2984) // models besides sample_spec
	// Every entry with a token, image or second price is loaded.
	assert.Greater(t, tab.Len(), 2500)
	assert.NotEmpty(t, tab.Hash)
}

// TestLiteLLMPricesItsOwnArithmetic prices 500 random chat/embedding
// entries of the LiteLLM file (with only that file loaded) and compares with
// in×input_cost_per_token + out×output_cost_per_token computed exactly from
// the JSON text.
func TestLiteLLMPricesItsOwnArithmetic(t *testing.T) {
	data, err := os.ReadFile(litellmPath(t))
	require.NoError(t, err)
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var raw map[string]map[string]any
	require.NoError(t, dec.Decode(&raw))

	var keys []string
	for k, v := range raw {
		mode, _ := v["mode"].(string)
		_, hasIn := v["input_cost_per_token"].(json.Number)
		_, hasOut := v["output_cost_per_token"].(json.Number)
		if k != "sample_spec" && hasIn && hasOut && (mode == "chat" || mode == "completion" || mode == "embedding" || mode == "responses") {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	rng := rand.New(rand.NewPCG(42, 7))
	rng.Shuffle(len(keys), func(i, j int) { keys[i], keys[j] = keys[j], keys[i] })
	keys = keys[:500]

	cfg := createDefaultConfig()
	cfg.DisableEmbedded = true
	cfg.Tables = []TableConfig{{Path: litellmPath(t), Format: FormatLiteLLM}}
	st, err := newStore(cfg, zap.NewNop(), nil)
	require.NoError(t, err)
	cat := st.catalog()

	for _, k := range keys {
		v := raw[k]
		provider := v["litellm_provider"].(string)
		in, out := int64(1234), int64(567)
		if v["mode"] == "embedding" {
			out = 0
		}
		m, ok := cat.Resolve(pricing.Family(provider), k, "", "")
		if !assert.True(t, ok, "resolve %s (%s)", k, provider) {
			continue
		}
		res := pricing.Compute(m.Entry, &pricing.Request{Usage: pricing.Usage{Input: in, Output: out, HasInput: true, HasOutput: true}})
		ic, _, err := pricing.ParseDecimalRounded(string(v["input_cost_per_token"].(json.Number)), 15)
		require.NoError(t, err, k)
		oc, _, err := pricing.ParseDecimalRounded(string(v["output_cost_per_token"].(json.Number)), 15)
		require.NoError(t, err, k)
		want := pricing.MulTokens(ic, in).Add(pricing.MulTokens(oc, out))
		// Per-request fees LiteLLM also bills: old Perplexity models and
		// Perplexity's search-context fee (low when the call names no size).
		if n, ok := v["input_cost_per_request"].(json.Number); ok {
			f, _, err := pricing.ParseDecimalRounded(string(n), 15)
			require.NoError(t, err)
			want = want.Add(pricing.MulTokens(f, 1))
		}
		if sc, ok := v["search_context_cost_per_query"].(map[string]any); ok && provider == "perplexity" {
			if n, ok := sc["search_context_size_low"].(json.Number); ok {
				f, _, err := pricing.ParseDecimalRounded(string(n), 15)
				require.NoError(t, err)
				want = want.Add(pricing.MulTokens(f, 1))
			}
		}
		assert.Equal(t, want.Femtos(), res.Total.Femtos(), "%s (%s) via %s", k, provider, m.Entry.ID)
	}
}

// TestSection8WithLiteLLM re-runs the worked cases with the LiteLLM file
// loaded above the embedded catalog: the same bills come out. Cases that need
// price history are left out: the LiteLLM file keeps only current prices,
// and a loaded table takes precedence over the embedded one.
func TestSection8WithLiteLLM(t *testing.T) {
	path := litellmPath(t)
	cfg := createDefaultConfig()
	cfg.Tables = []TableConfig{{Path: path, Format: FormatLiteLLM}}
	shared, consumeShared := newTestTraces(t, cfg)
	for _, tc := range section8() {
		switch {
		case strings.HasPrefix(tc.n, "39 "), strings.HasPrefix(tc.n, "41 "), tc.cfg != nil && !strings.HasPrefix(tc.n, "16 "):
			continue
		}
		t.Run(tc.n, func(t *testing.T) {
			sink, consume := shared, consumeShared
			if tc.cfg != nil {
				c := createDefaultConfig()
				c.Tables = cfg.Tables
				tc.cfg(c)
				sink, consume = newTestTraces(t, c)
			}
			sink.Reset()
			consume(caseSpan(tc))
			span := sink.AllTraces()[0].ResourceSpans().At(0).ScopeSpans().At(0).Spans().At(0)
			checkAmount(t, tc, span.Attributes().AsRaw())
		})
	}
}

// TestLangfuseLoads: the Langfuse defaults load and price with their own
// patterns and tiers.
func TestLangfuseLoads(t *testing.T) {
	data, err := os.ReadFile(langfusePath(t))
	require.NoError(t, err)
	tab, err := loaders.LoadLangfuse(data, "langfuse")
	require.NoError(t, err)
	assert.GreaterOrEqual(t, len(tab.Patterns), 160)
	// A defect of the Langfuse defaults: gpt-5.4's >272k output rate is
	// below its base rate.
	assert.True(t, slices.ContainsFunc(tab.Warnings, func(w pricing.Warning) bool {
		return w.Kind == pricing.WarnTierBelowBase && w.Entry == "gpt-5.4"
	}))

	cases := []costCase{
		{n: "gpt-4o", provider: "openai", req: "gpt-4o", in: 1000, out: 500, want: "0.0075"},
		{n: "openai prefix", provider: "openai", req: "openai/gpt-4o", in: 1000, out: 500, want: "0.0075"},
		{n: "gemini long context tier", provider: "gcp.gemini", req: "gemini-2.5-pro", in: 250000, cr: 100000, out: 5000, reason: 4000, want: "0.475"},
		{n: "anthropic cache", provider: "anthropic", req: "claude-sonnet-4-5-20250929", in: 25100, cr: 20000, cw: 5000, out: 800, want: "0.03705"},
		{n: "bedrock spelling", provider: "aws.bedrock", req: "eu.anthropic.claude-sonnet-4-5-20250929-v1:0", in: 1000, out: 1000, want: "0.018"},
		{n: "flex", provider: "openai", req: "o3", in: 20000, out: 10000, reason: 9000, attrs: map[string]any{"openai.request.service_tier": "flex"}, want: "0.06"},
		{n: "unknown", provider: "openai", req: "my-custom-llm", in: 1, out: 1, unpriced: contract.UnpricedUnknownModel},
	}
	for _, tc := range cases {
		t.Run(tc.n, func(t *testing.T) {
			cfg := createDefaultConfig()
			cfg.DisableEmbedded = true
			cfg.Tables = []TableConfig{{Path: langfusePath(t), Format: FormatLangfuse}}
			sink, consume := newTestTraces(t, cfg)
			consume(caseSpan(tc))
			span := sink.AllTraces()[0].ResourceSpans().At(0).ScopeSpans().At(0).Spans().At(0)
			checkAmount(t, tc, span.Attributes().AsRaw())
		})
	}
}

// TestValidatorFindsReferenceDefects: the §9 defects of the LiteLLM file
// are reported as load-time warnings.
func TestValidatorFindsReferenceDefects(t *testing.T) {
	data, err := os.ReadFile(litellmPath(t))
	require.NoError(t, err)
	tab, err := loaders.LoadLiteLLM(data, "litellm")
	require.NoError(t, err)
	has := func(kind, entry string) bool {
		return slices.ContainsFunc(tab.Warnings, func(w pricing.Warning) bool { return w.Kind == kind && w.Entry == entry })
	}
	assert.True(t, has(pricing.WarnAnthropicRatio, "anthropic/claude-3-haiku-20240307"), "1h write at 24x input")
	assert.True(t, has(pricing.WarnTierMismatch, "bedrock/us.anthropic.claude-3-5-sonnet-20240620-v1:0"), "geo sibling without the tiers of its base id")
	assert.True(t, has(pricing.WarnTierMismatch, "xai/grok-4-0709"), "grok-4 alias lacks the tiers of grok-4-0709")
	// The embedded catalog carries the corrections.
	emb, err := catalog.Default()
	require.NoError(t, err)
	for _, w := range emb.Warnings {
		assert.NotEqual(t, "anthropic/claude-3-haiku-20240307", w.Entry, w.Msg)
	}
}

// TestHotReload: a changed file is picked up, a broken one keeps the last
// good table, and spans priced before a reload keep the table hash they were
// priced with (§8.1 #52).
func TestHotReload(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "prices.yaml")
	write := func(body string, mtime time.Time) {
		require.NoError(t, os.WriteFile(path, []byte(body), 0o600))
		require.NoError(t, os.Chtimes(path, mtime, mtime))
	}
	t0 := time.Now().Add(-time.Hour)
	write("openai:\n  - {name: gpt-4o, in: 5, out: 20}\n", t0)

	cfg := createDefaultConfig()
	cfg.Tables = []TableConfig{{Path: path, Format: FormatPeriscope}}
	cfg.ReloadInterval = 0 // driven by hand below
	p, err := newCostProcessor(testSettings(), cfg)
	require.NoError(t, err)

	price := func() (float64, string) {
		td := caseSpan(costCase{provider: "openai", req: "gpt-4o", in: 1000, out: 1000})
		_, err := p.processTraces(t.Context(), td)
		require.NoError(t, err)
		a := td.ResourceSpans().At(0).ScopeSpans().At(0).Spans().At(0).Attributes()
		c, _ := a.Get(contract.AttrCost)
		h, _ := a.Get(attrCostTable)
		return c.Double(), h.Str()
	}
	c1, h1 := price()
	assert.Equal(t, 0.025, c1)

	write("openai:\n  - {name: gpt-4o, in: 1, out: 2}\n", t0.Add(time.Minute))
	p.store.reload(false)
	c2, h2 := price()
	assert.Equal(t, 0.003, c2)
	assert.NotEqual(t, h1, h2, "new table, new provenance hash")

	write("openai:\n  - {name: gpt-4o, in: -1, out: oops}\n", t0.Add(2*time.Minute))
	p.store.reload(false)
	c3, h3 := price()
	assert.Equal(t, 0.003, c3, "a broken file keeps the last good table")
	assert.Equal(t, h2, h3)

	require.NoError(t, os.Remove(path))
	p.store.reload(false)
	c4, _ := price()
	assert.Equal(t, 0.003, c4, "a vanished file keeps the last good table")
}

// TestReloadLoop: the background poller notices a change.
func TestReloadLoop(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "prices.yaml")
	require.NoError(t, os.WriteFile(path, []byte("openai:\n  - {name: gpt-4o, in: 5, out: 20}\n"), 0o600))
	old := time.Now().Add(-time.Hour)
	require.NoError(t, os.Chtimes(path, old, old))
	cfg := createDefaultConfig()
	cfg.Tables = []TableConfig{{Path: path, Format: FormatPeriscope}}
	cfg.ReloadInterval = time.Second
	p, err := newCostProcessor(testSettings(), cfg)
	require.NoError(t, err)
	require.NoError(t, p.start(t.Context(), nil))
	defer func() { require.NoError(t, p.shutdown(t.Context())) }()
	h0 := p.store.catalog().Hash
	require.NoError(t, os.WriteFile(path, []byte("openai:\n  - {name: gpt-4o, in: 1, out: 2}\n"), 0o600))
	assert.Eventually(t, func() bool { return p.store.catalog().Hash != h0 }, 5*time.Second, 50*time.Millisecond)
}

// TestMalformedFiles: every structural error names the file and the entry,
// and none of them panics.
func TestMalformedFiles(t *testing.T) {
	cases := []struct {
		name, format, body, wantInErr string
	}{
		{"litellm not json", FormatLiteLLM, `{"gpt-4o": `, "bad.json"},
		{"litellm string price", FormatLiteLLM, `{"gpt-4o": {"litellm_provider": "openai", "mode": "chat", "input_cost_per_token": "cheap"}}`, `"gpt-4o"`},
		{"litellm negative price", FormatLiteLLM, `{"gpt-4o": {"litellm_provider": "openai", "mode": "chat", "input_cost_per_token": -1e-6}}`, `"gpt-4o"`},
		{"langfuse no default tier", FormatLangfuse, `[{"modelName": "m", "matchPattern": "m", "pricingTiers": [{"isDefault": false, "conditions": [{"operator": "gt"}], "prices": {"input": 1e-6}}]}]`, "model m"},
		{"langfuse bad price", FormatLangfuse, `[{"modelName": "m", "matchPattern": "m", "pricingTiers": [{"isDefault": true, "prices": {"input": "x"}}]}]`, "bad.json"},
		{"periscope unknown key", FormatPeriscope, "openai:\n  - {name: gpt-4o, inp: 2}\n", "openai[0]"},
		{"periscope not a list", FormatPeriscope, "openai: 3\n", "openai"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "bad.json")
			require.NoError(t, os.WriteFile(path, []byte(tc.body), 0o600))
			_, err := loadFile(TableConfig{Path: path, Format: tc.format})
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.wantInErr)
		})
	}
}

func testSettings() processor.Settings { return processortest.NewNopSettings(metadata.Type) }

// checkAmount checks the amount (or the unpriced marker) only.
func checkAmount(t *testing.T, tc costCase, a map[string]any) {
	t.Helper()
	if tc.unpriced != "" {
		assert.NotContains(t, a, contract.AttrCost)
		assert.Equal(t, tc.unpriced, a[contract.AttrCostUnpriced])
		return
	}
	require.Contains(t, a, contract.AttrCost, "unpriced=%v", a[contract.AttrCostUnpriced])
	want, err := strconv.ParseFloat(tc.want, 64)
	require.NoError(t, err)
	assert.InDelta(t, want, a[contract.AttrCost], 1e-12, "price id %v", a[contract.AttrCostPriceID])
}
