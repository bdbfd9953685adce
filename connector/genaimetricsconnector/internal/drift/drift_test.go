package drift

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFormulas(t *testing.T) {
	p, q := []float64{.5, .5}, []float64{.25, .75}
	assert.InDelta(t, 0.2747, PSI(p, q), 1e-4)
	assert.InDelta(t, PSI(p, q), PSI(q, p), 1e-12)
	assert.InDelta(t, 1, JSDistance([]float64{1, 0}, []float64{0, 1}), 1e-12)
	assert.InDelta(t, 0, JSDistance(p, p), 1e-12)
	assert.InDelta(t, JSDistance(p, q), JSDistance(q, p), 1e-12)
	assert.InDelta(t, 1, Hellinger([]float64{1, 0}, []float64{0, 1}), 1e-12)
	assert.InDelta(t, Hellinger(p, q), Hellinger(q, p), 1e-12)
	// Wilson–Hilferty against tabulated quantiles.
	assert.InDelta(t, 21.67, ChiSquareQuantile(9, .99), 0.2)
	assert.InDelta(t, 27.88, ChiSquareQuantile(9, .999), 0.3)
	assert.InDelta(t, 43.82, ChiSquareQuantile(19, .999), 0.4)
	assert.InDelta(t, 3.09, NormalQuantile(.999), 0.01)
}

func TestFisher(t *testing.T) {
	// Equal rates: p close to or above one half.
	assert.Greater(t, FisherOneSided(20, 1000, 4, 200), 0.4)
	// 2% -> 10% at 200 vs 1000 is highly significant.
	assert.Less(t, FisherOneSided(20, 1000, 20, 200), 1e-4)
	// Exact value for a small table: 1 of 10 vs 5 of 10.
	// P(X>=5) for hypergeom(N=20, K=6, n=10) = 0.0704.
	assert.InDelta(t, 0.0704, FisherOneSided(1, 10, 5, 10), 0.001)
	assert.Equal(t, 1.0, FisherOneSided(0, 0, 1, 1))
	// Large counts take the z path and stay sane.
	p := FisherOneSided(1000, 50000, 1250, 50000)
	assert.Less(t, p, 1e-5)
}

func TestSlots(t *testing.T) {
	assert.Equal(t, 0, Slot(0, NumSlots))
	assert.Equal(t, 0, Slot(1, NumSlots))
	assert.Equal(t, 1, Slot(2, NumSlots))
	assert.Equal(t, 2, Slot(3, NumSlots))
	assert.Equal(t, 2, Slot(4, NumSlots))
	assert.Equal(t, 3, Slot(5, NumSlots))
	assert.Equal(t, NumSlots-1, Slot(1e12, NumSlots))
	assert.Equal(t, 0, Slot(math.NaN(), NumSlots))
	assert.Equal(t, 0, ScoreBin(-1))
	assert.Equal(t, ScoreBins-1, ScoreBin(1))
}

func testSettings() Settings {
	return Settings{
		Window: time.Hour, MinCount: 200, MaxWindowSpan: 24 * time.Hour,
		BaselineMinCount: 1000, BaselineMinSpan: 0, TrailingDecay: 1.0 / 24,
		PSIFloor: 0.1, TopicPSIFloor: 0.02, Alpha: 0.001, MaxSeries: 100, SeriesTTL: 7 * 24 * time.Hour,
		Regression: true, RegAlpha: 0.001, MinEffect: 0.01, RaiseAfter: 2, ClearAfter: 3, RegMinCount: 100,
		VersionDimIdx: 2, NameDimIdx: 1,
	}
}

func lognormal(r *rand.Rand, median, sigma float64) float64 {
	return median * math.Exp(sigma*r.NormFloat64())
}

// fill draws n requests into w: output tokens lognormal(median, .8).
func fill(r *rand.Rand, w *window, n int, median float64) {
	for i := 0; i < n; i++ {
		o := Obs{Finish: -1, Script: -1, Refusal: -1}
		o.Output, o.HasOutput = int64(lognormal(r, median, .8)), true
		w.add(&o, nil)
	}
}

// TestNoDriftFalsePositives: with no shift, the n-aware rule stays below
// its threshold at n = min_count vs m = baseline_min_count in ≥ 95% of
// seeded runs (the design target is ≤ 1%).
func TestNoDriftFalsePositives(t *testing.T) {
	const runs = 200
	flagged := 0
	for seed := uint64(0); seed < runs; seed++ {
		r := rand.New(rand.NewPCG(seed, 7))
		var base, cur window
		fill(r, &base, 1000, 300)
		fill(r, &cur, 200, 300)
		c := Compare(base.Out[:], cur.Out[:], true, 1, 0.1, 0.001)
		if c.Flagged {
			flagged++
		}
	}
	assert.LessOrEqual(t, flagged, runs/20, "no-drift windows flagged")
	t.Logf("no drift: %d/%d flagged", flagged, runs)
}

func TestOutputLengthShiftDetected(t *testing.T) {
	const runs = 100
	detected := 0
	for seed := uint64(0); seed < runs; seed++ {
		r := rand.New(rand.NewPCG(seed, 11))
		var base, cur window
		fill(r, &base, 1000, 300)
		fill(r, &cur, 200, 600)
		c := Compare(base.Out[:], cur.Out[:], true, 1, 0.1, 0.001)
		if c.Flagged {
			detected++
		}
		assert.Greater(t, c.PSI, 0.2)
	}
	assert.GreaterOrEqual(t, detected, 95)
}

func topicText(r *rand.Rand, vocab []string, words int) string {
	b := make([]byte, 0, words*8)
	for i := 0; i < words; i++ {
		if i > 0 {
			b = append(b, ' ')
		}
		b = append(b, vocab[r.IntN(len(vocab))]...)
	}
	return string(b)
}

func TestTopicSignature(t *testing.T) {
	vocabA := []string{"invoice", "refund", "payment", "billing", "account", "charge", "receipt", "subscription", "credit", "balance", "order", "shipping"}
	vocabB := []string{"kubernetes", "deployment", "container", "cluster", "ingress", "helm", "pod", "namespace", "scaling", "node", "service", "volume"}
	nofp, detect := 0, 0
	for seed := uint64(0); seed < 50; seed++ {
		r := rand.New(rand.NewPCG(seed, 3))
		var base, same, shifted window
		add := func(w *window, vocab []string) {
			o := Obs{Finish: -1, Script: -1, Refusal: -1}
			o.TopicS2, o.HasTopic = Topic(topicText(r, vocab, 12), 512, &o.Topic)
			require.True(t, o.HasTopic)
			w.add(&o, nil)
		}
		for i := 0; i < 1000; i++ {
			add(&base, vocabA)
		}
		for i := 0; i < 200; i++ {
			add(&same, vocabA)
			if i%5 == 0 {
				add(&shifted, vocabB)
			} else {
				add(&shifted, vocabA)
			}
		}
		if Compare(base.Topic[:], same.Topic[:], false, TopicDesignEffect(&base, &same), 0.02, 0.001).Flagged {
			nofp++
		}
		if Compare(base.Topic[:], shifted.Topic[:], false, TopicDesignEffect(&base, &shifted), 0.02, 0.001).Flagged {
			detect++
		}
	}
	assert.LessOrEqual(t, nofp, 2)
	assert.GreaterOrEqual(t, detect, 45)
}

func TestScriptAndRefusal(t *testing.T) {
	assert.Equal(t, LangEN, ClassifyScript("The answer is that you can do it with the tool.", 256))
	assert.Equal(t, LangES, ClassifyScript("La respuesta es que no se puede hacer con la herramienta.", 256))
	assert.Equal(t, LangDE, ClassifyScript("Die Antwort ist, dass es nicht mit dem Werkzeug geht.", 256))
	assert.Equal(t, ScriptCyrillic, ClassifyScript("Ответ: это можно сделать.", 256))
	assert.Equal(t, ScriptHan, ClassifyScript("答案是可以的", 256))
	assert.Equal(t, ScriptNone, ClassifyScript("1234 !!", 256))
}

// obsWithEval is a request carrying one evaluator result.
func obsWithEval(name string, failed bool) *Obs {
	o := &Obs{Finish: -1, Script: -1, Refusal: -1}
	f := int8(0)
	if failed {
		f = 1
	}
	o.Evals = []EvalObs{{Name: name, Score: float64(f), HasScore: true, Failed: f}}
	return o
}

func TestRegressionAfterVersionChange(t *testing.T) {
	raised := 0
	for seed := uint64(0); seed < 20; seed++ {
		r := rand.New(rand.NewPCG(seed, 5))
		tr := NewTracker(testSettings())
		now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		send := func(version string, n int, rate float64) {
			for i := 0; i < n; i++ {
				tr.Observe("svc\x00p\x00"+version+"\x00", []string{"svc", "p", version, "m"}, obsWithEval("toxicity", r.Float64() < rate), now)
			}
		}
		send("v1", 2000, 0.02)
		now = now.Add(time.Hour)
		tr.Advance(now)
		var started bool
		for look := 0; look < 3; look++ {
			send("v2", 400, 0.10)
			now = now.Add(time.Hour)
			for _, x := range tr.Advance(now) {
				if x.Comparison == "predecessor" && x.Started {
					started = true
					assert.Equal(t, "v2", x.Version)
					assert.Equal(t, "v1", x.Previous)
				}
			}
		}
		if started {
			raised++
		}
	}
	assert.GreaterOrEqual(t, raised, 19)
}

func TestNoRegressionOnSmallRise(t *testing.T) {
	raised := 0
	for seed := uint64(0); seed < 50; seed++ {
		r := rand.New(rand.NewPCG(seed, 9))
		tr := NewTracker(testSettings())
		now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		for i := 0; i < 2500; i++ {
			tr.Observe("k", []string{"svc", "p", "v1", "m"}, obsWithEval("pii", r.Float64() < 0.02), now)
		}
		now = now.Add(time.Hour)
		tr.Advance(now)
		for w := 0; w < 3; w++ {
			for i := 0; i < 500; i++ {
				tr.Observe("k", []string{"svc", "p", "v1", "m"}, obsWithEval("pii", r.Float64() < 0.025), now)
			}
			now = now.Add(time.Hour)
			for _, x := range tr.Advance(now) {
				if x.Started {
					raised++
				}
			}
		}
	}
	assert.LessOrEqual(t, raised, 2)
}

func TestBaselineRegressionRaisesAndClears(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	tr := NewTracker(testSettings())
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	window := func(n int, rate float64) []Transition {
		for i := 0; i < n; i++ {
			tr.Observe("k", []string{"svc", "p", "v1", "m"}, obsWithEval("jailbreak", r.Float64() < rate), now)
		}
		now = now.Add(time.Hour)
		return tr.Advance(now)
	}
	window(1200, 0.02) // pinned baseline
	var events []bool
	for i := 0; i < 3; i++ {
		for _, x := range window(300, 0.15) {
			events = append(events, x.Started)
		}
	}
	for i := 0; i < 4; i++ {
		for _, x := range window(300, 0.02) {
			events = append(events, x.Started)
		}
	}
	assert.Equal(t, []bool{true, false}, events)
}

func TestEncodeRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(2, 2))
	tr := NewTracker(testSettings())
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < 300; i++ {
		o := obsWithEval("pii", r.Float64() < .1)
		o.Output, o.HasOutput = int64(r.IntN(1000)), true
		o.TopicS2, o.HasTopic = Topic("billing refund question", 512, &o.Topic)
		tr.Observe("k", []string{"svc", "p", "v1", "m"}, o, now)
	}
	tr.Observe("k2", []string{"svc", "p", "v2", "m"}, obsWithEval("pii", true), now)
	entries := tr.TakeDirty()
	require.NotEmpty(t, entries)
	tr2 := NewTracker(testSettings())
	for _, e := range entries {
		require.NoError(t, tr2.Restore(e.Value))
	}
	assert.Equal(t, tr.Len(), tr2.Len())
	assert.Equal(t, MarshalSeries(tr.series["k"]), MarshalSeries(tr2.series["k"]))
	// A corrupt blob is refused without panicking.
	bad := append([]byte(nil), entries[0].Value...)
	assert.Error(t, tr2.Restore(bad[:len(bad)/2]))
}

func FuzzUnmarshal(f *testing.F) {
	tr := NewTracker(testSettings())
	tr.Observe("k", []string{"a", "b", "c", "d"}, obsWithEval("pii", true), time.Unix(100, 0))
	for _, e := range tr.TakeDirty() {
		f.Add(e.Value)
	}
	f.Add([]byte{'s', 1, 0xff, 0xff})
	f.Add([]byte{'f', 1})
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = UnmarshalSeries(b)
		_, _ = UnmarshalFamily(b)
	})
}

func FuzzText(f *testing.F) {
	f.Add("I'm sorry, I can't help with that.")
	f.Add("答案是可以的 Ответ \xff\xfe")
	f.Fuzz(func(t *testing.T, s string) {
		var sig [TopicBuckets]float32
		s2, ok := Topic(s, 512, &sig)
		if ok && (s2 <= 0 || s2 > 1.0001) {
			t.Fatalf("s2 = %v", s2)
		}
		sc := ClassifyScript(s, 256)
		if sc < 0 || sc >= NumScripts {
			t.Fatalf("script %d", sc)
		}
	})
}

// TestReplicaSplitMerges: windows are count arrays, so a stream split over
// three replicas sums back to the unsplit window exactly.
func TestReplicaSplitMerges(t *testing.T) {
	r := rand.New(rand.NewPCG(4, 4))
	var whole window
	parts := make([]window, 3)
	for i := 0; i < 3000; i++ {
		o := obsWithEval("pii", r.Float64() < 0.05)
		o.Output, o.HasOutput = int64(lognormal(r, 300, .8)), true
		o.LatencyMs, o.HasLatency = lognormal(r, 800, .5), true
		o.TopicS2, o.HasTopic = Topic([]string{"refund invoice", "reset password now", "delivery late order"}[r.IntN(3)], 512, &o.Topic)
		idx := []int{0}
		whole.add(o, idx)
		parts[r.IntN(3)].add(o, idx)
	}
	var merged window
	for i := range parts {
		merged.fold(&parts[i], 1)
	}
	assert.Equal(t, whole.Out, merged.Out)
	assert.Equal(t, whole.Lat, merged.Lat)
	assert.Equal(t, whole.Evals, merged.Evals)
	for i := range whole.Topic {
		assert.InDelta(t, whole.Topic[i], merged.Topic[i], 1e-2)
	}
}

func TestTrailingBaselineAdapts(t *testing.T) {
	set := testSettings()
	set.Trailing = true
	set.TrailingDecay = 0.5
	set.BaselineMinCount = 400
	tr := NewTracker(set)
	r := rand.New(rand.NewPCG(8, 8))
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	window := func(median float64) map[string]float64 {
		for i := 0; i < 400; i++ {
			o := &Obs{Finish: -1, Script: -1, Refusal: -1}
			o.Output, o.HasOutput = int64(lognormal(r, median, .8)), true
			tr.Observe("k", []string{"svc", "p", "v1", "m"}, o, now)
		}
		now = now.Add(time.Hour)
		tr.Advance(now)
		out := map[string]float64{}
		for _, sc := range tr.series["k"].Scores {
			out[sc.Signal+"/"+sc.Method] = sc.Value
		}
		return out
	}
	assert.Empty(t, window(300), "warming up: no score")
	assert.Less(t, window(300)["output_tokens/psi"], 0.1)
	assert.Greater(t, window(900)["output_tokens/psi"], 0.5, "sudden shift")
	var last float64
	for i := 0; i < 6; i++ {
		last = window(900)["output_tokens/psi"]
	}
	assert.Less(t, last, 0.1, "the trailing baseline has absorbed the new level")
}

func TestSeriesTTLAndPersistenceDeletes(t *testing.T) {
	set := testSettings()
	set.SeriesTTL = 2 * time.Hour
	tr := NewTracker(set)
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tr.Observe("old", []string{"svc", "p", "v1", "a"}, obsWithEval("pii", false), now)
	tr.TakeDirty()
	for i := 0; i < 3; i++ {
		now = now.Add(time.Hour)
		tr.Observe("new", []string{"svc", "p", "v1", "b"}, obsWithEval("pii", false), now)
		tr.Advance(now)
	}
	assert.Equal(t, 1, tr.Len())
	var deleted []string
	for _, e := range tr.TakeDirty() {
		if e.Value == nil {
			deleted = append(deleted, e.Key)
		}
	}
	assert.Contains(t, deleted, "old")
}

func TestMaxSeriesOverflow(t *testing.T) {
	set := testSettings()
	set.MaxSeries = 10
	tr := NewTracker(set)
	now := time.Unix(1000, 0)
	for i := 0; i < 1000; i++ {
		k := string(rune('a'+i%26)) + string(rune('a'+i/26))
		tr.Observe(k, []string{"svc", "p", "v1", k}, obsWithEval("pii", false), now)
	}
	assert.Equal(t, 10, tr.Len())
	assert.Equal(t, int64(990), tr.Overflowed)
	n := 0
	tr.Each(func(s *Series) {
		if s.Overflow {
			n++
		}
	})
	assert.Equal(t, 1, n)
}
