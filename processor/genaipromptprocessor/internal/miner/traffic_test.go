package miner

import (
	"github.com/stretchr/testify/assert"
	"math/rand/v2"
	"strings"
	"testing"
)

// trafficRun plays rows the way one service's traffic looks: every template
// of the set under one service, shuffled and interleaved, every rendering
// sent twice; the fingerprints of the second pass are returned in rows'
// order.
func trafficRun(rows []row, p Params, seed uint64) []uint64 {
	m := New(p)
	order := func(s uint64) []int { return newOrder(len(rows), s) }
	for _, i := range order(seed) {
		m.Match(callTokens(rows[i]))
	}
	pred := make([]uint64, len(rows))
	for _, i := range order(seed + 1000) {
		pred[i] = m.Match(callTokens(rows[i])).ID
	}
	return pred
}

// editedSeparated counts the families with several versions whose every
// version keeps one fingerprint of its own.
func editedSeparated(rows []row, pred []uint64) (sep, total int) {
	fpsOf := map[string]map[uint64]bool{}    // template -> fingerprints
	tplsOf := map[uint64]map[string]bool{}   // fingerprint -> templates
	versions := map[string]map[string]bool{} // family -> templates
	for i, r := range rows {
		if fpsOf[r.TemplateID] == nil {
			fpsOf[r.TemplateID] = map[uint64]bool{}
		}
		fpsOf[r.TemplateID][pred[i]] = true
		if tplsOf[pred[i]] == nil {
			tplsOf[pred[i]] = map[string]bool{}
		}
		tplsOf[pred[i]][r.TemplateID] = true
		if versions[r.Family] == nil {
			versions[r.Family] = map[string]bool{}
		}
		versions[r.Family][r.TemplateID] = true
	}
	for fam, ts := range versions {
		if len(ts) < 2 {
			continue
		}
		total++
		ok := true
		for t := range ts {
			if len(fpsOf[t]) != 1 {
				ok = false
			}
			for fp := range fpsOf[t] {
				for o := range tplsOf[fp] {
					if o != t && strings.HasPrefix(o, fam+"@") {
						ok = false
					}
				}
			}
		}
		if ok {
			sep++
		}
	}
	return sep, total
}

// TestTemplateQualityTraffic holds inference to its floors under the
// traffic protocol: one service, shuffled with five seeds, two passes, the
// second read. The floors hold the mean over the seeds at the issue's
// targets (split ≤ 0.05, merge ≤ 0.02, ARI ≥ 0.95 (held at 0.97), 95% of
// edited families separated) and every seed loosely.
func TestTemplateQualityTraffic(t *testing.T) {
	rows := loadRows(t)
	const seeds = 5
	var split, merge, ari float64
	sepAll, totalAll := 0, 0
	for seed := uint64(1); seed <= seeds; seed++ {
		pred := trafficRun(rows, Params{}, seed)
		q := measure(rows, pred)
		sep, total := editedSeparated(rows, pred)
		t.Logf("seed %d: templates=%d fingerprints=%d split=%.3f merge=%.3f in_merges=%.3f ARI=%.3f edited_separated=%d/%d",
			seed, q.templates, q.fingerprints, q.split, q.merge, q.inMerges, q.ari, sep, total)
		assert.LessOrEqual(t, q.split, 0.08, "split rate (seed %d)", seed)
		assert.LessOrEqual(t, q.merge, 0.05, "merge rate (seed %d)", seed)
		assert.GreaterOrEqual(t, q.ari, 0.95, "ARI (seed %d)", seed)
		split += q.split / seeds
		merge += q.merge / seeds
		ari += q.ari / seeds
		sepAll += sep
		totalAll += total
	}
	t.Logf("mean: split=%.3f merge=%.3f ARI=%.3f edited_separated=%d/%d", split, merge, ari, sepAll, totalAll)
	assert.LessOrEqual(t, split, 0.05, "mean split rate")
	assert.LessOrEqual(t, merge, 0.02, "mean merge rate")
	assert.GreaterOrEqual(t, ari, 0.97, "mean ARI")
	assert.GreaterOrEqual(t, float64(sepAll)/float64(totalAll), 0.95, "edited families separated")
}

// newOrder returns a shuffled order of n rows.
func newOrder(n int, seed uint64) []int {
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	rng := rand.New(rand.NewPCG(seed, 7))
	rng.Shuffle(len(idx), func(i, j int) { idx[i], idx[j] = idx[j], idx[i] })
	return idx
}
