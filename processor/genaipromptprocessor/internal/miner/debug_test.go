package miner

import (
	"fmt"
	"math/rand/v2"
	"os"
	"sort"
	"strings"
	"testing"
)

// TestDebugQuality prints where inference splits and merges
// (PERISCOPE_PROMPT_DEBUG=1).
func TestDebugQuality(t *testing.T) {
	if os.Getenv("PERISCOPE_PROMPT_DEBUG") == "" {
		t.Skip("set PERISCOPE_PROMPT_DEBUG=1")
	}
	rows := loadRows(t)
	if seed := os.Getenv("PERISCOPE_PROMPT_SHUFFLE"); seed != "" {
		rng := rand.New(rand.NewPCG(uint64(seed[0]-'0'), 7))
		rng.Shuffle(len(rows), func(i, j int) { rows[i], rows[j] = rows[j], rows[i] })
	}
	m := New(Params{})
	pred := make([]uint64, len(rows))
	for i, r := range rows {
		res := m.Match(callTokens(r))
		pred[i] = res.ID
		if tr := os.Getenv("PERISCOPE_PROMPT_TRACE"); tr != "" && strings.Contains(r.TemplateID, tr) {
			s, _ := m.Template(res.ID)
			fmt.Printf("TRACE %s new=%v %x\n   %q\n", r.TemplateID, res.New, res.ID, s)
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
				if len(s) > 600 {
					s = s[:300] + " ... " + s[len(s)-300:]
				}
				fmt.Printf("   %x: %q\n", id, s)
			}
		}
	}
	for id, ts := range byF {
		if len(ts) > 1 {
			s, _ := m.Template(id)
			if len(s) > 400 {
				s = s[:200] + " ... " + s[len(s)-200:]
			}
			fmt.Printf("MERGE %x %v\n   %q\n", id, ts, s)
		}
	}
}
