package safety

import (
	"math"
	"slices"
	"strings"
	"sync"

	"github.com/periscope-otel/periscope/internal/eval"
)

// phrase is one weighted lexicon entry matched on normalised text. Text is
// written in plain words; a trailing '*' makes the last word a prefix
// ("instruct*" matches instructions, instructed).
type phrase struct {
	text string
	rule string
	w    float64
	tag  string // optional tag used by proximity rules
}

// pair fires when a phrase tagged a is followed by one tagged b within
// maxGap bytes of normalised text.
type pair struct {
	a, b   string
	maxGap int32
	rule   string
	w      float64
}

// lexicon is a compiled set of phrases and proximity rules.
type lexicon struct {
	// own automaton (decoded payloads, standalone use), built on first
	// use: the shared lexicons' tables (megabytes) are then mostly never
	// built, and the heap the GC paces itself by stays smaller.
	ownOnce sync.Once
	own     *Matcher
	pats    []string
	base    int32 // first pattern index in the shared automaton
	shared  bool
	ph      []phrase
	pairs   []pair
	tagID   map[string]int
	ptag    []int // phrase -> tag id (-1 when untagged)
	pa      []int // pair -> tag ids
	pb      []int
}

func newLexicon(ph []phrase, pairs []pair) *lexicon {
	lx := &lexicon{ph: ph, pairs: pairs, tagID: map[string]int{}}
	pats := make([]string, len(ph))
	for i, p := range ph {
		t := strings.ToLower(strings.TrimSpace(p.text))
		if strings.HasSuffix(t, "*") {
			pats[i] = " " + strings.TrimSuffix(t, "*")
		} else {
			pats[i] = " " + t + " "
		}
		id := -1
		if p.tag != "" {
			if _, ok := lx.tagID[p.tag]; !ok {
				lx.tagID[p.tag] = len(lx.tagID)
			}
			id = lx.tagID[p.tag]
		}
		lx.ptag = append(lx.ptag, id)
	}
	for _, p := range pairs {
		a, oka := lx.tagID[p.a]
		b, okb := lx.tagID[p.b]
		if !oka || !okb {
			panic("safety: pair rule " + p.rule + " names an unknown tag")
		}
		lx.pa = append(lx.pa, a)
		lx.pb = append(lx.pb, b)
	}
	lx.pats = pats
	return lx
}

// Built-in lexicons share one automaton so that a normalised text is
// scanned once for all of them.
var (
	registry     []*lexicon
	combinedOnce sync.Once
	combined     *Matcher
)

// matcher returns the lexicon's own automaton.
func (lx *lexicon) matcher() *Matcher {
	lx.ownOnce.Do(func() { lx.own = NewMatcher(lx.pats, false) })
	return lx.own
}

func sharedLexicon(ph []phrase, pairs []pair) *lexicon {
	lx := newLexicon(ph, pairs)
	lx.shared = true
	registry = append(registry, lx)
	return lx
}

func combinedMatcher() *Matcher {
	combinedOnce.Do(func() {
		var all []string
		for _, lx := range registry {
			lx.base = int32(len(all))
			all = append(all, lx.pats...)
		}
		combined = NewMatcher(all, false)
	})
	return combined
}

// hitsIn returns the lexicon's hits in t (pattern indexes local to the
// lexicon), appended to dst.
func (lx *lexicon) hitsIn(t *textBuf, dst []Hit) []Hit {
	if !lx.shared {
		return lx.matcher().Find(t.normalized().Text, dst)
	}
	all := t.allHits()
	lo, hi := lx.base, lx.base+int32(len(lx.pats))
	for _, h := range all {
		if h.Pat >= lo && h.Pat < hi {
			h.Pat -= lo
			dst = append(dst, h)
		}
	}
	return dst
}

// scorer accumulates rule weights with a noisy-or: each distinct rule
// counts once, at its highest weight.
type scorer struct {
	rules    []string
	weights  []float64
	findings []eval.Finding
}

func (s *scorer) add(rule string, w float64, side eval.Side, start, end int) {
	for i, r := range s.rules {
		if r == rule {
			if w > s.weights[i] {
				s.weights[i] = w
			}
			return
		}
	}
	s.rules = append(s.rules, rule)
	s.weights = append(s.weights, w)
	s.findings = append(s.findings, eval.Finding{Rule: rule, Side: side, Start: start, End: end})
}

func (s *scorer) score() float64 {
	p := 1.0
	for _, w := range s.weights {
		p *= 1 - w
	}
	return clamp01(1 - p)
}

func clamp01(x float64) float64 {
	if math.IsNaN(x) || x < 0 {
		return 0
	}
	if x > 1 {
		return 1
	}
	return x
}

// scan matches the lexicon on t and adds phrase and pair rules to s.
// Offsets in findings refer to the original text.
func (lx *lexicon) scan(t *textBuf, side eval.Side, s *scorer, hits []Hit) []Hit {
	hits = lx.hitsIn(t, hits[:0])
	return lx.score(t.normalized(), hits, side, s)
}

// scanNorm matches the lexicon's own automaton on n (texts outside a call,
// such as decoded payloads).
func (lx *lexicon) scanNorm(n *Normalized, side eval.Side, s *scorer, hits []Hit) []Hit {
	return lx.score(n, lx.matcher().Find(n.Text, hits[:0]), side, s)
}

func (lx *lexicon) score(n *Normalized, hits []Hit, side eval.Side, s *scorer) []Hit {
	orig := func(i int32) int {
		if int(i) >= len(n.Off) {
			return int(n.Off[len(n.Off)-1])
		}
		return int(n.Off[i])
	}
	for _, h := range hits {
		p := lx.ph[h.Pat]
		if p.w > 0 {
			s.add(p.rule, p.w, side, orig(h.Start+1), orig(h.End-1))
		}
	}
	if len(lx.pairs) == 0 {
		return hits
	}
	// Hits come in order of their end offset. Track the last end of each tag.
	var lastBuf [32]int32
	last := lastBuf[:0]
	if len(lx.tagID) > len(lastBuf) {
		last = make([]int32, 0, len(lx.tagID))
	}
	last = last[:len(lx.tagID)]
	for i := range last {
		last[i] = -1 << 30
	}
	// A stable sort by end offset; the automaton reports hits in that
	// order already, so this is mostly a check that allocates nothing.
	if !slices.IsSortedFunc(hits, func(a, b Hit) int { return int(a.End - b.End) }) {
		slices.SortStableFunc(hits, func(a, b Hit) int { return int(a.End - b.End) })
	}
	for _, h := range hits {
		t := lx.ptag[h.Pat]
		if t < 0 {
			continue
		}
		for pi, pr := range lx.pairs {
			if lx.pb[pi] == t && h.Start-last[lx.pa[pi]] <= pr.maxGap && last[lx.pa[pi]] <= h.Start+1 {
				s.add(pr.rule, pr.w, side, orig(h.Start+1), orig(h.End-1))
			}
		}
		if h.End > last[t] {
			last[t] = h.End
		}
	}
	return hits
}

// calibrate maps a noisy-or score through 1-(1-x)^k, a monotone stretch
// that moves where the default threshold falls without reordering scores.
func calibrate(x, k float64) float64 {
	return clamp01(1 - math.Pow(1-clamp01(x), k))
}
