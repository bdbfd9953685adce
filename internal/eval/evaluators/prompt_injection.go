package evaluators

import (
	"github.com/periscope-otel/periscope/internal/contract"
	"github.com/periscope-otel/periscope/internal/eval"
	"github.com/periscope-otel/periscope/internal/eval/safety"
)

// PromptInjectionConfig is the prompt_injection block.
type PromptInjectionConfig struct {
	eval.Common `mapstructure:",squash"`
}

// New implements eval.Config.
func (c *PromptInjectionConfig) New(b eval.Build) (eval.Evaluator, error) {
	return safety.NewPromptInjection(safetyOptions(&c.Common, b)), nil
}

var promptInjection = eval.Spec{
	Name:      contract.EvalPromptInjection,
	Sides:     eval.SideInput,
	Threshold: 0.5,
	Enabled:   true,
	Risk:      true,
	Rubrics:   []string{"safety"},
	NewConfig: func(base eval.Common) eval.Config { return &PromptInjectionConfig{Common: base} },
	Bench: eval.Bench{
		Sets: []string{"tensor_trust_attacks", "benign_instructions_lmsys", "benign_instructions_selfinstruct", "xstest_prompts"},
	},
}
