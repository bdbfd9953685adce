package genairollupprocessor

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/confmaptest"
	"go.opentelemetry.io/collector/processor/processortest"

	"github.com/periscope-otel/periscope/processor/genairollupprocessor/internal/metadata"
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
	require.NoError(t, componenttest.CheckConfigStruct(createDefaultConfig()))
	cfg, err := loadConfig(t, "")
	require.NoError(t, err)
	assert.Equal(t, createDefaultConfig(), cfg)
	assert.Equal(t, 3, cfg.LoopThreshold)
	assert.Equal(t, 100_000, cfg.MaxTraces)
	assert.Equal(t, 5*time.Minute, cfg.TTL)
	assert.True(t, cfg.Roots)

	cfg, err = loadConfig(t, "full")
	require.NoError(t, err)
	assert.Equal(t, &Config{
		Conditions:    []string{`resource.attributes["service.name"] != "canary"`},
		LoopThreshold: 4,
		MaxTraces:     20000,
		MaxBytes:      32 << 20,
		TTL:           2 * time.Minute,
		Roots:         false,
	}, cfg)
}

func TestConfigErrorsNameTheKey(t *testing.T) {
	for name, key := range map[string]string{
		"bad_threshold":  "loop_threshold",
		"bad_max_traces": "max_traces",
		"bad_max_bytes":  "max_bytes",
		"bad_ttl":        "ttl",
	} {
		t.Run(name, func(t *testing.T) {
			_, err := loadConfig(t, name)
			require.Error(t, err)
			assert.Contains(t, err.Error(), key+":")
		})
	}
	cfg := createDefaultConfig()
	cfg.LoopThreshold = maxCallCount + 1
	assert.ErrorContains(t, cfg.Validate(), "loop_threshold:")
}

func TestBadCondition(t *testing.T) {
	cfg := createDefaultConfig()
	cfg.Conditions = []string{"this is not OTTL"}
	_, err := NewFactory().CreateTraces(t.Context(), processortest.NewNopSettings(metadata.Type), cfg, nil)
	require.Error(t, err)
}
