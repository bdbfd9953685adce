package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/periscope-otel/periscope/internal/eval/evaluators"
	"github.com/periscope-otel/periscope/internal/eval/linear"
)

// runTrain fits the learned model of every registered evaluator that has
// one (eval.Spec.Bench.Train) on all trainable dev rows of its floors (the
// CV pool) and writes the weights to its Bench.ModelFile. Training is
// deterministic: the same data gives byte-identical files.
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
	for _, s := range evaluators.All() {
		if s.Bench.Train == nil {
			continue
		}
		pool, err := evaluatorPool(s.Name, ff.Floors, ff.Training, m.rows)
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
		model, harm, err := fit(s, rows, groups)
		if err != nil {
			fmt.Fprintf(stderr, "%s: %v\n", s.Name, err)
			return 1
		}
		if !writeModel(root, s.Name, s.Bench.ModelFile, model, stdout, stderr, fmt.Sprintf("%d rows", len(rows))) {
			return 1
		}
		if h := s.Bench.Harm; h != nil {
			what := fmt.Sprintf("positives %v, negatives %v, %s of the %s rows' prompts", h.Positives, h.Negatives, h.Prompts, s.Name)
			if !writeModel(root, h.Name, h.ModelFile, harm, stdout, stderr, what) {
				return 1
			}
		}
	}
	return 0
}

// writeModel writes the weights of a learned model to file (relative to
// the repository root).
func writeModel(root, name, file string, model *linear.Model, stdout, stderr io.Writer, what string) bool {
	b, _ := model.MarshalBinary()
	path := filepath.Join(root, filepath.FromSlash(file))
	if err := os.WriteFile(path, b, 0o644); err != nil {
		fmt.Fprintln(stderr, err)
		return false
	}
	fmt.Fprintf(stdout, "%s: %s -> %s (%d bytes)\n", name, what, path, len(b))
	return true
}
