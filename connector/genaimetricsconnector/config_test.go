package genaimetricsconnector

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/confmaptest"
	"go.opentelemetry.io/collector/otelcol/otelcoltest"

	"github.com/periscope-otel/periscope/connector/genaimetricsconnector/internal/metadata"
)

func TestLoadConfig(t *testing.T) {
	cm, err := confmaptest.LoadConf(filepath.Join("testdata", "config.yaml"))
	require.NoError(t, err)
	load := func(name string) (*Config, error) {
		cfg := NewFactory().CreateDefaultConfig().(*Config)
		sub, err := cm.Sub(component.NewIDWithName(metadata.Type, name).String())
		require.NoError(t, err)
		require.NoError(t, sub.Unmarshal(cfg))
		return cfg, confmap.Validate(cfg)
	}
	def, err := load("")
	require.NoError(t, err)
	assert.Equal(t, createDefaultConfig(), def)

	full, err := load("full")
	require.NoError(t, err)
	assert.Equal(t, temporalityDelta, full.AggregationTemporality)
	assert.Equal(t, 30*time.Second, full.FlushInterval)
	assert.Equal(t, 2000, full.MaxCardinality)
	assert.Equal(t, []DimensionConfig{{Name: "tenant", Default: "unknown"}, {Name: "deployment.environment.name", Source: sourceResource}}, full.Dimensions)
	assert.Equal(t, []string{"bias"}, full.RiskEvaluators)
	assert.Equal(t, []string{"needs_review"}, full.FailLabels)
	assert.Equal(t, []string{"acceptable"}, full.PassLabels)
	require.NotNil(t, full.Storage)
	assert.Equal(t, "file_storage", full.Storage.String())
	assert.Equal(t, baselineTrailing, full.Drift.Baseline)
	assert.Equal(t, 30*time.Minute, full.Drift.Window)
	assert.Equal(t, 0.1, full.Drift.TrailingDecay)
	assert.Equal(t, 8192, full.Drift.MaxContentBytes)
	assert.Equal(t, 0.99, full.Regression.Confidence)
	assert.Equal(t, 1, full.Regression.RaiseAfter)
	assert.Equal(t, 25, full.Users.TopK)
	assert.Equal(t, "pepper", string(full.Users.Salt))
	assert.Equal(t, []string{"enduser.id", "user.id"}, full.Users.Attributes)

	for name, key := range map[string]string{
		"bad_temporality":      "aggregation_temporality",
		"bad_key":              "drift.key_dimensions[1]",
		"bad_baseline":         "drift.baseline",
		"bad_confidence":       "regression.confidence",
		"bad_dimension_source": "dimensions[0].source",
		"bad_users_top_k":      "users.top_k",
	} {
		_, err := load(name)
		require.Error(t, err, name)
		assert.Contains(t, err.Error(), key, name)
	}
}

func TestValidateRanges(t *testing.T) {
	cfg := defaultCfg()
	cfg.FlushInterval = 0
	cfg.MaxCardinality = 0
	cfg.Drift.MinCount = 1
	cfg.Drift.Alpha = 0
	err := cfg.Validate()
	require.Error(t, err)
	for _, k := range []string{"flush_interval", "max_cardinality", "drift.min_count", "drift.alpha"} {
		assert.Contains(t, err.Error(), k)
	}
	cfg = defaultCfg()
	cfg.Drift.Enabled = false
	cfg.Regression.Enabled = false
	require.NoError(t, cfg.Validate())
}

func TestCollectorConfig(t *testing.T) {
	factories, err := otelcoltest.NopFactories()
	require.NoError(t, err)
	factories.Connectors[metadata.Type] = NewFactory()
	cfg, err := otelcoltest.LoadConfigAndValidate(filepath.Join("testdata", "collector.yaml"), factories)
	require.NoError(t, err)
	c := cfg.Connectors[component.NewID(metadata.Type)].(*Config)
	assert.Equal(t, baselineTrailing, c.Drift.Baseline)
}
