package main

import (
	"math"
	"math/rand/v2"
	"sort"

	"github.com/periscope-otel/periscope/internal/eval"
)

// summary holds the binary metrics of one scored set.
type summary struct {
	N, Pos, Neg       int
	TP, FP, FN, TN    int
	Precision, Recall float64
	F1, FPR, BalAcc   float64
	AUROC             float64
	RecallAt1, At5    float64
	Threshold         float64
}

func summarize(scores []float64, labels []bool, thr float64) summary {
	s := summary{N: len(scores), Threshold: thr}
	for i, sc := range scores {
		flag := sc >= thr
		switch {
		case labels[i] && flag:
			s.TP++
		case labels[i]:
			s.FN++
		case flag:
			s.FP++
		default:
			s.TN++
		}
	}
	s.Pos, s.Neg = s.TP+s.FN, s.FP+s.TN
	s.Precision = ratio(s.TP, s.TP+s.FP)
	s.Recall = ratio(s.TP, s.TP+s.FN)
	if s.Precision+s.Recall > 0 {
		s.F1 = 2 * s.Precision * s.Recall / (s.Precision + s.Recall)
	}
	s.FPR = ratio(s.FP, s.FP+s.TN)
	s.BalAcc = (s.Recall + ratio(s.TN, s.TN+s.FP)) / 2
	s.AUROC = eval.AUROC(scores, labels)
	s.RecallAt1 = recallAtFPR(scores, labels, 0.01)
	s.At5 = recallAtFPR(scores, labels, 0.05)
	return s
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// recallAtFPR picks the lowest threshold that flags at most fpr of the
// negatives and returns the share of positives strictly above the highest
// negative score left unflagged (ties with an unflagged negative do not count).
func recallAtFPR(scores []float64, labels []bool, fpr float64) float64 {
	var neg, pos []float64
	for i, s := range scores {
		if labels[i] {
			pos = append(pos, s)
		} else {
			neg = append(neg, s)
		}
	}
	if len(pos) == 0 || len(neg) == 0 {
		return 0
	}
	sort.Sort(sort.Reverse(sort.Float64Slice(neg)))
	allowed := int(math.Floor(fpr * float64(len(neg))))
	// Negatives at index < allowed may be flagged; the cut must sit above
	// neg[allowed] (the highest negative that must stay unflagged).
	cut := neg[allowed]
	// Flagging must not sweep in extra tied negatives.
	n := 0
	for _, p := range pos {
		if p > cut {
			n++
		}
	}
	return float64(n) / float64(len(pos))
}

// metric returns a named metric of s.
func (s summary) metric(name string) (float64, bool) {
	switch name {
	case "auroc":
		return s.AUROC, true
	case "precision":
		return s.Precision, true
	case "recall":
		return s.Recall, true
	case "f1":
		return s.F1, true
	case "fpr":
		return s.FPR, true
	case "balanced_accuracy":
		return s.BalAcc, true
	}
	return 0, false
}

// bootstrap returns a 95% interval of metric over resampled rows.
func bootstrap(scores []float64, labels []bool, f func([]float64, []bool) float64) (lo, hi float64) {
	const iters = 1000
	r := rand.New(rand.NewPCG(1, 2))
	vals := make([]float64, iters)
	bs := make([]float64, len(scores))
	bl := make([]bool, len(scores))
	for it := range vals {
		for i := range bs {
			j := r.IntN(len(scores))
			bs[i], bl[i] = scores[j], labels[j]
		}
		vals[it] = f(bs, bl)
	}
	sort.Float64s(vals)
	return vals[iters*25/1000], vals[iters*975/1000-1]
}

// spanStats counts overlap matches of predicted against gold spans of one type.
type spanStats struct {
	TP, FP, FN         int // overlap match
	ExactTP, ExactPred int
}

func (s spanStats) f(beta float64) float64 {
	p := ratio(s.TP, s.TP+s.FP)
	r := ratio(s.TP, s.TP+s.FN)
	if p+r == 0 {
		return 0
	}
	b2 := beta * beta
	return (1 + b2) * p * r / (b2*p + r)
}

func (s spanStats) exactF1() float64 {
	p := ratio(s.ExactTP, s.ExactPred)
	r := ratio(s.ExactTP, s.TP+s.FN)
	if p+r == 0 {
		return 0
	}
	return 2 * p * r / (p + r)
}
