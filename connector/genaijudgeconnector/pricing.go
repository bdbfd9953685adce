package genaijudgeconnector

import (
	"net/url"
	"strings"
	"time"

	"github.com/periscope-otel/periscope/internal/pricing"
	"github.com/periscope-otel/periscope/internal/pricing/catalog"
)

// judgeUsage is the token usage a judge reply reports, in OpenAI's (and
// OTel's) convention: input includes cached tokens, output includes
// reasoning tokens.
type judgeUsage struct {
	input, output, cached, reasoning int64
	// estimated: the reply reported no usage; the counts are estimated
	// from the request and reply sizes (for cost and budget only).
	estimated bool
}

// pricer prices judge calls. Precedence: the configured price (an operator
// override, also for a judge the catalog does not know or a self-hosted one
// that costs nothing), then the genai_cost engine's embedded catalog by
// (provider, model): the model the reply names first, then the configured
// model.
type pricer struct {
	override *PriceConfig
	family   string
	model    string
	cat      *pricing.Catalog
}

func newPricer(cfg *Config) (*pricer, error) {
	p := &pricer{override: cfg.Price, family: pricing.Family(judgeProvider(cfg)), model: cfg.Model}
	if p.override != nil {
		return p, nil
	}
	t, err := catalog.Default()
	if err != nil {
		return nil, err
	}
	p.cat = pricing.NewCatalog(nil, []*pricing.Table{t}, t.Hash)
	return p, nil
}

// priced reports whether the configured model has a price, so that the
// spend budget can be enforced.
func (p *pricer) priced() bool {
	if p.override != nil {
		return true
	}
	_, ok := p.cat.Resolve(p.family, p.model, "", "")
	return ok
}

// cost returns the USD cost of one judge call and whether it could be priced.
func (p *pricer) cost(replyModel string, u judgeUsage) (float64, bool) {
	if u.input < 0 || u.output < 0 || u.input > pricing.MaxTokens || u.output > pricing.MaxTokens {
		return 0, false
	}
	if p.override != nil {
		return (float64(u.input)*p.override.InputPerMTok + float64(u.output)*p.override.OutputPerMTok) / 1e6, true
	}
	m, ok := p.cat.Resolve(p.family, replyModel, "", "")
	if !ok {
		m, ok = p.cat.Resolve(p.family, p.model, "", "")
	}
	if !ok {
		return 0, false
	}
	cached := min(max(u.cached, 0), u.input)
	req := pricing.Request{
		Usage: pricing.Usage{Input: u.input, Output: u.output, CacheRead: cached,
			Reasoning: min(max(u.reasoning, 0), u.output), HasInput: true, HasOutput: true},
		Time: time.Now(),
	}
	return pricing.Compute(m.Entry, &req).Total.USD(), true
}

// judgeProvider is the configured provider, or the one the endpoint's host
// names (the well-known hosted APIs); "" lets the catalog match the model
// under any provider.
func judgeProvider(cfg *Config) string {
	if cfg.Provider != "" {
		return cfg.Provider
	}
	u, err := url.Parse(cfg.Endpoint)
	if err != nil {
		return ""
	}
	host := strings.ToLower(u.Hostname())
	for _, h := range knownHosts {
		if host == h.host || strings.HasSuffix(host, "."+h.host) {
			return h.provider
		}
	}
	return ""
}

var knownHosts = []struct{ host, provider string }{
	{"api.openai.com", "openai"},
	{"openai.azure.com", "azure.ai.openai"},
	{"api.anthropic.com", "anthropic"},
	{"generativelanguage.googleapis.com", "gcp.gemini"},
	{"api.mistral.ai", "mistral_ai"},
	{"api.deepseek.com", "deepseek"},
	{"api.x.ai", "x_ai"},
	{"api.groq.com", "groq"},
	{"api.together.xyz", "together"},
	{"api.fireworks.ai", "fireworks"},
	{"openrouter.ai", "openrouter"},
	{"api.perplexity.ai", "perplexity"},
	{"api.cerebras.ai", "cerebras"},
}
