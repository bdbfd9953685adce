package genaimetricsconnector

import (
	"context"
	"testing"

	"github.com/open-telemetry/opentelemetry-collector-contrib/extension/storage/filestorage"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/extension"
	"go.opentelemetry.io/collector/extension/extensiontest"
)

// TestDriftRestartWithFileStorage: the real contrib file_storage extension
// (a bbolt file on disk), stopped and reopened between the two halves of a
// window, gives the same drift scores as an uninterrupted run: baselines and
// windows survive a collector restart.
func TestDriftRestartWithFileStorage(t *testing.T) {
	dir := t.TempDir()
	f := filestorage.NewFactory()
	var open []extension.Extension
	newExt := func() component.Component {
		cfg := f.CreateDefaultConfig().(*filestorage.Config)
		cfg.Directory = dir
		ext, err := f.Create(context.Background(), extensiontest.NewNopSettings(f.Type()), cfg)
		require.NoError(t, err)
		require.NoError(t, ext.Start(context.Background(), componenttest.NewNopHost()))
		open = append(open, ext)
		return ext
	}
	stopAll := func() {
		for _, e := range open {
			require.NoError(t, e.Shutdown(context.Background()))
		}
		open = open[:0]
	}
	t.Cleanup(stopAll)

	straight := runDrift(t, false)
	require.NotEmpty(t, straight)
	restarted := runDriftWith(t, true, newExt, stopAll)
	assert.Equal(t, straight, restarted, "state survives a restart through file_storage")
}
