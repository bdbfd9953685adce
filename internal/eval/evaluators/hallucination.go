package evaluators

import (
	"github.com/periscope-otel/periscope/internal/contract"
	"github.com/periscope-otel/periscope/internal/eval"
	"github.com/periscope-otel/periscope/internal/eval/hallucination"
	"github.com/periscope-otel/periscope/internal/eval/linear"
)

// HallucinationConfig is the hallucination block: enabled plus the
// evaluator's own keys (threshold, max_context_bytes, max_answer_bytes,
// ground_on_input). It has no sides: it always checks the answer.
type HallucinationConfig struct {
	Enabled              bool    `mapstructure:"enabled"`
	SampleRatio          float64 `mapstructure:"sample_ratio"`
	hallucination.Config `mapstructure:",squash"`
}

// Base implements eval.Config.
func (c *HallucinationConfig) Base() eval.Basics {
	return eval.Basics{Enabled: c.Enabled, Threshold: c.Threshold, SampleRatio: c.SampleRatio}
}

// Validate implements eval.Config.
func (c *HallucinationConfig) Validate() error {
	if err := eval.ValidateSampleRatio(c.SampleRatio); err != nil {
		return err
	}
	return c.Config.Validate()
}

// New implements eval.Config.
func (c *HallucinationConfig) New(b eval.Build) (eval.Evaluator, error) {
	return hallucination.NewWithOptions(c.Config, hallucination.Options{Model: b.Model, RulesOnly: b.RulesOnly})
}

var hallucinationSpec = eval.Spec{
	Name:      contract.EvalHallucination,
	Sides:     eval.SideOutput,
	Threshold: hallucination.DefaultConfig().Threshold,
	Enabled:   true,
	Risk:      true,
	Rubrics:   []string{"faithfulness", "correctness"},
	NewConfig: func(base eval.Common) eval.Config {
		c := &HallucinationConfig{Enabled: base.Enabled, SampleRatio: base.SampleRatio, Config: hallucination.DefaultConfig()}
		c.Threshold = base.Threshold
		return c
	},
	Bench: eval.Bench{
		Sets: []string{"halueval_qa", "summedits", "begin_dialogue_groundedness"},
		// The evaluator grounds on System and Context: give it the
		// row's context once.
		Row: func(text, context, query string) eval.Input {
			in := eval.AnswerRow(text, context, query)
			in.System = ""
			return in
		},
		// Every set (a domain: QA, summaries, dialogue) weighs the same.
		WeightBySet: true,
		Train: func(ins []eval.Input, labels []bool, _ []int, weights []float64, _ func(int) *linear.Model) (*linear.Model, error) {
			return hallucination.TrainModel(hallucination.DefaultConfig(), ins, labels, weights)
		},
		ModelFile: "internal/eval/hallucination/" + hallucination.ModelFile,
	},
}
