package hallucination

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/periscope-otel/periscope/internal/contract"

	"github.com/periscope-otel/periscope/internal/eval"
	"github.com/periscope-otel/periscope/internal/testutil"
)

type row struct {
	ID       string `json:"id"`
	Text     string `json:"text"`
	Context  string `json:"context"`
	Query    string `json:"query"`
	Label    int    `json:"label"`
	Category string `json:"category"`
	Meta     struct {
		Corpus string `json:"dialogue_corpus"`
	} `json:"meta"`
}

func loadSet(t testing.TB, name string) []row {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(testutil.SharedDir(t), "data", "eval", name, "data.jsonl"))
	if err != nil {
		t.Skipf("dataset %s not available: %v", name, err)
	}
	var rows []row
	// Split on newline bytes only: some texts hold U+2028.
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		var r row
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		rows = append(rows, r)
	}
	return rows
}

// input maps a dataset row the way periscope-evalbench does: the answer is
// the output, the grounding text the context, the query the user input.
func input(r row) *eval.Input {
	in := &eval.Input{Output: r.Text, Input: r.Query}
	if r.Context != "" {
		in.Context = []string{r.Context}
	}
	return in
}

// floors are the acceptance floors of issue 6 (AUROC per set); guard is
// what the test asserts on the dev copy.
var floors = []struct {
	set   string
	floor float64
	guard float64 // what the test asserts
}{
	{"halueval_qa", 0.90, 0.90},
	{"begin_dialogue_groundedness", 0.78, 0.78},
	{"summedits", 0.65, 0.65},
}

type scored struct {
	rows   []row
	scores []float64
	labels []bool
	feats  []features
}

func scoreSet(t *testing.T, e *Evaluator, set string) scored {
	t.Helper()
	var s scored
	s.rows = loadSet(t, set)
	for _, r := range s.rows {
		in := input(r)
		res := e.Evaluate(in)
		if res.Skipped {
			t.Fatalf("%s %s: skipped with context present", set, r.ID)
		}
		if res.Score < 0 || res.Score > 1 || math.IsNaN(res.Score) {
			t.Fatalf("%s %s: score %v out of range", set, r.ID, res.Score)
		}
		sc := pool.Get().(*scratch)
		f, _ := e.analyse(sc, in)
		pool.Put(sc)
		s.scores = append(s.scores, res.Score)
		s.labels = append(s.labels, r.Label == 1)
		s.feats = append(s.feats, f)
	}
	return s
}

func TestQualityFloors(t *testing.T) {
	e, err := New(DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	for _, fl := range floors {
		t.Run(fl.set, func(t *testing.T) {
			s := scoreSet(t, e, fl.set)
			auc := eval.AUROC(s.scores, s.labels)
			groups := make([]string, len(s.rows))
			for i, r := range s.rows {
				groups[i] = r.Context
			}
			lo, hi := bootstrapAUROC(s.scores, s.labels, groups, 1000)
			t.Logf("%s: AUROC %.3f (95%% CI %.3f-%.3f, n=%d), floor %.2f", fl.set, auc, lo, hi, len(s.rows), fl.floor)
			logFeatures(t, s)
			logSlices(t, s, e.cfg.Threshold)
			if auc < fl.guard {
				t.Errorf("%s: AUROC %.3f below %.2f", fl.set, auc, fl.guard)
			}
			// Held-out check: split by grounding text (the dataset's own
			// group key for these sets) into two halves; each half must
			// hold the guard on its own, a few points of slack allowed for
			// the smaller sample.
			var a, b scored
			for i, r := range s.rows {
				h := fnv.New32a()
				h.Write([]byte(r.Context))
				dst := &a
				if h.Sum32()%2 == 1 {
					dst = &b
				}
				dst.scores = append(dst.scores, s.scores[i])
				dst.labels = append(dst.labels, s.labels[i])
			}
			for k, half := range []scored{a, b} {
				ha := eval.AUROC(half.scores, half.labels)
				t.Logf("%s: half %d AUROC %.3f (n=%d)", fl.set, k, ha, len(half.scores))
				if ha < fl.guard-0.05 {
					t.Errorf("%s: half %d AUROC %.3f below %.2f", fl.set, k, ha, fl.guard-0.05)
				}
			}
		})
	}
}

// TestHaluEvalNoLengthFeature shows the HaluEval QA result does not come
// from answer length: (1) the score of an answer repeated twice equals the
// score of the answer, for every row; (2) among answers of similar length
// (rows bucketed by token count, AUROC computed inside each bucket and
// averaged) the score still separates the classes while length cannot.
func TestHaluEvalNoLengthFeature(t *testing.T) {
	e, _ := New(DefaultConfig())
	s := scoreSet(t, e, "halueval_qa")
	lengths := make([]float64, len(s.rows))
	for i, r := range s.rows {
		lengths[i] = float64(len(r.Text))
		in := input(r)
		in.Output = r.Text + "\n" + r.Text
		if got := e.Evaluate(in).Score; math.Abs(got-s.scores[i]) > 0.02 {
			t.Errorf("%s: doubled answer scores %.3f, single %.3f", r.ID, got, s.scores[i])
		}
	}
	t.Logf("AUROC of answer length alone %.3f; of the score %.3f", eval.AUROC(lengths, s.labels), eval.AUROC(s.scores, s.labels))
	// Buckets by word count.
	buckets := map[int]*scored{}
	for i, r := range s.rows {
		n := len(strings.Fields(r.Text))
		k := min(n/4, 5)
		if buckets[k] == nil {
			buckets[k] = &scored{}
		}
		b := buckets[k]
		b.scores = append(b.scores, s.scores[i])
		b.labels = append(b.labels, s.labels[i])
		b.feats = append(b.feats, features{content: n})
	}
	var wSum, aScore, aLen float64
	for _, b := range buckets {
		var pos int
		var lens []float64
		for i, l := range b.labels {
			if l {
				pos++
			}
			lens = append(lens, float64(b.feats[i].content))
		}
		w := float64(pos * (len(b.labels) - pos))
		if w == 0 {
			continue
		}
		wSum += w
		aScore += w * eval.AUROC(b.scores, b.labels)
		aLen += w * eval.AUROC(lens, b.labels)
	}
	aScore /= wSum
	aLen /= wSum
	t.Logf("length-matched AUROC: score %.3f, word count %.3f", aScore, aLen)
	if aScore < 0.80 {
		t.Errorf("length-matched AUROC %.3f: the score leans on length", aScore)
	}
}

// TestHaluEvalGeneralNoContext: the reference-free set has no grounding,
// so every row must be skipped with no_context (diagnostic only).
func TestHaluEvalGeneralNoContext(t *testing.T) {
	e, _ := New(DefaultConfig())
	rows := loadSet(t, "halueval_general")
	skipped := 0
	for _, r := range rows {
		res := e.Evaluate(input(r))
		if res.Skipped && res.Label == contract.LabelNoContext {
			skipped++
		}
	}
	t.Logf("halueval_general: %d/%d rows no_context", skipped, len(rows))
	if skipped != len(rows) {
		t.Errorf("halueval_general: %d of %d rows scored without context", len(rows)-skipped, len(rows))
	}
}

func logFeatures(t *testing.T, s scored) {
	names := []string{"novelty", "bigram", "unaligned", "claimFail", "subst", "recomb"}
	line := "feature AUROC:"
	for k, n := range names {
		v := make([]float64, len(s.feats))
		for i, f := range s.feats {
			v[i] = [...]float64{f.novelty, f.bigram, f.unaligned, f.claimFail, f.subst, f.recomb}[k]
		}
		line += fmt.Sprintf(" %s=%.3f", n, eval.AUROC(v, s.labels))
	}
	t.Log(line)
}

// bootstrapAUROC returns a 95% interval from 1,000 resamples of groups
// (rows sharing a grounding text are drawn together).
func bootstrapAUROC(scores []float64, labels []bool, groups []string, n int) (float64, float64) {
	idx := map[string][]int{}
	var keys []string
	for i, g := range groups {
		if _, ok := idx[g]; !ok {
			keys = append(keys, g)
		}
		idx[g] = append(idx[g], i)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	aucs := make([]float64, n)
	var s []float64
	var l []bool
	for k := range aucs {
		s, l = s[:0], l[:0]
		for range keys {
			for _, i := range idx[keys[rng.IntN(len(keys))]] {
				s = append(s, scores[i])
				l = append(l, labels[i])
			}
		}
		aucs[k] = eval.AUROC(s, l)
	}
	sort.Float64s(aucs)
	return aucs[n*25/1000], aucs[n*975/1000]
}

// logSlices reports balanced accuracy at the shipped threshold and, for
// BEGIN, the slices the evaluation recipe asks for.
func logSlices(t *testing.T, s scored, threshold float64) {
	for _, th := range []float64{0.3, 0.5} {
		var tp, fp, fn, tn float64
		for i, sc := range s.scores {
			switch flagged := sc >= th; {
			case flagged && s.labels[i]:
				tp++
			case flagged:
				fp++
			case s.labels[i]:
				fn++
			default:
				tn++
			}
		}
		t.Logf("balanced accuracy at %.2f: %.3f", th, (tp/(tp+fn)+tn/(tn+fp))/2)
	}
	var tp, fp, fn, tn float64
	for i, sc := range s.scores {
		switch flagged := sc >= threshold; {
		case flagged && s.labels[i]:
			tp++
		case flagged:
			fp++
		case s.labels[i]:
			fn++
		default:
			tn++
		}
	}
	t.Logf("balanced accuracy at threshold %.2f: %.3f (TP %v FP %v FN %v TN %v)", threshold, (tp/(tp+fn)+tn/(tn+fp))/2, tp, fp, fn, tn)
	slices := map[string]*scored{}
	for i, r := range s.rows {
		var keys []string
		if r.Category != "generic" && r.Meta.Corpus != "" {
			keys = append(keys, "no_generic")
		}
		if r.Meta.Corpus != "" {
			keys = append(keys, "corpus="+r.Meta.Corpus)
		}
		for _, k := range keys {
			if slices[k] == nil {
				slices[k] = &scored{}
			}
			slices[k].scores = append(slices[k].scores, s.scores[i])
			slices[k].labels = append(slices[k].labels, s.labels[i])
		}
	}
	keys := make([]string, 0, len(slices))
	for k := range slices {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		t.Logf("slice %s: AUROC %.3f (n=%d)", k, eval.AUROC(slices[k].scores, slices[k].labels), len(slices[k].scores))
	}
}
