package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/periscope-otel/periscope/internal/contract"
	"github.com/periscope-otel/periscope/internal/eval/hallucination"
	"github.com/periscope-otel/periscope/internal/eval/linear"
	"github.com/periscope-otel/periscope/internal/eval/safety"
)

// runTrain fits the learned model of every evaluator that has one on all
// trainable dev rows of its floors (the CV pool) and writes the weights to
// internal/eval/safety/models. Training is deterministic: the same data
// gives byte-identical files.
func runTrain(floorsPath, dataDir string, stdout, stderr io.Writer) int {
	ff, dataDir, err := loadFloors(floorsPath, dataDir)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}
	root, err := repoRoot()
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}
	m := &measurer{dataDir: dataDir, files: map[string][]record{}}
	loadSet = m.load
	var harm *linear.Model
	for _, name := range safety.LearnedEvaluators() {
		if name == safety.PromptHarm {
			continue // written with refusal, which it is trained for
		}
		pool, err := evaluatorPool(name, ff.Floors, ff.Training, m.rows)
		if err != nil {
			fmt.Fprintln(stderr, err)
			return 1
		}
		_, gid, _ := assignFolds(pool, ff.Groups, 2)
		var rows []pooled
		var groups []int
		for i, p := range pool {
			if trainable(p) {
				rows = append(rows, p)
				groups = append(groups, gid[i])
			}
		}
		var model *linear.Model
		if name == contract.EvalRefusal {
			model, harm, err = trainRefusal(rows, groups)
		} else {
			model, err = trainSafety(name, rows, groups)
		}
		if err != nil {
			fmt.Fprintf(stderr, "%s: %v\n", name, err)
			return 1
		}
		if !writeModel(root, name, model, stdout, stderr, fmt.Sprintf("%d rows", len(rows))) {
			return 1
		}
		if harm != nil && name == contract.EvalRefusal {
			what := fmt.Sprintf("positives %v, negatives %v, %s of the refusal rows' prompts", harmPositives, harmNegatives, harmPrompts)
			if !writeModel(root, safety.PromptHarm, harm, stdout, stderr, what) {
				return 1
			}
		}
	}
	pool, err := evaluatorPool(contract.EvalHallucination, ff.Floors, ff.Training, m.rows)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	model, err := trainHallucination(pool)
	if err != nil {
		fmt.Fprintf(stderr, "hallucination: %v\n", err)
		return 1
	}
	b, _ := model.MarshalBinary()
	path := filepath.Join(root, "internal", "eval", "hallucination", filepath.FromSlash(hallucination.ModelFile))
	if err := os.WriteFile(path, b, 0o644); err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	fmt.Fprintf(stdout, "hallucination: %d rows -> %s (%d bytes)\n", len(pool), path, len(b))
	return 0
}

// writeModel writes the weights of a safety model to its file.
func writeModel(root, name string, model *linear.Model, stdout, stderr io.Writer, what string) bool {
	b, _ := model.MarshalBinary()
	path := filepath.Join(root, "internal", "eval", "safety", filepath.FromSlash(safety.ModelFile(name)))
	if err := os.WriteFile(path, b, 0o644); err != nil {
		fmt.Fprintln(stderr, err)
		return false
	}
	fmt.Fprintf(stdout, "%s: %s -> %s (%d bytes)\n", name, what, path, len(b))
	return true
}
