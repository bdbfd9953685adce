package evaluators

import (
	"github.com/periscope-otel/periscope/internal/contract"
	"github.com/periscope-otel/periscope/internal/eval"
	"github.com/periscope-otel/periscope/internal/eval/safety"
)

// ToxicityConfig is the toxicity block.
type ToxicityConfig struct {
	eval.Common `mapstructure:",squash"`
}

// New implements eval.Config.
func (c *ToxicityConfig) New(b eval.Build) (eval.Evaluator, error) {
	return safety.NewToxicity(safetyOptions(&c.Common, b)), nil
}

var toxicity = eval.Spec{
	Name:      contract.EvalToxicity,
	Sides:     eval.SideOutput,
	Threshold: 0.5,
	Enabled:   true,
	Risk:      true,
	Rubrics:   []string{"safety"},
	NewConfig: func(base eval.Common) eval.Config { return &ToxicityConfig{Common: base} },
	Bench:     eval.Bench{Sets: []string{"davidson_hate_offensive"}, Row: eval.AnswerRow},
}
