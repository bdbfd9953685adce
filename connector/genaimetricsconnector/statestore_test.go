package genaimetricsconnector

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"

	"github.com/periscope-otel/periscope/internal/statestore"
	"github.com/periscope-otel/periscope/internal/testutil"
)

// TestDriftStateWrittenBeforeStatestore: drift state saved by a version
// without the statestore envelope (the same keys, raw tracker encodings)
// is read once at start and gives the same scores as an uninterrupted run.
func TestDriftStateWrittenBeforeStatestore(t *testing.T) {
	straight := runDrift(t, false)
	require.NotEmpty(t, straight)
	st := testutil.NewMemStorage()
	restarted := runDriftWith(t, true, func() component.Component { return st }, func() {
		idx := st.Value(storageIndex)
		version, raw, err := statestore.Decode(idx)
		require.NoError(t, err)
		require.Equal(t, uint64(stateVersion), version, "saved enveloped")
		keys := decodeIndex(raw)
		require.NotEmpty(t, keys)
		// Rewrite every value as the old format stored it.
		st.Put(storageIndex, raw)
		for _, k := range append([]string{storageMeta}, mapKeys(keys)...) {
			_, p, err := statestore.Decode(st.Value(k))
			require.NoError(t, err, k)
			st.Put(k, p)
		}
	})
	assert.Equal(t, straight, restarted)
}

func mapKeys(m map[string]struct{}) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}
