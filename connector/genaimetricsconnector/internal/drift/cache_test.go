package drift

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// dropCaches empties what the tracker memoizes (a series' family and
// evaluator search start, a family's count entries), so that the next
// observation takes the map lookups alone.
func dropCaches(tr *Tracker) {
	tr.Each(func(s *Series) { s.fam, s.evalNext = nil, 0 })
	tr.EachFamily(func(f *Family) { f.curSeen = nil })
}

func trackerState(tr *Tracker) string {
	var out []string
	tr.Each(func(s *Series) { out = append(out, string(MarshalSeries(s))) })
	tr.EachFamily(func(f *Family) { out = append(out, string(MarshalFamily(f))) })
	sort.Strings(out)
	return fmt.Sprint(out, tr.Overflowed, tr.pending)
}

// TestCachesMatchLookups: random requests (prompt versions switching back
// and forth, evaluators in shuffled orders, repeated and unknown names,
// series and family caps, families expiring and restored) leave the same
// state, transitions included, with the caches as with them emptied before
// every observation.
func TestCachesMatchLookups(t *testing.T) {
	for seed := range uint64(10) {
		r := rand.New(rand.NewPCG(seed, 7))
		set := testSettings()
		set.MaxSeries = 2 + r.IntN(12)
		set.SeriesTTL = time.Duration(1+r.IntN(4)) * time.Hour
		set.RegMinCount = 5
		cached, ref := NewTracker(set), NewTracker(set)
		names := []string{"pii", "toxicity", "refusal", "jailbreak", "hallucination", "prompt_leak", "secrets", "a", "b", "c", "d", "e"}
		now := time.Unix(1_000_000, 0)
		o := &Obs{}
		for n := 0; n < 2000; n++ {
			now = now.Add(time.Duration(r.IntN(120)) * time.Second)
			dims := []string{"svc", fmt.Sprint("p", r.IntN(3)), fmt.Sprint(r.IntN(4)), fmt.Sprint("m", r.IntN(2))}
			if r.IntN(10) == 0 {
				dims[2] = ""
			}
			o.Reset()
			order := r.Perm(len(names))
			if r.IntN(3) > 0 {
				order = []int{0, 1, 2, 3, 4, 5, 6} // the usual order
			}
			for _, i := range order[:r.IntN(len(order)+1)] {
				o.Evals = append(o.Evals, EvalObs{Name: names[i], Score: r.Float64(), HasScore: true, Failed: int8(r.IntN(3) - 1)})
			}
			if r.IntN(20) == 0 && len(o.Evals) > 0 {
				o.Evals = append(o.Evals, o.Evals[0])
			}
			key := []byte(fmt.Sprint(dims))
			dropCaches(ref)
			cached.ObserveBytes(key, dims, o, now)
			ref.ObserveBytes(key, dims, o, now)
			check := n%25 == 0
			switch r.IntN(200) {
			case 0:
				now = now.Add(time.Duration(r.IntN(6)) * time.Hour)
				require.Equal(t, fmt.Sprint(ref.Advance(now)), fmt.Sprint(cached.Advance(now)))
				check = true
			case 1:
				// Restore a family (replacing the one the series hold).
				var blob []byte
				ref.EachFamily(func(f *Family) { blob = MarshalFamily(f) })
				if blob != nil {
					require.NoError(t, cached.Restore(blob))
					require.NoError(t, ref.Restore(blob))
				}
				check = true
			}
			if check {
				require.Equal(t, trackerState(ref), trackerState(cached), "seed %d request %d", seed, n)
			}
		}
	}
}
