package drift

import (
	"math"
	"math/bits"
	"sort"
	"time"
)

// Bin layouts.
const (
	// NumSlots: slot = bits.Len64(v-1) (OTel exponential scale 0, shifted by
	// one): slot 0 holds v ≤ 1, slot i holds (2^(i-1), 2^i]; the last slot
	// holds everything above 2^20.
	NumSlots     = 22
	NumCostSlots = 26 // cost in µUSD, overflow above 2^24
	ScoreBins    = 10
	// MaxEvaluators bounds the evaluators tracked per series.
	MaxEvaluators = 16
)

// Finish-reason categories.
const (
	FinishStop = iota
	FinishLength
	FinishToolCall
	FinishContentFilter
	FinishError
	FinishOther
	NumFinish
)

// Slot returns the log2 bin of v for a layout with n slots.
func Slot(v float64, n int) int {
	if !(v > 1) { // also NaN
		return 0
	}
	if v >= float64(uint64(1)<<(n-2)) {
		return n - 1
	}
	s := bits.Len64(uint64(math.Ceil(v)) - 1)
	if s > n-1 {
		s = n - 1
	}
	return s
}

// ScoreBin returns the bin of a score in [0,1].
func ScoreBin(s float64) int {
	b := int(s * ScoreBins)
	if b < 0 {
		return 0
	}
	if b >= ScoreBins {
		return ScoreBins - 1
	}
	return b
}

// FinishCategory maps a normalized finish reason to its category.
func FinishCategory(r string) int {
	switch r {
	case "stop", "end_turn", "stop_sequence":
		return FinishStop
	case "length", "max_tokens":
		return FinishLength
	case "tool_call", "tool_calls", "function_call", "tool_use":
		return FinishToolCall
	case "content_filter", "safety":
		return FinishContentFilter
	case "error":
		return FinishError
	}
	return FinishOther
}

// EvalObs is one evaluation result.
type EvalObs struct {
	Name     string
	Score    float64
	HasScore bool
	Failed   int8 // -1 unknown, 0 pass, 1 fail
}

// Obs is what one request contributes to its series. Negative category
// values and Has* false mean "not observed".
type Obs struct {
	Input, Output       int64
	HasInput, HasOutput bool
	LatencyMs           float64
	HasLatency          bool
	CostUSD             float64
	HasCost             bool
	Finish              int
	Script              int
	Refusal             int // -1 unknown, 0 no, 1 yes
	Topic               [TopicBuckets]float32
	TopicS2             float64
	HasTopic            bool
	Evals               []EvalObs
}

// Reset clears o for reuse.
func (o *Obs) Reset() {
	evals := o.Evals[:0]
	*o = Obs{Finish: -1, Script: -1, Refusal: -1, Evals: evals}
}

type evalWin struct {
	Score      [ScoreBins]float32
	Pass, Fail float32
}

type window struct {
	In, Out, Lat [NumSlots]float32
	Cost         [NumCostSlots]float32
	Finish       [NumFinish]float32
	Script       [NumScripts]float32
	Refusal      [2]float32
	Topic        [TopicBuckets]float32
	TopicS2      float32
	Evals        []evalWin
}

func (w *window) add(o *Obs, evalIdx []int) {
	if o.HasInput {
		w.In[Slot(float64(o.Input), NumSlots)]++
	}
	if o.HasOutput {
		w.Out[Slot(float64(o.Output), NumSlots)]++
	}
	if o.HasLatency {
		w.Lat[Slot(o.LatencyMs, NumSlots)]++
	}
	if o.HasCost {
		w.Cost[Slot(o.CostUSD*1e6, NumCostSlots)]++
	}
	if o.Finish >= 0 && o.Finish < NumFinish {
		w.Finish[o.Finish]++
	}
	if o.Script >= 0 && o.Script < NumScripts {
		w.Script[o.Script]++
	}
	if o.Refusal == 0 || o.Refusal == 1 {
		w.Refusal[o.Refusal]++
	}
	if o.HasTopic {
		for i, v := range o.Topic {
			w.Topic[i] += v
		}
		w.TopicS2 += float32(o.TopicS2)
	}
	for i, e := range o.Evals {
		j := evalIdx[i]
		if j < 0 {
			continue
		}
		for len(w.Evals) <= j {
			w.Evals = append(w.Evals, evalWin{})
		}
		ew := &w.Evals[j]
		if e.HasScore {
			ew.Score[ScoreBin(e.Score)]++
		}
		switch e.Failed {
		case 0:
			ew.Pass++
		case 1:
			ew.Fail++
		}
	}
}

// fold sets w = decay·w + cur.
func (w *window) fold(cur *window, decay float32) {
	scale := func(dst, src []float32) {
		for i := range dst {
			dst[i] = dst[i]*decay + src[i]
		}
	}
	scale(w.In[:], cur.In[:])
	scale(w.Out[:], cur.Out[:])
	scale(w.Lat[:], cur.Lat[:])
	scale(w.Cost[:], cur.Cost[:])
	scale(w.Finish[:], cur.Finish[:])
	scale(w.Script[:], cur.Script[:])
	scale(w.Refusal[:], cur.Refusal[:])
	scale(w.Topic[:], cur.Topic[:])
	w.TopicS2 = w.TopicS2*decay + cur.TopicS2
	for len(w.Evals) < len(cur.Evals) {
		w.Evals = append(w.Evals, evalWin{})
	}
	for i := range w.Evals {
		var src evalWin
		if i < len(cur.Evals) {
			src = cur.Evals[i]
		}
		scale(w.Evals[i].Score[:], src.Score[:])
		w.Evals[i].Pass = w.Evals[i].Pass*decay + src.Pass
		w.Evals[i].Fail = w.Evals[i].Fail*decay + src.Fail
	}
}

func (w *window) reset() {
	evals := w.Evals[:0]
	*w = window{Evals: evals}
}

func sum32(a []float32) float64 {
	var s float64
	for _, v := range a {
		s += float64(v)
	}
	return s
}

// Score is one drift score of a series at the last close.
type Score struct {
	Signal string
	Method string // psi, js or z
	Value  float64
}

// RegState is the hysteresis state of one regression comparison.
type RegState struct {
	Active bool
	Hits   int // consecutive significant closes
	Clears int // consecutive clearly-not-significant closes
	Tested bool
	P      float64
	Base   float64 // failure rate of the reference side
	Cur    float64 // failure rate of the tested side
}

// Series is the drift state of one series key.
type Series struct {
	Key        string
	Dims       []string // values of the key dimensions, in config order
	EvalNames  []string
	cur, base  window
	CurStart   int64 // unix nanos
	BaseStart  int64
	BaseFrozen bool
	LastSeen   int64
	Scores     []Score
	Reg        []RegState // per evaluator, current vs baseline
	Overflow   bool
	dirty      bool
	// evalNext is where the next evaluator name search starts: requests
	// carry their results in much the same order.
	evalNext int
	// fam is the series' prompt family, valid while famGen is the
	// tracker's (families are looked up by key only when one was dropped
	// or replaced since).
	fam    *Family
	famGen uint64
}

func (s *Series) evalIndex(name string) int {
	n := len(s.EvalNames)
	for i, j := 0, s.evalNext; i < n; i, j = i+1, j+1 {
		if j >= n {
			j = 0
		}
		if s.EvalNames[j] == name {
			s.evalNext = j + 1
			return j
		}
	}
	if len(s.EvalNames) >= MaxEvaluators {
		return -1
	}
	s.EvalNames = append(s.EvalNames, name)
	return len(s.EvalNames) - 1
}

// Family groups the prompt versions of one prompt (the series key without
// the version) for the version-vs-predecessor test.
type Family struct {
	Key       string
	Dims      []string               // key dimension values, version left empty
	Cur, Prev string                 // current and predecessor versions
	CurCounts map[string]*[2]float64 // evaluator -> pass, fail since Cur appeared
	PrevCount map[string]*[2]float64 // frozen at the switch (still fed while Prev is live)
	Reg       map[string]*RegState
	LastSeen  int64
	dirty     bool
	// curSeen memoizes the CurCounts entries of the evaluators by their
	// position in the last requests (emptied when CurCounts is replaced):
	// a name compare instead of a map lookup per result.
	curSeen []seenCount
}

type seenCount struct {
	name string
	c    *[2]float64
}

// Settings are the drift and regression parameters.
type Settings struct {
	Window           time.Duration
	MinCount         int
	MaxWindowSpan    time.Duration
	Trailing         bool
	BaselineMinCount int
	BaselineMinSpan  time.Duration
	TrailingDecay    float64
	PSIFloor         float64
	TopicPSIFloor    float64
	Alpha            float64
	MaxSeries        int
	SeriesTTL        time.Duration

	Regression    bool
	RegAlpha      float64
	MinEffect     float64
	RaiseAfter    int
	ClearAfter    int
	RegMinCount   int
	VersionDimIdx int // index of gen_ai.prompt.version in the key dims, -1 when absent
	NameDimIdx    int // index of gen_ai.prompt.name, -1 when absent
}

// Transition is a change of a regression gauge, to be logged.
type Transition struct {
	Started    bool
	Comparison string // baseline or predecessor
	Evaluator  string
	Dims       []string
	Version    string
	Previous   string
	BaseRate   float64
	CurRate    float64
	P          float64
}

// Tracker holds every series. It is not safe for concurrent use; the
// connector serialises access.
type Tracker struct {
	set       Settings
	series    map[string]*Series
	families  map[string]*Family
	overflow  *Series
	lastClose int64 // aligned start of the current window
	dirty     map[string]bool
	removed   map[string]bool
	pending   []Transition
	fkey      []byte
	// famGen counts the removals and replacements of families.
	famGen uint64
	// Overflowed counts observations that went to the overflow series.
	Overflowed int64
}

// NewTracker returns an empty tracker.
func NewTracker(set Settings) *Tracker {
	return &Tracker{
		set:      set,
		series:   make(map[string]*Series),
		families: make(map[string]*Family),
		dirty:    make(map[string]bool),
		removed:  make(map[string]bool),
	}
}

// Len returns the number of tracked series (overflow excluded).
func (t *Tracker) Len() int { return len(t.series) }

func (t *Tracker) align(now int64) int64 {
	w := int64(t.set.Window)
	return now - ((now%w)+w)%w
}

// Observe adds one request to the series key (dims are the key dimension
// values; they are copied only when the series is new).
func (t *Tracker) Observe(key string, dims []string, o *Obs, now time.Time) {
	t.ObserveBytes([]byte(key), dims, o, now)
}

// ObserveBytes is Observe with the key as bytes (no allocation for a known
// series).
func (t *Tracker) ObserveBytes(keyB []byte, dims []string, o *Obs, now time.Time) {
	ns := now.UnixNano()
	if t.lastClose == 0 {
		t.lastClose = t.align(ns)
	}
	s := t.series[string(keyB)]
	if s == nil {
		key := string(keyB)
		if len(t.series) >= t.set.MaxSeries {
			t.Overflowed++
			if t.overflow == nil {
				t.overflow = &Series{Key: "", Overflow: true, CurStart: t.lastClose, BaseStart: ns}
			}
			s = t.overflow
		} else {
			s = &Series{Key: key, Dims: append([]string(nil), dims...), CurStart: t.lastClose, BaseStart: ns}
			t.series[key] = s
		}
	}
	s.LastSeen = ns
	var idxBuf [MaxEvaluators]int
	idx := idxBuf[:0]
	for _, e := range o.Evals {
		if len(idx) == len(idxBuf) {
			break
		}
		idx = append(idx, s.evalIndex(e.Name))
	}
	evals := o.Evals
	if len(evals) > len(idx) {
		o.Evals = evals[:len(idx)]
	}
	s.cur.add(o, idx)
	o.Evals = evals
	if s.Overflow {
		return
	}
	if !s.dirty {
		s.dirty = true
		t.dirty[s.Key] = true
	}
	if t.set.Regression && t.set.VersionDimIdx >= 0 && t.set.NameDimIdx >= 0 && len(o.Evals) > 0 {
		t.observeFamily(s, dims, o, ns)
	}
}

func (t *Tracker) familyKey(dims []string) []byte {
	b := t.fkey[:0]
	for i, d := range dims {
		if i != t.set.VersionDimIdx {
			b = append(b, d...)
			b = append(b, 0)
		}
	}
	t.fkey = b
	return b
}

func (t *Tracker) observeFamily(s *Series, dims []string, o *Obs, ns int64) {
	if dims[t.set.NameDimIdx] == "" || dims[t.set.VersionDimIdx] == "" {
		return
	}
	f := s.fam
	if f == nil || s.famGen != t.famGen {
		if f = t.family(dims); f == nil {
			return
		}
		s.fam, s.famGen = f, t.famGen
	}
	f.LastSeen = ns
	v := dims[t.set.VersionDimIdx]
	var counts map[string]*[2]float64
	switch v {
	case f.Cur:
		counts = f.CurCounts
	case f.Prev:
		counts = f.PrevCount
	default:
		if f.Cur != "" {
			// A new version: the current one becomes the predecessor and
			// its counts freeze as the reference. Regressions of the old
			// pair end here.
			for name, r := range f.Reg {
				if r.Active {
					t.pending = append(t.pending, Transition{Comparison: "predecessor", Evaluator: name, Dims: f.Dims,
						Version: f.Cur, Previous: f.Prev, BaseRate: r.Base, CurRate: r.Cur, P: r.P})
				}
			}
			f.Prev, f.PrevCount = f.Cur, f.CurCounts
			clear(f.Reg)
		}
		f.Cur, f.CurCounts = v, map[string]*[2]float64{}
		f.curSeen = f.curSeen[:0]
		counts = f.CurCounts
	}
	if !f.dirty {
		f.dirty = true
		t.dirty[familyPrefix+f.Key] = true
	}
	memo := v == f.Cur
	for i, e := range o.Evals {
		if e.Failed < 0 {
			continue
		}
		if memo && i < len(f.curSeen) && f.curSeen[i].name == e.Name {
			f.curSeen[i].c[e.Failed]++
			continue
		}
		c := counts[e.Name]
		if c == nil {
			if len(counts) >= MaxEvaluators {
				continue
			}
			c = new([2]float64)
			counts[e.Name] = c
		}
		c[e.Failed]++
		if memo && i < MaxEvaluators { // bounded like the counts
			f.remember(i, e.Name, c)
		}
	}
}

// family returns the family of the key dims, created if there is room.
func (t *Tracker) family(dims []string) *Family {
	keyB := t.familyKey(dims)
	if f := t.families[string(keyB)]; f != nil {
		return f
	}
	if len(t.families) >= t.set.MaxSeries {
		return nil
	}
	key := string(keyB)
	fd := append([]string(nil), dims...)
	fd[t.set.VersionDimIdx] = ""
	f := &Family{Key: key, Dims: fd, CurCounts: map[string]*[2]float64{}, PrevCount: map[string]*[2]float64{}, Reg: map[string]*RegState{}}
	t.families[key] = f
	return f
}

// remember memoizes the CurCounts entry of the result at position i.
func (f *Family) remember(i int, name string, c *[2]float64) {
	for len(f.curSeen) <= i {
		f.curSeen = append(f.curSeen, seenCount{})
	}
	f.curSeen[i] = seenCount{name, c}
}

// Advance closes the current window when now has passed its end. It
// returns the regression transitions of the closes.
func (t *Tracker) Advance(now time.Time) []Transition {
	ns := now.UnixNano()
	tr := t.pending
	t.pending = nil
	if t.lastClose == 0 {
		t.lastClose = t.align(ns)
		return tr
	}
	aligned := t.align(ns)
	if aligned <= t.lastClose {
		return tr
	}
	t.lastClose = aligned
	ttl := int64(t.set.SeriesTTL)
	for key, s := range t.series {
		if ttl > 0 && ns-s.LastSeen > ttl {
			delete(t.series, key)
			delete(t.dirty, key)
			t.removed[key] = true
			continue
		}
		tr = t.closeSeries(s, aligned, tr)
		t.dirty[key] = true
	}
	if t.overflow != nil {
		t.closeSeries(t.overflow, aligned, nil)
	}
	for key, f := range t.families {
		if ttl > 0 && ns-f.LastSeen > ttl {
			delete(t.families, key)
			t.famGen++
			t.removed["f\x00"+key] = true
			continue
		}
		tr = t.testFamily(f, tr)
	}
	return tr
}

func (t *Tracker) closeSeries(s *Series, aligned int64, tr []Transition) []Transition {
	reqs := t.requests(&s.cur)
	if reqs < float64(t.set.MinCount) && aligned-s.CurStart < int64(t.set.MaxWindowSpan) {
		return tr // carry over
	}
	enough := reqs >= float64(t.set.MinCount)
	ready := s.BaseFrozen || (t.set.Trailing && t.requests(&s.base) >= float64(t.set.BaselineMinCount) &&
		aligned-s.BaseStart >= int64(t.set.BaselineMinSpan))
	if ready && enough {
		s.Scores = t.score(s, s.Scores[:0])
		if t.set.Regression && !s.Overflow {
			tr = t.testBaseline(s, tr)
		}
	} else {
		s.Scores = s.Scores[:0]
	}
	switch {
	case t.set.Trailing && ready:
		s.base.fold(&s.cur, float32(1-t.set.TrailingDecay))
	case !s.BaseFrozen:
		s.base.fold(&s.cur, 1)
		if !t.set.Trailing && t.requests(&s.base) >= float64(t.set.BaselineMinCount) &&
			aligned-s.BaseStart >= int64(t.set.BaselineMinSpan) {
			s.BaseFrozen = true
		}
	}
	s.cur.reset()
	s.CurStart = aligned
	return tr
}

// requests estimates the requests of a window: the largest count of any
// always-present signal.
func (t *Tracker) requests(w *window) float64 {
	r := sum32(w.Lat[:])
	r = math.Max(r, sum32(w.In[:]))
	r = math.Max(r, sum32(w.Out[:]))
	r = math.Max(r, sum32(w.Finish[:]))
	for i := range w.Evals {
		r = math.Max(r, float64(w.Evals[i].Pass+w.Evals[i].Fail))
	}
	return r
}

func (t *Tracker) score(s *Series, out []Score) []Score {
	minN, minM := float64(t.set.MinCount), float64(t.set.BaselineMinCount)
	add := func(signal string, base, cur []float32, ordinal bool, deff, floor float64) {
		if sum32(cur) < minN || sum32(base) < minM {
			return
		}
		c := Compare(base, cur, ordinal, deff, floor, t.set.Alpha)
		out = append(out, Score{signal, "psi", c.PSI}, Score{signal, "js", c.JS})
	}
	add("input_tokens", s.base.In[:], s.cur.In[:], true, 1, t.set.PSIFloor)
	add("output_tokens", s.base.Out[:], s.cur.Out[:], true, 1, t.set.PSIFloor)
	add("latency", s.base.Lat[:], s.cur.Lat[:], true, 1, t.set.PSIFloor)
	add("cost", s.base.Cost[:], s.cur.Cost[:], true, 1, t.set.PSIFloor)
	add("finish_reason", s.base.Finish[:], s.cur.Finish[:], false, 1, t.set.PSIFloor)
	add("output_script", s.base.Script[:], s.cur.Script[:], false, 1, t.set.PSIFloor)
	add("refusal", s.base.Refusal[:], s.cur.Refusal[:], false, 1, t.set.PSIFloor)
	if n, m := float64(s.cur.Refusal[0]+s.cur.Refusal[1]), float64(s.base.Refusal[0]+s.base.Refusal[1]); n >= minN && m >= minM {
		z, _ := ZOneSided(float64(s.base.Refusal[1]), m, float64(s.cur.Refusal[1]), n)
		out = append(out, Score{"refusal", "z", z})
	}
	add("topic", s.base.Topic[:], s.cur.Topic[:], false, TopicDesignEffect(&s.base, &s.cur), t.set.TopicPSIFloor)
	for i, name := range s.EvalNames {
		if i < len(s.base.Evals) && i < len(s.cur.Evals) {
			add("eval."+name, s.base.Evals[i].Score[:], s.cur.Evals[i].Score[:], true, 1, t.set.PSIFloor)
		}
	}
	return out
}

// TopicDesignEffect is (S2/N − Σp̄²)/(1 − Σp̄²) over both windows: the
// variance of unit-mass requests relative to one multinomial draw each.
func TopicDesignEffect(a, b *window) float64 {
	n := sum32(a.Topic[:]) + sum32(b.Topic[:])
	if n <= 0 {
		return 1
	}
	var sp2 float64
	for i := range a.Topic {
		p := float64(a.Topic[i]+b.Topic[i]) / n
		sp2 += p * p
	}
	if sp2 >= 1 {
		return 1
	}
	d := (float64(a.TopicS2+b.TopicS2)/n - sp2) / (1 - sp2)
	return math.Min(1, math.Max(d, 0.01))
}

func (t *Tracker) decide(r *RegState, x1, n1, x2, n2 float64, alpha float64) (changed bool) {
	r.Tested = true
	p := FisherOneSided(int64(math.Round(x1)), int64(math.Round(n1)), int64(math.Round(x2)), int64(math.Round(n2)))
	r.P = p
	r.Base, r.Cur = x1/n1, x2/n2
	delta := r.Cur - r.Base
	z, _ := ZOneSided(x1, n1, x2, n2)
	sig := p < alpha && delta >= t.set.MinEffect
	if sig {
		r.Hits++
		r.Clears = 0
	} else {
		r.Hits = 0
		if z < 1 || delta < t.set.MinEffect/2 {
			r.Clears++
		}
	}
	switch {
	case !r.Active && sig && (r.Hits >= t.set.RaiseAfter || p < 1e-6):
		r.Active, r.Clears = true, 0
		return true
	case r.Active && r.Clears >= t.set.ClearAfter:
		r.Active, r.Hits = false, 0
		return true
	}
	return false
}

func (t *Tracker) testBaseline(s *Series, tr []Transition) []Transition {
	for len(s.Reg) < len(s.EvalNames) {
		s.Reg = append(s.Reg, RegState{})
	}
	minC := float64(t.set.RegMinCount)
	for i, name := range s.EvalNames {
		if i >= len(s.cur.Evals) || i >= len(s.base.Evals) {
			continue
		}
		c, b := s.cur.Evals[i], s.base.Evals[i]
		n2, n1 := float64(c.Pass+c.Fail), float64(b.Pass+b.Fail)
		if n1 < minC || n2 < minC {
			continue
		}
		r := &s.Reg[i]
		if t.decide(r, float64(b.Fail), n1, float64(c.Fail), n2, t.set.RegAlpha) {
			tr = append(tr, Transition{Started: r.Active, Comparison: "baseline", Evaluator: name, Dims: s.Dims,
				Version: t.dimAt(s.Dims, t.set.VersionDimIdx), BaseRate: r.Base, CurRate: r.Cur, P: r.P})
		}
	}
	return tr
}

func (t *Tracker) dimAt(d []string, i int) string {
	if i < 0 || i >= len(d) {
		return ""
	}
	return d[i]
}

// versionLooks is the number of looks the predecessor test budgets alpha
// over (Bonferroni).
const versionLooks = 5

func (t *Tracker) testFamily(f *Family, tr []Transition) []Transition {
	if f.Prev == "" {
		return tr
	}
	minC := float64(t.set.RegMinCount)
	names := make([]string, 0, len(f.CurCounts))
	for name := range f.CurCounts {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		c, p := f.CurCounts[name], f.PrevCount[name]
		if p == nil {
			continue
		}
		n2, n1 := c[0]+c[1], p[0]+p[1]
		if n1 < minC || n2 < minC {
			continue
		}
		r := f.Reg[name]
		if r == nil {
			r = &RegState{}
			f.Reg[name] = r
		}
		if t.decide(r, p[1], n1, c[1], n2, t.set.RegAlpha/versionLooks) {
			tr = append(tr, Transition{Started: r.Active, Comparison: "predecessor", Evaluator: name, Dims: f.Dims,
				Version: f.Cur, Previous: f.Prev, BaseRate: r.Base, CurRate: r.Cur, P: r.P})
		}
	}
	t.dirty["f\x00"+f.Key] = true
	return tr
}

// Each calls fn for every series (overflow last).
func (t *Tracker) Each(fn func(*Series)) {
	for _, s := range t.series {
		fn(s)
	}
	if t.overflow != nil {
		fn(t.overflow)
	}
}

// EachFamily calls fn for every family.
func (t *Tracker) EachFamily(fn func(*Family)) {
	for _, f := range t.families {
		fn(f)
	}
}
