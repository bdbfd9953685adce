package evaluators

import (
	"fmt"
	"slices"

	"github.com/periscope-otel/periscope/internal/contract"
	"github.com/periscope-otel/periscope/internal/eval"
	"github.com/periscope-otel/periscope/internal/eval/safety"
)

// PIIConfig is the pii block: the common keys plus the PII types to detect.
type PIIConfig struct {
	eval.Common `mapstructure:",squash"`
	// Types limits detection to these PII types (empty = all).
	Types []string `mapstructure:"types"`
}

// Validate implements eval.Config.
func (c *PIIConfig) Validate() error {
	if err := c.Common.Validate(); err != nil {
		return err
	}
	for _, t := range c.Types {
		if !slices.Contains(safety.PIITypes, t) {
			return fmt.Errorf("types: unknown type %q (known: %v)", t, safety.PIITypes)
		}
	}
	return nil
}

// New implements eval.Config.
func (c *PIIConfig) New(eval.Build) (eval.Evaluator, error) {
	return safety.NewPII(safety.PIIOptions{Sides: c.Side(), Types: c.Types}), nil
}

var pii = eval.Spec{
	Name:      contract.EvalPII,
	Sides:     eval.SideInput | eval.SideOutput,
	Threshold: 0.5,
	Enabled:   true,
	Risk:      true,
	Rubrics:   []string{"safety"},
	NewConfig: func(base eval.Common) eval.Config { return &PIIConfig{Common: base} },
	Bench:     eval.Bench{Sets: []string{"presidio_synth_pii"}},
}
