package safety

import (
	"sync"

	"github.com/periscope-otel/periscope/internal/eval"
	"github.com/periscope-otel/periscope/internal/eval/linear"
)

// textBuf is one side of a call with its normalised form computed lazily,
// so that several evaluators share one normalisation pass.
type textBuf struct {
	raw     string
	norm    Normalized
	done    bool
	all     []Hit // hits of the shared automaton on norm
	allDone bool
}

func (t *textBuf) set(s string) {
	t.raw = s
	t.done = false
	t.allDone = false
}

// allHits runs the shared automaton once over the normalised text.
func (t *textBuf) allHits() []Hit {
	if !t.allDone {
		t.all = combinedMatcher().Find(t.normalized().Text, t.all[:0])
		t.allDone = true
	}
	return t.all
}

func (t *textBuf) normalized() *Normalized {
	if !t.done {
		Normalize(t.raw, &t.norm)
		t.done = true
	}
	return &t.norm
}

// prepared holds the texts of one call and scratch space for evaluators.
type prepared struct {
	sys, in, out textBuf
	ctx          []string
	truncated    bool
	hits         []Hit
	sc           scorer
	dec          []byte
	decNorm      Normalized
	words        [][]byte
	hashes       []uint64 // of the instruction words (PromptLeak)
	flags        []uint8  // of the answer's words (leakPossible)
	spans        [][2]int
	grams        gramSet
	plain        sysWords // the system text's words, read raw (PromptLeak)
	// sw: the system text's words when it is plain, &plain or a recurring
	// text's kept reading (read only); nil otherwise.
	sw *sysWords
	// sysNorm: a recurring system text's kept normalised text, or nil.
	sysNorm []byte
	// The request-harm model of the suite's refusal evaluator: jailbreak
	// scores it in the same read of the prompt (linear.Logit2), refusal
	// takes harmZ from there.
	harm     *linear.Model
	harmZ    float64
	harmDone bool
}

var preparedPool = sync.Pool{New: func() any { return new(prepared) }}

func getPrepared(in *eval.Input) *prepared {
	p := preparedPool.Get().(*prepared)
	p.sys.set(in.System)
	p.in.set(in.Input)
	p.out.set(in.Output)
	p.ctx = in.Context
	p.truncated = in.Truncated
	p.harm, p.harmDone = nil, false
	p.sw, p.sysNorm = nil, nil
	return p
}

func putPrepared(p *prepared) {
	p.sys.raw, p.in.raw, p.out.raw, p.ctx = "", "", "", nil
	p.sw, p.sysNorm = nil, nil
	// Do not keep huge buffers alive in the pool.
	if cap(p.in.norm.Text) > 1<<20 || cap(p.out.norm.Text) > 1<<20 || cap(p.sys.norm.Text) > 1<<20 ||
		cap(p.grams.keys) > 1<<17 || cap(p.grams.out) > 1<<17 || cap(p.hashes) > 1<<17 || cap(p.plain.hashes) > 1<<17 {
		*p = prepared{}
	}
	preparedPool.Put(p)
}

// eachText calls fn for each side selected in sides that has text, input
// first: the side selection every evaluator needs, in one place.
func (p *prepared) eachText(sides eval.Side, fn func(side eval.Side, t *textBuf)) {
	for _, side := range [...]eval.Side{eval.SideInput, eval.SideOutput} {
		if sides&side == 0 {
			continue
		}
		if t := p.side(side); t.raw != "" {
			fn(side, t)
		}
	}
}

func (p *prepared) side(s eval.Side) *textBuf {
	if s == eval.SideOutput {
		return &p.out
	}
	return &p.in
}

func (p *prepared) resetScorer() *scorer {
	p.sc.rules = p.sc.rules[:0]
	p.sc.weights = p.sc.weights[:0]
	p.sc.findings = nil // handed out in the result
	return &p.sc
}

// evaluator is the internal form of every safety evaluator.
type evaluator interface {
	eval.Evaluator
	run(p *prepared) eval.Result
}

// Suite runs several safety evaluators over one call, normalising each text
// once for all of them.
type Suite struct {
	evs  []evaluator
	harm *linear.Model // see prepared.harm
}

// NewSuite groups evaluators built by this package. Evaluators from other
// packages are rejected with ok=false.
func NewSuite(evs ...eval.Evaluator) (*Suite, bool) {
	s := &Suite{}
	for _, e := range evs {
		ie, ok := e.(evaluator)
		if !ok {
			return nil, false
		}
		s.evs = append(s.evs, ie)
		if r, ok := e.(*Refusal); ok && r.model != nil && r.harm != nil {
			s.harm = r.harm
		}
	}
	return s, true
}

// Evaluate runs every evaluator of the suite; results[i] belongs to the
// i-th evaluator given to NewSuite.
func (s *Suite) Evaluate(in *eval.Input, results []eval.Result) []eval.Result {
	return s.EvaluateSome(in, 0, results)
}

// EvaluateSome is Evaluate for the evaluators whose bit in skip is clear
// (bit i: the i-th evaluator); each of the others gets a Skipped result
// with label LabelNotSampled.
func (s *Suite) EvaluateSome(in *eval.Input, skip uint64, results []eval.Result) []eval.Result {
	p := getPrepared(in)
	defer putPrepared(p)
	p.harm = s.harm
	for i, e := range s.evs {
		if skip&(1<<i) != 0 {
			results = append(results, eval.Result{Skipped: true, Label: eval.LabelNotSampled})
			continue
		}
		results = append(results, e.run(p))
	}
	return results
}

func evaluateOne(e evaluator, in *eval.Input) eval.Result {
	p := getPrepared(in)
	defer putPrepared(p)
	return e.run(p)
}
