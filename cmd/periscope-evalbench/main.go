// Command periscope-evalbench runs Periscope's evaluators over labelled
// JSONL and prints per-row scores and summary quality metrics. With --check
// it runs every quality floor of floors.yaml and exits non-zero when one
// fails.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/periscope-otel/periscope/internal/eval"
	"github.com/periscope-otel/periscope/internal/eval/evaluators"
	"github.com/periscope-otel/periscope/internal/eval/safety"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("periscope-evalbench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	name := fs.String("evaluator", "", "evaluator name ("+strings.Join(evaluators.Names(), ", ")+")")
	input := fs.String("input", "", "labelled JSONL file")
	sum := fs.Bool("summary", false, "print summary metrics after the rows")
	only := fs.Bool("summary-only", false, "print only the summary")
	thr := fs.Float64("threshold", -1, "decision threshold (default: the evaluator's default)")
	spans := fs.Bool("spans", false, "pii: score type-level spans against the spans field")
	check := fs.Bool("check", false, "run every floor of the floors file and exit 1 if one fails")
	floors := fs.String("floors", "", "floors file (default: floors.yaml beside this command's source)")
	data := fs.String("data", "", "directory holding <set>/data.jsonl (default: ../shared/data/eval beside the repository)")
	cv := fs.Int("cv", 5, "with --check: group k-fold cross-validation with K folds (0: dev figures only); floors are checked on the held-out figures with a margin")
	train := fs.Bool("train", false, "fit the learned models on all trainable dev rows and write internal/eval/safety/models")
	rulesOnly := fs.Bool("rules-only", false, "score with the rules alone (no learned model)")
	seed := fs.Uint64("seed", 0, "training seed of the learned safety models (default: the shipped seed 1); for measuring the seed spread of --check")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *seed != 0 {
		if *train {
			fmt.Fprintln(stderr, "--seed is for --check (measuring the seed spread); --train writes the shipped seed's weights")
			return 2
		}
		safety.SetTrainingSeed(*seed)
		defer safety.SetTrainingSeed(0)
	}
	if *train {
		return runTrain(*floors, *data, stdout, stderr)
	}
	if *cv == 1 || *cv < 0 {
		fmt.Fprintln(stderr, "--cv needs at least 2 folds")
		return 2
	}
	if *check {
		return runCheck(*floors, *data, *cv, *rulesOnly, stdout, stderr)
	}
	if *name == "" || *input == "" {
		fmt.Fprintln(stderr, "usage: periscope-evalbench --evaluator NAME --input FILE.jsonl [--summary] [--spans] | --check")
		return 2
	}
	ev, def, err := newEvaluatorMode(*name, *rulesOnly)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}
	if *thr < 0 {
		*thr = def
	}
	recs, err := readRecords(*input)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	w := bufio.NewWriter(stdout)
	defer w.Flush()
	if *spans {
		st := scoreSpans(ev, recs)
		printSpanSummary(w, st)
		return 0
	}
	scores, labels, lat := scoreRows(ev, *name, recs)
	if !*only {
		for i, r := range recs {
			lbl := "pass"
			if scores[i] >= *thr {
				lbl = "fail"
			}
			b, _ := json.Marshal(struct {
				ID    string  `json:"id"`
				Score float64 `json:"score"`
				Label string  `json:"label"`
			}{r.ID, round4(scores[i]), lbl})
			w.Write(b)
			w.WriteByte('\n')
		}
	}
	if *sum || *only {
		printSummary(w, *name, summarize(scores, labels, *thr), scores, labels, lat)
		printSlices(w, recs, scores, *thr)
	}
	return 0
}

func round4(x float64) float64 { return float64(int64(x*10000+0.5)) / 10000 }

// scoreRows evaluates every record and returns scores, labels and per-row
// latencies.
func scoreRows(ev eval.Evaluator, name string, recs []record) ([]float64, []bool, []time.Duration) {
	scores := make([]float64, len(recs))
	labels := make([]bool, len(recs))
	lat := make([]time.Duration, len(recs))
	for i := range recs {
		in := toInput(name, &recs[i])
		t0 := time.Now()
		res := ev.Evaluate(&in)
		lat[i] = time.Since(t0)
		scores[i] = res.Score
		if res.Skipped {
			scores[i] = 0
		}
		labels[i] = recs[i].Label == 1
	}
	return scores, labels, lat
}

func printSummary(w io.Writer, name string, s summary, scores []float64, labels []bool, lat []time.Duration) {
	lo, hi := bootstrap(scores, labels, func(sc []float64, lb []bool) float64 { return eval.AUROC(sc, lb) })
	flo, fhi := bootstrap(scores, labels, func(sc []float64, lb []bool) float64 { return summarize(sc, lb, s.Threshold).F1 })
	fmt.Fprintf(w, "# %s: n=%d pos=%d neg=%d threshold=%.2f\n", name, s.N, s.Pos, s.Neg, s.Threshold)
	fmt.Fprintf(w, "# auroc=%.4f [%.3f, %.3f]  precision=%.4f recall=%.4f f1=%.4f [%.3f, %.3f] fpr=%.4f balanced_accuracy=%.4f\n",
		s.AUROC, lo, hi, s.Precision, s.Recall, s.F1, flo, fhi, s.FPR, s.BalAcc)
	fmt.Fprintf(w, "# recall@1%%fpr=%.4f (%d negatives allowed) recall@5%%fpr=%.4f  tp=%d fp=%d fn=%d tn=%d\n",
		s.RecallAt1, s.Neg/100, s.At5, s.TP, s.FP, s.FN, s.TN)
	if len(lat) > 0 {
		d := append([]time.Duration(nil), lat...)
		sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
		fmt.Fprintf(w, "# latency p50=%s p99=%s\n", d[len(d)/2], d[len(d)*99/100])
	}
}

// goldType maps presidio entity names onto the evaluator's type names; the
// types a regex detector cannot be judged on map to "".
var goldType = map[string]string{
	"EMAIL_ADDRESS": "email", "PHONE_NUMBER": "phone", "CREDIT_CARD": "credit_card",
	"US_SSN": "us_ssn", "IBAN_CODE": "iban", "IP_ADDRESS": "ip_address",
	"STREET_ADDRESS": "street_address", "ADDRESS": "street_address",
}

// regexTypes are the types whose quality is judged (floors, micro average).
var regexTypes = []string{"email", "phone", "credit_card", "us_ssn", "iban", "ip_address"}

func scoreSpans(ev eval.Evaluator, recs []record) map[string]*spanStats {
	st := map[string]*spanStats{}
	get := func(t string) *spanStats {
		if st[t] == nil {
			st[t] = &spanStats{}
		}
		return st[t]
	}
	type sp struct {
		s, e int
		t    string
	}
	for i := range recs {
		r := &recs[i]
		in := eval.Input{Input: r.Text}
		res := ev.Evaluate(&in)
		var gold, pred []sp
		for _, g := range r.Spans {
			if t := goldType[g.Type]; t != "" {
				gold = append(gold, sp{byteOffset(r.Text, g.Start), byteOffset(r.Text, g.End), t})
			}
		}
		for _, f := range res.Findings {
			pred = append(pred, sp{f.Start, f.End, f.Rule})
		}
		used := make([]bool, len(gold))
		for _, p := range pred {
			s := get(p.t)
			hit := false
			for gi, g := range gold {
				if g.t == p.t && p.s < g.e && g.s < p.e && !used[gi] {
					used[gi] = true
					hit = true
					s.TP++
					if strings.TrimSpace(r.Text[p.s:p.e]) == strings.TrimSpace(r.Text[g.s:g.e]) {
						s.ExactTP++
					}
					break
				}
			}
			s.ExactPred++
			if !hit {
				s.FP++
			}
		}
		for gi, g := range gold {
			if !used[gi] {
				get(g.t).FN++
			}
		}
	}
	return st
}

func printSpanSummary(w io.Writer, st map[string]*spanStats) {
	var types []string
	for t := range st {
		types = append(types, t)
	}
	sort.Strings(types)
	var micro spanStats
	fmt.Fprintf(w, "%-16s %5s %5s %5s %7s %7s %7s %8s\n", "type", "tp", "fp", "fn", "f1", "f2", "exactF1", "judged")
	for _, t := range types {
		s := st[t]
		judged := false
		for _, r := range regexTypes {
			if r == t {
				judged = true
			}
		}
		if judged {
			micro.TP += s.TP
			micro.FP += s.FP
			micro.FN += s.FN
			micro.ExactTP += s.ExactTP
			micro.ExactPred += s.ExactPred
		}
		fmt.Fprintf(w, "%-16s %5d %5d %5d %7.4f %7.4f %7.4f %8v\n", t, s.TP, s.FP, s.FN, s.f(1), s.f(2), s.exactF1(), judged)
	}
	fmt.Fprintf(w, "%-16s %5d %5d %5d %7.4f %7.4f %7.4f\n", "micro(regex)", micro.TP, micro.FP, micro.FN, micro.f(1), micro.f(2), micro.exactF1())
}

// printSlices prints, per category, the share of rows flagged: recall for
// label-1 rows and false-positive rate for label-0 rows.
func printSlices(w io.Writer, recs []record, scores []float64, thr float64) {
	type agg struct{ pos, posHit, neg, negHit int }
	by := map[string]*agg{}
	var cats []string
	for i, r := range recs {
		a := by[r.Category]
		if a == nil {
			a = &agg{}
			by[r.Category] = a
			cats = append(cats, r.Category)
		}
		hit := scores[i] >= thr
		if r.Label == 1 {
			a.pos++
			if hit {
				a.posHit++
			}
		} else {
			a.neg++
			if hit {
				a.negHit++
			}
		}
	}
	if len(cats) < 2 {
		return
	}
	sort.Strings(cats)
	for _, c := range cats {
		a := by[c]
		fmt.Fprintf(w, "# category %-28s", c)
		if a.pos > 0 {
			fmt.Fprintf(w, " recall=%.4f (%d/%d)", ratio(a.posHit, a.pos), a.posHit, a.pos)
		}
		if a.neg > 0 {
			fmt.Fprintf(w, " fpr=%.4f (%d/%d)", ratio(a.negHit, a.neg), a.negHit, a.neg)
		}
		fmt.Fprintln(w)
	}
}
