package genaijudgeconnector

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestRegistryRubrics: every rubric an evaluator's registry entry names is
// a built-in rubric here, and every built-in rubric has evaluators.
func TestRegistryRubrics(t *testing.T) {
	for r, evs := range defaultEvaluators {
		_, ok := builtinInstructions[r]
		assert.True(t, ok, "registry rubric %q is not a built-in rubric", r)
		assert.NotEmpty(t, evs, r)
	}
	for _, r := range []string{RubricRelevance, RubricFaithfulness, RubricCorrectness, RubricSafety} {
		assert.NotEmpty(t, defaultEvaluators[r], r)
	}
}
