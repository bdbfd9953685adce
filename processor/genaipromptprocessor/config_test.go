package genaipromptprocessor

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

	"github.com/periscope-otel/periscope/processor/genaipromptprocessor/internal/metadata"
)

func TestLoadConfig(t *testing.T) {
	cm, err := confmaptest.LoadConf(filepath.Join("testdata", "config.yaml"))
	require.NoError(t, err)
	storeID := component.MustNewIDWithName("file_storage", "prompts")
	full := defaultCfg()
	full.Conditions = []string{`attributes["gen_ai.operation.name"] == "chat"`}
	full.MaxContentBytes = 262144
	full.MaxTemplateBytes = 8192
	full.EmitTemplate = true
	full.Storage = &storeID
	full.PersistInterval = 10 * time.Second
	full.Registry = []RegistryPrompt{{Name: "support-summary", Versions: []RegistryVersion{
		{Version: "v1", Template: "Summarize the following support ticket in one sentence.\nTicket: {{ticket}}"},
		{Version: "v2", Template: "Summarize the following support ticket in one sentence. Mention the customer.\nTicket: {{ticket}}"},
	}}}
	full.Inference = InferenceConfig{Enabled: true, MaxTemplates: 5000, MaxStateBytes: 32 << 20, MaxVersions: 20000, NameFrom: []string{"workflow", "service_operation"}}

	tests := []struct {
		id      component.ID
		want    *Config
		wantErr string
	}{
		{id: component.NewID(metadata.Type), want: defaultCfg()},
		{id: component.NewIDWithName(metadata.Type, "full"), want: full},
		{id: component.NewIDWithName(metadata.Type, "bad_name_from"), wantErr: "inference.name_from[0]"},
		{id: component.NewIDWithName(metadata.Type, "bad_registry"), wantErr: "registry[0].versions[0].template"},
		{id: component.NewIDWithName(metadata.Type, "bad_cap"), wantErr: "inference.max_templates"},
	}
	for _, tt := range tests {
		t.Run(tt.id.String(), func(t *testing.T) {
			cfg := createDefaultConfig()
			sub, err := cm.Sub(tt.id.String())
			require.NoError(t, err)
			require.NoError(t, sub.Unmarshal(cfg))
			if tt.wantErr != "" {
				assert.ErrorContains(t, confmap.Validate(cfg), tt.wantErr)
				return
			}
			require.NoError(t, confmap.Validate(cfg))
			assert.Equal(t, tt.want, cfg)
		})
	}
}

func TestFactory(t *testing.T) {
	f := NewFactory()
	assert.Equal(t, metadata.Type, f.Type())
	require.NoError(t, componenttest.CheckConfigStruct(f.CreateDefaultConfig()))
	require.NoError(t, confmap.Validate(f.CreateDefaultConfig()))
}
