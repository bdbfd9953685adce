package miner

import (
	"fmt"
	"os"
	"sort"
	"testing"
)

// TestDebugQuality prints where inference splits and merges
// (PERISCOPE_PROMPT_DEBUG=1): in file order, or under the traffic protocol
// with PERISCOPE_PROMPT_SEED=N (shuffled with seed N, two passes, the
// second printed).
func TestDebugQuality(t *testing.T) {
	if os.Getenv("PERISCOPE_PROMPT_DEBUG") == "" {
		t.Skip("set PERISCOPE_PROMPT_DEBUG=1")
	}
	rows := loadRows(t)
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
