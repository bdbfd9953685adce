package genaijudgeconnector

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/confmaptest"

	"github.com/periscope-otel/periscope/connector/genaijudgeconnector/internal/metadata"
)

func loadConfig(t *testing.T, name string) (*Config, error) {
	t.Helper()
	cm, err := confmaptest.LoadConf(filepath.Join("testdata", "config.yaml"))
	require.NoError(t, err)
	cfg := NewFactory().CreateDefaultConfig().(*Config)
	sub, err := cm.Sub(component.NewIDWithName(metadata.Type, name).String())
	require.NoError(t, err)
	require.NoError(t, sub.Unmarshal(cfg))
	return cfg, confmap.Validate(cfg)
}

func TestLoadConfigMinimalFromIssue(t *testing.T) {
	cfg, err := loadConfig(t, "")
	require.NoError(t, err)
	assert.Equal(t, "http://127.0.0.1:8000/v1", cfg.Endpoint)
	assert.Equal(t, []string{RubricRelevance, RubricFaithfulness}, cfg.Rubrics)
	assert.Equal(t, SelectConfig{Failed: true, UncertainBand: 0.15, SampleRatio: 0.01, Threshold: 0.5}, cfg.Select)
	assert.Equal(t, BudgetConfig{MaxCallsPerMinute: 60, MaxUSDPerHour: 1.0}, cfg.Budget)
	assert.Equal(t, 30*time.Second, cfg.Timeout)
	assert.Equal(t, 4, cfg.Concurrency)
}

func TestLoadConfigFull(t *testing.T) {
	cfg, err := loadConfig(t, "full")
	require.NoError(t, err)
	assert.Equal(t, "sk-test", string(cfg.APIKey))
	assert.Equal(t, "org-1", string(cfg.Headers["OpenAI-Organization"]))
	assert.Equal(t, []CustomRubric{{Name: "tone", Instruction: "The answer fails if it is rude or dismissive to the customer.",
		Include: []string{"input", "output"}, Evaluators: []string{"toxicity"}}}, cfg.CustomRubrics)
	assert.InDelta(t, 0.6, cfg.Select.threshold("hallucination"), 1e-9)
	assert.InDelta(t, 0.5, cfg.Select.threshold("pii"), 1e-9)
	assert.Equal(t, &PriceConfig{InputPerMTok: 0.15, OutputPerMTok: 0.6}, cfg.Price)
	assert.Equal(t, BreakerConfig{Failures: 3, Cooldown: time.Minute}, cfg.Breaker)
	assert.Len(t, compileRubrics(cfg), 5)
}

func TestValidateNamesTheBadKey(t *testing.T) {
	valid := func() *Config {
		c := createDefaultConfig()
		c.Endpoint, c.Model = "http://127.0.0.1:8000/v1", "m"
		return c
	}
	require.NoError(t, valid().Validate())
	for _, tc := range []struct {
		key    string
		mutate func(*Config)
	}{
		{"endpoint: required", func(c *Config) { c.Endpoint = "" }},
		{"endpoint:", func(c *Config) { c.Endpoint = "ftp://x" }},
		{"model: required", func(c *Config) { c.Model = "" }},
		{"timeout:", func(c *Config) { c.Timeout = 0 }},
		{"rubrics[0]: unknown rubric \"coherence\"", func(c *Config) { c.Rubrics = []string{"coherence"} }},
		{"rubrics[1]: \"relevance\" listed twice", func(c *Config) { c.Rubrics = []string{"relevance", "relevance"} }},
		{"rubrics: at least one", func(c *Config) { c.Rubrics = nil }},
		{"custom_rubrics[0].name: required", func(c *Config) {
			c.CustomRubrics = []CustomRubric{{Instruction: "x", Include: []string{"input"}}}
		}},
		{"custom_rubrics[0].name: \"safety\" is already", func(c *Config) {
			c.CustomRubrics = []CustomRubric{{Name: "safety", Instruction: "x", Include: []string{"input"}}}
		}},
		{"custom_rubrics[0].instruction: required", func(c *Config) {
			c.CustomRubrics = []CustomRubric{{Name: "tone", Include: []string{"input"}}}
		}},
		{"custom_rubrics[0].include[1]: unknown part \"metadata\"", func(c *Config) {
			c.CustomRubrics = []CustomRubric{{Name: "tone", Instruction: "x", Include: []string{"input", "metadata"}}}
		}},
		{"custom_rubrics[0].include: list", func(c *Config) {
			c.CustomRubrics = []CustomRubric{{Name: "tone", Instruction: "x"}}
		}},
		{"select.uncertain_band:", func(c *Config) { c.Select.UncertainBand = 2 }},
		{"select.sample_ratio:", func(c *Config) { c.Select.SampleRatio = -0.1 }},
		{"select.thresholds.pii:", func(c *Config) { c.Select.Thresholds = map[string]float64{"pii": 3} }},
		{"select: nothing would be judged", func(c *Config) { c.Select = SelectConfig{Threshold: 0.5} }},
		{"budget.max_calls_per_minute:", func(c *Config) { c.Budget.MaxCallsPerMinute = -1 }},
		{"budget.max_usd_per_hour:", func(c *Config) { c.Budget.MaxUSDPerHour = -1 }},
		{"price:", func(c *Config) { c.Price = &PriceConfig{InputPerMTok: -1} }},
		{"concurrency:", func(c *Config) { c.Concurrency = 0 }},
		{"queue_size:", func(c *Config) { c.QueueSize = 0 }},
		{"retries:", func(c *Config) { c.Retries = -1 }},
		{"breaker.cooldown:", func(c *Config) { c.Breaker.Cooldown = 0 }},
		{"max_content_bytes:", func(c *Config) { c.MaxContentBytes = 10 }},
	} {
		t.Run(tc.key, func(t *testing.T) {
			c := valid()
			tc.mutate(c)
			err := c.Validate()
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.key)
		})
	}
}
