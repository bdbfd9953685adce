// Package evaluators is the registry of Periscope's heuristic evaluators:
// one file per evaluator holds its eval.Spec (name, sides, default
// threshold, risk, default enabled, judge rubrics, configuration block and
// constructor, and how periscope-evalbench measures it). genai_eval's
// configuration and construction, periscope-evalbench and the connectors
// iterate over All; nothing else lists evaluators.
package evaluators

import (
	"slices"

	"github.com/periscope-otel/periscope/internal/eval"
	"github.com/periscope-otel/periscope/internal/eval/linear"
	"github.com/periscope-otel/periscope/internal/eval/safety"
)

// registered lists every evaluator in run order: genai_eval writes results
// in this order (the safety evaluators share one normalisation pass and come
// first). A test fails when a file declares a Spec that is not listed here.
var registered = []*eval.Spec{
	&promptInjection,
	&jailbreak,
	&pii,
	&secrets,
	&toxicity,
	&refusal,
	&promptLeak,
	&offTopic,
	&hallucinationSpec,
}

// All returns every registered evaluator in run order. Callers must not
// modify the specs.
func All() []*eval.Spec { return registered }

// Lookup returns the spec of an evaluator by its contract name.
func Lookup(name string) (*eval.Spec, bool) {
	for _, s := range registered {
		if s.Name == name {
			return s, true
		}
	}
	return nil, false
}

// Names returns the contract names in run order.
func Names() []string {
	out := make([]string, len(registered))
	for i, s := range registered {
		out[i] = s.Name
	}
	return out
}

// RiskNames returns the evaluators whose bare score is a risk score
// (1 = bad), in run order.
func RiskNames() []string {
	var out []string
	for _, s := range registered {
		if s.Risk {
			out = append(out, s.Name)
		}
	}
	return out
}

// ByRubric maps each genai_judge rubric to the evaluators whose failures
// select calls for it, in run order.
func ByRubric() map[string][]string {
	out := map[string][]string{}
	for _, s := range registered {
		for _, r := range s.Rubrics {
			if !slices.Contains(out[r], s.Name) {
				out[r] = append(out[r], s.Name)
			}
		}
	}
	return out
}

// safetyOptions builds the options of a safety evaluator from its block.
func safetyOptions(c *eval.Common, b eval.Build) safety.Options {
	return safety.Options{Sides: c.Side(), Model: b.Model, HarmModel: b.SubModel, RulesOnly: b.RulesOnly}
}

// safetyModelFile is where periscope-evalbench --train writes the learned
// model of a safety evaluator.
func safetyModelFile(name string) string { return "internal/eval/safety/" + safety.ModelFile(name) }

// trainSafety fits the learned model of a safety evaluator (CV groups
// balance its training; weights are not used).
func trainSafety(name string) func([]eval.Input, []bool, []int, []float64, func(int) *linear.Model) (*linear.Model, error) {
	return func(ins []eval.Input, labels []bool, groups []int, _ []float64, sub func(int) *linear.Model) (*linear.Model, error) {
		if sub == nil {
			sub = func(int) *linear.Model { return nil }
		}
		return safety.TrainModelSubs(name, ins, labels, groups, sub)
	}
}
