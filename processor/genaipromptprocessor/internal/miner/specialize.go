package miner

import (
	"math"

	"github.com/periscope-otel/periscope/processor/genaipromptprocessor/internal/textmask"
)

// A template mined from its first few calls can hold another template's
// text in a slot: two look-alike templates generalized into one, or an
// edited version absorbed before its text was confirmed. A real slot takes
// varied values. Text that keeps coming back at a slot's edge, or a short
// slot value that keeps coming back whole, is template text: the calls
// carrying it get a more specific template (a child with its own id), and
// matching prefers the most specific template a call fits.
//
// Statistics are kept per template for its first statCalls distinct calls
// only: by then a template's text is confirmed (support) and later edits
// are told apart by the alignment itself.

const (
	edgeLen     = 2    // tokens at a slot's edge compared across calls
	maxRun      = 64   // longest edge text a child takes from its slot
	wholeMax    = 12   // slot values up to this many tokens are compared whole
	statEntries = 8    // values remembered per slot and kind
	statCalls   = 64   // distinct calls a template keeps statistics for
	spawnMin    = 4    // calls that must share a slot value before it is template text
	minShare    = 0.25 // ... and the share of the template's calls they must surely be
)

const (
	kindPrefix = iota
	kindSuffix
	kindWhole
	nKinds
)

type slotEntry struct {
	h   uint64
	n   uint32
	run []tok // the text common to every value counted here (edge kinds)
	// full: some value was all common text, a value drawn from a small
	// pool (the same document pasted again), not template text before a
	// value
	full bool
}

type slotEntries [statEntries]slotEntry

type slotStat struct {
	e     [nKinds]slotEntries
	short uint32 // values short enough to be compared whole
	// seen counts the calls observed in this slot: a slot made or moved by
	// a later generalization starts from zero, its share must not be taken
	// over calls it never saw
	seen uint32
}

type slotStats struct {
	calls map[uint64]struct{} // distinct calls counted since the text last changed
	// moved maps the calls among them that went on to a child template to
	// that child: the call coming again goes there too, even when the
	// child is not among the candidates that call brings up.
	moved map[uint64]uint64
	slots []slotStat // one per slot, in order
	hit   *slotEntry // the entry observe reported last
	// observed counts the calls whose values are in slots (calls a parent
	// passed on are in calls only)
	observed uint32
	bounds   [][2]uint64 // the fixed tokens either side of each slot
}

// span is the range of a call's tokens that fills one slot.
type span struct{ lo, hi int }

// globSpans is globMatch returning the range each slot of t takes in x
// (leftmost placement of every fixed run).
func globSpans(t []tok, x []textmask.Token, dst []span) ([]span, bool) {
	dst = dst[:0]
	ti := commonLead(t, x)
	if ti < len(t) && !t[ti].Wild {
		return dst, false
	}
	xi := ti
	if ti == len(t) {
		return dst, xi == len(x)
	}
	te, xe := len(t), len(x)
	for te > ti && !t[te-1].Wild {
		if xe <= xi || x[xe-1].H != t[te-1].H {
			return dst, false
		}
		te--
		xe--
	}
	open := -1 // start in x of the slot being filled
	for ti < te {
		if t[ti].Wild {
			open = xi
			ti++
			continue
		}
		run := ti
		for run < te && !t[run].Wild {
			run++
		}
		pos := find(x[xi:xe], t[ti:run])
		if pos < 0 {
			return dst, false
		}
		dst = append(dst, span{open, xi + pos})
		xi += pos + (run - ti)
		ti = run
	}
	dst = append(dst, span{open, xe})
	return dst, true
}

func hashRun(x []textmask.Token, kind uint64) uint64 {
	h := 0x5bd1e995 + kind
	for _, k := range x {
		h = mix(h, k.H)
	}
	return fmix(h)
}

// observe adds the slot values of call x (fingerprint fp, not counted yet)
// to the statistics of c. It returns the slot and kind whose value has come
// back often enough to be template text, or -1.
func (m *Miner) observe(c *cluster, x []textmask.Token, fp uint64, spans []span) (slot, kind int) {
	st := c.stats
	if st.observed >= statCalls {
		c.stats = nil // settled
		return -1, 0
	}
	st.calls[fp] = struct{}{}
	if len(st.slots) != len(spans) {
		st.slots = make([]slotStat, len(spans))
	}
	if len(st.bounds) != len(spans) {
		st.bounds = slotBounds(c.tokens, st.bounds[:0])
	}
	st.observed++
	slot = -1
	for i, sp := range spans {
		v := x[sp.lo:sp.hi]
		if c.freeSlot(i) {
			continue
		}
		st.slots[i].seen++
		n := st.slots[i].seen
		var hs [nKinds]uint64
		var ok [nKinds]bool
		if len(v) > edgeLen {
			hs[kindPrefix], ok[kindPrefix] = hashRun(v[:edgeLen], kindPrefix), true
			hs[kindSuffix], ok[kindSuffix] = hashRun(v[len(v)-edgeLen:], kindSuffix), true
		}
		if len(v) <= wholeMax {
			hs[kindWhole], ok[kindWhole] = hashRun(v, kindWhole), true
			st.slots[i].short++
		}
		for k := 0; k < nKinds; k++ {
			if !ok[k] {
				continue
			}
			e := st.slots[i].e[k].add(hs[k], v, k)
			if e == nil || slot >= 0 || e.n < spawnMin || wilsonLow(e.n, n) < minShare {
				continue
			}
			if k == kindWhole && informative(nil, v, 1) && st.slots[i].fewValues() ||
				k != kindWhole && !e.full && (informative(e.run, nil, 2) || len(e.run) >= 3 && informative(e.run, nil, 1)) {
				slot, kind = i, k
				st.hit = e
			}
		}
	}
	return slot, kind
}

// add counts h (value v of slot kind k) and returns its entry, nil when it
// could not be remembered. Edge entries keep the longest run common to
// their values, so a child takes a whole added sentence at once.
func (s *slotEntries) add(h uint64, v []textmask.Token, k int) *slotEntry {
	minI := 0
	for i := range s {
		if s[i].n > 0 && s[i].h == h {
			s[i].n++
			var n int
			switch k {
			case kindPrefix:
				n = commonPrefix(s[i].run, v)
				s[i].run = s[i].run[:n]
			case kindSuffix:
				n = commonSuffix(s[i].run, v)
				s[i].run = s[i].run[len(s[i].run)-n:]
			}
			if k != kindWhole && n == len(v) {
				s[i].full = true
			}
			return &s[i]
		}
		if s[i].n < s[minI].n {
			minI = i
		}
	}
	if s[minI].n > 1 {
		return nil
	}
	e := slotEntry{h: h, n: 1}
	switch k {
	case kindPrefix:
		e.run = copyText(toToks(v[:min(len(v), maxRun)]))
	case kindSuffix:
		e.run = copyText(toToks(v[max(0, len(v)-maxRun):]))
	}
	s[minI] = e
	return &s[minI]
}

func toToks(x []textmask.Token) []tok {
	t := make([]tok, len(x))
	for i, k := range x {
		t[i] = tok{H: k.H, Text: k.Text}
	}
	return t
}

func commonPrefix(a []tok, b []textmask.Token) int {
	n := 0
	for n < len(a) && n < len(b) && a[n].H == b[n].H {
		n++
	}
	return n
}

func commonSuffix(a []tok, b []textmask.Token) int {
	n := 0
	for n < len(a) && n < len(b) && a[len(a)-1-n].H == b[len(b)-1-n].H {
		n++
	}
	return n
}

// informative reports whether text that recurs in a slot says something
// about the template: minWords words, not only punctuation, numbers and
// masked values (ratings, dates, amounts recur in real values).
func informative(run []tok, whole []textmask.Token, minWords int) bool {
	words := 0
	count := func(s string) {
		if len(s) > 1 && s[0] == '<' && s[len(s)-1] == '>' {
			return // a placeholder
		}
		for _, r := range s {
			if r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r > 0x7f {
				words++
				return
			}
		}
	}
	for _, t := range run {
		count(t.Text)
	}
	for _, t := range whole {
		count(t.Text)
	}
	return words >= minWords
}

// wilsonLow is the lower bound of the 95% Wilson interval of k successes
// in n trials: a share that early calls inflate by chance stays low.
func wilsonLow(k, n uint32) float64 {
	if n == 0 {
		return 0
	}
	const z = 1.96
	p := float64(k) / float64(n)
	fn := float64(n)
	d := 1 + z*z/fn
	c := p + z*z/(2*fn)
	r := z * math.Sqrt(p*(1-p)/fn+z*z/(4*fn*fn))
	return (c - r) / d
}

// fewValues reports whether a slot only ever takes a few values, each
// repeated: a word two versions of the template differ by, not a slot.
func (s *slotStat) fewValues() bool {
	covered, values := uint32(0), 0
	for _, e := range s.e[kindWhole] {
		if e.n >= 2 {
			covered += e.n
			values++
		}
	}
	return values <= 2 && covered*10 >= s.short*9
}

// freeSlot reports whether slot i of c is the free user turn of a template
// identified by its system prompt: user input there is not template text,
// however often users repeat it.
func (c *cluster) freeSlot(i int) bool {
	return c.sysFixed && i == c.nSlots()-1
}

func (c *cluster) nSlots() int {
	n := 0
	for _, t := range c.tokens {
		if t.Wild {
			n++
		}
	}
	return n
}

// child returns the template of c with slot i narrowed to the value x
// gives it: its edge run kept as fixed text next to a slot, or its value
// kept whole.
func child(c *cluster, x []textmask.Token, spans []span, slot int, e *slotEntry, kind int) ([]tok, []uint32) {
	sp := spans[slot]
	v := x[sp.lo:sp.hi]
	var ins []tok
	// line breaks next to the value belong to the value: a value that
	// starts with its own line break must still fit
	run := e.run
	switch kind {
	case kindPrefix:
		for len(run) > 0 && isSpace(run[len(run)-1].Text) {
			run = run[:len(run)-1]
		}
		ins = append(append(ins, run...), tok{Wild: true})
	case kindSuffix:
		for len(run) > 0 && isSpace(run[0].Text) {
			run = run[1:]
		}
		ins = append(append(ins, tok{Wild: true}), run...)
	default:
		ins = toToks(v)
	}
	toks := make([]tok, 0, len(c.tokens)+len(ins))
	supp := make([]uint32, 0, len(c.tokens)+len(ins))
	w := -1
	for i, t := range c.tokens {
		if t.Wild {
			w++
			if w == slot {
				for _, k := range ins {
					toks = append(toks, k)
					if k.Wild {
						supp = append(supp, 0)
					} else {
						supp = append(supp, e.n)
					}
				}
				continue
			}
		}
		toks = append(toks, t)
		supp = append(supp, c.support[i])
	}
	return copyText(toks), supp
}

func isSpace(s string) bool {
	for _, r := range s {
		if r != ' ' && r != '\n' && r != '\t' && r != '\r' {
			return false
		}
	}
	return true
}

// slotBounds returns, per slot, the hashes of the fixed tokens either side
// (0 at an end).
func slotBounds(t []tok, dst [][2]uint64) [][2]uint64 {
	for i, k := range t {
		if !k.Wild {
			continue
		}
		var b [2]uint64
		if i > 0 {
			b[0] = t[i-1].H
		}
		if i+1 < len(t) {
			b[1] = t[i+1].H
		}
		dst = append(dst, b)
	}
	return dst
}

// copyText moves the text of t into one arena: a template must not keep
// the span's text alive.
func copyText(t []tok) []tok {
	n := 0
	for _, k := range t {
		n += len(k.Text)
	}
	arena := make([]byte, 0, n)
	for _, k := range t {
		arena = append(arena, k.Text...)
	}
	s := string(arena)
	off := 0
	for i := range t {
		l := len(t[i].Text)
		t[i].Text = s[off : off+l]
		off += l
	}
	return t
}

// settle recomputes what a template's statistics depend on after its text
// changed, and restarts them.
func (c *cluster) settle(minSystem int) {
	c.fixed = 0
	sep := -1
	for i, t := range c.tokens {
		if !t.Wild && t.Text == textmask.PhSep {
			if sep < 0 {
				sep = i
			}
			continue
		}
		if !t.Wild {
			c.fixed++
		}
	}
	c.sysFixed = false
	if sep >= minSystem {
		c.sysFixed = true
		for _, t := range c.tokens[:sep] {
			if t.Wild {
				c.sysFixed = false
				break
			}
		}
	}
	switch {
	case c.count >= statCalls:
		c.stats = nil
	case c.stats != nil:
		// the calls seen stay seen: a repeat must not count as news for
		// the new text; a slot between the same two fixed tokens as
		// before keeps what it learned
		old := c.stats
		c.stats = &slotStats{calls: old.calls, moved: old.moved, observed: old.observed}
		if len(old.bounds) == len(old.slots) {
			c.stats.slots = make([]slotStat, len(c.tokens))[:0]
			for _, b := range slotBounds(c.tokens, nil) {
				var st slotStat
				for i, ob := range old.bounds {
					if ob == b {
						st = old.slots[i]
						break
					}
				}
				c.stats.slots = append(c.stats.slots, st)
			}
		}
	default:
		c.stats = &slotStats{calls: make(map[uint64]struct{}, 4)}
	}
}

// mostSpecific returns the candidate x fits with the most confirmed fixed
// text: text two calls of different templates happened to share (the same
// document sent through two prompts) is confirmed by few calls and loses to
// the template those calls really belong to. A parent never wins over a
// fitting child of its own (the parent's text plus text that kept coming
// back in one of its slots): the child's calls carry template text the
// parent holds in a slot, however well the parent's own text is confirmed
// (its support keeps growing, the child's starts over). Only the recorded
// parent yields: two look-alike templates of one prompt, one narrower by
// chance, keep competing on confirmed text.
func mostSpecific(cands []*cluster, x []textmask.Token) *cluster {
	var fitBuf [16]*cluster
	fits := fitBuf[:0]
	for _, c := range cands {
		if globMatch(c.tokens, x) {
			fits = append(fits, c)
		}
	}
	if len(fits) == 1 {
		return fits[0] // nothing to weigh it against
	}
	var best *cluster
	bestScore := -1
	for i, c := range fits {
		narrowed := false
		for j, o := range fits {
			if i != j && o.parent == c.id {
				narrowed = true
				break
			}
		}
		if narrowed {
			continue
		}
		if sc := c.confirmed(); sc > bestScore {
			best, bestScore = c, sc
		}
	}
	return best
}

// confirmCap bounds the weight of one token's support in confirmed.
const confirmCap = 8

func (c *cluster) confirmed() int {
	n := 0
	for i, t := range c.tokens {
		if !t.Wild {
			n += int(min(c.support[i], confirmCap))
		}
	}
	return n
}

// fit records call x on template c, which it fits as is; a slot value that
// has come back often enough moves the call to a child template.
func (m *Miner) fit(c *cluster, x []textmask.Token) Result {
	c.count++
	fp := idOf(x)
	if !c.seenRecently(fp) {
		for i := range c.support {
			if !c.tokens[i].Wild && c.support[i] < 1<<30 {
				c.support[i]++
			}
		}
	}
	m.lru.MoveToFront(c.elem)
	if c.stats == nil {
		return Result{ID: c.id, Family: c.family}
	}
	if _, dup := c.stats.calls[fp]; dup {
		// counted: its slots need no reading
		if id, moved := c.stats.moved[fp]; moved {
			if ch, ok := m.byID[id]; ok {
				ch.count++
				m.lru.MoveToFront(ch.elem)
				return Result{ID: ch.id, Family: ch.family}
			}
		}
		return Result{ID: c.id, Family: c.family}
	}
	var spBuf [16]span
	spans, ok := globSpans(c.tokens, x, spBuf[:0])
	if !ok {
		return Result{ID: c.id, Family: c.family}
	}
	slot, kind := m.observe(c, x, fp, spans)
	if slot < 0 {
		return Result{ID: c.id, Family: c.family}
	}
	toks, supp := child(c, x, spans, slot, c.stats.hit, kind)
	id := fingerprintTok(toks)
	c.stats.move(fp, id)
	if old, ok := m.byID[id]; ok {
		old.count++
		m.lru.MoveToFront(old.elem)
		return Result{ID: old.id, Family: old.family}
	}
	ch := &cluster{id: id, family: c.family, parent: c.id, tokens: toks, support: supp, count: 1}
	ch.recent[0] = fp
	ch.settle(m.p.MinSystem)
	for fp := range c.stats.calls { // calls the parent counted are no news
		ch.stats.calls[fp] = struct{}{}
	}
	m.insert(ch)
	return Result{ID: ch.id, Family: ch.family, New: true}
}

// move notes that call fp went on to the child template with id child.
func (st *slotStats) move(fp, child uint64) {
	if st.moved == nil {
		st.moved = map[uint64]uint64{}
	}
	st.moved[fp] = child
}

// fingerprintTok is the id of a template made from text (not from a call).
func fingerprintTok(t []tok) uint64 {
	h := uint64(0x2545f4914f6cdd1d)
	for _, k := range t {
		if k.Wild {
			h = mix(h, 0x9e3779b97f4a7c15)
			continue
		}
		h = mix(h, k.H)
	}
	return fmix(h)
}
