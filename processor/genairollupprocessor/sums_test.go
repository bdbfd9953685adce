package genairollupprocessor

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestSatAdd(t *testing.T) {
	assert.Equal(t, int64(5), satAdd(2, 3))
	assert.Equal(t, int64(-1), satAdd(2, -3))
	assert.Equal(t, int64(math.MaxInt64), satAdd(math.MaxInt64-1, 5))
	assert.Equal(t, int64(math.MinInt64), satAdd(math.MinInt64+1, -5))
	assert.Equal(t, int64(7), satAdd(7, 0))
}

func TestToPico(t *testing.T) {
	p, ok := toPico(0.000128)
	assert.True(t, ok)
	assert.Equal(t, int64(128_000_000), p)
	for _, bad := range []float64{math.NaN(), math.Inf(1), -0.01, 2e6} {
		_, ok := toPico(bad)
		assert.False(t, ok, "%v", bad)
	}
}

// TestCallBounds: counts saturate at maxCallCount and at most maxCallKeys
// distinct calls are tracked per scope.
func TestCallBounds(t *testing.T) {
	var s sums
	for i := 0; i < 3; i++ {
		s.addCall(1, "a", 600)
	}
	assert.Equal(t, uint16(maxCallCount), s.calls[0].n)
	for k := uint64(2); k < 200; k++ {
		s.addCall(k, "b", 1)
	}
	assert.Len(t, s.calls, maxCallKeys)
	name, ok := s.loop(maxCallCount)
	assert.True(t, ok)
	assert.Equal(t, "a", name)

	var big sums
	big.in = math.MaxInt64
	big.model = 1
	var acc sums
	acc.add(&big)
	acc.add(&big)
	assert.Equal(t, int64(math.MaxInt64), acc.in, "token sums saturate, never wrap")
	c := acc.clone()
	assert.Equal(t, acc.in, c.in)
}
