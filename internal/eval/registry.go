package eval

import (
	"errors"
	"fmt"

	"github.com/periscope-otel/periscope/internal/eval/linear"
)

// Spec describes one evaluator: everything genai_eval, periscope-evalbench
// and the connectors need to know about it. The registered specs are listed
// in internal/eval/evaluators, one file per evaluator.
type Spec struct {
	// Name is the contract name: the YAML key under genai_eval's
	// evaluators:, the periscope.eval.<name> attribute, the
	// gen_ai.evaluation.name value.
	Name string
	// Sides are the sides read by default.
	Sides Side
	// Threshold is the default threshold (score >= threshold fails).
	Threshold float64
	// Enabled says whether genai_eval runs it by default.
	Enabled bool
	// Risk says its score is a risk score (1 = bad), so that genai_metrics
	// may apply fail_threshold to a bare score.
	Risk bool
	// Rubrics are the genai_judge rubrics whose calls its failures select
	// (relevance, faithfulness, correctness, safety).
	Rubrics []string
	// NewConfig returns the evaluator's configuration block holding the
	// defaults above (base) plus its own keys.
	NewConfig func(base Common) Config
	// Bench is how periscope-evalbench measures it.
	Bench Bench
}

// Config is one evaluator's configuration block
// (genai_eval evaluators.<name>). Implementations are pointers to structs
// with mapstructure tags; YAML keys are snake_case.
type Config interface {
	// Base returns the keys every evaluator has.
	Base() Basics
	// Validate reports invalid keys, named relative to the block
	// ("threshold: ..."); the caller prefixes evaluators.<name>.
	Validate() error
	// New builds the evaluator the block describes.
	New(b Build) (Evaluator, error)
}

// Build selects the form of an evaluator that carries a learned model.
// The zero value is the shipped form; periscope-evalbench uses the others.
type Build struct {
	// RulesOnly drops the learned model.
	RulesOnly bool
	// Model replaces the embedded learned model (fitted on training folds).
	Model *linear.Model
	// SubModel replaces the model the learned model reads as a feature
	// (refusal: the request-harm model).
	SubModel *linear.Model
}

// Bench tells periscope-evalbench how to measure an evaluator on the
// labelled sets of ../shared/data/eval.
type Bench struct {
	// Sets are the data sets its floors (cmd/periscope-evalbench/floors.yaml)
	// measure. Empty only with NoFloor.
	Sets []string
	// NoFloor says why the evaluator has no quality floor.
	NoFloor string
	// Row maps a labelled row to the evaluator's input; nil is PromptRow.
	Row func(text, context, query string) Input
	// Train fits the learned model on labelled inputs; nil when the
	// evaluator has none. groups are the cross-validation groups of the
	// rows, weights their weights (each trainer uses what it needs) and
	// sub, with Harm, the request-harm model read for row i.
	Train func(ins []Input, labels []bool, groups []int, weights []float64, sub func(i int) *linear.Model) (*linear.Model, error)
	// ModelFile is where the trained model is written, relative to the
	// repository root (with Train).
	ModelFile string
	// WeightBySet makes every data set weigh the same in total in training
	// (the weights passed to Train); otherwise every row weighs 1.
	WeightBySet bool
	// Harm, when set, is the request-harm model the learned model reads
	// as a feature (refusal), with the sets it is trained on.
	Harm *HarmSets
}

// HarmSets are the training sets of a request-harm model: harmful
// requests, benign instructions, and a labelled prompt set of which only
// the prompts of the evaluator's training rows are used.
type HarmSets struct {
	Positives, Negatives []string
	Prompts              string
	// Name and ModelFile name the model and where it is written.
	Name, ModelFile string
}

// PromptRow reads a labelled row as a user prompt (input-side evaluators).
func PromptRow(text, _, _ string) Input { return Input{Input: text} }

// AnswerRow reads a labelled row as a model answer: text is the output,
// context the grounding and system text, query (or, without one, context)
// the user turn.
func AnswerRow(text, context, query string) Input {
	in := Input{Output: text, System: context, Input: query}
	if in.Input == "" {
		in.Input = context
	}
	if context != "" {
		in.Context = []string{context}
	}
	return in
}

// BenchInput maps a labelled row to the evaluator's input.
func (s *Spec) BenchInput(text, context, query string) Input {
	if s.Bench.Row == nil {
		return PromptRow(text, context, query)
	}
	return s.Bench.Row(text, context, query)
}

// DefaultConfig returns the evaluator's configuration block with its defaults.
func (s *Spec) DefaultConfig() Config {
	return s.NewConfig(Common{Enabled: s.Enabled, Threshold: s.Threshold, SampleRatio: 1, Sides: s.Sides.Names()})
}

// Basics are the keys every evaluator has.
type Basics struct {
	Enabled   bool
	Threshold float64
	// SampleRatio is the share of traces (by trace id, see tracesample)
	// whose calls the evaluator runs on.
	SampleRatio float64
}

// ValidateSampleRatio checks a sample_ratio key.
func ValidateSampleRatio(r float64) error {
	if !(r >= 0 && r <= 1) {
		return fmt.Errorf("sample_ratio: must be in [0,1], got %v", r)
	}
	return nil
}

// New builds the evaluator with its defaults.
func (s *Spec) New(b Build) (Evaluator, error) { return s.DefaultConfig().New(b) }

// Common holds the keys shared by most evaluators. Blocks embed it with
// `mapstructure:",squash"`.
type Common struct {
	Enabled bool `mapstructure:"enabled"`
	// Threshold at or above which the evaluator fails the call.
	Threshold float64 `mapstructure:"threshold"`
	// SampleRatio: the share of traces whose calls the evaluator runs on.
	SampleRatio float64 `mapstructure:"sample_ratio"`
	// Sides the evaluator reads: input, output.
	Sides []string `mapstructure:"sides"`
	_     struct{}
}

// Base implements Config.
func (c *Common) Base() Basics {
	return Basics{Enabled: c.Enabled, Threshold: c.Threshold, SampleRatio: c.SampleRatio}
}

// Validate checks the threshold, the sample ratio and the sides.
func (c *Common) Validate() error {
	if c.Threshold < 0 || c.Threshold > 1 {
		return fmt.Errorf("threshold: must be in [0,1], got %v", c.Threshold)
	}
	if err := ValidateSampleRatio(c.SampleRatio); err != nil {
		return err
	}
	for _, s := range c.Sides {
		if _, ok := ParseSide(s); !ok {
			return fmt.Errorf("sides: unknown side %q (want input or output)", s)
		}
	}
	return nil
}

// Side returns the configured sides as a mask (0: the evaluator's default).
func (c *Common) Side() Side {
	var s Side
	for _, n := range c.Sides {
		v, _ := ParseSide(n)
		s |= v
	}
	return s
}

// ParseSide reads a side name: input or output.
func ParseSide(name string) (Side, bool) {
	switch name {
	case "input":
		return SideInput, true
	case "output":
		return SideOutput, true
	}
	return 0, false
}

// Names returns the side names of s, input first.
func (s Side) Names() []string {
	var out []string
	if s&SideInput != 0 {
		out = append(out, "input")
	}
	if s&SideOutput != 0 {
		out = append(out, "output")
	}
	return out
}

// Check reports what is wrong with a spec; the registry test runs it over
// every registered evaluator.
func (s *Spec) Check() error {
	var errs []error
	if s.Name == "" {
		errs = append(errs, errors.New("no name"))
	}
	if s.Threshold < 0 || s.Threshold > 1 {
		errs = append(errs, fmt.Errorf("threshold %v not in [0,1]", s.Threshold))
	}
	if s.NewConfig == nil {
		errs = append(errs, errors.New("no NewConfig"))
	}
	if len(s.Bench.Sets) == 0 && s.Bench.NoFloor == "" {
		errs = append(errs, errors.New("neither Bench.Sets nor Bench.NoFloor"))
	}
	if (s.Bench.Train == nil) != (s.Bench.ModelFile == "") {
		errs = append(errs, errors.New("Bench.Train and Bench.ModelFile go together"))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("evaluator %q: %w", s.Name, err)
	}
	return nil
}
