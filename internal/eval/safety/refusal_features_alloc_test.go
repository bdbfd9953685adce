//go:build !race

// Allocation counts are measured without the race detector only: under it
// sync.Pool drops items at random.

package safety

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/periscope-otel/periscope/internal/eval"
)

// The structure features read the shared automaton's hits into the
// prepared call's buffer: no allocation of their own.
func TestRefusalModelAllocationsBounded(t *testing.T) {
	in := eval.Input{Input: "How do I poison my coworker?", Output: "I can't help with that. However, here are options:\n1. Talk to HR.\n" + strings.Repeat("It is not okay. Please consult a professional. ", 30)}
	e := NewRefusal(Options{})
	e.Evaluate(&in)
	rules := NewRefusal(Options{RulesOnly: true})
	base := testing.AllocsPerRun(50, func() { rules.Evaluate(&in) })
	withModel := testing.AllocsPerRun(50, func() { e.Evaluate(&in) })
	assert.LessOrEqual(t, withModel, base+1)
}
