// Package tracesample decides by trace id alone which calls a sample takes.
// Every Periscope component that samples (genai_eval's evaluators,
// genai_metrics' drift content, genai_judge's calibration sample,
// genai_dataset) uses this one hash, so samples nest: a trace in a 1%
// sample is in every larger one, on every instance and every collector of
// a tier. The judge's calibration calls therefore carry the heuristic scores
// it calibrates, and a dataset's sampled rows their evaluations.
package tracesample

import (
	"encoding/binary"
	"math"

	"go.opentelemetry.io/collector/pdata/pcommon"
)

// Ratio keeps a share of traces. The zero value keeps none.
type Ratio struct {
	below uint64 // a trace is kept when its hash is below this
	all   bool
}

// New returns the sample keeping share r of traces: r <= 0 (or NaN) keeps
// none, r >= 1 every one.
func New(r float64) Ratio {
	switch {
	case r >= 1:
		return Ratio{all: true}
	case r > 0:
		return Ratio{below: uint64(r * math.Exp2(64))}
	}
	return Ratio{}
}

// All reports whether every trace is kept.
func (s Ratio) All() bool { return s.all }

// Keep reports whether the trace is in the sample.
func (s Ratio) Keep(t pcommon.TraceID) bool { return s.all || Hash(t) < s.below }

// KeepHash is Keep for a hash computed once for several samples.
func (s Ratio) KeepHash(h uint64) bool { return s.all || h < s.below }

// Hash mixes a trace id into a uniform 64-bit value (splitmix64's
// finalizer), so a sample is deterministic by trace id and even for ids
// that are not random (sequential test ids, zero-padded 64-bit ids).
func Hash(t pcommon.TraceID) uint64 {
	x := binary.LittleEndian.Uint64(t[:8]) ^ binary.LittleEndian.Uint64(t[8:])*0x9E3779B97F4A7C15
	x ^= x >> 30
	x *= 0xBF58476D1CE4E5B9
	x ^= x >> 27
	x *= 0x94D049BB133111EB
	x ^= x >> 31
	return x
}
