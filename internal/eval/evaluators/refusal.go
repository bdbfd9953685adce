package evaluators

import (
	"github.com/periscope-otel/periscope/internal/contract"
	"github.com/periscope-otel/periscope/internal/eval"
	"github.com/periscope-otel/periscope/internal/eval/safety"
)

// RefusalConfig is the refusal block.
type RefusalConfig struct {
	eval.Common `mapstructure:",squash"`
}

// New implements eval.Config.
func (c *RefusalConfig) New(b eval.Build) (eval.Evaluator, error) {
	return safety.NewRefusal(safetyOptions(&c.Common, b)), nil
}

var refusal = eval.Spec{
	Name:      contract.EvalRefusal,
	Sides:     eval.SideOutput,
	Threshold: safety.RefusalThreshold, // also safety.IsRefusal's (genai_metrics' drift signal)
	Enabled:   true,
	Risk:      true,
	Rubrics:   []string{"relevance"},
	NewConfig: func(base eval.Common) eval.Config { return &RefusalConfig{Common: base} },
	Bench: eval.Bench{
		Sets:      []string{"xstest_completions_refusal"},
		Row:       eval.AnswerRow,
		Train:     trainSafety(contract.EvalRefusal),
		ModelFile: safetyModelFile(contract.EvalRefusal),
		// The refusal model reads how harmful the request was: a model
		// trained on harmful requests against benign instructions, plus
		// the XSTest prompts of the refusal training calls (the prompts
		// of held-out calls are never among them).
		Harm: &eval.HarmSets{
			Positives: []string{"harmful_requests"},
			Negatives: []string{"benign_instructions_lmsys", "benign_instructions_selfinstruct"},
			Prompts:   "xstest_prompts",
			Name:      safety.PromptHarm,
			ModelFile: safetyModelFile(safety.PromptHarm),
		},
	},
}
