// Package miner infers prompt templates from the calls rendered from them,
// in the spirit of the Drain log-template miner: every call is matched
// against the templates mined so far (fixed text with wildcards standing for
// slots); a call that fits none is aligned with its nearest candidates and
// either generalizes one of them (the differing parts become a slot) or
// starts a new template.
//
// A template's id is fixed when the template is created (the hash of its
// first masked rendering), so every later call of the same template gets the
// same id even though the mined text keeps generalizing. Fixed tokens carry
// a support count (how many calls confirmed them): a template only gives up
// text that few calls confirmed, so a template edited in its fixed text
// becomes a new template instead of being absorbed.
//
// State is bounded by an LRU of templates. A Miner is safe for concurrent use.
package miner

import (
	"container/list"
	"strings"
	"sync"

	"github.com/periscope-otel/periscope/processor/genaipromptprocessor/internal/textmask"
)

// Params tune the miner. Zero values take defaults.
type Params struct {
	MaxTemplates int // LRU capacity (default 10000)
	// MaxBytes bounds the estimated memory of all templates (default
	// 64 MiB); the LRU evicts past either bound.
	MaxBytes int
	// MinRun is the shortest fixed run kept between two slots (default 3).
	MinRun int
	// MinSupport: fixed tokens confirmed by this many calls are never
	// turned into a slot (default 3).
	MinSupport uint32
	// MaxGaps bounds the slots a template may have (default 12).
	MaxGaps int
	// MinFixed is the fewest fixed tokens a generalized template keeps (default 4).
	MinFixed int
	// MinSim is the share of the fixed text of a template that a call must
	// keep to generalize it (default 0.5), unless MinAnchored tokens at the
	// start or end of a part stay fixed.
	MinSim float64
	// MinAnchored is the length (tokens) of a fixed run at the start or end
	// of a part that is enough on its own to generalize (default 10).
	MinAnchored int
	// MinLongest is the length (tokens) of a fixed run anywhere, with text
	// after a sentence or line boundary, that is enough on its own to
	// generalize (default 8).
	MinLongest int
	// MinSystem is the length (tokens) from which a system prompt kept
	// whole identifies a template on its own, the user turn being free
	// input (default 40).
	MinSystem int
	// FamilySim is the share of fixed text two templates must have in common
	// to be versions of one prompt (default 0.6).
	FamilySim float64
	// MaxCandidates bounds the templates compared per call (default 32).
	MaxCandidates int
}

func (p *Params) defaults() {
	if p.MaxTemplates <= 0 {
		p.MaxTemplates = 10000
	}
	if p.MaxBytes <= 0 {
		p.MaxBytes = 64 << 20
	}
	if p.MinRun <= 0 {
		p.MinRun = 3
	}
	if p.MinSupport == 0 {
		p.MinSupport = 3
	}
	if p.MaxGaps <= 0 {
		p.MaxGaps = 12
	}
	if p.MinFixed <= 0 {
		p.MinFixed = 4
	}
	if p.MinSim <= 0 {
		p.MinSim = 0.5
	}
	if p.MinAnchored <= 0 {
		p.MinAnchored = 10
	}
	if p.MinLongest <= 0 {
		p.MinLongest = 8
	}
	if p.MinSystem <= 0 {
		p.MinSystem = 40
	}
	if p.FamilySim <= 0 {
		p.FamilySim = 0.6
	}
	if p.MaxCandidates <= 0 {
		p.MaxCandidates = 32
	}
}

// Result of matching one call.
type Result struct {
	ID     uint64 // template id: stable for every call of the template
	Family uint64 // id of the first template of the prompt's family (edited versions share it)
	New    bool   // the call created the template
}

type cluster struct {
	id      uint64
	family  uint64
	parent  uint64 // the template this one narrows (a child), or 0
	tokens  []tok
	support []uint32
	count   uint64
	recent  [4]uint64 // fingerprints of recent calls: repeats confirm nothing
	keys    []uint64
	shingle []uint64
	size    int
	elem    *list.Element

	fixed    int  // fixed tokens (the separator aside)
	sysFixed bool // a whole, long system prompt: the user turn is free input
	stats    *slotStats
}

// Miner holds the mined templates.
type Miner struct {
	p Params

	mu       sync.Mutex
	byID     map[uint64]*cluster
	index    map[uint64][]*cluster
	shingles map[uint64][]*cluster
	lru      *list.List // front = most recent
	evicted  uint64
	bytes    int         // estimated memory of the templates held
	floating []*cluster  // templates with no index key
	touched  [8]*cluster // templates created or changed last
}

// New returns an empty Miner.
func New(p Params) *Miner {
	p.defaults()
	return &Miner{p: p, byID: map[uint64]*cluster{}, index: map[uint64][]*cluster{}, shingles: map[uint64][]*cluster{}, lru: list.New()}
}

// Len returns the number of templates held.
func (m *Miner) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.byID)
}

// Evicted returns how many templates the LRU has dropped.
func (m *Miner) Evicted() uint64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.evicted
}

const anchorLen = 3

// keysOf returns the index keys of a token sequence: the hashes of its first
// and last anchorLen tokens, of the first tokens of the user part and of the
// whole system part, where these are fixed.
func keysOf(t []tok, dst []uint64) []uint64 {
	// the system part is hashed in the pass that finds its end; a slot in
	// it leaves it without a key
	sep, h, slot := -1, uint64(4), false
	for i := range t {
		if t[i].Wild {
			slot = true
			continue
		}
		if t[i].Text == textmask.PhSep {
			sep = i
			break
		}
		h = mix(h, t[i].H)
	}
	if slot {
		h = 0
	}
	return appendKeys(dst, len(t), sep, h, func(i int) (uint64, bool) { return fixedTok(t, i) })
}

// callKeys is keysOf for a call (a sequence without slots), read from the
// call's own tokens: no copy of the call into template tokens.
func callKeys(x []textmask.Token, dst []uint64) []uint64 {
	sep, h := -1, uint64(4)
	for i := range x {
		if x[i].Text == textmask.PhSep {
			sep = i
			break
		}
		h = mix(h, x[i].H)
	}
	return appendKeys(dst, len(x), sep, h, func(i int) (uint64, bool) {
		return x[i].H, x[i].Text != textmask.PhSep
	})
}

// appendKeys appends the keys of a sequence of n tokens whose separator is
// at sep (-1: none) and whose system part hashes to sys (0: holds a slot);
// at gives a token's hash and whether it is fixed text.
func appendKeys(dst []uint64, n, sep int, sys uint64, at func(int) (uint64, bool)) []uint64 {
	if k, ok := runKeyAt(n, 0, 1, at); ok {
		dst = append(dst, k)
	}
	if k, ok := runKeyAt(n, n-1, 2, at); ok {
		dst = append(dst, k)
	}
	if sep >= 0 {
		if k, ok := runKeyAt(n, sep+1, 3, at); ok {
			dst = append(dst, k)
		}
	}
	if sep > 0 {
		if sys != 0 {
			dst = append(dst, sys)
		}
		if sep >= anchorLen { // system ending
			if k, ok := runKeyAt(n, sep-1, 5, at); ok {
				dst = append(dst, k)
			}
		}
	}
	return dst
}

const (
	shingleLen    = 4
	shingleSample = 4 // keep the 4-grams whose hash is 0 mod 4: calls and templates pick the same
	maxShingles   = 128
)

// shinglesOf returns sampled hashes of 4-grams of fixed tokens; they find
// templates whose fixed text sits between slots (no fixed start or end).
func shinglesOf(t []tok, dst []uint64) []uint64 {
	return appendShingles(dst, len(t), func(i int) (uint64, bool) { return fixedTok(t, i) })
}

// callShingles is shinglesOf for a call, read from its own tokens.
func callShingles(x []textmask.Token, dst []uint64) []uint64 {
	return appendShingles(dst, len(x), func(i int) (uint64, bool) {
		return x[i].H, x[i].Text != textmask.PhSep
	})
}

// appendShingles appends the shingles of a sequence of n tokens read
// through at.
func appendShingles(dst []uint64, n int, at func(int) (uint64, bool)) []uint64 {
	k := 0
	for i := 0; i+shingleLen <= n && k < maxShingles; i++ {
		h := uint64(6)
		ok := true
		for j := i; j < i+shingleLen; j++ {
			th, fixed := at(j)
			if !fixed {
				ok = false
				break
			}
			h = mix(h, th)
		}
		if h = fmix(h); ok && h%shingleSample == 0 {
			dst = append(dst, h)
			k++
		}
	}
	return dst
}

func fmix(x uint64) uint64 {
	x ^= x >> 33
	x *= 0xff51afd7ed558ccd
	x ^= x >> 33
	x *= 0xc4ceb9fe1a85ec53
	x ^= x >> 33
	return x
}

// runKey hashes anchorLen tokens from i forward (kind 1, 3) or backward
// (kind 2, 5) when all are fixed.
func runKey(t []tok, i int, kind uint64) (uint64, bool) {
	return runKeyAt(len(t), i, kind, func(j int) (uint64, bool) { return fixedTok(t, j) })
}

// runKeyAt is runKey over a sequence of n tokens read through at.
func runKeyAt(n, i int, kind uint64, at func(int) (uint64, bool)) (uint64, bool) {
	h := kind
	backward := kind == 2 || kind == 5
	for k := 0; k < anchorLen; k++ {
		j := i + k
		if backward {
			j = i - k
		}
		var th uint64
		fixed := j >= 0 && j < n
		if fixed {
			th, fixed = at(j)
		}
		if !fixed {
			if k == 0 {
				return 0, false
			}
			break
		}
		h = mix(h, th)
	}
	return h, true
}

// fixedTok returns the hash of t[i] and whether it is fixed text (neither
// a slot nor the separator).
func fixedTok(t []tok, i int) (uint64, bool) {
	return t[i].H, !t[i].Wild && t[i].Text != textmask.PhSep
}

func mix(h, v uint64) uint64 {
	h ^= v + 0x9e3779b97f4a7c15 + (h << 6) + (h >> 2)
	return h
}

func fromTokens(x []textmask.Token) []tok {
	// copy the text into one arena so that the template neither keeps the
	// span's text alive nor pays one allocation per token
	n := 0
	for _, k := range x {
		n += len(k.Text)
	}
	var b strings.Builder
	b.Grow(n)
	for _, k := range x {
		b.WriteString(k.Text)
	}
	arena := b.String()
	t := make([]tok, len(x))
	off := 0
	for i, k := range x {
		t[i] = tok{H: k.H, Text: arena[off : off+len(k.Text)]}
		off += len(k.Text)
	}
	return t
}

// Match assigns x (masked tokens of system part, separator, user part) to a
// template, creating or generalizing one as needed.
func (m *Miner) Match(x []textmask.Token) Result {
	var keyBuf [8]uint64
	keys := callKeys(x, keyBuf[:0])

	m.mu.Lock()
	defer m.mu.Unlock()

	var candBuf [32]*cluster // MaxCandidates by default: no allocation
	cands := candBuf[:0]
	seen := func(c *cluster) bool {
		for _, o := range cands {
			if o == c {
				return true
			}
		}
		return false
	}
	// templates created or changed last come first, whatever their keys
	for _, c := range m.touched {
		if c != nil && m.byID[c.id] == c && !seen(c) {
			cands = append(cands, c)
		}
	}
	for _, k := range keys {
		// newest first: a crowded key (a common system prompt) must not
		// hide the templates created or changed last
		l := m.index[k]
		for i := len(l) - 1; i >= 0 && len(cands) < m.p.MaxCandidates; i-- {
			if c := l[i]; !seen(c) {
				cands = append(cands, c)
			}
		}
	}
	for i := len(m.floating) - 1; i >= 0 && len(cands) < m.p.MaxCandidates; i-- {
		if c := m.floating[i]; !seen(c) {
			cands = append(cands, c)
		}
	}
	// 1. the most specific template the call fits as is
	if c := mostSpecific(cands, x); c != nil {
		return m.fit(c, x)
	}
	// templates whose fixed text sits between slots: look by shared text
	nIndexed := len(cands)
	if len(cands) < m.p.MaxCandidates {
		var shBuf [maxShingles]uint64
		votes := map[*cluster]int{}
		for _, k := range callShingles(x, shBuf[:0]) {
			for _, c := range m.shingles[k] {
				if !seen(c) {
					votes[c]++
				}
			}
		}
		for len(votes) > 0 && len(cands) < m.p.MaxCandidates {
			var bc *cluster
			bv := 0
			for c, v := range votes {
				if v > bv || v == bv && bc != nil && c.id < bc.id {
					bc, bv = c, v
				}
			}
			delete(votes, bc)
			cands = append(cands, bc)
		}
	}
	if c := mostSpecific(cands[nIndexed:], x); c != nil {
		return m.fit(c, x)
	}
	// 1b. a template the call fits once its short islands between slots and
	// the single tokens at slot edges are let go: these are where values of
	// the first calls happened to agree
	for _, c := range cands {
		if c.count < 2 {
			continue
		}
		rt, rs, changed := relax(c.tokens, c.support)
		if changed && globMatch(rt, x) {
			m.unindex(c)
			c.tokens, c.support = rt, rs
			c.count++
			c.seenRecently(idOf(x))
			c.settle(m.p.MinSystem)
			m.reindex(c)
			m.lru.MoveToFront(c.elem)
			m.resize(c)
			c.taken(idOf(x))
			return Result{ID: c.id, Family: c.family}
		}
	}
	// 2. a template the call generalizes
	var best *cluster
	var bestAl alignment
	bestScore := -1.0
	familyOf, familyScore := uint64(0), 0.0
	for _, c := range cands {
		al := align(c.tokens, c.support, x, m.p.MinRun, m.p.MinSupport)
		fixedT := 0
		for _, t := range c.tokens {
			if !t.Wild && t.Text != textmask.PhSep {
				fixedT++
			}
		}
		sim := 0.0
		if fixedT > 0 {
			sim = float64(al.fixed) / float64(fixedT)
		}
		if fs := familySim(c.tokens, x, al); fs > familyScore {
			familyOf, familyScore = c.family, fs
		}
		if !m.accept(c, al, sim) {
			continue
		}
		score := float64(al.fixed) - float64(al.newGaps)
		if score > bestScore {
			best, bestAl, bestScore = c, al, score
		}
	}
	if best != nil {
		m.unindex(best)
		best.tokens, best.support = bestAl.merged, bestAl.support
		best.count++
		best.seenRecently(idOf(x))
		best.settle(m.p.MinSystem)
		m.reindex(best)
		m.lru.MoveToFront(best.elem)
		m.resize(best)
		best.taken(idOf(x))
		return Result{ID: best.id, Family: best.family}
	}
	// 3. a new template
	c := &cluster{id: idOf(x), tokens: fromTokens(x), support: make([]uint32, len(x)), count: 1}
	c.recent[0] = c.id
	for i := range c.support {
		c.support[i] = 1
	}
	c.family = c.id
	if familyScore >= m.p.FamilySim {
		c.family = familyOf
	}
	c.settle(m.p.MinSystem)
	if old, ok := m.byID[c.id]; ok { // same text as an evicted-and-reborn or colliding template
		m.remove(old)
	}
	m.insert(c)
	return Result{ID: c.id, Family: c.family, New: true}
}

// taken marks call fp, which changed c's text to fit, as no news for c's
// slot statistics: the same call coming again must get the template its
// first coming got, not be read then and moved to a child template.
func (c *cluster) taken(fp uint64) {
	if c.stats != nil {
		c.stats.calls[fp] = struct{}{}
	}
}

// seenRecently reports whether fp is among the recent calls of c, and
// records it.
func (c *cluster) seenRecently(fp uint64) bool {
	for _, r := range c.recent {
		if r == fp {
			return true
		}
	}
	copy(c.recent[1:], c.recent[:len(c.recent)-1])
	c.recent[0] = fp
	return false
}

// A generalization that keeps less than MinSim of the template's text may
// open at most maxLooseGaps new slots that each take bigGap tokens or more
// of it.
const (
	maxLooseGaps = 2
	bigGap       = 8
)

// accept decides whether generalizing c with the call is plausible. The
// system part and the user part are judged apart: a template is either a
// user turn with slots (its user part keeps enough fixed text) or a long
// system prompt followed by free user input (its system part is kept
// whole). A short system prompt shared by many templates ("You are a
// helpful assistant.") is no identity on its own.
func (m *Miner) accept(c *cluster, al alignment, _ float64) bool {
	if al.gaps > m.p.MaxGaps || al.fixed < m.p.MinFixed {
		return false
	}
	if al.lostSupp >= m.p.MinSupport {
		return false // text confirmed by several calls is template text
	}
	if al.pureEdits > 0 {
		return false // a sentence added or removed: an edited template
	}
	before := partStatsOf(c.tokens)
	after := partStatsOf(al.merged)
	if (before.sys.fixed+before.sys.wild == 0) != (al.xSys <= 0) {
		return false // one has a system prompt, the other none
	}
	// system prompt kept whole and long enough to identify the template
	if before.sys.fixed >= m.p.MinSystem && after.sys.fixed == before.sys.fixed && after.sys.wild == before.sys.wild {
		return true
	}
	// otherwise the system part must stay mostly fixed ...
	if before.sys.fixed > 0 && float64(after.sys.fixed) < m.p.MinSim*float64(before.sys.fixed) {
		return false
	}
	// ... and the user part must look like one template
	if before.user.fixed == 0 {
		return after.sys.fixed > 0
	}
	u := after.user
	if float64(u.fixed) >= m.p.MinSim*float64(before.user.fixed) {
		return true
	}
	// most of the text goes: values that dwarf the template's text leave
	// one or two large new slots; two templates sharing boilerplate leave
	// many
	return al.bigGaps <= maxLooseGaps && (u.anchored >= m.p.MinAnchored || u.longestMulti >= m.p.MinLongest)
}

type partStat struct {
	fixed, wild, anchored, longest int
	// longestMulti is the longest fixed run with text after a sentence or
	// line boundary: one instruction sentence set inline between values
	// ("Respond in the same language as the input.") is text many templates
	// share, no identity on its own
	longestMulti int
}

type partStats struct{ sys, user partStat }

// partStatsOf splits a template at the separator (no separator: all user).
func partStatsOf(t []tok) partStats {
	sep := -1
	for i := range t {
		if !t[i].Wild && t[i].Text == textmask.PhSep {
			sep = i
			break
		}
	}
	if sep < 0 {
		return partStats{user: statOf(t)}
	}
	return partStats{sys: statOf(t[:sep]), user: statOf(t[sep+1:])}
}

func statOf(t []tok) partStat {
	var st partStat
	run := 0
	// a sentence or line boundary followed by text: the run starts a line
	// or a sentence of the template's own, or holds more than one
	split := false
	for _, k := range t {
		if k.Wild {
			st.wild++
			run, split = 0, false
			continue
		}
		st.fixed++
		run++
		st.longest = max(st.longest, run)
		if isBreak(k.Text) || endsSentence(k.Text) {
			split = true
			continue
		}
		if split {
			st.longestMulti = max(st.longestMulti, run)
		}
	}
	i := 0
	for i < len(t) && !t[i].Wild {
		i++
	}
	st.anchored = i
	if i < len(t) {
		j := len(t)
		for j > i && !t[j-1].Wild {
			j--
		}
		// fixed at both ends: the call and the template agree on where
		// the text starts and ends
		if i > 0 && j < len(t) {
			st.anchored = i + len(t) - j
		} else {
			st.anchored = max(st.anchored, len(t)-j)
		}
	}
	return st
}

// familySim is the share of the shorter text's fixed tokens common to both,
// a loose measure used to group edited versions under one name.
func familySim(t []tok, x []textmask.Token, al alignment) float64 {
	fixedT := 0
	for _, k := range t {
		if !k.Wild {
			fixedT++
		}
	}
	n := fixedT
	if len(x) < n {
		n = len(x)
	}
	if n == 0 {
		return 0
	}
	return float64(al.fixed) / float64(n)
}

func idOf(x []textmask.Token) uint64 { return textmask.Fingerprint(x) }

func (m *Miner) insert(c *cluster) {
	m.byID[c.id] = c
	c.elem = m.lru.PushFront(c)
	m.reindex(c)
	m.resize(c)
}

// clusterOverhead estimates the fixed cost of a template (struct, list
// element, map and index entries); tokenCost the cost of one token.
const (
	clusterOverhead = 512
	tokenCost       = 44
)

// resize updates the memory estimate of c and evicts the least recently
// used templates past the bounds (never c itself).
func (m *Miner) resize(c *cluster) {
	m.bytes -= c.size
	c.size = clusterOverhead + len(c.tokens)*tokenCost
	for _, t := range c.tokens {
		c.size += len(t.Text)
	}
	m.bytes += c.size
	for len(m.byID) > 1 && (len(m.byID) > m.p.MaxTemplates || m.bytes > m.p.MaxBytes) {
		old := m.lru.Back().Value.(*cluster)
		if old == c {
			break
		}
		m.remove(old)
		m.evicted++
	}
}

func (m *Miner) remove(c *cluster) {
	for i, o := range m.touched {
		if o == c {
			m.touched[i] = nil
		}
	}
	m.unindex(c)
	m.lru.Remove(c.elem)
	delete(m.byID, c.id)
	m.bytes -= c.size
}

// Bytes returns the estimated memory held by the templates.
func (m *Miner) Bytes() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.bytes
}

func (m *Miner) touch(c *cluster) {
	for _, o := range m.touched {
		if o == c {
			return
		}
	}
	copy(m.touched[1:], m.touched[:len(m.touched)-1])
	m.touched[0] = c
}

func (m *Miner) reindex(c *cluster) {
	m.touch(c)
	c.keys = keysOf(c.tokens, c.keys[:0])
	c.shingle = shinglesOf(c.tokens, c.shingle[:0])
	for _, k := range c.shingle {
		m.shingles[k] = append(m.shingles[k], c)
	}
	if len(c.keys) == 0 {
		m.floating = append(m.floating, c)
		if len(m.floating) > m.p.MaxCandidates*4 {
			m.floating = m.floating[len(m.floating)-m.p.MaxCandidates*4:]
		}
		return
	}
	for _, k := range c.keys {
		m.index[k] = append(m.index[k], c)
	}
}

func (m *Miner) unindex(c *cluster) {
	for _, k := range c.keys {
		l := m.index[k]
		for i, o := range l {
			if o == c {
				l = append(l[:i], l[i+1:]...)
				break
			}
		}
		if len(l) == 0 {
			delete(m.index, k)
		} else {
			m.index[k] = l
		}
	}
	c.keys = c.keys[:0]
	for _, k := range c.shingle {
		l := m.shingles[k]
		for i, o := range l {
			if o == c {
				l = append(l[:i], l[i+1:]...)
				break
			}
		}
		if len(l) == 0 {
			delete(m.shingles, k)
		} else {
			m.shingles[k] = l
		}
	}
	c.shingle = c.shingle[:0]
	for i, o := range m.floating {
		if o == c {
			m.floating = append(m.floating[:i], m.floating[i+1:]...)
			break
		}
	}
}

// Template returns the mined text of template id, slots written <*>.
func (m *Miner) Template(id uint64) (string, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	c, ok := m.byID[id]
	if !ok {
		return "", false
	}
	return render(c.tokens), true
}

func render(t []tok) string {
	var b strings.Builder
	for i, k := range t {
		s := k.Text
		if k.Wild {
			s = "<*>"
		}
		if !k.Wild && s == textmask.PhSep {
			if i > 0 { // no system part: the user part alone
				b.WriteString("\n---\n")
			}
			continue
		}
		if i > 0 && b.Len() > 0 && s != "\n" && s != "\n\n" {
			last := b.String()[b.Len()-1]
			if last != '\n' {
				b.WriteByte(' ')
			}
		}
		b.WriteString(s)
	}
	return b.String()
}

// relaxKeep is the support from which relax keeps a line break at a slot
// edge: confirmed by several calls, it is the template's layout, not where
// two values happened to agree.
const relaxKeep = 2

func keptBreak(t []tok, supp []uint32, i int) bool {
	return isBreak(t[i].Text) && supp[i] >= relaxKeep
}

// maxIsland is the longest fixed run between two slots that relax drops.
const maxIsland = 4

// relax returns t with fixed runs of up to maxIsland tokens between two
// slots removed and one token trimmed at each slot edge of longer runs.
// Separators are kept.
func relax(t []tok, supp []uint32) ([]tok, []uint32, bool) {
	drop := make([]bool, len(t))
	changed := false
	i := 0
	for i < len(t) {
		if t[i].Wild {
			i++
			continue
		}
		j := i
		for j < len(t) && !t[j].Wild {
			j++
		}
		leftWild := i > 0
		rightWild := j < len(t)
		hasSep := false
		for k := i; k < j; k++ {
			if t[k].Text == textmask.PhSep {
				hasSep = true
			}
		}
		switch {
		case hasSep:
			// trim only the token next to a slot, never the separator
			if leftWild && t[i].Text != textmask.PhSep && !keptBreak(t, supp, i) {
				drop[i], changed = true, true
			}
			if rightWild && j-1 > i && t[j-1].Text != textmask.PhSep && !keptBreak(t, supp, j-1) {
				drop[j-1], changed = true, true
			}
		case leftWild && rightWild && j-i <= maxIsland:
			for k := i; k < j; k++ {
				drop[k] = true
			}
			changed = true
		default:
			if leftWild && j-i > 1 && !keptBreak(t, supp, i) {
				drop[i], changed = true, true
			}
			if rightWild && j-i > 2 && !keptBreak(t, supp, j-1) {
				drop[j-1], changed = true, true
			}
		}
		i = j
	}
	if !changed {
		return t, supp, false
	}
	rt := make([]tok, 0, len(t))
	rs := make([]uint32, 0, len(t))
	for k := range t {
		if drop[k] || t[k].Wild {
			if len(rt) == 0 || !rt[len(rt)-1].Wild {
				rt = append(rt, tok{Wild: true})
				rs = append(rs, 0)
			}
			continue
		}
		rt = append(rt, t[k])
		rs = append(rs, supp[k])
	}
	return rt, rs, true
}
