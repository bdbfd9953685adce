package genainormalizeprocessor

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

	"github.com/periscope-otel/periscope/processor/genainormalizeprocessor/internal/assembly"
	"github.com/periscope-otel/periscope/processor/genainormalizeprocessor/internal/metadata"
)

func TestConfig(t *testing.T) {
	require.NoError(t, componenttest.CheckConfigStruct(createDefaultConfig()))
	cm, err := confmaptest.LoadConf(filepath.Join("testdata", "config.yaml"))
	require.NoError(t, err)

	cases := []struct {
		id      component.ID
		want    *Config
		wantErr string
	}{
		{id: component.NewID(metadata.Type), want: createDefaultConfig()},
		{id: component.NewIDWithName(metadata.Type, "full"), want: &Config{
			Overwrite: true, RemoveOriginals: true, EmitLegacySystem: true, Content: false, MaxContentBytes: 65536,
			Conditions: []string{`attributes["gen_ai.operation.name"] != nil`},
			CallAssembly: assembly.Config{Enabled: true, Timeout: 3 * time.Second, WaitForSpan: false,
				MaxPendingCalls: 500, MaxPendingBytes: 1 << 20, MaxRecordsPerCall: 32},
		}},
		{id: component.NewIDWithName(metadata.Type, "bad_assembly"), wantErr: "call_assembly.timeout"},
		{id: component.NewIDWithName(metadata.Type, "bad_budget"), wantErr: "max_content_bytes"},
		{id: component.NewIDWithName(metadata.Type, "unknown_key"), wantErr: "overwrite_all"},
	}
	for _, c := range cases {
		t.Run(c.id.String(), func(t *testing.T) {
			cfg := createDefaultConfig()
			sub, err := cm.Sub(c.id.String())
			require.NoError(t, err)
			err = sub.Unmarshal(cfg)
			if err == nil {
				err = confmap.Validate(cfg)
			}
			if c.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), c.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, c.want, cfg)
		})
	}
}
