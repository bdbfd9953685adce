package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"go.yaml.in/yaml/v3"
)

// floorsFile is the format of floors.yaml.
type floorsFile struct {
	Floors []floor `yaml:"floors"`
}

// floor is one quality floor. Rows of `sets` keep their own label; rows of
// `positives` count only when labelled 1 and rows of `negatives` only when
// labelled 0.
type floor struct {
	Name      string   `yaml:"name"`
	Evaluator string   `yaml:"evaluator"`
	Sets      []string `yaml:"sets"`
	Positives []string `yaml:"positives"`
	Negatives []string `yaml:"negatives"`
	// Metric: auroc, precision, recall, f1, fpr, balanced_accuracy,
	// recall_at_fpr (with fpr), span_f1 (pii, with types).
	Metric string   `yaml:"metric"`
	FPR    float64  `yaml:"fpr"`
	Types  []string `yaml:"types"`
	Min    *float64 `yaml:"min"`
	Max    *float64 `yaml:"max"`
}

func runCheck(floorsPath, dataDir string, stdout, stderr io.Writer) int {
	if floorsPath == "" {
		floorsPath = defaultFloorsPath()
	}
	raw, err := os.ReadFile(floorsPath)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}
	var ff floorsFile
	if err := yaml.Unmarshal(raw, &ff); err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", floorsPath, err)
		return 2
	}
	if dataDir == "" {
		if dataDir, err = defaultDataDir(); err != nil {
			fmt.Fprintln(stderr, err)
			return 2
		}
	}
	failed := 0
	for _, f := range ff.Floors {
		got, err := measure(f, dataDir)
		status := "ok  "
		want := ""
		switch {
		case err != nil:
			status = "ERR "
			failed++
		case f.Min != nil && got < *f.Min:
			status = "FAIL"
			failed++
		case f.Max != nil && got > *f.Max:
			status = "FAIL"
			failed++
		}
		if f.Min != nil {
			want += fmt.Sprintf(">= %.3f", *f.Min)
		}
		if f.Max != nil {
			want += fmt.Sprintf("<= %.3f", *f.Max)
		}
		if err != nil {
			fmt.Fprintf(stdout, "%s %-60s %v\n", status, f.Name, err)
			continue
		}
		fmt.Fprintf(stdout, "%s %-60s %.4f (%s)\n", status, f.Name, got, want)
	}
	if failed > 0 {
		fmt.Fprintf(stdout, "%d of %d floors failed\n", failed, len(ff.Floors))
		return 1
	}
	fmt.Fprintf(stdout, "all %d floors hold\n", len(ff.Floors))
	return 0
}

func measure(f floor, dataDir string) (float64, error) {
	if f.Min == nil && f.Max == nil {
		return 0, errors.New("floor has neither min nor max")
	}
	ev, thr, err := newEvaluator(f.Evaluator)
	if err != nil {
		return 0, err
	}
	load := func(set string) ([]record, error) {
		return readRecords(filepath.Join(dataDir, set, "data.jsonl"))
	}
	if f.Metric == "span_f1" {
		var all []record
		for _, s := range f.Sets {
			r, err := load(s)
			if err != nil {
				return 0, err
			}
			all = append(all, r...)
		}
		st := scoreSpans(ev, all)
		var m spanStats
		for _, t := range f.Types {
			if s := st[t]; s != nil {
				m.TP += s.TP
				m.FP += s.FP
				m.FN += s.FN
			}
		}
		if m.TP+m.FP+m.FN == 0 {
			return 0, fmt.Errorf("no gold or predicted spans of types %v", f.Types)
		}
		return m.f(1), nil
	}
	var recs []record
	add := func(sets []string, keep func(int) bool) error {
		for _, s := range sets {
			rs, err := load(s)
			if err != nil {
				return err
			}
			for _, r := range rs {
				if keep(r.Label) {
					recs = append(recs, r)
				}
			}
		}
		return nil
	}
	if err := add(f.Sets, func(int) bool { return true }); err != nil {
		return 0, err
	}
	if err := add(f.Positives, func(l int) bool { return l == 1 }); err != nil {
		return 0, err
	}
	if err := add(f.Negatives, func(l int) bool { return l == 0 }); err != nil {
		return 0, err
	}
	if len(recs) == 0 {
		return 0, errors.New("no rows")
	}
	scores, labels, _ := scoreRows(ev, f.Evaluator, recs)
	s := summarize(scores, labels, thr)
	if f.Metric == "recall_at_fpr" {
		return recallAtFPR(scores, labels, f.FPR), nil
	}
	v, ok := s.metric(f.Metric)
	if !ok {
		return 0, fmt.Errorf("unknown metric %q", f.Metric)
	}
	return v, nil
}

// defaultFloorsPath finds floors.yaml next to this source file, or under
// cmd/periscope-evalbench of the working directory's repository.
func defaultFloorsPath() string {
	if root, err := repoRoot(); err == nil {
		return filepath.Join(root, "cmd", "periscope-evalbench", "floors.yaml")
	}
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "floors.yaml")
}

// defaultDataDir is ../shared/data/eval beside the repository root, or
// $PERISCOPE_SHARED/data/eval.
func defaultDataDir() (string, error) {
	if s := os.Getenv("PERISCOPE_SHARED"); s != "" {
		return filepath.Join(s, "data", "eval"), nil
	}
	root, err := repoRoot()
	if err != nil {
		return "", err
	}
	d := filepath.Join(filepath.Dir(root), "shared", "data", "eval")
	if _, err := os.Stat(d); err != nil {
		return "", fmt.Errorf("evaluation data not found at %s (use --data or PERISCOPE_SHARED)", d)
	}
	return d, nil
}

func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if b, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil && strings.Contains(string(b), "periscope-otel/periscope") {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("repository root (go.mod) not found from the working directory")
		}
		dir = parent
	}
}
