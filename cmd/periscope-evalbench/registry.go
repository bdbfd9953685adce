package main

import (
	"fmt"
	"strings"

	"github.com/periscope-otel/periscope/internal/contract"
	"github.com/periscope-otel/periscope/internal/eval"
	"github.com/periscope-otel/periscope/internal/eval/hallucination"
	"github.com/periscope-otel/periscope/internal/eval/linear"
	"github.com/periscope-otel/periscope/internal/eval/safety"
)

// defaultThreshold is the shipped threshold of every safety evaluator; it
// matches the genai_eval processor's defaults.
const defaultThreshold = 0.5

// learners fit an evaluator (its learned model and the model's blend with
// the rules) on training rows; cross-validation calls them once per fold.
var learners = map[string]func(train []pooled, groups []int) (eval.Evaluator, error){
	contract.EvalJailbreak:  safetyLearner(contract.EvalJailbreak),
	contract.EvalRefusal:    safetyLearner(contract.EvalRefusal),
	contract.EvalPromptLeak: safetyLearner(contract.EvalPromptLeak),
	contract.EvalHallucination: func(rows []pooled, _ []int) (eval.Evaluator, error) {
		m, err := trainHallucination(rows)
		if err != nil {
			return nil, err
		}
		return hallucination.NewWithOptions(hallucination.DefaultConfig(), hallucination.Options{Model: m})
	},
}

// trainHallucination fits the hallucination blend on rows. Every set (a
// domain: QA, summaries, dialogue) weighs the same in total.
func trainHallucination(rows []pooled) (*linear.Model, error) {
	ins := make([]eval.Input, len(rows))
	labels := make([]bool, len(rows))
	perSet := map[string]int{}
	for _, p := range rows {
		perSet[p.set]++
	}
	weights := make([]float64, len(rows))
	for i, p := range rows {
		ins[i] = toInput(contract.EvalHallucination, p.rec)
		labels[i] = p.rec.Label == 1
		weights[i] = float64(len(rows)) / float64(len(perSet)*perSet[p.set])
	}
	return hallucination.TrainModel(hallucination.DefaultConfig(), ins, labels, weights)
}

// safetyCtor builds a safety evaluator with options.
func safetyCtor(name string, o safety.Options) eval.Evaluator {
	switch name {
	case contract.EvalJailbreak:
		return safety.NewJailbreak(o)
	case contract.EvalRefusal:
		return safety.NewRefusal(o)
	case contract.EvalPromptLeak:
		return safety.NewPromptLeak(o)
	}
	return nil
}

// The request-harm model read by the refusal model trains on sets that no
// refusal floor measures (XSTest's prompts are not among them): harmful
// requests against benign instructions.
var (
	harmPositives = []string{"harmful_requests"}
	harmNegatives = []string{"benign_instructions_lmsys", "benign_instructions_selfinstruct"}
)

// loadSet reads a dev set; runCheck and runTrain set it.
var loadSet func(set string) ([]record, error)

var harmCache *linear.Model

// harmModel trains (once per process) the request-harm model.
func harmModel() (*linear.Model, error) {
	if harmCache != nil {
		return harmCache, nil
	}
	var ins []eval.Input
	var labels []bool
	for _, sets := range [][]string{harmPositives, harmNegatives} {
		pos := len(labels) == 0
		for _, set := range sets {
			rs, err := loadSet(set)
			if err != nil {
				return nil, err
			}
			for i := range rs {
				p := pooled{set: set, rec: &rs[i]}
				if (rs[i].Label == 1) == pos && trainable(p) {
					ins = append(ins, eval.Input{Input: rs[i].Text})
					labels = append(labels, pos)
				}
			}
		}
	}
	m, err := safety.TrainModel(safety.PromptHarm, ins, labels, nil, nil)
	if err != nil {
		return nil, err
	}
	harmCache = m
	return m, nil
}

// trainSafety fits the learned model of a safety evaluator on rows.
func trainSafety(name string, rows []pooled, groups []int) (*linear.Model, error) {
	if name == safety.PromptHarm {
		return harmModel()
	}
	ins := make([]eval.Input, len(rows))
	labels := make([]bool, len(rows))
	for i, p := range rows {
		ins[i] = toInput(name, p.rec)
		labels[i] = p.rec.Label == 1
	}
	var sub *linear.Model
	if name == contract.EvalRefusal {
		var err error
		if sub, err = harmModel(); err != nil {
			return nil, err
		}
	}
	return safety.TrainModel(name, ins, labels, groups, sub)
}

func safetyLearner(name string) func([]pooled, []int) (eval.Evaluator, error) {
	return func(rows []pooled, groups []int) (eval.Evaluator, error) {
		m, err := trainSafety(name, rows, groups)
		if err != nil {
			return nil, err
		}
		o := safety.Options{Model: m}
		if name == contract.EvalRefusal {
			o.HarmModel = harmCache
		}
		return safetyCtor(name, o), nil
	}
}

// trainable reports whether a row may be trained on. Self-Instruct's
// user-oriented instructions are evaluation-only by their authors' request.
func trainable(p pooled) bool {
	return !(p.set == "benign_instructions_selfinstruct" && strings.Contains(p.rec.ID, "user_oriented"))
}

// newEvaluatorMode is newEvaluator, or with rulesOnly the evaluator without
// its learned model.
func newEvaluatorMode(name string, rulesOnly bool) (eval.Evaluator, float64, error) {
	if rulesOnly {
		if ev, ok := rulesOnlyEvaluator(name); ok {
			return ev, defaultThreshold, nil
		}
	}
	return newEvaluator(name)
}

// rulesOnlyEvaluator returns the rules-only form of evaluators that carry
// a learned model.
func rulesOnlyEvaluator(name string) (eval.Evaluator, bool) {
	if name == contract.EvalHallucination {
		e, err := hallucination.NewWithOptions(hallucination.DefaultConfig(), hallucination.Options{RulesOnly: true})
		return e, err == nil
	}
	ev := safetyCtor(name, safety.Options{RulesOnly: true})
	return ev, ev != nil
}

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
