package main

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/periscope-otel/periscope/internal/eval"
)

// Group k-fold cross-validation.
//
// Every row gets a group from the group keys of its set (floors.yaml
// `groups:`): rows that share any key value are in one group (union-find),
// so near-duplicates and variants of one prompt, document or template never
// sit on both sides of a split. Groups are dealt to K folds, largest first,
// each to the fold with the fewest rows. For fold k, anything fitted (a
// learned model, its blend with the rules) is fitted on the rows of the
// other folds only, and fold k's rows are scored by that fit; the metrics
// are then computed on the pooled held-out scores. Evaluators with nothing
// fitted are scored once with their shipped configuration: their CV figure
// equals the dev figure.

// Group key kinds usable in floors.yaml `groups:`.
const (
	keyRow      = "row"      // the row alone (its id)
	keyContext  = "context"  // the context field (source document, prompt, knowledge, defense)
	keyQuery    = "query"    // the query field
	keyCategory = "category" // the category field (e.g. gitleaks rule)
	keyShingle  = "shingle"  // any shared run of 8 words of the text: template family
)

const shingleWords = 8

// rowKey identifies a row across sets.
func rowKey(set string, r *record) string { return set + "\x00" + r.ID }

// pooled is one row of a CV pool.
type pooled struct {
	set string
	rec *record
}

// assignFolds returns the fold and the group (an index) of every row of
// pool, and the number of groups.
func assignFolds(pool []pooled, groups map[string][]string, k int) ([]int, []int, int) {
	parent := make([]int, len(pool))
	for i := range parent {
		parent[i] = i
	}
	var find func(int) int
	find = func(x int) int {
		for parent[x] != x {
			parent[x] = parent[parent[x]]
			x = parent[x]
		}
		return x
	}
	seen := map[string]int{}
	link := func(i int, key string) {
		if j, ok := seen[key]; ok {
			a, b := find(i), find(j)
			if a != b {
				parent[max(a, b)] = min(a, b)
			}
			return
		}
		seen[key] = i
	}
	for i, p := range pool {
		kinds := groups[p.set]
		if len(kinds) == 0 {
			kinds = []string{keyRow}
		}
		for _, kind := range kinds {
			switch kind {
			case keyContext:
				link(i, "c\x00"+p.set+"\x00"+p.rec.Context)
			case keyQuery:
				link(i, "q\x00"+p.set+"\x00"+p.rec.Query)
			case keyCategory:
				link(i, "k\x00"+p.set+"\x00"+p.rec.Category)
			case keyShingle:
				w := words(p.rec.Text)
				for j := 0; j+shingleWords <= len(w); j++ {
					link(i, "s\x00"+strings.Join(w[j:j+shingleWords], " "))
				}
				if len(w) < shingleWords && len(w) > 0 {
					link(i, "s\x00"+strings.Join(w, " "))
				}
			default: // row
				link(i, "r\x00"+rowKey(p.set, p.rec))
			}
		}
	}
	type group struct {
		first string
		rows  []int
	}
	byRoot := map[int]*group{}
	var gs []*group
	for i := range pool {
		r := find(i)
		g := byRoot[r]
		if g == nil {
			g = &group{first: rowKey(pool[r].set, pool[r].rec)}
			byRoot[r] = g
			gs = append(gs, g)
		}
		g.rows = append(g.rows, i)
	}
	slices.SortStableFunc(gs, func(a, b *group) int {
		if c := cmp.Compare(len(b.rows), len(a.rows)); c != 0 {
			return c
		}
		return strings.Compare(a.first, b.first)
	})
	size := make([]int, k)
	fold := make([]int, len(pool))
	gid := make([]int, len(pool))
	for gi, g := range gs {
		for _, i := range g.rows {
			gid[i] = gi
		}
		best := 0
		for f := 1; f < k; f++ {
			if size[f] < size[best] {
				best = f
			}
		}
		size[best] += len(g.rows)
		for _, i := range g.rows {
			fold[i] = best
		}
	}
	return fold, gid, len(gs)
}

// words splits a text into lowercase ASCII letter/digit runs.
func words(s string) []string {
	var out []string
	start := -1
	low := strings.ToLower(s)
	for i := 0; i <= len(low); i++ {
		alnum := i < len(low) && (low[i] >= 'a' && low[i] <= 'z' || low[i] >= '0' && low[i] <= '9')
		if alnum && start < 0 {
			start = i
		} else if !alnum && start >= 0 {
			out = append(out, low[start:i])
			start = -1
		}
	}
	return out
}

// cvScores returns held-out scores for every row of pool (keyed by rowKey).
// Rows of sets in evalOnly are never trained on; they are still scored by
// the fit of the other folds.
func cvScores(name string, pool []pooled, groups map[string][]string, k int, rulesOnly bool) (map[string]float64, string, error) {
	out := make(map[string]float64, len(pool))
	train := learner(name)
	if train == nil || rulesOnly {
		ev, _, err := newEvaluatorMode(name, rulesOnly)
		if err != nil {
			return nil, "", err
		}
		for _, p := range pool {
			out[rowKey(p.set, p.rec)] = scoreOne(ev, name, p.rec)
		}
		return out, "nothing fitted", nil
	}
	fold, gid, ngroups := assignFolds(pool, groups, k)
	for f := 0; f < k; f++ {
		var tr []pooled
		var tg []int
		for i, p := range pool {
			if fold[i] != f && trainable(p) {
				tr = append(tr, p)
				tg = append(tg, gid[i])
			}
		}
		ev, err := train(tr, tg)
		if err != nil {
			return nil, "", fmt.Errorf("fold %d: %w", f, err)
		}
		for i, p := range pool {
			if fold[i] == f {
				out[rowKey(p.set, p.rec)] = scoreOne(ev, name, p.rec)
			}
		}
	}
	return out, fmt.Sprintf("%d rows in %d groups, %d folds", len(pool), ngroups, k), nil
}

func scoreOne(ev eval.Evaluator, name string, r *record) float64 {
	in := toInput(name, r)
	res := ev.Evaluate(&in)
	if res.Skipped {
		return 0
	}
	return res.Score
}
