package tracesample

import (
	"encoding/binary"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"go.opentelemetry.io/collector/pdata/pcommon"
)

func randomIDs(n int, seed uint64) []pcommon.TraceID {
	r := rand.New(rand.NewPCG(seed, seed))
	out := make([]pcommon.TraceID, n)
	for i := range out {
		binary.LittleEndian.PutUint64(out[i][:8], r.Uint64())
		binary.LittleEndian.PutUint64(out[i][8:], r.Uint64())
	}
	return out
}

// sequentialIDs are ids as some SDKs and test harnesses make them: a
// counter in the low bytes, the rest zero.
func sequentialIDs(n int) []pcommon.TraceID {
	out := make([]pcommon.TraceID, n)
	for i := range out {
		binary.BigEndian.PutUint64(out[i][8:], uint64(i+1))
	}
	return out
}

func share(s Ratio, ids []pcommon.TraceID) float64 {
	n := 0
	for _, t := range ids {
		if s.Keep(t) {
			n++
		}
	}
	return float64(n) / float64(len(ids))
}

func TestShareKept(t *testing.T) {
	for _, ids := range [][]pcommon.TraceID{randomIDs(40000, 1), sequentialIDs(40000)} {
		for _, r := range []float64{0.01, 0.1, 0.25, 0.5, 0.9} {
			assert.InDelta(t, r, share(New(r), ids), 0.01, "ratio %v", r)
		}
		assert.Equal(t, 1.0, share(New(1), ids))
		assert.Equal(t, 1.0, share(New(7), ids))
		assert.Equal(t, 0.0, share(New(0), ids))
		assert.Equal(t, 0.0, share(New(-1), ids))
		assert.Equal(t, 0.0, share(New(math.NaN()), ids))
		assert.Equal(t, 0.0, share(Ratio{}, ids))
	}
}

// TestSamplesNest: a trace a smaller sample keeps, every larger one keeps
// (what lets the judge's calibration sample find genai_eval's scores).
func TestSamplesNest(t *testing.T) {
	ratios := []float64{0, 0.001, 0.01, 0.05, 0.25, 0.5, 0.999, 1}
	for _, id := range append(randomIDs(20000, 2), sequentialIDs(2000)...) {
		h := Hash(id)
		for i := 1; i < len(ratios); i++ {
			small, large := New(ratios[i-1]), New(ratios[i])
			assert.Equal(t, small.Keep(id), small.KeepHash(h))
			if small.Keep(id) && !large.Keep(id) {
				t.Fatalf("trace %v kept at %v, not at %v", id, ratios[i-1], ratios[i])
			}
		}
	}
}

func TestAll(t *testing.T) {
	assert.True(t, New(1).All())
	assert.False(t, New(0.99).All())
}

func BenchmarkKeep(b *testing.B) {
	ids := randomIDs(1024, 3)
	s := New(0.25)
	n := 0
	for i := 0; b.Loop(); i++ {
		if s.Keep(ids[i&1023]) {
			n++
		}
	}
	_ = n
}
