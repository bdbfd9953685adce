//go:build !race

package miner

import (
	"hash/fnv"
	"testing"
)

// TestTemplateQualityHeldOut is the figure to quote for templates nobody
// tuned on: group 5-fold by template family. For each fold the parameter
// set is chosen on the other four folds' families (traffic protocol), then
// the held-out families are played through the protocol with it; the
// held-out predictions of the five folds are pooled.
func TestTemplateQualityHeldOut(t *testing.T) {
	rows := loadRows(t)
	const k = 5
	fold := func(r row) int {
		h := fnv.New32a()
		h.Write([]byte(r.Family))
		return int(h.Sum32() % k)
	}
	grid := []Params{
		{MinLongest: 6, MinAnchored: 10},
		{MinLongest: 7, MinAnchored: 10},
		{MinLongest: 8, MinAnchored: 10},
		{MinLongest: 9, MinAnchored: 10},
		{MinLongest: 10, MinAnchored: 10},
		{MinLongest: 12, MinAnchored: 10},
		{MinLongest: 8, MinAnchored: 8},
		{MinLongest: 8, MinAnchored: 12},
	}
	var pooled []row
	var pred []uint64
	for f := 0; f < k; f++ {
		var train, test []row
		for _, r := range rows {
			if fold(r) == f {
				test = append(test, r)
			} else {
				train = append(train, r)
			}
		}
		// the objective weighs the two targets alike: ARI and the share of
		// edited families separated, both measured on the training folds
		best, bestScore := 0, -1.0
		for i, p := range grid {
			score := 0.0
			for seed := uint64(1); seed <= 2; seed++ {
				pred := trafficRun(train, p, seed)
				sep, total := editedSeparated(train, pred)
				score += measure(train, pred).ari
				if total > 0 {
					score += float64(sep) / float64(total)
				}
			}
			if score > bestScore {
				best, bestScore = i, score
			}
		}
		for seed := uint64(1); seed <= 3; seed++ {
			p := trafficRun(test, grid[best], seed)
			for i := range p {
				p[i] ^= uint64(f)<<56 ^ seed<<48 // runs never share a fingerprint
				r := test[i]
				r.TemplateID = string(rune('0'+seed)) + r.TemplateID
				r.Family = string(rune('0'+seed)) + r.Family
				pooled = append(pooled, r)
			}
			pred = append(pred, p...)
		}
		t.Logf("fold %d: %d templates held out, chose min_longest=%d min_anchored=%d",
			f, countTemplates(test), grid[best].MinLongest, grid[best].MinAnchored)
	}
	q := measure(pooled, pred)
	sep, total := editedSeparated(pooled, pred)
	t.Logf("held-out (3 seeds pooled): split=%.3f merge=%.3f in_merges=%.3f ARI=%.3f edited_separated=%d/%d",
		q.split, q.merge, q.inMerges, q.ari, sep, total)
	if q.split > 0.05 || q.merge > 0.02 || q.ari < 0.97 || sep*100 < total*95 {
		t.Errorf("held-out quality under its floor (split ≤ 0.05, merge ≤ 0.02, ARI ≥ 0.97, 95%% of edited families separated)")
	}
}

func countTemplates(rows []row) int {
	s := map[string]bool{}
	for _, r := range rows {
		s[r.TemplateID] = true
	}
	return len(s)
}
