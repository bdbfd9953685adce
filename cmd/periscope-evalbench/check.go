package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// floorsFile is the format of floors.yaml.
type floorsFile struct {
	Floors []floor `yaml:"floors"`
	// Groups lists, per set, the group keys of cross-validation (see cv.go):
	// row, context, query, category, shingle. Sets not listed group by row.
	Groups map[string][]string `yaml:"groups"`
	// Training adds, per evaluator, rows that its learned model trains on
	// but no floor measures. They join the CV pool (and its groups), so a
	// training row never shares a group with a held-out row.
	Training map[string]trainingRows `yaml:"training"`
}

// trainingRows are extra training rows of one evaluator.
type trainingRows struct {
	Positives []string `yaml:"positives"`
	Negatives []string `yaml:"negatives"`
}

// cvMargin is the margin by which a held-out (CV) figure must clear its
// floor: metric >= min + cvMargin. Ceilings (max:) are rates such as an
// FPR of 0.02, where a 0.02 margin would demand zero; they are checked at
// metric <= max - min(cvMargin, max/2).
const cvMargin = 0.02

func ceilingMargin(max float64) float64 { return min(cvMargin, max/2) }

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

// loadFloors reads the floors file (default: beside this command's source)
// and resolves the data directory (default: ../shared/data/eval).
func loadFloors(floorsPath, dataDir string) (floorsFile, string, error) {
	var ff floorsFile
	if floorsPath == "" {
		floorsPath = defaultFloorsPath()
	}
	raw, err := os.ReadFile(floorsPath)
	if err != nil {
		return ff, "", err
	}
	if err := yaml.Unmarshal(raw, &ff); err != nil {
		return ff, "", fmt.Errorf("%s: %w", floorsPath, err)
	}
	if dataDir == "" {
		if dataDir, err = defaultDataDir(); err != nil {
			return ff, "", err
		}
	}
	return ff, dataDir, nil
}

// runCheck runs every floor. With cv > 0 each floor is measured on the
// pooled held-out scores of group k-fold cross-validation and must clear it
// by the CV margin; the dev figure is printed beside it.
func runCheck(floorsPath, dataDir string, cv int, rulesOnly bool, stdout, stderr io.Writer) int {
	ff, dataDir, err := loadFloors(floorsPath, dataDir)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}
	m := &measurer{dataDir: dataDir, groups: ff.Groups, training: ff.Training, cv: cv, rulesOnly: rulesOnly, files: map[string][]record{}, cvCache: map[string]map[string]float64{}, floors: ff.Floors}
	loadSet = m.load
	failed, short := 0, 0
	for _, f := range ff.Floors {
		var got, dev float64
		var err error
		if cv > 0 {
			if dev, err = m.measure(f, false); err == nil {
				got, err = m.measure(f, true)
			}
		} else {
			got, err = m.measure(f, false)
		}
		lo, hi := 0.0, 0.0
		if cv > 0 {
			lo, hi = cvMargin, 0
			if f.Max != nil {
				hi = ceilingMargin(*f.Max)
			}
		}
		status := "ok  "
		want := ""
		switch {
		case err != nil:
			status = "ERR "
			failed++
		case f.Min != nil && got < *f.Min, f.Max != nil && got > *f.Max:
			status = "FAIL"
			failed++
		case f.Min != nil && got < *f.Min+lo, f.Max != nil && got > *f.Max-hi:
			// above the floor, short of the held-out margin: reported,
			// not failed, until the evaluator earns its margin
			status = "SHORT"
			short++
		}
		if f.Min != nil {
			want += fmt.Sprintf(">= %.3f", *f.Min+lo)
		}
		if f.Max != nil {
			want += fmt.Sprintf("<= %.3f", *f.Max-hi)
		}
		if err != nil {
			fmt.Fprintf(stdout, "%s %-60s %v\n", status, f.Name, err)
			continue
		}
		if cv > 0 {
			fmt.Fprintf(stdout, "%s %-56s cv %.4f (%s)  dev %.4f\n", status, f.Name, got, want, dev)
			continue
		}
		fmt.Fprintf(stdout, "%s %-60s %.4f (%s)\n", status, f.Name, got, want)
	}
	if cv > 0 {
		for _, name := range m.order {
			fmt.Fprintf(stdout, "# cv %s: %s\n", name, m.cvNote[name])
		}
	}
	if short > 0 {
		fmt.Fprintf(stdout, "%d of %d floors are met but short of the %.2f held-out margin\n", short, len(ff.Floors), cvMargin)
	}
	if failed > 0 {
		fmt.Fprintf(stdout, "%d of %d floors failed\n", failed, len(ff.Floors))
		return 1
	}
	fmt.Fprintf(stdout, "all %d floors hold\n", len(ff.Floors))
	return 0
}

// measurer measures floors, caching data files and CV scores.
type measurer struct {
	dataDir   string
	groups    map[string][]string
	training  map[string]trainingRows
	cv        int
	rulesOnly bool
	floors    []floor
	files     map[string][]record
	cvCache   map[string]map[string]float64
	cvNote    map[string]string
	order     []string
}

func (m *measurer) load(set string) ([]record, error) {
	if r, ok := m.files[set]; ok {
		return r, nil
	}
	r, err := readRecords(filepath.Join(m.dataDir, set, "data.jsonl"))
	if err != nil {
		return nil, err
	}
	m.files[set] = r
	return r, nil
}

// rows returns the rows a floor measures, with their sets.
func (m *measurer) rows(f floor) ([]pooled, error) {
	var out []pooled
	add := func(sets []string, keep func(int) bool) error {
		for _, s := range sets {
			rs, err := m.load(s)
			if err != nil {
				return err
			}
			for i := range rs {
				if keep(rs[i].Label) {
					out = append(out, pooled{set: s, rec: &rs[i]})
				}
			}
		}
		return nil
	}
	if err := add(f.Sets, func(int) bool { return true }); err != nil {
		return nil, err
	}
	if err := add(f.Positives, func(l int) bool { return l == 1 }); err != nil {
		return nil, err
	}
	if err := add(f.Negatives, func(l int) bool { return l == 0 }); err != nil {
		return nil, err
	}
	return out, nil
}

// cvScoresOf returns the held-out scores of every row measured by any
// floor of the evaluator: one CV run per evaluator over the union of its
// floors' rows, which is also what the evaluator's model trains on.
func (m *measurer) cvScoresOf(name string) (map[string]float64, error) {
	if sc, ok := m.cvCache[name]; ok {
		return sc, nil
	}
	pool, err := evaluatorPool(name, m.floors, m.training, m.rows)
	if err != nil {
		return nil, err
	}
	sc, note, err := cvScores(name, pool, m.groups, m.cv, m.rulesOnly)
	if err != nil {
		return nil, err
	}
	m.cvCache[name] = sc
	if m.cvNote == nil {
		m.cvNote = map[string]string{}
	}
	m.cvNote[name] = note
	m.order = append(m.order, name)
	return sc, nil
}

// evaluatorPool is the union (deduplicated, in floor order) of the rows of
// every non-span floor of one evaluator, then its extra training rows.
func evaluatorPool(name string, floors []floor, training map[string]trainingRows, rows func(floor) ([]pooled, error)) ([]pooled, error) {
	seen := map[string]bool{}
	var pool []pooled
	if t, ok := training[name]; ok {
		floors = append(slices.Clip(floors), floor{Name: "training", Evaluator: name, Positives: t.Positives, Negatives: t.Negatives})
	}
	for _, f := range floors {
		if f.Evaluator != name || f.Metric == "span_f1" {
			continue
		}
		rs, err := rows(f)
		if err != nil {
			return nil, err
		}
		for _, p := range rs {
			if k := rowKey(p.set, p.rec); !seen[k] {
				seen[k] = true
				pool = append(pool, p)
			}
		}
	}
	return pool, nil
}

func (m *measurer) measure(f floor, cv bool) (float64, error) {
	if f.Min == nil && f.Max == nil {
		return 0, errors.New("floor has neither min nor max")
	}
	ev, thr, err := newEvaluatorMode(f.Evaluator, m.rulesOnly)
	if err != nil {
		return 0, err
	}
	if f.Metric == "span_f1" {
		// Nothing is fitted for PII spans: the CV figure is the dev figure.
		var all []record
		for _, s := range f.Sets {
			r, err := m.load(s)
			if err != nil {
				return 0, err
			}
			all = append(all, r...)
		}
		st := scoreSpans(ev, all)
		var sm spanStats
		for _, t := range f.Types {
			if s := st[t]; s != nil {
				sm.TP += s.TP
				sm.FP += s.FP
				sm.FN += s.FN
			}
		}
		if sm.TP+sm.FP+sm.FN == 0 {
			return 0, fmt.Errorf("no gold or predicted spans of types %v", f.Types)
		}
		return sm.f(1), nil
	}
	rs, err := m.rows(f)
	if err != nil {
		return 0, err
	}
	if len(rs) == 0 {
		return 0, errors.New("no rows")
	}
	scores := make([]float64, len(rs))
	labels := make([]bool, len(rs))
	if cv {
		sc, err := m.cvScoresOf(f.Evaluator)
		if err != nil {
			return 0, err
		}
		for i, p := range rs {
			scores[i] = sc[rowKey(p.set, p.rec)]
			labels[i] = p.rec.Label == 1
		}
	} else {
		for i, p := range rs {
			scores[i] = scoreOne(ev, f.Evaluator, p.rec)
			labels[i] = p.rec.Label == 1
		}
	}
	if f.Metric == "recall_at_fpr" {
		return recallAtFPR(scores, labels, f.FPR), nil
	}
	v, ok := summarize(scores, labels, thr).metric(f.Metric)
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
