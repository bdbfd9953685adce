//go:build promptdebug

package miner

import (
	"fmt"
	"hash/fnv"
	"os"
	"sort"
	"testing"
)

// Diagnostics for tuning, not checks: built only with -tags promptdebug
// (go test -tags promptdebug -run TestDebugQuality -v .), configured by
// the PERISCOPE_PROMPT_* variables below.

// TestDebugQuality prints where inference splits and merges
// in file order, or under the traffic protocol
// with PERISCOPE_PROMPT_SEED=N (shuffled with seed N, two passes, the
// second printed).
func TestDebugQuality(t *testing.T) {
	rows := debugRows(t)
	m := New(Params{})
	pred := make([]uint64, len(rows))
	if v := os.Getenv("PERISCOPE_PROMPT_SEED"); v != "" {
		seed := uint64(v[0] - '0')
		for _, i := range newOrder(len(rows), seed) {
			m.Match(callTokens(rows[i]))
		}
		for _, i := range newOrder(len(rows), seed+1000) {
			pred[i] = m.Match(callTokens(rows[i])).ID
		}
	} else {
		for i, r := range rows {
			pred[i] = m.Match(callTokens(r)).ID
		}
	}
	byT := map[string]map[uint64]int{}
	byF := map[uint64]map[string]int{}
	for i, r := range rows {
		if byT[r.TemplateID] == nil {
			byT[r.TemplateID] = map[uint64]int{}
		}
		byT[r.TemplateID][pred[i]]++
		if byF[pred[i]] == nil {
			byF[pred[i]] = map[string]int{}
		}
		byF[pred[i]][r.TemplateID]++
	}
	var names []string
	for n := range byT {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if len(byT[n]) > 1 {
			fmt.Printf("SPLIT %s %v\n", n, byT[n])
			for id := range byT[n] {
				s, _ := m.Template(id)
				fmt.Printf("   %x: %q\n", id, clip(s, 300))
			}
		}
	}
	for id, ts := range byF {
		if len(ts) > 1 {
			s, _ := m.Template(id)
			fmt.Printf("MERGE %x %v\n   %q\n", id, ts, clip(s, 200))
		}
	}
}

func clip(s string, n int) string {
	if len(s) > 2*n {
		return s[:n] + " ... " + s[len(s)-n:]
	}
	return s
}

// TestDebugEdited prints the edited families that are not separated under
// the traffic protocol (seeds 1-5), with the templates of each version.
func TestDebugEdited(t *testing.T) {
	rows := debugRows(t)
	for seed := uint64(1); seed <= 5; seed++ {
		m := New(Params{})
		pred := make([]uint64, len(rows))
		for _, i := range newOrder(len(rows), seed) {
			m.Match(callTokens(rows[i]))
		}
		for _, i := range newOrder(len(rows), seed+1000) {
			pred[i] = m.Match(callTokens(rows[i])).ID
		}
		byFam := map[string]map[string]map[uint64]int{}
		for i, r := range rows {
			if byFam[r.Family] == nil {
				byFam[r.Family] = map[string]map[uint64]int{}
			}
			if byFam[r.Family][r.TemplateID] == nil {
				byFam[r.Family][r.TemplateID] = map[uint64]int{}
			}
			byFam[r.Family][r.TemplateID][pred[i]]++
		}
		var fams []string
		for f, v := range byFam {
			if len(v) > 1 {
				fams = append(fams, f)
			}
		}
		sort.Strings(fams)
		for _, f := range fams {
			sep := true
			owner := map[uint64]string{}
			for tid, fps := range byFam[f] {
				if len(fps) > 1 {
					sep = false
				}
				for fp := range fps {
					if o, ok := owner[fp]; ok && o != tid {
						sep = false
					}
					owner[fp] = tid
				}
			}
			if sep {
				continue
			}
			fmt.Printf("seed %d FAIL %s\n", seed, f)
			var tids []string
			for tid := range byFam[f] {
				tids = append(tids, tid)
			}
			sort.Strings(tids)
			for _, tid := range tids {
				fmt.Printf("  %s %v\n", tid, byFam[f][tid])
				for id := range byFam[f][tid] {
					s, _ := m.Template(id)
					fmt.Printf("     %x: %q\n", id, clip(s, 250))
				}
			}
		}
	}
}

// TestDebugTrace prints every call of one family as the protocol plays it
// (PERISCOPE_PROMPT_TRACE=family, PERISCOPE_PROMPT_SEED=N): the template it
// got, whether it was new, and the template's text after the call.
func TestDebugTrace(t *testing.T) {
	fam := os.Getenv("PERISCOPE_PROMPT_TRACE")
	if fam == "" {
		t.Fatal("set PERISCOPE_PROMPT_TRACE=family")
	}
	rows := debugRows(t)
	seed := uint64(1)
	if v := os.Getenv("PERISCOPE_PROMPT_SEED"); v != "" {
		seed = uint64(v[0] - '0')
	}
	m := New(Params{})
	for pass, s := range []uint64{seed, seed + 1000} {
		for _, i := range newOrder(len(rows), s) {
			r := rows[i]
			res := m.Match(callTokens(r))
			if r.Family == fam {
				tpl, _ := m.Template(res.ID)
				c := m.byID[res.ID]
				st := ""
				if c != nil && c.stats != nil {
					st = fmt.Sprintf("obs=%d", c.stats.observed)
				}
				fmt.Printf("p%d %s -> %x new=%v cnt=%d %s %q\n", pass, r.TemplateID[len(fam):], res.ID, res.New, c.count, st, clip(tpl, 150))
			}
		}
	}
}

// TestDebugParams plays the traffic protocol with
// PERISCOPE_PROMPT_PARAMS="min_longest min_anchored min_system".
func TestDebugParams(t *testing.T) {
	var p Params // empty PERISCOPE_PROMPT_PARAMS: the defaults
	fmt.Sscanf(os.Getenv("PERISCOPE_PROMPT_PARAMS"), "%d %d %d", &p.MinLongest, &p.MinAnchored, &p.MinSystem)
	rows := loadRows(t)
	var split, merge, ari float64
	sepAll, totalAll := 0, 0
	for seed := uint64(1); seed <= 5; seed++ {
		pred := trafficRun(rows, p, seed)
		q := measure(rows, pred)
		sep, total := editedSeparated(rows, pred)
		split += q.split / 5
		merge += q.merge / 5
		ari += q.ari / 5
		sepAll += sep
		totalAll += total
	}
	fmt.Printf("params %+v mean: split=%.3f merge=%.3f ARI=%.3f edited_separated=%d/%d\n", p, split, merge, ari, sepAll, totalAll)
}

// TestDebugCV plays each fold's families alone with fixed parameters
// (PERISCOPE_PROMPT_PARAMS), the figures per fold and seed.
func TestDebugCV(t *testing.T) {
	var p Params // empty PERISCOPE_PROMPT_PARAMS: the defaults
	fmt.Sscanf(os.Getenv("PERISCOPE_PROMPT_PARAMS"), "%d %d %d", &p.MinLongest, &p.MinAnchored, &p.MinSystem)
	rows := loadRows(t)
	fold := func(r row) int {
		h := fnv.New32a()
		h.Write([]byte(r.Family))
		return int(h.Sum32() % 5)
	}
	sepAll, totAll := 0, 0
	for f := 0; f < 5; f++ {
		var test []row
		for _, r := range rows {
			if fold(r) == f {
				test = append(test, r)
			}
		}
		for seed := uint64(1); seed <= 3; seed++ {
			pred := trafficRun(test, p, seed)
			q := measure(test, pred)
			sep, tot := editedSeparated(test, pred)
			sepAll += sep
			totAll += tot
			fmt.Printf("fold %d seed %d split=%.3f merge=%.3f ari=%.3f sep=%d/%d\n", f, seed, q.split, q.merge, q.ari, sep, tot)
		}
	}
	fmt.Println("total", sepAll, totAll)
}

// debugRows is the dev set, or one fold of it (PERISCOPE_PROMPT_FOLD=0..4).
func debugRows(t *testing.T) []row {
	rows := loadRows(t)
	v := os.Getenv("PERISCOPE_PROMPT_FOLD")
	if v == "" {
		return rows
	}
	var out []row
	for _, r := range rows {
		h := fnv.New32a()
		h.Write([]byte(r.Family))
		if int(h.Sum32()%5) == int(v[0]-'0') {
			out = append(out, r)
		}
	}
	return out
}
