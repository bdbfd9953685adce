package genaicostprocessor

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/processor/processortest"

	"github.com/periscope-otel/periscope/internal/contract"
	"github.com/periscope-otel/periscope/processor/genaicostprocessor/internal/metadata"
)

// costCase is one worked case of the pricing reference (§8, §8.1): a span
// as an instrumentation would emit it and the cost the provider bills.
type costCase struct {
	n        string
	provider string
	req      string // gen_ai.request.model
	resp     string // gen_ai.response.model
	op       string // default chat
	in, out  int64  // -1 = absent
	cr, cw   int64
	reason   int64
	attrs    map[string]any // extra span attributes
	start    string         // span start date (default 2026-08-15)
	cfg      func(*Config)

	want     string // expected USD ("" = unpriced)
	wantID   string
	unpriced string
	est      bool
}

const defaultStart = "2026-08-15"

func section8() []costCase {
	return []costCase{
		{n: "1 baseline", provider: "openai", req: "gpt-4o", in: 1000, out: 500, want: "0.0075", wantID: "openai/gpt-4o"},
		{n: "2 cache read is a subset of input", provider: "openai", req: "gpt-4o", in: 10000, cr: 8000, out: 200, want: "0.017", wantID: "openai/gpt-4o"},
		{n: "3 response model preferred", provider: "openai", req: "gpt-4o", resp: "gpt-4o-2024-08-06", in: 1000, out: 500, want: "0.0075", wantID: "openai/gpt-4o-2024-08-06"},
		{n: "4 reasoning is a subset of output", provider: "openai", req: "o4-mini-2025-04-16", in: 2000, out: 1000, reason: 800, want: "0.0066", wantID: "openai/o4-mini-2025-04-16"},
		{n: "5 gemini thoughts (OTel form)", provider: "gcp.gemini", req: "gemini-2.5-flash", in: 1000, out: 1500, reason: 1200, want: "0.00405", wantID: "gemini/gemini-2.5-flash"},
		{n: "5b gemini thoughts reported beside candidates", provider: "gcp.gemini", req: "gemini-2.5-flash", in: 1000, out: 300, reason: 1200, want: "0.00405", wantID: "gemini/gemini-2.5-flash"},
		{n: "6 anthropic cache read and 5m write", provider: "anthropic", req: "claude-sonnet-4-5-20250929", in: 25100, cr: 20000, cw: 5000, out: 800, want: "0.03705", wantID: "anthropic/claude-sonnet-4-5-20250929"},
		{n: "7 1h cache write is 2x input", provider: "anthropic", req: "claude-sonnet-4-5", in: 10050, cw: 10000, out: 100,
			attrs: map[string]any{"gen_ai.usage.cache_creation.ephemeral_1h_input_tokens": 10000}, want: "0.06165", wantID: "anthropic/claude-sonnet-4-5"},
		{n: "8 mixed 5m/1h write", provider: "anthropic", req: "claude-opus-4-1-20250805", in: 9000, cw: 8000, out: 500,
			attrs: map[string]any{"anthropic.usage.cache_creation.ephemeral_5m_input_tokens": 6000, "anthropic.usage.cache_creation.ephemeral_1h_input_tokens": 2000},
			want:  "0.225", wantID: "anthropic/claude-opus-4-1-20250805"},
		{n: "9 200k tier re-prices the whole request", provider: "anthropic", req: "claude-sonnet-4-5", in: 250000, cr: 150000, cw: 50000, out: 2000, want: "0.81", wantID: "anthropic/claude-sonnet-4-5"},
		{n: "10 gemini >200k tier", provider: "gcp.gemini", req: "gemini-2.5-pro", in: 250000, cr: 100000, out: 5000, reason: 4000, want: "0.475", wantID: "gemini/gemini-2.5-pro"},
		{n: "11 gemini boundary is strict", provider: "gcp.gemini", req: "gemini-2.5-pro", in: 200000, out: 1000, want: "0.26", wantID: "gemini/gemini-2.5-pro"},
		{n: "12 xai boundary is inclusive", provider: "x_ai", req: "grok-4-0709", in: 128000, out: 1000, want: "0.798", wantID: "xai/grok-4-0709"},
		{n: "13 bedrock on-demand id", provider: "aws.bedrock", req: "anthropic.claude-3-5-sonnet-20240620-v1:0", in: 1000, out: 500, want: "0.0105", wantID: "bedrock/anthropic.claude-3-5-sonnet-20240620-v1:0"},
		{n: "14 bedrock geo profile +10%", provider: "aws.bedrock", req: "us.anthropic.claude-sonnet-4-5-20250929-v1:0", in: 10000, out: 1000, want: "0.0495", wantID: "bedrock/us.anthropic.claude-sonnet-4-5-20250929-v1:0"},
		{n: "15 bedrock global profile", provider: "aws.bedrock", req: "global.anthropic.claude-sonnet-4-5-20250929-v1:0", in: 10000, out: 1000, want: "0.045", wantID: "bedrock/global.anthropic.claude-sonnet-4-5-20250929-v1:0"},
		{n: "16 application profile ARN via alias", provider: "aws.bedrock", req: "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/a1b2c3", in: 2000, out: 400,
			cfg: func(c *Config) {
				c.Models = []ModelConfig{{Names: []string{"arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/a1b2c3"}, Model: "bedrock/anthropic.claude-sonnet-4-5-20250929-v1:0"}}
			}, want: "0.012", wantID: "bedrock/anthropic.claude-sonnet-4-5-20250929-v1:0"},
		{n: "16b application profile ARN without alias", provider: "aws.bedrock", req: "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/a1b2c3", in: 2000, out: 400, unpriced: contract.UnpricedUnknownModel},
		{n: "17 vertex @ version", provider: "gcp.vertex_ai", req: "claude-sonnet-4-5@20250929", in: 1000, out: 1000, want: "0.018", wantID: "vertex_ai/claude-sonnet-4-5@20250929"},
		{n: "18 azure deployment name, response model", provider: "azure.ai.openai", req: "prod-gpt4o-eastus", resp: "gpt-4o-2024-08-06", in: 5000, out: 1000, want: "0.0225", wantID: "azure/gpt-4o-2024-08-06"},
		{n: "19 azure data zone", provider: "azure.ai.openai", req: "prod-gpt4o-eastus", resp: "gpt-4o-2024-08-06", in: 5000, out: 1000,
			cfg: func(c *Config) { c.Region = "eu" }, want: "0.02475", wantID: "azure/eu/gpt-4o-2024-08-06"},
		{n: "19b azure data zone without a regional price is an estimate", provider: "azure.ai.openai", req: "gpt-4.1-nano", in: 1000000, out: 0,
			cfg: func(c *Config) { c.Region = "eu" }, want: "0.1", wantID: "azure/gpt-4.1-nano", est: true},
		{n: "20 openai fine-tune", provider: "openai", req: "ft:gpt-4o-mini-2024-07-18:acme::9XyZab12", in: 10000, out: 2000, want: "0.0054", wantID: "openai/ft:gpt-4o-mini-2024-07-18"},
		{n: "21 batch API", provider: "openai", req: "gpt-4o-mini", in: 100000, out: 10000, attrs: map[string]any{"gen_ai.request.batch": true}, want: "0.0105", wantID: "openai/gpt-4o-mini"},
		{n: "22 priority tier with its cache rate", provider: "openai", req: "gpt-5", in: 10000, cr: 2000, out: 3000, attrs: map[string]any{"openai.response.service_tier": "priority"}, want: "0.0805", wantID: "openai/gpt-5"},
		{n: "23 flex tier", provider: "openai", req: "o3", in: 20000, out: 10000, reason: 9000, attrs: map[string]any{"openai.request.service_tier": "flex"}, want: "0.06", wantID: "openai/o3"},
		{n: "24 openai >272k tier", provider: "openai", req: "gpt-5.4", in: 300000, out: 10000, want: "1.725", wantID: "openai/gpt-5.4"},
		{n: "25 data residency uplift", provider: "openai", req: "gpt-5.4", in: 10000, out: 1000, attrs: map[string]any{"server.address": "eu.api.openai.com"}, want: "0.044", wantID: "openai/gpt-5.4"},
		{n: "26 deepseek cache hit", provider: "deepseek", req: "deepseek-chat", in: 10000, cr: 8000, out: 1000, want: "0.001204", wantID: "deepseek/deepseek-chat"},
		{n: "27 embeddings: input only", provider: "openai", req: "text-embedding-3-small", op: "embeddings", in: 1000000, out: -1, want: "0.02", wantID: "openai/text-embedding-3-small"},
		{n: "28 audio tokens", provider: "openai", req: "gpt-4o-audio-preview", in: 3000, out: 1500,
			attrs: map[string]any{"gen_ai.usage.audio.input_tokens": 2000, "gen_ai.usage.audio.output_tokens": 1000}, want: "0.1675", wantID: "openai/gpt-4o-audio-preview"},
		{n: "29 gemini audio input", provider: "gcp.gemini", req: "gemini-2.5-flash", in: 10000, out: 500, attrs: map[string]any{"gen_ai.usage.audio.input_tokens": 4000}, want: "0.00705", wantID: "gemini/gemini-2.5-flash"},
		{n: "30 web search fee", provider: "anthropic", req: "claude-sonnet-4-5", in: 2000, out: 500, attrs: map[string]any{"gen_ai.usage.web_search_requests": 3}, want: "0.0435", wantID: "anthropic/claude-sonnet-4-5"},
		{n: "31 perplexity request fee", provider: "perplexity", req: "sonar-pro", in: 1000, out: 500, attrs: map[string]any{"gen_ai.request.search_context_size": "medium"}, want: "0.0205", wantID: "perplexity/sonar-pro"},
		// Perplexity's API defaults search_context_size to low: a call that
		// names no size pays the low fee (0.006 on sonar-pro).
		{n: "31b perplexity default context low", provider: "perplexity", req: "sonar-pro", in: 1000, out: 500, want: "0.0165", wantID: "perplexity/sonar-pro"},
		// sonar-deep-research: citation tokens are billed beside the prompt
		// at $2/M: 1000×2e-6 + 500×8e-6 + 2000×2e-6 + 0.005 request fee.
		{n: "31c perplexity citation tokens", provider: "perplexity", req: "sonar-deep-research", in: 1000, out: 500, attrs: map[string]any{"perplexity.usage.citation_tokens": int64(2000)}, want: "0.015", wantID: "perplexity/sonar-deep-research"},
		{n: "32 unknown date falls back to alias (estimate)", provider: "openai", req: "gpt-4o-mini-2099-01-01", in: 1000, out: 1000, want: "0.00075", wantID: "openai/gpt-4o-mini", est: true},
		{n: "33 client decoration stripped", provider: "anthropic", req: "claude-opus-4-6[1m]", in: 300000, out: 2000, want: "1.55", wantID: "anthropic/claude-opus-4-6"},
		{n: "34 inference geo us", provider: "anthropic", req: "claude-opus-4-6", in: 1000, out: 1000, attrs: map[string]any{"anthropic.usage.inference_geo": "us"}, want: "0.033", wantID: "anthropic/claude-opus-4-6"},
		{n: "35 exclusive input detected", provider: "anthropic", req: "claude-sonnet-4-5", in: 5, cr: 128955, cw: 1253, out: 500, want: "0.05090025", wantID: "anthropic/claude-sonnet-4-5"},
		{n: "36 bedrock nova with geo prefix", provider: "aws.bedrock", req: "us.amazon.nova-pro-v1:0", in: 10000, out: 1000, want: "0.0112", wantID: "bedrock/us.amazon.nova-pro-v1:0"},
		{n: "37 per-second audio", provider: "openai", req: "whisper-1", op: "audio_transcription", in: -1, out: -1, attrs: map[string]any{"gen_ai.usage.audio.seconds": 60}, want: "0.006", wantID: "openai/whisper-1"},
		{n: "38 per-image", provider: "openai", req: "dall-e-3", op: "image_generation", in: -1, out: -1, attrs: map[string]any{"gen_ai.request.image.count": 1}, want: "0.04", wantID: "openai/dall-e-3"},
		{n: "39 price before a cut", provider: "openai", req: "gpt-5.6-luna", in: 100000, out: 10000, start: "2026-07-29", want: "0.16", wantID: "openai/gpt-5.6-luna"},
		{n: "40 price after a cut", provider: "openai", req: "gpt-5.6-luna", in: 100000, out: 10000, start: "2026-07-31", want: "0.032", wantID: "openai/gpt-5.6-luna"},
		{n: "41 o3 before its cut", provider: "openai", req: "o3", in: 10000, out: 2000, start: "2025-05-01", want: "0.18", wantID: "openai/o3"},
		{n: "42 o3 after its cut", provider: "openai", req: "o3", in: 10000, out: 2000, start: "2025-07-01", want: "0.036", wantID: "openai/o3"},
		{n: "43 openai cache write", provider: "openai", req: "gpt-5.6-sol", in: 50000, cr: 30000, cw: 10000, out: 2000, want: "0.1875", wantID: "openai/gpt-5.6-sol"},
		{n: "44 fast mode x6", provider: "anthropic", req: "claude-opus-4-6", in: 1000, out: 1000, attrs: map[string]any{"anthropic.request.speed": "fast"}, want: "0.18", wantID: "anthropic/claude-opus-4-6"},

		// §8.1 behaviours.
		{n: "46 unknown model is unpriced, never $0", provider: "openai", req: "my-custom-llm", in: 100, out: 100, unpriced: contract.UnpricedUnknownModel},
		{n: "47 agent id never matches by substring", provider: "openai", req: "agent_8aWN5tLYRAdtV8knVWmod", in: 100, out: 100, unpriced: contract.UnpricedUnknownModel},
		{n: "48 most specific key wins", provider: "openai", req: "gpt-5.6-sol", in: 1000, out: 1000, want: "0.035", wantID: "openai/gpt-5.6-sol"},
		{n: "49 error span with usage is priced", provider: "openai", req: "gpt-4o", in: 1000, out: 500, attrs: map[string]any{"error.type": "timeout"}, want: "0.0075", wantID: "openai/gpt-4o"},
		{n: "49b error span without usage", provider: "openai", req: "gpt-4o", in: -1, out: -1, attrs: map[string]any{"error.type": "timeout"}, unpriced: contract.UnpricedMissingUsage},
		{n: "50 zero cache counts change nothing", provider: "openai", req: "gpt-4o", in: 1000, out: 500,
			attrs: map[string]any{"gen_ai.usage.cache_read.input_tokens": 0, "gen_ai.usage.cache_creation.input_tokens": 0}, want: "0.0075", wantID: "openai/gpt-4o"},
		{n: "model missing but usage present", provider: "openai", in: 10, out: 10, unpriced: contract.UnpricedUnknownModel},
		{n: "openrouter upstream id", provider: "openrouter", req: "anthropic/claude-sonnet-4.5", in: 1000, out: 1000, want: "0.018", wantID: "openrouter/anthropic/claude-sonnet-4.5"},
		{n: "bedrock system profile ARN", provider: "aws.bedrock", req: "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-sonnet-4-5-20250929-v1:0", in: 10000, out: 1000, want: "0.0495", wantID: "bedrock/us.anthropic.claude-sonnet-4-5-20250929-v1:0"},
		{n: "provider prefix in the model", provider: "", req: "openai/gpt-4o", in: 1000, out: 500, want: "0.0075", wantID: "openai/gpt-4o"},
		{n: "tenant price overrides", provider: "openai", req: "gpt-4o", in: 1000000, out: 0, attrs: map[string]any{"tenant.id": "acme"},
			cfg: func(c *Config) {
				c.TenantAttribute = "tenant.id"
				c.Models = []ModelConfig{
					{Names: []string{"gpt-4o"}, Tenants: []string{"acme"}, ID: "acme/gpt-4o", Price: map[string]any{"in": 2.0, "out": 8.0}},
					{Names: []string{"gpt-4o"}, Tenants: []string{"other"}, ID: "other/gpt-4o", Price: map[string]any{"in": 1.0, "out": 4.0}},
				}
			}, want: "2", wantID: "acme/gpt-4o"},
	}
}

func newTestTraces(t testing.TB, cfg *Config) (*consumertest.TracesSink, func(ptrace.Traces)) {
	sink := new(consumertest.TracesSink)
	f := NewFactory()
	p, err := f.CreateTraces(context.Background(), processortest.NewNopSettings(metadata.Type), cfg, sink)
	require.NoError(t, err)
	require.NoError(t, p.Start(context.Background(), nil))
	t.Cleanup(func() { require.NoError(t, p.Shutdown(context.Background())) })
	return sink, func(td ptrace.Traces) { require.NoError(t, p.ConsumeTraces(context.Background(), td)) }
}

// caseSpan builds the span an OTel semconv instrumentation emits.
func caseSpan(tc costCase) ptrace.Traces {
	td := ptrace.NewTraces()
	rs := td.ResourceSpans().AppendEmpty()
	rs.Resource().Attributes().PutStr("service.name", "svc")
	span := rs.ScopeSpans().AppendEmpty().Spans().AppendEmpty()
	span.SetName("chat " + tc.req)
	start := tc.start
	if start == "" {
		start = defaultStart
	}
	ts, _ := time.Parse("2006-01-02", start)
	span.SetStartTimestamp(pcommon.NewTimestampFromTime(ts.Add(12 * time.Hour)))
	span.SetEndTimestamp(pcommon.NewTimestampFromTime(ts.Add(12*time.Hour + time.Second)))
	a := span.Attributes()
	op := tc.op
	if op == "" {
		op = "chat"
	}
	a.PutStr("gen_ai.operation.name", op)
	if tc.provider != "" {
		a.PutStr("gen_ai.provider.name", tc.provider)
	}
	if tc.req != "" {
		a.PutStr("gen_ai.request.model", tc.req)
	}
	if tc.resp != "" {
		a.PutStr("gen_ai.response.model", tc.resp)
	}
	if tc.in >= 0 {
		a.PutInt("gen_ai.usage.input_tokens", tc.in)
	}
	if tc.out >= 0 {
		a.PutInt("gen_ai.usage.output_tokens", tc.out)
	}
	if tc.cr > 0 {
		a.PutInt("gen_ai.usage.cache_read.input_tokens", tc.cr)
	}
	if tc.cw > 0 {
		a.PutInt("gen_ai.usage.cache_creation.input_tokens", tc.cw)
	}
	if tc.reason > 0 {
		a.PutInt("gen_ai.usage.reasoning.output_tokens", tc.reason)
	}
	for k, v := range tc.attrs {
		_ = a.PutEmpty(k).FromRaw(v)
	}
	return td
}

// TestSection8 runs every worked case of the pricing reference through the
// processor and compares with the provider's bill.
func TestSection8(t *testing.T) {
	for _, tc := range section8() {
		t.Run(tc.n, func(t *testing.T) {
			cfg := createDefaultConfig()
			if tc.cfg != nil {
				tc.cfg(cfg)
			}
			require.NoError(t, cfg.Validate())
			sink, consume := newTestTraces(t, cfg)
			consume(caseSpan(tc))
			require.Len(t, sink.AllTraces(), 1)
			span := sink.AllTraces()[0].ResourceSpans().At(0).ScopeSpans().At(0).Spans().At(0)
			checkCost(t, tc, span.Attributes())
		})
	}
}

func checkCost(t *testing.T, tc costCase, a pcommon.Map) {
	t.Helper()
	if tc.unpriced != "" {
		_, has := a.Get(contract.AttrCost)
		assert.False(t, has, "no amount on an unpriced call")
		v, ok := a.Get(contract.AttrCostUnpriced)
		require.True(t, ok, "unpriced marker")
		assert.Equal(t, tc.unpriced, v.Str())
		return
	}
	v, ok := a.Get(contract.AttrCost)
	require.True(t, ok, "cost written; unpriced=%v", a.AsRaw()[contract.AttrCostUnpriced])
	want, err := strconv.ParseFloat(tc.want, 64)
	require.NoError(t, err)
	assert.InDelta(t, want, v.Double(), 1e-12, "cost")
	if want < 9 {
		assert.Equal(t, want, v.Double(), "one rounding: the exact decimal's nearest double")
	}
	id, _ := a.Get(contract.AttrCostPriceID)
	assert.Equal(t, tc.wantID, id.Str())
	src, _ := a.Get(contract.AttrCostSource)
	assert.Equal(t, "local", src.Str())
	_, unp := a.Get(contract.AttrCostUnpriced)
	assert.False(t, unp)
	est, _ := a.Get(attrCostEstimated)
	assert.Equal(t, tc.est, est.Bool(), "estimate flag")
	// The breakdown sums to the total.
	var sum float64
	for _, k := range partKeys {
		if p, ok := a.Get(k); ok {
			assert.Positive(t, p.Double(), k)
			sum += p.Double()
		}
	}
	assert.InDelta(t, v.Double(), sum, 1e-12)
}
