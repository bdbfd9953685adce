package main

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
)

// summary compares the rows that were replayed (no error, not skipped).
type summary struct {
	rows, replayed, errors, skipped int
	skipReasons                     map[string]int
	names                           []string
	before, after                   map[string]int
	costBefore, costAfter           float64
	unpricedBefore, unpricedAfter   int
	inBefore, inAfter               int64
	outBefore, outAfter             int64
}

func summarize(results []result) *summary {
	s := &summary{rows: len(results), before: map[string]int{}, after: map[string]int{}, skipReasons: map[string]int{}}
	seen := map[string]bool{}
	for i := range results {
		r := &results[i]
		switch {
		case r.Skipped != "":
			s.skipped++
			s.skipReasons[r.Skipped]++
			continue
		case r.After == nil || r.After.Error != "" || r.Before.Error != "":
			s.errors++
			continue
		}
		s.replayed++
		for _, side := range []*side{&r.Before, r.After} {
			for n := range side.Evaluations {
				if !seen[n] {
					seen[n] = true
					s.names = append(s.names, n)
				}
			}
		}
		for _, f := range r.Before.Failed {
			s.before[f]++
		}
		for _, f := range r.After.Failed {
			s.after[f]++
		}
		if r.Before.Cost != nil {
			s.costBefore += *r.Before.Cost
		} else {
			s.unpricedBefore++
		}
		if r.After.Cost != nil {
			s.costAfter += *r.After.Cost
		} else {
			s.unpricedAfter++
		}
		in, out := tokens(&r.Before)
		s.inBefore += in
		s.outBefore += out
		in, out = tokens(r.After)
		s.inAfter += in
		s.outAfter += out
	}
	sort.Strings(s.names)
	return s
}

func tokens(sd *side) (in, out int64) {
	if sd.Usage == nil {
		return 0, 0
	}
	if sd.Usage.InputTokens != nil {
		in = *sd.Usage.InputTokens
	}
	if sd.Usage.OutputTokens != nil {
		out = *sd.Usage.OutputTokens
	}
	return in, out
}

// regressions lists the evaluators whose failures rose.
func (s *summary) regressions() []string {
	var out []string
	for _, n := range s.names {
		if s.after[n] > s.before[n] {
			out = append(out, n)
		}
	}
	return out
}

func (s *summary) print(w io.Writer) {
	fmt.Fprintf(w, "rows: %d, replayed: %d, errors: %d, skipped: %d", s.rows, s.replayed, s.errors, s.skipped)
	if s.skipped > 0 {
		reasons := make([]string, 0, len(s.skipReasons))
		for r, n := range s.skipReasons {
			reasons = append(reasons, fmt.Sprintf("%s: %d", r, n))
		}
		sort.Strings(reasons)
		fmt.Fprintf(w, " (%s)", strings.Join(reasons, ", "))
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "evaluator\tfailures before\tafter\tchange\t")
	for _, n := range s.names {
		b, a := s.before[n], s.after[n]
		mark := ""
		if a > b {
			mark = "  REGRESSION"
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%+d%s\t\n", n, b, a, a-b, mark)
	}
	fmt.Fprintf(tw, "cost (USD)\t%.6f\t%.6f\t%+.6f\t\n", s.costBefore, s.costAfter, s.costAfter-s.costBefore)
	fmt.Fprintf(tw, "input tokens\t%d\t%d\t%+d\t\n", s.inBefore, s.inAfter, s.inAfter-s.inBefore)
	fmt.Fprintf(tw, "output tokens\t%d\t%d\t%+d\t\n", s.outBefore, s.outAfter, s.outAfter-s.outBefore)
	_ = tw.Flush()
	if s.unpricedBefore > 0 || s.unpricedAfter > 0 {
		fmt.Fprintf(w, "unpriced calls (not in the cost totals): before %d, after %d\n", s.unpricedBefore, s.unpricedAfter)
	}
}
