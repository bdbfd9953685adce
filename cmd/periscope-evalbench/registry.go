package main

import (
	"errors"
	"fmt"
	"hash/fnv"
	"strings"

	"github.com/periscope-otel/periscope/internal/eval"
	"github.com/periscope-otel/periscope/internal/eval/evaluators"
	"github.com/periscope-otel/periscope/internal/eval/linear"
	"github.com/periscope-otel/periscope/internal/eval/safety"
)

// Everything evaluator-specific (constructor, default threshold, how a row
// is read, what is trained and on which sets) comes from the registry in
// internal/eval/evaluators; this file only knows how to train on pooled rows.

// specOf returns an evaluator's spec, or an error naming the known ones.
func specOf(name string) (*eval.Spec, error) {
	s, ok := evaluators.Lookup(name)
	if !ok {
		return nil, fmt.Errorf("unknown evaluator %q (known: %s)", name, strings.Join(evaluators.Names(), ", "))
	}
	return s, nil
}

// newEvaluatorMode builds an evaluator with its shipped defaults, or with
// rulesOnly without its learned model, and returns its default threshold.
func newEvaluatorMode(name string, rulesOnly bool) (eval.Evaluator, float64, error) {
	s, err := specOf(name)
	if err != nil {
		return nil, 0, err
	}
	if len(s.Bench.Sets) == 0 {
		return nil, 0, errors.New(s.Bench.NoFloor)
	}
	ev, err := s.New(eval.Build{RulesOnly: rulesOnly})
	if err != nil {
		return nil, 0, err
	}
	return ev, s.Threshold, nil
}

// learner returns how to fit an evaluator (its learned model and the
// model's blend with the rules) on training rows, or nil when nothing is
// fitted; cross-validation calls it once per fold.
func learner(name string) func(train []pooled, groups []int) (eval.Evaluator, error) {
	s, err := specOf(name)
	if err != nil || s.Bench.Train == nil {
		return nil
	}
	return func(rows []pooled, groups []int) (eval.Evaluator, error) {
		m, sub, err := fit(s, rows, groups)
		if err != nil {
			return nil, err
		}
		return s.New(eval.Build{Model: m, SubModel: sub})
	}
}

// fit trains the learned model of s on rows, and with s.Bench.Harm the
// request-harm model it reads (returned as sub).
func fit(s *eval.Spec, rows []pooled, groups []int) (model, sub *linear.Model, err error) {
	ins := make([]eval.Input, len(rows))
	labels := make([]bool, len(rows))
	for i, p := range rows {
		ins[i] = toInput(s.Name, p.rec)
		labels[i] = p.rec.Label == 1
	}
	var weights []float64
	if s.Bench.WeightBySet {
		// Every set (a domain) weighs the same in total.
		perSet := map[string]int{}
		for _, p := range rows {
			perSet[p.set]++
		}
		weights = make([]float64, len(rows))
		for i, p := range rows {
			weights[i] = float64(len(rows)) / float64(len(perSet)*perSet[p.set])
		}
	}
	var subOf func(int) *linear.Model
	if h := s.Bench.Harm; h != nil {
		var subs []*linear.Model
		var fold func(int) int
		sub, subs, fold, err = harmStack(h, rows)
		if err != nil {
			return nil, nil, err
		}
		subOf = func(i int) *linear.Model { return subs[fold(i)] }
	}
	model, err = s.Bench.Train(ins, labels, groups, weights, subOf)
	return model, sub, err
}

// harmStackFolds is the number of prompt folds over which the training
// calls get an out-of-fold request-harm feature.
const harmStackFolds = 5

// loadSet reads a dev set; runCheck and runTrain set it.
var loadSet func(set string) ([]record, error)

// harmModel trains the request-harm model on the base sets of h and the
// rows of h.Prompts whose text is one of prompts (keys: promptKey).
func harmModel(h *eval.HarmSets, prompts map[string]bool) (*linear.Model, error) {
	var ins []eval.Input
	var labels []bool
	for _, sets := range [][]string{h.Positives, h.Negatives} {
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
		rs, err := loadSet(h.Prompts)
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
	return safety.TrainModel(h.Name, ins, labels, nil, nil)
}

func promptKey(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// harmStack trains the request-harm model read at scoring time on the
// prompts (context) of all rows, and one per prompt fold on the prompts of
// the other folds: each training call's harm feature comes from a model
// that did not see its prompt, as a held-out call's does. fold(i) is row
// i's prompt fold.
func harmStack(h *eval.HarmSets, rows []pooled) (*linear.Model, []*linear.Model, func(int) int, error) {
	all := map[string]bool{}
	for _, p := range rows {
		all[promptKey(p.rec.Context)] = true
	}
	full, err := harmModel(h, all)
	if err != nil {
		return nil, nil, nil, err
	}
	foldOf := func(p pooled) int {
		hs := fnv.New32a()
		hs.Write([]byte(promptKey(p.rec.Context)))
		return int(hs.Sum32() % harmStackFolds)
	}
	subs := make([]*linear.Model, harmStackFolds)
	for f := range subs {
		keep := map[string]bool{}
		for _, p := range rows {
			if foldOf(p) != f {
				keep[promptKey(p.rec.Context)] = true
			}
		}
		if subs[f], err = harmModel(h, keep); err != nil {
			return nil, nil, nil, err
		}
	}
	return full, subs, func(i int) int { return foldOf(rows[i]) }, nil
}

// trainable reports whether a row may be trained on. Self-Instruct's
// user-oriented instructions are evaluation-only by their authors' request.
func trainable(p pooled) bool {
	return !(p.set == "benign_instructions_selfinstruct" && strings.Contains(p.rec.ID, "user_oriented"))
}
