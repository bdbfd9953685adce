package genaicostprocessor

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/periscope-otel/periscope/internal/pricing"
	"github.com/periscope-otel/periscope/internal/pricing/catalog"
)

// Table formats accepted in `tables:`.
const (
	FormatLiteLLM   = "litellm"
	FormatLangfuse  = "langfuse"
	FormatPeriscope = "periscope"
)

// Config is the genai_cost configuration. See README.md for every key.
type Config struct {
	// Conditions limits the spans/log records priced (OTTL, OR-ed).
	Conditions []string `mapstructure:"conditions"`

	// Tables are extra price tables loaded at startup and reloaded when
	// their file changes. Later tables take precedence over earlier ones;
	// all take precedence over the embedded catalog.
	Tables []TableConfig `mapstructure:"tables"`
	// ReloadInterval is how often table files are checked for changes
	// (modification time and size). 0 disables hot reload.
	ReloadInterval time.Duration `mapstructure:"reload_interval"`
	// DisableEmbedded drops the embedded catalog (only tables and models
	// price spans).
	DisableEmbedded bool `mapstructure:"disable_embedded"`

	// Models are inline prices and aliases; they take precedence over
	// every table. Entries restricted to tenants come first.
	Models []ModelConfig `mapstructure:"models"`
	// TenantAttribute names the span (then resource) attribute selecting
	// per-tenant prices in `models:`.
	TenantAttribute string `mapstructure:"tenant_attribute"`
	// Region is the default deployment region of Azure OpenAI resources
	// (eu, us, global): data-zone deployments cost more than global ones.
	Region string `mapstructure:"region"`

	// CostAttributes adds attribute families beside gen_ai.usage.cost:
	// "semconv_draft" also writes gen_ai.usage.cost.amount/.currency/.source.
	CostAttributes string `mapstructure:"cost_attributes"`
	// Provenance writes how each cost was obtained (matcher rule, table
	// hash, context tier, execution mode, estimate flag).
	Provenance bool `mapstructure:"provenance"`
	// ReportedCost decides what happens when the span already carries a
	// provider-reported cost: "keep" (default, marked source=provider),
	// "compare" (keep it and also write our own as periscope.cost.computed)
	// or "ignore" (price locally and overwrite).
	ReportedCost string `mapstructure:"reported_cost"`

	// Attributes lists extra attribute keys read for pricing inputs the
	// GenAI conventions do not carry yet. Keys are added to the defaults.
	Attributes AttributesConfig `mapstructure:"attributes"`
	_          struct{}
}

// TableConfig is one extra price table.
type TableConfig struct {
	Path   string `mapstructure:"path"`
	Format string `mapstructure:"format"`
	_      struct{}
}

// ModelConfig is an inline price or alias.
type ModelConfig struct {
	// Names matched exactly (case-insensitive) against the model string.
	Names []string `mapstructure:"names"`
	// Match is a regular expression matched against the whole model string
	// (case-insensitive, implicitly anchored).
	Match string `mapstructure:"match"`
	// Provider restricts the entry to one provider (gen_ai.provider.name or
	// family name).
	Provider string `mapstructure:"provider"`
	// Tenants restricts the entry to these values of tenant_attribute.
	Tenants []string `mapstructure:"tenants"`
	// Model makes the entry an alias: price the call as this catalog key
	// ("bedrock/anthropic.claude-sonnet-4-5-20250929-v1:0" or "gpt-4o").
	Model string `mapstructure:"model"`
	// Region prices an aliased Azure deployment in a data zone (eu, us).
	Region string `mapstructure:"region"`
	// ID is the price id written for an inline price (default "custom/<first name>").
	ID string `mapstructure:"id"`
	// Price is an inline price in the catalog format (USD per 1M tokens):
	// in, out, cache_read, cache_write, cache_write_1h, reasoning, tiers,
	// batch, flex, priority, fast, history, ...
	Price map[string]any `mapstructure:"price"`
	_     struct{}
}

// AttributesConfig lists attribute keys read for each pricing input.
type AttributesConfig struct {
	ServiceTier   []string `mapstructure:"service_tier"`
	Batch         []string `mapstructure:"batch"`
	Speed         []string `mapstructure:"speed"`
	InferenceGeo  []string `mapstructure:"inference_geo"`
	CacheWrite5m  []string `mapstructure:"cache_write_5m"`
	CacheWrite1h  []string `mapstructure:"cache_write_1h"`
	AudioInput    []string `mapstructure:"audio_input"`
	AudioOutput   []string `mapstructure:"audio_output"`
	WebSearches   []string `mapstructure:"web_searches"`
	SearchContext []string `mapstructure:"search_context"`
	Images        []string `mapstructure:"images"`
	AudioSeconds  []string `mapstructure:"audio_seconds"`
	Region        []string `mapstructure:"region"`
	// Modality token counts (subsets of input, cache reads and output).
	ImageInput       []string `mapstructure:"image_input"`
	VideoInput       []string `mapstructure:"video_input"`
	CachedAudioInput []string `mapstructure:"cached_audio_input"`
	ImageOutput      []string `mapstructure:"image_output"`
	// Citation tokens (Perplexity), billed beside input.
	CitationTokens []string `mapstructure:"citation_tokens"`
	_              struct{}
}

func createDefaultConfig() *Config {
	return &Config{
		ReloadInterval: time.Minute,
		Provenance:     true,
		ReportedCost:   "keep",
	}
}

// Validate checks the configuration and names the offending key.
func (c *Config) Validate() error {
	var errs []error
	if c.ReloadInterval < 0 {
		errs = append(errs, errors.New("reload_interval: must not be negative"))
	} else if c.ReloadInterval > 0 && c.ReloadInterval < time.Second {
		errs = append(errs, errors.New("reload_interval: must be at least 1s (or 0 to disable)"))
	}
	for i, t := range c.Tables {
		if strings.TrimSpace(t.Path) == "" {
			errs = append(errs, fmt.Errorf("tables[%d].path: required", i))
		}
		switch t.Format {
		case FormatLiteLLM, FormatLangfuse, FormatPeriscope:
		default:
			errs = append(errs, fmt.Errorf("tables[%d].format: %q is not one of litellm, langfuse, periscope", i, t.Format))
		}
	}
	if c.DisableEmbedded && len(c.Tables) == 0 && len(c.Models) == 0 {
		errs = append(errs, errors.New("disable_embedded: no tables or models left to price with"))
	}
	switch c.CostAttributes {
	case "", "semconv_draft":
	default:
		errs = append(errs, fmt.Errorf("cost_attributes: %q is not one of \"\", semconv_draft", c.CostAttributes))
	}
	switch c.ReportedCost {
	case "", "keep", "compare", "ignore":
	default:
		errs = append(errs, fmt.Errorf("reported_cost: %q is not one of keep, compare, ignore", c.ReportedCost))
	}
	switch strings.ToLower(c.Region) {
	case "", "eu", "us", "global":
	default:
		errs = append(errs, fmt.Errorf("region: %q is not one of eu, us, global", c.Region))
	}
	for i := range c.Models {
		if _, err := c.Models[i].override(); err != nil {
			errs = append(errs, fmt.Errorf("models[%d]: %w", i, err))
		}
	}
	return errors.Join(errs...)
}

// override compiles a models: entry.
func (m *ModelConfig) override() (pricing.Override, error) {
	var o pricing.Override
	for _, n := range m.Names {
		if n = strings.ToLower(strings.TrimSpace(n)); n != "" {
			o.Names = append(o.Names, n)
		}
	}
	if m.Match != "" {
		re, err := regexp.Compile(`^(?i:` + m.Match + `)$`)
		if err != nil {
			return o, fmt.Errorf("match: %w", err)
		}
		o.Re = re
	}
	if len(o.Names) == 0 && o.Re == nil {
		return o, errors.New("names or match: one is required")
	}
	if m.Provider != "" {
		o.Family = pricing.Family(m.Provider)
	}
	for _, t := range m.Tenants {
		o.Tenants = append(o.Tenants, t)
	}
	o.Region = strings.ToLower(m.Region)
	switch {
	case m.Model != "" && m.Price != nil:
		return o, errors.New("model and price: set one, not both")
	case m.Model != "":
		target := strings.ToLower(strings.TrimSpace(m.Model))
		if f, rest, ok := strings.Cut(target, "/"); ok && isFamily(f) {
			o.TargetFamily, o.TargetName = f, rest
		} else {
			o.TargetName = target
		}
	case m.Price != nil:
		spec := make(catalog.Spec, len(m.Price)+1)
		for k, v := range m.Price {
			spec[k] = v
		}
		name := m.ID
		if name == "" {
			if len(o.Names) > 0 {
				name = o.Names[0]
			} else {
				name = m.Match
			}
		}
		spec["name"] = name
		e, err := catalog.BuildEntry("custom", spec)
		if err != nil {
			return o, fmt.Errorf("price: %w", err)
		}
		if m.ID != "" {
			e.ID = m.ID
		} else {
			e.ID = "custom/" + e.Name
		}
		e.Table = "config"
		o.Entry = e
	default:
		return o, errors.New("model or price: one is required")
	}
	return o, nil
}

func isFamily(f string) bool {
	return pricing.FamilyRank(f) < pricing.FamilyRank("~") || f == "azure_ai" || f == "custom"
}
