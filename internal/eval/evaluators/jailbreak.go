package evaluators

import (
	"github.com/periscope-otel/periscope/internal/contract"
	"github.com/periscope-otel/periscope/internal/eval"
	"github.com/periscope-otel/periscope/internal/eval/safety"
)

// JailbreakConfig is the jailbreak block.
type JailbreakConfig struct {
	eval.Common `mapstructure:",squash"`
}

// New implements eval.Config.
func (c *JailbreakConfig) New(b eval.Build) (eval.Evaluator, error) {
	return safety.NewJailbreak(safetyOptions(&c.Common, b)), nil
}

var jailbreak = eval.Spec{
	Name:      contract.EvalJailbreak,
	Sides:     eval.SideInput,
	Threshold: 0.5,
	Enabled:   true,
	Risk:      true,
	Rubrics:   []string{"safety"},
	NewConfig: func(base eval.Common) eval.Config { return &JailbreakConfig{Common: base} },
	Bench: eval.Bench{
		Sets: []string{"inthewild_jailbreaks", "jailbreak_templates",
			"benign_instructions_lmsys", "benign_instructions_selfinstruct", "xstest_prompts"},
		Train:     trainSafety(contract.EvalJailbreak),
		ModelFile: safetyModelFile(contract.EvalJailbreak),
	},
}
