package main

import (
	"fmt"
	"hash/fnv"
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

// The request-harm model read by the refusal model trains on harmful
// requests against benign instructions, plus the XSTest prompts (safe /
// unsafe, from xstest_prompts) of the refusal training calls: the prompts
// of held-out calls are never among them.
var (
	harmPositives = []string{"harmful_requests"}
	harmNegatives = []string{"benign_instructions_lmsys", "benign_instructions_selfinstruct"}
	harmPrompts   = "xstest_prompts"
)

// harmStackFolds is the number of prompt folds over which the refusal
// training calls get an out-of-fold request-harm feature.
const harmStackFolds = 5

// loadSet reads a dev set; runCheck and runTrain set it.
var loadSet func(set string) ([]record, error)

// harmModel trains the request-harm model on the base sets and the rows of
// harmPrompts whose text is one of prompts (keys: promptKey).
func harmModel(prompts map[string]bool) (*linear.Model, error) {
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
	if len(prompts) > 0 {
		rs, err := loadSet(harmPrompts)
		if err != nil {
			return nil, err
		}
		for i := range rs {
			if prompts[promptKey(rs[i].Text)] {
				ins = append(ins, eval.Input{Input: rs[i].Text})
				labels = append(labels, rs[i].Label == 1)
			}
		}
	}
	return safety.TrainModel(safety.PromptHarm, ins, labels, nil, nil)
}

func promptKey(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// refusalPrompts returns the prompts (context) of refusal rows.
func refusalPrompts(rows []pooled) map[string]bool {
	m := map[string]bool{}
	for _, p := range rows {
		m[promptKey(p.rec.Context)] = true
	}
	return m
}

// trainRefusal fits the refusal model and its request-harm model on rows.
// The harm model read at scoring time trains on the prompts of all rows;
// each training call's harm feature comes from a harm model that did not
// see its prompt (prompt folds), as a held-out call's does.
func trainRefusal(rows []pooled, groups []int) (*linear.Model, *linear.Model, error) {
	all := refusalPrompts(rows)
	full, err := harmModel(all)
	if err != nil {
		return nil, nil, err
	}
	fold := func(p pooled) int {
		h := fnv.New32a()
		h.Write([]byte(promptKey(p.rec.Context)))
		return int(h.Sum32() % harmStackFolds)
	}
	subs := make([]*linear.Model, harmStackFolds)
	for f := range subs {
		keep := map[string]bool{}
		for _, p := range rows {
			if fold(p) != f {
				keep[promptKey(p.rec.Context)] = true
			}
		}
		if subs[f], err = harmModel(keep); err != nil {
			return nil, nil, err
		}
	}
	ins := make([]eval.Input, len(rows))
	labels := make([]bool, len(rows))
	for i, p := range rows {
		ins[i] = toInput(contract.EvalRefusal, p.rec)
		labels[i] = p.rec.Label == 1
	}
	m, err := safety.TrainModelSubs(contract.EvalRefusal, ins, labels, groups, func(i int) *linear.Model { return subs[fold(rows[i])] })
	return m, full, err
}

// trainSafety fits the learned model of a safety evaluator on rows.
func trainSafety(name string, rows []pooled, groups []int) (*linear.Model, error) {
	ins := make([]eval.Input, len(rows))
	labels := make([]bool, len(rows))
	for i, p := range rows {
		ins[i] = toInput(name, p.rec)
		labels[i] = p.rec.Label == 1
	}
	return safety.TrainModel(name, ins, labels, groups, nil)
}

func safetyLearner(name string) func([]pooled, []int) (eval.Evaluator, error) {
	return func(rows []pooled, groups []int) (eval.Evaluator, error) {
		if name == contract.EvalRefusal {
			m, harm, err := trainRefusal(rows, groups)
			if err != nil {
				return nil, err
			}
			return safetyCtor(name, safety.Options{Model: m, HarmModel: harm}), nil
		}
		m, err := trainSafety(name, rows, groups)
		if err != nil {
			return nil, err
		}
		return safetyCtor(name, safety.Options{Model: m}), nil
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
