package evaluators

import (
	"github.com/periscope-otel/periscope/internal/contract"
	"github.com/periscope-otel/periscope/internal/eval"
	"github.com/periscope-otel/periscope/internal/eval/safety"
)

// PromptLeakConfig is the prompt_leak block. The evaluator always compares
// the output with the system text; sides is accepted for uniformity.
type PromptLeakConfig struct {
	eval.Common `mapstructure:",squash"`
}

// New implements eval.Config.
func (c *PromptLeakConfig) New(b eval.Build) (eval.Evaluator, error) {
	return safety.NewPromptLeak(safetyOptions(&c.Common, b)), nil
}

var promptLeak = eval.Spec{
	Name:      contract.EvalPromptLeak,
	Sides:     eval.SideOutput,
	Threshold: 0.5,
	Enabled:   true,
	Risk:      true,
	Rubrics:   []string{"safety"},
	NewConfig: func(base eval.Common) eval.Config { return &PromptLeakConfig{Common: base} },
	Bench: eval.Bench{
		Sets:      []string{"tensor_trust_prompt_leak"},
		Row:       eval.AnswerRow,
		Train:     trainSafety(contract.EvalPromptLeak),
		ModelFile: safetyModelFile(contract.EvalPromptLeak),
	},
}
