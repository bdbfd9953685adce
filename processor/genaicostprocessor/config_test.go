package genaicostprocessor

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/confmaptest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/processor/processortest"

	"github.com/periscope-otel/periscope/internal/genai"
	"github.com/periscope-otel/periscope/processor/genaicostprocessor/internal/metadata"
)

func loadConfig(t *testing.T, name string) (*Config, error) {
	t.Helper()
	cm, err := confmaptest.LoadConf(filepath.Join("testdata", "config.yaml"))
	require.NoError(t, err)
	sub, err := cm.Sub(component.MustNewIDWithName(metadata.Type.String(), name).String())
	require.NoError(t, err)
	cfg := createDefaultConfig()
	require.NoError(t, sub.Unmarshal(cfg))
	return cfg, confmap.Validate(cfg)
}

func TestLoadConfig(t *testing.T) {
	cfg, err := loadConfig(t, "")
	require.NoError(t, err)
	assert.Equal(t, createDefaultConfig(), cfg)
	assert.Equal(t, time.Minute, cfg.ReloadInterval)
	assert.True(t, cfg.Provenance)

	cfg, err = loadConfig(t, "full")
	require.NoError(t, err)
	assert.Len(t, cfg.Tables, 3)
	assert.Equal(t, FormatLangfuse, cfg.Tables[1].Format)
	assert.Equal(t, 30*time.Second, cfg.ReloadInterval)
	assert.Equal(t, "tenant.id", cfg.TenantAttribute)
	assert.Equal(t, "semconv_draft", cfg.CostAttributes)
	assert.Equal(t, "compare", cfg.ReportedCost)
	require.Len(t, cfg.Models, 4)
	assert.Equal(t, "bedrock/anthropic.claude-sonnet-4-5-20250929-v1:0", cfg.Models[0].Model)
	assert.Equal(t, []string{"acme"}, cfg.Models[2].Tenants)
	assert.Equal(t, []string{"llm.request.service_tier"}, cfg.Attributes.ServiceTier)
	o, err := cfg.Models[2].override()
	require.NoError(t, err)
	assert.Equal(t, "acme/gpt-4o", o.Entry.ID)
	o, err = cfg.Models[3].override()
	require.NoError(t, err)
	require.Len(t, o.Entry.Versions, 2, "history read from collector YAML")
	assert.Equal(t, "2026-06-01", o.Entry.Versions[1].From.Format("2006-01-02"))
	assert.Len(t, o.Entry.Versions[1].Tiers, 1)
}

func TestConfigErrorsNameTheKey(t *testing.T) {
	for name, key := range map[string]string{
		"bad_format":          "tables[0].format",
		"bad_model":           "models[0]: model or price",
		"bad_regex":           "models[0]: match",
		"bad_price":           `models[0]: price: x: unknown key "outt"`,
		"bad_reload":          "reload_interval",
		"bad_cost_attributes": "cost_attributes",
	} {
		t.Run(name, func(t *testing.T) {
			_, err := loadConfig(t, name)
			require.Error(t, err)
			assert.Contains(t, err.Error(), key)
		})
	}
}

func TestFactory(t *testing.T) {
	f := NewFactory()
	assert.Equal(t, metadata.Type, f.Type())
	assert.Equal(t, metadata.TracesStability, f.TracesStability())
	assert.Equal(t, metadata.LogsStability, f.LogsStability())
	assert.NoError(t, confmap.Validate(f.CreateDefaultConfig()))
	// A missing table file does not stop the processor: it runs on the
	// embedded catalog and logs the error.
	cfg := createDefaultConfig()
	cfg.Tables = []TableConfig{{Path: filepath.Join(t.TempDir(), "missing.json"), Format: FormatLiteLLM}}
	_, err := f.CreateTraces(t.Context(), processortest.NewNopSettings(metadata.Type), cfg, nil)
	require.NoError(t, err)
}

// TestBuiltinKeys: the built-in keys come from the View; configured keys
// are added to them and win on the same span.
func TestBuiltinKeys(t *testing.T) {
	span := ptrace.NewSpan()
	a := span.Attributes()
	a.PutStr("gen_ai.operation.name", "chat")
	a.PutStr("openai.response.service_tier", "flex")
	a.PutStr("llm.request.service_tier", "priority")
	a.PutInt("gen_ai.usage.audio.input_tokens", 7)
	v := genai.ReadSpan(span, pcommon.NewResource(), genai.Options{})
	assert.Equal(t, "flex", newKeyIndex(AttributesConfig{}).extras(&v, a).ServiceTier)
	x := newKeyIndex(AttributesConfig{ServiceTier: []string{"llm.request.service_tier"}}).extras(&v, a)
	assert.Equal(t, "priority", x.ServiceTier)
	assert.Equal(t, int64(7), x.AudioIn)
	for _, input := range []string{"service_tier", "batch", "speed", "inference_geo", "cache_write_5m", "cache_write_1h",
		"audio_input", "audio_output", "web_searches", "search_context", "images", "audio_seconds", "image_input",
		"video_input", "cached_audio_input", "image_output", "citation_tokens"} {
		assert.NotEmpty(t, genai.PricingKeys(input), input)
	}
}
