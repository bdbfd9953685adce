package ratelog

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"
)

func TestBurstThenSuppressed(t *testing.T) {
	core, logs := observer.New(zap.DebugLevel)
	l := New(zap.New(core), time.Hour, 3)
	for i := 0; i < 10; i++ {
		l.Warn("bad_json", "could not read")
	}
	l.Warn("other_kind", "another problem")
	require.Equal(t, 4, logs.Len(), "3 of the first key, 1 of the second")

	// After the interval the window reopens and reports what it dropped.
	l.state["bad_json"].start = time.Now().Add(-2 * time.Hour)
	l.Warn("bad_json", "could not read")
	last := logs.All()[logs.Len()-1]
	assert.Equal(t, int64(7), last.ContextMap()["suppressed_since_last"])
}

func TestDebugOffCostsNothing(t *testing.T) {
	core, logs := observer.New(zap.InfoLevel)
	l := New(zap.New(core), time.Minute, 1)
	l.Debug("k", "hidden")
	assert.Zero(t, logs.Len())
	assert.Empty(t, l.state, "no state kept for disabled levels")
}

func TestKeysAreBounded(t *testing.T) {
	l := New(zap.NewNop(), time.Minute, 1)
	for i := 0; i < 10*maxKeys; i++ {
		l.Warn(string(rune('a'+i%26))+time.Duration(i).String(), "x")
	}
	assert.LessOrEqual(t, len(l.state), maxKeys)
}
