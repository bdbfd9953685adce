// Package eval defines what a heuristic evaluator is: a deterministic
// function from the texts of one GenAI call to a risk score in [0,1], and
// what the registry knows about one (Spec, registry.go). Evaluators live in
// sub-packages and are registered in internal/eval/evaluators, one file
// each; the genai_eval processor, periscope-evalbench and the connectors
// find them there.
package eval

// Side says which part of a call an evaluator reads.
type Side uint8

const (
	SideInput Side = 1 << iota
	SideOutput
)

// Input is what one call offers to evaluators. Texts are already bounded by
// the processor's byte budget.
type Input struct {
	System  string   // system instructions
	Input   string   // user-side input text (non-system input messages)
	Output  string   // model output text
	Context []string // grounding context: RAG documents, retrieval spans, tool results, earlier turns
	// Truncated is set when any of the texts above was cut by the budget.
	Truncated bool
}

// Finding is one rule hit: a rule id and byte offsets in the evaluated
// text. It never carries the matched text itself.
type Finding struct {
	Rule  string
	Side  Side
	Start int
	End   int
}

// LabelNotSampled is the label of a Skipped result for a call outside the
// evaluator's sample (its sample_ratio): nothing is written for it.
const LabelNotSampled = "not_sampled"

// Result is an evaluator's verdict on one call.
type Result struct {
	// Score is the risk score in [0,1]; 1 = certainly bad.
	Score float64
	// Skipped is set when the evaluator could not run (e.g. no context for
	// hallucination); Label then says why (e.g. "no_context").
	Skipped bool
	Label   string
	// Findings explain the score (rule ids and offsets).
	Findings []Finding
	// Types lists detected types where relevant (e.g. PII kinds: email, card).
	Types []string
}

// Evaluator scores one call. Implementations must be safe for concurrent
// use, must never panic on any input, and must run in time linear in the
// input size.
type Evaluator interface {
	Name() string
	Evaluate(in *Input) Result
}
