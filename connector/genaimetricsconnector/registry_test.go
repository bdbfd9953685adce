package genaimetricsconnector

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/periscope-otel/periscope/connector/genaimetricsconnector/internal/drift"
	"github.com/periscope-otel/periscope/internal/contract"
	"github.com/periscope-otel/periscope/internal/eval/evaluators"
	"github.com/periscope-otel/periscope/internal/genai"
)

// TestRiskEvaluatorsFromRegistry: every risk evaluator of the registry
// (internal/eval/evaluators) is a risk scale here without configuration.
func TestRiskEvaluatorsFromRegistry(t *testing.T) {
	c, _ := newTestConnector(t, defaultCfg(), newFakeClock())
	for _, s := range evaluators.All() {
		assert.Equal(t, s.Risk, c.riskScale(s.Name, false), s.Name)
	}
	assert.False(t, c.riskScale("relevance", false), "a judge rubric is not a risk scale")
}

// TestRefusalFromEvaluator: the drift refusal signal comes from the refusal
// evaluator's detector, and is not computed when the call carries a refusal
// evaluator result (which decides it).
func TestRefusalFromEvaluator(t *testing.T) {
	r := &driftRecorder{cfg: defaultCfg()}
	answer := func(s string) *genai.View {
		return &genai.View{OutputMessages: []genai.Message{{Role: "assistant", Parts: []genai.Part{{Type: genai.PartText, Content: s}}}}}
	}
	var o drift.Obs
	for s, want := range map[string]int{
		"I'm sorry, but I can't help with that.": 1,
		// No opening apology: a phrase list misses it, the evaluator does not.
		"Providing instructions for making a weapon is not something I will do; it is illegal and unethical.": 1,
		"Sure, here is the summary: revenue grew 4% in the quarter.":                                          0,
	} {
		o.Reset()
		r.fill(&o, answer(s), 0, false, true, false)
		assert.Equal(t, want, o.Refusal, s)
		o.Reset()
		r.fill(&o, answer(s), 0, false, true, true)
		assert.Equal(t, -1, o.Refusal, "left to the evaluator result: %s", s)
	}
	assert.True(t, refusalJudged([]drift.EvalObs{{Name: contract.EvalRefusal, Failed: 0}}))
	assert.False(t, refusalJudged([]drift.EvalObs{{Name: contract.EvalRefusal, Failed: -1}, {Name: contract.EvalToxicity, Failed: 1}}))
}
