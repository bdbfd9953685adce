package main

import (
	"fmt"

	"github.com/periscope-otel/periscope/internal/contract"
	"github.com/periscope-otel/periscope/internal/eval"
	"github.com/periscope-otel/periscope/internal/eval/hallucination"
	"github.com/periscope-otel/periscope/internal/eval/safety"
)

// defaultThreshold is the shipped threshold of every safety evaluator; it
// matches the genai_eval processor's defaults.
const defaultThreshold = 0.5

// newEvaluator builds an evaluator with its shipped defaults and returns
// its default threshold.
func newEvaluator(name string) (eval.Evaluator, float64, error) {
	switch name {
	case contract.EvalPromptInjection:
		return safety.NewPromptInjection(safety.Options{}), defaultThreshold, nil
	case contract.EvalJailbreak:
		return safety.NewJailbreak(safety.Options{}), defaultThreshold, nil
	case contract.EvalPII:
		return safety.NewPII(safety.PIIOptions{}), defaultThreshold, nil
	case contract.EvalSecrets:
		return safety.NewSecrets(safety.Options{}), defaultThreshold, nil
	case contract.EvalToxicity:
		return safety.NewToxicity(safety.Options{}), defaultThreshold, nil
	case contract.EvalRefusal:
		return safety.NewRefusal(safety.Options{}), defaultThreshold, nil
	case contract.EvalPromptLeak:
		return safety.NewPromptLeak(safety.Options{}), defaultThreshold, nil
	case contract.EvalHallucination:
		cfg := hallucination.DefaultConfig()
		e, err := hallucination.New(cfg)
		if err != nil {
			return nil, 0, err
		}
		return e, cfg.Threshold, nil
	case contract.EvalOffTopic:
		return nil, 0, fmt.Errorf("off_topic needs topics from a configuration; it has no labelled set")
	}
	return nil, 0, fmt.Errorf("unknown evaluator %q", name)
}
