// Package hallucination scores how far a model answer is from being
// grounded in the context it was given (retrieved documents, tool results,
// system instructions, earlier turns). The score is deterministic and built
// from claim-level checks; see README.md for the method and its limits.
package hallucination

import (
	"github.com/periscope-otel/periscope/internal/contract"
	"github.com/periscope-otel/periscope/internal/eval"
	"github.com/periscope-otel/periscope/internal/eval/linear"
	"github.com/periscope-otel/periscope/internal/eval/textmemo"
)

// Evaluator is the hallucination evaluator. It is safe for concurrent use.
type Evaluator struct {
	cfg   Config
	model *linear.Model // learned blend of the features, or nil
	// material keeps systemHasMaterial for system prompts that recur.
	material textmemo.Memo[bool]
}

var _ eval.Evaluator = (*Evaluator)(nil)

// New validates cfg and returns an evaluator.
func New(cfg Config) (*Evaluator, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &Evaluator{cfg: cfg, model: defaultModel()}, nil
}

// Name returns contract.EvalHallucination.
func (e *Evaluator) Name() string { return contract.EvalHallucination }

const (
	labelNoContext = contract.LabelNoContext
	labelPass      = contract.LabelPass
	labelFail      = contract.LabelFail
)
