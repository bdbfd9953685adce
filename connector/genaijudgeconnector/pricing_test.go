package genaijudgeconnector

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/periscope-otel/periscope/connector/genaijudgeconnector/internal/metadata"
	"github.com/periscope-otel/periscope/internal/contract"
	"go.opentelemetry.io/collector/connector/connectortest"
	"go.opentelemetry.io/collector/consumer/consumertest"
)

// usageReply answers with a verdict and OpenAI's usage shape, cached and
// reasoning details included.
func usageReply(model string, prompt, cached, completion int64) func(int64, http.ResponseWriter, *http.Request) {
	return func(_ int64, w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{
			"model":   model,
			"choices": []any{map[string]any{"message": map[string]any{"role": "assistant", "content": `{"score":1,"verdict":"fail","reason":"r"}`}}},
			"usage": map[string]any{"prompt_tokens": prompt, "completion_tokens": completion,
				"prompt_tokens_details": map[string]any{"cached_tokens": cached}},
		})
	}
}

func judgeCost(t *testing.T, cfg *Config) (float64, bool) {
	t.Helper()
	h := newHarness(t, cfg)
	require.NoError(t, h.c.ConsumeTraces(context.Background(), failingCall(1)))
	recs := h.waitRecords(t, 1)
	v, ok := recs[0].Attributes().Get(contract.AttrJudgeCost)
	if !ok {
		return 0, false
	}
	return v.Double(), true
}

// Without price, a judge call is priced by the genai_cost engine's catalog
// from the reply's model and usage (cache reads at their own rate).
func TestCostFromCatalog(t *testing.T) {
	judge := newStubJudge(t, usageReply("gpt-4o-mini-2024-07-18", 1000, 200, 100))
	cfg := testConfig(judge.URL + "/v1")
	cfg.Model, cfg.Provider = "gpt-4o-mini", "openai"
	cfg.Rubrics = []string{RubricFaithfulness}
	cost, ok := judgeCost(t, cfg)
	require.True(t, ok, "cost written")
	// gpt-4o-mini: $0.15 input, $0.075 cached input, $0.60 output per million tokens.
	assert.InDelta(t, (800*0.15+200*0.075+100*0.60)/1e6, cost, 1e-12)
}

// price overrides the catalog, also at zero (a self-hosted judge).
func TestPriceOverridesCatalog(t *testing.T) {
	judge := newStubJudge(t, usageReply("gpt-4o-mini", 1000, 0, 100))
	cfg := testConfig(judge.URL + "/v1")
	cfg.Model = "gpt-4o-mini"
	cfg.Rubrics = []string{RubricFaithfulness}
	cfg.Price = &PriceConfig{InputPerMTok: 1, OutputPerMTok: 2}
	cost, ok := judgeCost(t, cfg)
	require.True(t, ok)
	assert.InDelta(t, (1000*1+100*2)/1e6, cost, 1e-12)

	cfg2 := testConfig(judge.URL + "/v1")
	cfg2.Model = "gpt-4o-mini"
	cfg2.Rubrics = []string{RubricFaithfulness}
	cfg2.Price = &PriceConfig{}
	_, ok = judgeCost(t, cfg2)
	assert.False(t, ok, "a zero price writes no cost")
}

// The spend budget, priced from the catalog, caps the calls.
func TestCatalogPricedBudgetCapsCalls(t *testing.T) {
	judge := newStubJudge(t, usageReply("gpt-4o-mini", 1000, 0, 100)) // $0.00021 per call
	cfg := testConfig(judge.URL + "/v1")
	cfg.Model = "gpt-4o-mini"
	cfg.Rubrics = []string{RubricFaithfulness}
	cfg.Concurrency = 1
	cfg.Budget.MaxUSDPerHour = 0.0005
	h := newHarness(t, cfg)
	for i := 0; i < 10; i++ {
		require.NoError(t, h.c.ConsumeTraces(context.Background(), failingCall(i)))
	}
	require.Eventually(t, func() bool {
		return h.counter(t, "judged")+h.counter(t, "failures", attribute.String("reason", "budget")) == 10
	}, 5*time.Second, 5*time.Millisecond)
	assert.Equal(t, int64(3), judge.calls.Load(), "0.00021 × 3 reaches $0.0005")
	assert.Equal(t, int64(7), h.counter(t, "failures", attribute.String("reason", "budget")))
}

// An unknown judge model without price: a clear warning, no cost, and the
// budget is enforced by calls only (every call is still judged).
func TestUnknownModelWithoutPrice(t *testing.T) {
	judge := newStubJudge(t, usageReply("northwind-judge-7b", 1000, 0, 100))
	cfg := testConfig(judge.URL + "/v1")
	cfg.Model = "northwind-judge-7b"
	cfg.Rubrics = []string{RubricFaithfulness}
	cfg.Budget.MaxUSDPerHour = 1e-9
	core, logs := observer.New(zap.InfoLevel)
	set := connectortest.NewNopSettings(metadata.Type)
	set.Logger = zap.New(core)
	sink := &consumertest.LogsSink{}
	c, err := newJudgeConnector(set, cfg, sink)
	require.NoError(t, err)
	require.NoError(t, c.Start(context.Background(), nil))
	defer func() { require.NoError(t, c.Shutdown(context.Background())) }()
	require.Equal(t, 1, logs.FilterMessageSnippet("no price in the catalog").FilterField(zap.String("model", "northwind-judge-7b")).Len())
	for i := 0; i < 3; i++ {
		require.NoError(t, c.ConsumeTraces(context.Background(), failingCall(i)))
	}
	require.Eventually(t, func() bool { return sink.LogRecordCount() == 3 }, 5*time.Second, 5*time.Millisecond)
	for _, ld := range sink.AllLogs() {
		_, ok := ld.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(0).Attributes().Get(contract.AttrJudgeCost)
		assert.False(t, ok, "no cost for an unpriced judge call")
	}
}

func TestJudgeProvider(t *testing.T) {
	for endpoint, want := range map[string]string{
		"https://api.openai.com/v1":                                "openai",
		"https://myres.openai.azure.com/openai/deployments/judge":  "azure.ai.openai",
		"https://api.anthropic.com/v1/":                            "anthropic",
		"https://generativelanguage.googleapis.com/v1beta/openai/": "gcp.gemini",
		"https://openrouter.ai/api/v1":                             "openrouter",
		"http://127.0.0.1:8000/v1":                                 "",
		"http://vllm.internal:8000/v1":                             "",
	} {
		assert.Equal(t, want, judgeProvider(&Config{Endpoint: endpoint}), endpoint)
	}
	assert.Equal(t, "anthropic", judgeProvider(&Config{Endpoint: "http://proxy:4000/v1", Provider: "anthropic"}))
}

// A judge that reports no usage is still costed (estimated from the
// request and reply sizes), so the spend budget counts its calls; no
// token counts are written.
func TestMissingUsageEstimated(t *testing.T) {
	judge := newStubJudge(t, func(_ int64, w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"model": "gpt-4o-mini",
			"choices": []any{map[string]any{"message": map[string]any{"role": "assistant", "content": `{"score":1,"verdict":"fail","reason":"r"}`}}}})
	})
	cfg := testConfig(judge.URL + "/v1")
	cfg.Model = "gpt-4o-mini"
	cfg.Rubrics = []string{RubricFaithfulness}
	h := newHarness(t, cfg)
	require.NoError(t, h.c.ConsumeTraces(context.Background(), failingCall(1)))
	lr := h.waitRecords(t, 1)[0]
	cost, ok := lr.Attributes().Get(contract.AttrJudgeCost)
	require.True(t, ok)
	// The request is ~1.5 KB: a few hundred estimated input tokens at $0.15 per million.
	assert.Greater(t, cost.Double(), 100*0.15/1e6)
	assert.Less(t, cost.Double(), 2000*0.15/1e6)
	_, hasTokens := lr.Attributes().Get(contract.AttrJudgeInputTokens)
	assert.False(t, hasTokens, "estimated tokens are not reported as the judge's")
}

// Concurrent workers cannot overshoot the spend budget together: a call in
// flight holds a reservation of the last call's cost.
func TestBudgetHoldsWithConcurrency(t *testing.T) {
	judge := newStubJudge(t, func(n int64, w http.ResponseWriter, r *http.Request) {
		time.Sleep(20 * time.Millisecond) // several calls in flight
		usageReply("gpt-4o-mini", 1000, 0, 100)(n, w, r)
	})
	cfg := testConfig(judge.URL + "/v1")
	cfg.Model = "gpt-4o-mini"
	cfg.Rubrics = []string{RubricFaithfulness}
	cfg.Concurrency = 4
	cfg.Budget.MaxUSDPerHour = 0.0005 // $0.00021 a call
	h := newHarness(t, cfg)
	require.NoError(t, h.c.ConsumeTraces(context.Background(), failingCall(0)))
	h.waitRecords(t, 1) // the first call's cost is known
	for i := 1; i < 20; i++ {
		require.NoError(t, h.c.ConsumeTraces(context.Background(), failingCall(i)))
	}
	require.Eventually(t, func() bool {
		return h.counter(t, "judged")+h.counter(t, "failures", attribute.String("reason", "budget")) == 20
	}, 5*time.Second, 5*time.Millisecond)
	assert.Equal(t, int64(3), judge.calls.Load(), "3 × $0.00021 reaches $0.0005, whatever the concurrency")
}
