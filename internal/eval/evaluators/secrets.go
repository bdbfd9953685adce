package evaluators

import (
	"github.com/periscope-otel/periscope/internal/contract"
	"github.com/periscope-otel/periscope/internal/eval"
	"github.com/periscope-otel/periscope/internal/eval/safety"
)

// SecretsConfig is the secrets block.
type SecretsConfig struct {
	eval.Common `mapstructure:",squash"`
}

// New implements eval.Config.
func (c *SecretsConfig) New(b eval.Build) (eval.Evaluator, error) {
	return safety.NewSecrets(safetyOptions(&c.Common, b)), nil
}

var secrets = eval.Spec{
	Name:      contract.EvalSecrets,
	Sides:     eval.SideInput | eval.SideOutput,
	Threshold: 0.5,
	Enabled:   true,
	Risk:      true,
	Rubrics:   []string{"safety"},
	NewConfig: func(base eval.Common) eval.Config { return &SecretsConfig{Common: base} },
	Bench:     eval.Bench{Sets: []string{"gitleaks_secret_samples"}},
}
