package genaievalprocessor

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/confmap/confmaptest"

	"github.com/periscope-otel/periscope/processor/genaievalprocessor/internal/metadata"
)

func loadConfig(t *testing.T, name string) (*Config, error) {
	t.Helper()
	cm, err := confmaptest.LoadConf(filepath.Join("testdata", "config.yaml"))
	require.NoError(t, err)
	cfg := createDefaultConfig().(*Config)
	sub, err := cm.Sub(component.NewIDWithName(metadata.Type, name).String())
	require.NoError(t, err)
	require.NoError(t, sub.Unmarshal(cfg))
	return cfg, cfg.Validate()
}

func TestDefaultConfig(t *testing.T) {
	cfg, err := loadConfig(t, "")
	require.NoError(t, err)
	assert.Equal(t, createDefaultConfig(), cfg)
	assert.True(t, cfg.Evaluators.PromptInjection.Enabled)
	assert.True(t, cfg.Evaluators.Hallucination.Enabled)
	assert.False(t, cfg.Evaluators.OffTopic.Enabled)
	assert.Equal(t, 64<<10, cfg.MaxContentBytes)
}

func TestCustomConfig(t *testing.T) {
	cfg, err := loadConfig(t, "custom")
	require.NoError(t, err)
	assert.Len(t, cfg.Conditions, 1)
	assert.Equal(t, 32768, cfg.MaxContentBytes)
	assert.Equal(t, 0.6, cfg.Evaluators.PromptInjection.Threshold)
	assert.False(t, cfg.Evaluators.Jailbreak.Enabled)
	assert.Equal(t, []string{"email", "credit_card", "us_ssn", "iban"}, cfg.Evaluators.PII.Types)
	assert.Equal(t, []string{"output"}, cfg.Evaluators.Toxicity.Sides)
	assert.Equal(t, []string{"delivery", "parcel", "tracking"}, cfg.Evaluators.OffTopic.Topics["shipping"])
	assert.Equal(t, 0.6, cfg.Evaluators.Hallucination.Threshold)
	assert.Equal(t, 65536, cfg.Evaluators.Hallucination.MaxContextBytes)
	// Keys not given keep their defaults.
	assert.Equal(t, 32<<10, cfg.Evaluators.Hallucination.MaxAnswerBytes)
	assert.Equal(t, "<SECRET>", cfg.Redact["secrets"])
}

func TestInvalidConfig(t *testing.T) {
	for name, key := range map[string]string{
		"bad_threshold":            "evaluators.toxicity.threshold",
		"bad_side":                 "evaluators.pii.sides",
		"bad_redact":               "redact.passport",
		"bad_replacement":          "redact.email",
		"off_topic_without_topics": "evaluators.off_topic.topics",
		"bad_pii_type":             "evaluators.pii.types",
		"bad_hallucination":        "evaluators.hallucination.max_context_bytes",
	} {
		_, err := loadConfig(t, name)
		require.Error(t, err, name)
		assert.Contains(t, err.Error(), key, name)
	}
}
