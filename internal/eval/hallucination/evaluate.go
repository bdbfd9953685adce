package hallucination

import (
	"math"
	"sort"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/periscope-otel/periscope/internal/eval"
)

// Rule ids carried by findings. Offsets are byte offsets in the answer.
const (
	RuleNumber      = "num"       // number, amount or unit value absent from the context
	RuleDate        = "date"      // month or weekday absent from the context
	RuleEntity      = "ent"       // capitalised name absent from the context
	RuleQuote       = "quote"     // quoted span not found in the context
	RuleURL         = "url"       // URL, DOI or arXiv id not in the context
	RuleCitation    = "cite"      // citation marker ([3]) the context does not define
	RuleSwap        = "swap"      // number or name replaced by another one of the aligned context sentence
	RuleNegation    = "neg"       // negation present on one side of an aligned sentence pair only
	RuleAntonym     = "ant"       // word whose opposite stands in the aligned context sentence
	RuleUnsupport   = "unsup"     // sentence whose content mostly has no support
	RuleRelation    = "rel"       // two context words put together that no context sentence relates
	RuleCtxTrunc    = "ctx_trunc" // context cut by max_context_bytes (offsets: kept, total bytes)
	RuleAnsTrunc    = "ans_trunc" // answer cut by max_answer_bytes
	maxFindings     = 32
	maxLinkChecks   = 32 // URLs and citation markers checked per answer (each scans the context)
	maxAcronymScans = 16 // acronym look-ups per answer (each scans the context tokens)
	maxChainWalk    = 512
	maxRelSents     = 128 // words in more context sentences than this relate to nearly everything
	quoteMaxBytes   = 400
	minAlignWeight  = 0.25 // share of a sentence's weight the aligned context must cover for polarity checks
	swapAlignWeight = 0.34 // ... and for a swap: the sentence must clearly be about that context sentence
)

// features are the length-normalised signals the score is made of. Each is
// a ratio in [0,1]; none depends on how long the answer is.
type features struct {
	novelty   float64 // content tokens absent from the whole context
	bigram    float64 // content bigrams absent from the context
	unaligned float64 // content tokens absent from the best-matching context sentences
	claimFail float64 // failed claims / checkable claims
	subst     float64 // aligned sentences with a swap, negation flip or antonym
	recomb    float64 // nearby known content pairs that never share a context sentence
	content   int     // content tokens in the answer
	claims    int
	sentences int
}

type scratch struct {
	ctx, ans     []token
	next         []int32 // per context token: previous occurrence of the same hash
	sentStart    []int32
	uni, bi      table
	negForms     table // prefix-stripped forms of context words (see token.hStrip)
	score        []float64
	touched      []int32
	idfCache     [64]float64 // idf by sentence frequency, for the current context (0 = not yet)
	sentSet      []int32     // context sentences of each answer token, back to back
	setLo        []int32     // per answer token of the sentence: its span in sentSet
	setHi        []int32
	known        []bool // per content token of the sentence: in the context
	findings     []eval.Finding
	mask         []byte
	text         string // the answer as tokenised
	acronymScans int
	z            tokenizer
	keys         keySet // keys of what the answer checks (see keySet)
	memo         wordMemo
	cache        callCache
}

var pool = sync.Pool{New: func() any { return new(scratch) }}

// Evaluate scores in.Output against in.Context and in.System. Without any
// grounding text it returns Skipped with label no_context: it never guesses.
func (e *Evaluator) Evaluate(in *eval.Input) eval.Result {
	if in == nil || !e.hasGrounding(in) {
		return eval.Result{Skipped: true, Label: labelNoContext}
	}
	if strings.TrimSpace(in.Output) == "" {
		// No answer (yet: a request whose answer travels in a later batch).
		return eval.Result{Skipped: true}
	}
	sc := pool.Get().(*scratch)
	defer func() {
		sc.text = "" // do not keep the answer alive in the pool
		pool.Put(sc)
	}()
	f, findings := e.analyse(sc, in)
	score := combine(f)
	if e.model != nil && (f.content > 0 || f.claims > 0) && groundingBytes(in) >= blendMinGrounding {
		var d [9]float64
		blendFeatures(f, score, d[:])
		score = math.Max(0, math.Min(1, e.model.Prob("", "", d[:])))
	}
	res := eval.Result{Score: score, Label: labelPass}
	if score >= e.cfg.Threshold {
		res.Label = labelFail
	}
	if len(findings) > 0 {
		res.Findings = append([]eval.Finding(nil), findings...)
	}
	return res
}

// combine turns the features into one score, as a noisy-OR of two
// sources of evidence. Invented content (novel words, novel word pairs,
// words missing from the best-matching context sentences) enters cubed:
// paraphrase leaves almost nothing of it (0.3 -> 0.03) while an answer made
// mostly of unsupported content still scores high (0.8 -> 0.51, 1 -> 1),
// so the wording of a faithful summary does not rank it above a short
// answer with one wrong fact. Hard evidence is the sum of three rates with
// equal weight: failed claims, sentences with a substitution (changed
// number, reversed polarity, swapped name) and recombined word pairs; one
// of them is a hallucination even when every other word is grounded. Weights are round numbers chosen for their
// meaning, not fitted to a dataset; every input is a ratio, so the score
// does not grow with answer length.
func combine(f features) float64 {
	if f.content == 0 && f.claims == 0 {
		return 0 // nothing claimed: small talk, empty or symbol-only answer
	}
	base := 0.30*f.novelty + 0.25*f.bigram + 0.45*f.unaligned
	hard := math.Min(1, f.claimFail+f.subst+f.recomb)
	s := 1 - (1-base*base*base)*(1-hard)
	return math.Max(0, math.Min(1, s))
}

// budget cuts s to at most n bytes at a rune (preferably word) boundary.
func budget(s string, n int) (string, bool) {
	if len(s) <= n {
		return s, false
	}
	if n <= 0 {
		return "", true
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	for k := cut; k > 0 && k > cut-64; k-- {
		if s[k] == ' ' || s[k] == '\n' {
			cut = k
			break
		}
	}
	return s[:cut], true
}

func (e *Evaluator) analyse(sc *scratch, in *eval.Input) (features, []eval.Finding) {
	sc.findings = sc.findings[:0]
	sc.acronymScans = 0
	var f features

	// The answer first: its keys decide which context words get hashed.
	answer, cut := budget(in.Output, e.cfg.MaxAnswerBytes)
	text := maskJSON(answer, &sc.mask)
	sc.text = text
	sc.readAnswer(text)

	// Grounding pieces in priority order, within the byte budget.
	left := e.cfg.MaxContextBytes
	total, kept := 0, 0
	sc.ctx = sc.ctx[:0]
	sc.cache.gen++ // new keys: the cached tokens of earlier calls are stale
	sc.z = tokenizer{buf: sc.z.buf, only: &sc.keys, memo: &sc.memo, cache: &sc.cache}
	var piecesBuf [16]string
	pieces := piecesBuf[:0]
	addPiece := func(p string) {
		if p == "" {
			return
		}
		// The same text often arrives twice (a document on the span and
		// on its retrieval span, a question that is also the context):
		// read it once, or it would compete with itself in alignment.
		for _, q := range pieces {
			if len(q) == len(p) && q == p {
				return
			}
		}
		total += len(p)
		if left <= 0 {
			return
		}
		p, _ = budget(p, left)
		left -= len(p)
		kept += len(p)
		pieces = append(pieces, p)
		sc.ctx = sc.z.run(p, sc.ctx)
	}
	for _, c := range in.Context {
		addPiece(c)
	}
	addPiece(in.System)
	if e.cfg.GroundOnInput {
		addPiece(in.Input)
	}
	if kept < total {
		sc.addFinding(eval.Finding{Rule: RuleCtxTrunc, Start: kept, End: total})
	}
	sc.index(sc.z.hashed)
	if cut {
		sc.addFinding(eval.Finding{Rule: RuleAnsTrunc, Side: eval.SideOutput, Start: len(answer), End: len(in.Output)})
	}

	var nPairs, nRecomb float64
	var nNovel, nUnaligned, nBigram, nBigramNovel, nFailed, nSubst float64
	for a := 0; a < len(sc.ans); {
		b := a
		for b < len(sc.ans) && sc.ans[b].sent == sc.ans[a].sent {
			b++
		}
		r := sc.sentence(sc.ans[a:b])
		if isApology(sc.ans[a:b]) {
			// A refusal or apology sentence makes no claim; its checkable
			// claims (numbers, names) still count below.
			r.content = 0
		}
		if r.content > 0 {
			f.sentences++
			f.content += r.content
			nNovel += r.novel
			nUnaligned += r.unaligned
			nBigram += r.bigrams
			nBigramNovel += r.bigramNovel
			nPairs += r.pairs
			nRecomb += r.recombined
			if r.subst {
				nSubst++
			}
		}
		f.claims += r.claims
		nFailed += r.failed
		a = b
	}
	c, fl := sc.quotes(text)
	f.claims += c
	nFailed += fl
	c, fl = sc.links(text, pieces)
	f.claims += c
	nFailed += fl

	if f.content > 0 {
		f.novelty = nNovel / float64(f.content)
		f.unaligned = nUnaligned / float64(f.content)
		if nBigram > 0 {
			f.bigram = nBigramNovel / nBigram
		} else {
			f.bigram = f.novelty
		}
	}
	if nPairs > 0 {
		f.recomb = nRecomb / nPairs
	}
	if f.claims > 0 {
		f.claimFail = math.Min(1, nFailed/float64(f.claims))
	}
	if f.sentences > 0 {
		f.subst = nSubst / float64(f.sentences)
	}
	return f, sc.findings
}

// readAnswer tokenises the answer and gathers in sc.keys the keys of every
// hash the checks look up in the context: the answer's words, their
// prefix-stripped forms and their opposites.
func (sc *scratch) readAnswer(text string) {
	sc.keys = keySet{}
	az := tokenizer{buf: sc.z.buf, keys: &sc.keys, memo: &sc.memo}
	sc.ans = az.run(text, sc.ans[:0])
	sc.z.buf = az.buf
	for i := range sc.ans {
		if mayHaveOpposite(sc.ans[i].h) {
			for _, k := range antonymKeys[sc.ans[i].h] {
				sc.keys.add(k)
			}
		}
	}
}

func isApology(toks []token) bool {
	for i := range toks {
		if toks[i].flags&flagApology != 0 {
			return true
		}
	}
	return false
}

func (sc *scratch) addFinding(fd eval.Finding) {
	if len(sc.findings) < maxFindings {
		sc.findings = append(sc.findings, fd)
	}
}

func bigramKey(a, b uint64) uint64 {
	return (a*0x9e3779b97f4a7c15 ^ b) + 0x632be59bd9b4e019
}

// index builds the occurrence chains, the unigram and bigram tables and the
// sentence boundaries of the context, of which hashed tokens have a hash.
func (sc *scratch) index(hashed int) {
	n := len(sc.ctx)
	sc.uni.reset(hashed)
	sc.bi.reset(hashed)
	sc.negForms.reset(n/8 + 16) // prefixed words are a small share of a text
	if cap(sc.next) < n {
		sc.next = make([]int32, n)
	}
	ctx, next := sc.ctx, sc.next[:n]
	sc.next = next
	sc.sentStart = sc.sentStart[:0]
	prevSent := int32(-1)
	var prevH uint64 // hash of the previous content token of the sentence
	for i := range ctx {
		t := &ctx[i]
		if t.sent != prevSent {
			for int32(len(sc.sentStart)) <= t.sent {
				sc.sentStart = append(sc.sentStart, int32(i))
			}
			prevSent = t.sent
			prevH = 0
		}
		next[i] = -1
		if t.h == 0 && t.hStrip == 0 {
			// Most words of a long context: the answer cannot share them
			// (see keySet). Such a word only ends the bigram before it.
			if t.content() {
				prevH = 0
			}
			continue
		}
		if !t.content() {
			continue
		}
		if t.hStrip != 0 {
			sc.negForms.put(t.hStrip, 0)
		}
		// A word left unhashed (h 0) matches nothing the answer looks up.
		if t.h != 0 {
			if old, ok := sc.uni.put(t.h, int32(i)); ok {
				next[i] = old
			}
			if prevH != 0 {
				sc.bi.put(bigramKey(prevH, t.h), 0)
			}
		}
		prevH = t.h
	}
	sc.sentStart = append(sc.sentStart, int32(n))
	sc.idfCache = [64]float64{}
	ns := len(sc.sentStart) - 1
	if cap(sc.score) < ns {
		sc.score = make([]float64, ns)
	}
	sc.score = sc.score[:ns]
	clear(sc.score)
}

func (sc *scratch) sentTokens(s int32) []token {
	if s < 0 || int(s)+1 >= len(sc.sentStart) {
		return nil
	}
	return sc.ctx[sc.sentStart[s]:sc.sentStart[s+1]]
}

type sentResult struct {
	content              int
	novel, unaligned     float64
	bigrams, bigramNovel float64
	claims               int
	failed               float64
	subst                bool
	pairs, recombined    float64
}

// sentence checks one answer sentence against the context.
func (sc *scratch) sentence(toks []token) sentResult {
	var r sentResult
	ns := len(sc.sentStart) - 1
	idfMax := math.Log(1 + float64(ns))
	// Align: IDF-weighted vote of each content token for the context
	// sentences it occurs in.
	sc.touched = sc.touched[:0]
	sc.sentSet = sc.sentSet[:0]
	if cap(sc.setLo) < len(toks) {
		sc.setLo = make([]int32, len(toks))
		sc.setHi = make([]int32, len(toks))
		sc.known = make([]bool, len(toks))
	}
	sc.setLo, sc.setHi, sc.known = sc.setLo[:len(toks)], sc.setHi[:len(toks)], sc.known[:len(toks)]
	var wTotal float64
	for i := range toks {
		t := &toks[i]
		lo := int32(len(sc.sentSet))
		sc.setLo[i], sc.setHi[i] = lo, lo
		if !t.content() {
			continue
		}
		r.content++
		head, ok := sc.uni.get(t.h)
		sc.known[i] = ok
		if !ok {
			wTotal += idfMax
			continue
		}
		last := int32(-1)
		o, k := head, 0
		for ; o >= 0 && k < maxChainWalk; o, k = sc.next[o], k+1 {
			if s := sc.ctx[o].sent; s != last {
				sc.sentSet = append(sc.sentSet, s)
				last = s
			}
		}
		if o >= 0 {
			// Chain cut short: a very common word; count it as present
			// everywhere rather than as misplaced.
			sc.sentSet = append(sc.sentSet, -1)
		}
		sc.setHi[i] = int32(len(sc.sentSet))
		set := sc.sentSet[lo:]
		w := sc.idf(ns, len(set))
		wTotal += w
		for _, s := range set {
			if s < 0 {
				continue
			}
			if sc.score[s] == 0 {
				sc.touched = append(sc.touched, s)
			}
			sc.score[s] += w
		}
	}
	if r.content == 0 {
		return r
	}
	b1, b2 := int32(-1), int32(-1)
	for _, s := range sc.touched {
		switch {
		case b1 < 0 || sc.score[s] > sc.score[b1] || sc.score[s] == sc.score[b1] && s < b1:
			b2, b1 = b1, s
		case b2 < 0 || sc.score[s] > sc.score[b2] || sc.score[s] == sc.score[b2] && s < b2:
			b2 = s
		}
	}
	// A second sentence counts only when it matches about as well as the
	// first (the answer fused two context sentences).
	if b2 >= 0 && sc.score[b2] < 0.5*sc.score[b1] {
		b2 = -1
	}
	alignShare := 0.0
	if b1 >= 0 && wTotal > 0 {
		alignShare = sc.score[b1] / wTotal
	}
	for _, s := range sc.touched {
		sc.score[s] = 0
	}
	s1, s2 := sc.sentTokens(b1), sc.sentTokens(b2)
	// alignedAt answers whether answer token i stands in s1 or s2 from the
	// sentence lists gathered above, without scanning the sentences.
	alignedAt := func(i int) bool {
		for _, s := range sc.sentSet[sc.setLo[i]:sc.setHi[i]] {
			if s < 0 || s == b1 || s == b2 {
				return true
			}
		}
		return false
	}

	prevContent, prev2 := -1, -1
	relFrom, relTo := -1, -1 // last recombined pair, reported once per sentence
	for i := 0; i < len(toks); i++ {
		t := &toks[i]
		if !t.content() {
			continue
		}
		global := sc.known[i]
		if !global {
			r.novel++
			r.unaligned++
		} else if !alignedAt(i) {
			r.unaligned++
		}
		if prevContent >= 0 {
			r.bigrams++
			if !sc.bi.has(bigramKey(toks[prevContent].h, t.h)) {
				r.bigramNovel++
				if global && sc.known[prevContent] {
					r.pairs++
					if !sc.cooccurAt(prevContent, i) {
						r.recombined++
						relFrom, relTo = prevContent, i
					}
				}
			} else if global {
				r.pairs++
			}
		}
		// Recombination: two known words the answer puts within three
		// tokens of each other, which no context sentence holds together,
		// state a relation the context does not.
		if prev2 >= 0 && global && sc.known[prev2] {
			r.pairs++
			if !sc.cooccurAt(prev2, i) {
				r.recombined++
				relFrom, relTo = prev2, i
			}
		}
		prev2 = prevContent
		prevContent = i

		// Claims: numbers, dates, names (a run of capitalised tokens is
		// one name).
		var rule string
		switch {
		case t.kind == kindNumber:
			rule = RuleNumber
		case t.flags&flagDate != 0:
			rule = RuleDate
		case t.flags&flagCap != 0:
			rule = RuleEntity
		default:
			continue
		}
		j := i + 1
		if rule == RuleEntity {
			for j < len(toks) && toks[j].flags&flagCap != 0 {
				j++
			}
		}
		r.claims++
		supported, misplaced := true, false
		for k := i; k < j; k++ {
			if !sc.known[k] {
				supported = false
			} else if !alignedAt(k) {
				misplaced = true
			}
		}
		if !supported && j == i+1 && rule == RuleEntity && sc.acronymInContext(t) {
			supported = true
		}
		span := eval.Finding{Rule: rule, Side: eval.SideOutput, Start: int(t.start), End: int(toks[j-1].end)}
		if !supported {
			r.failed++
			sc.addFinding(span)
		} else if misplaced && rule != RuleEntity && alignShare >= swapAlignWeight && sc.alignedHasRival(toks, t, s1) {
			r.failed += 0.5
			r.subst = true
			span.Rule = RuleSwap
			sc.addFinding(span)
		}
		// Count the remaining tokens of the name without re-checking them.
		for k := i + 1; k < j; k++ {
			tk := &toks[k]
			if !sc.known[k] {
				r.novel++
				r.unaligned++
			} else if !alignedAt(k) {
				r.unaligned++
			}
			r.content++
			r.bigrams++
			if !sc.bi.has(bigramKey(toks[k-1].h, tk.h)) {
				r.bigramNovel++
			}
		}
		if j > i+1 {
			prevContent = j - 1
			i = j - 1
		}
	}
	if relFrom >= 0 {
		sc.addFinding(eval.Finding{Rule: RuleRelation, Side: eval.SideOutput, Start: int(toks[relFrom].start), End: int(toks[relTo].end)})
	}
	// The polarity and swap checks below look words up in the aligned
	// sentences when the answer sentence has a clear counterpart.
	aligned := alignShare >= minAlignWeight && len(s1) > 0
	var a1, a2 alignedSent
	if aligned {
		a1, a2 = newAligned(s1), newAligned(s2)
	}
	if !r.subst && aligned {
		if at, ok := sc.slotSwap(toks, &a1); ok {
			r.subst = true
			sc.addFinding(eval.Finding{Rule: RuleSwap, Side: eval.SideOutput, Start: int(at.start), End: int(at.end)})
		}
	}
	if aligned {
		if sc.negationFlip(toks, &a1, &a2) {
			r.subst = true
			sc.addFinding(eval.Finding{Rule: RuleNegation, Side: eval.SideOutput, Start: int(toks[0].start), End: int(toks[len(toks)-1].end)})
		}
		if at, ok := antonymIn(toks, &a1); ok {
			r.subst = true
			sc.addFinding(eval.Finding{Rule: RuleAntonym, Side: eval.SideOutput, Start: int(at.start), End: int(at.end)})
		} else if len(s2) > 0 {
			if at, ok := antonymIn(toks, &a2); ok {
				r.subst = true
				sc.addFinding(eval.Finding{Rule: RuleAntonym, Side: eval.SideOutput, Start: int(at.start), End: int(at.end)})
			}
		}
	}
	// Polarity of invented words: a word the context never uses whose
	// opposite it does use ("closing" against "open", "crewed" against
	// "uncrewed") reverses what the context says.
	// Where the opposite must stand: in the aligned sentences when the
	// answer sentence has a clear counterpart, else anywhere.
	where, wherePrefixed := sc.uni.has, sc.negForms.has
	if aligned {
		where = func(h uint64) bool { return a1.has(h) || a2.has(h) }
		wherePrefixed = func(h uint64) bool { return stripIn(h, s1) || stripIn(h, s2) }
	}
	if !r.subst {
		for i := range toks {
			t := &toks[i]
			if !t.content() || t.kind != kindWord || sc.known[i] {
				continue
			}
			if sc.oppositeIn(t, where, wherePrefixed) {
				r.subst = true
				sc.addFinding(eval.Finding{Rule: RuleAntonym, Side: eval.SideOutput, Start: int(t.start), End: int(t.end)})
				break
			}
		}
	}
	if r.unaligned*2 > float64(r.content) && r.content >= 3 {
		sc.addFinding(eval.Finding{Rule: RuleUnsupport, Side: eval.SideOutput, Start: int(toks[0].start), End: int(toks[len(toks)-1].end)})
	}
	return r
}

// alignedHasRival reports whether the aligned context sentence holds a
// claim of the same kind as t that the answer sentence does not use: the
// answer put a different number or name where the context had this one.
func (sc *scratch) alignedHasRival(ans []token, t *token, s1 []token) bool {
	for k := range s1 {
		c := &s1[k]
		if !c.content() || c.kind != t.kind || c.flags&flagCap != t.flags&flagCap {
			continue
		}
		used := false
		for m := range ans {
			if ans[m].h == c.h {
				used = true
				break
			}
		}
		if !used {
			return true
		}
	}
	return false
}

func hasNeg(st []token) bool {
	for k := range st {
		if st[k].flags&flagNeg != 0 {
			return true
		}
	}
	return false
}

// negationFlip: the answer sentence and its aligned context sentence(s)
// disagree on whether the clause is negated. A negation the context lacks
// counts at once; a negation the answer dropped counts only when the
// negated words themselves (the next three tokens) are in the answer, since
// long context sentences often negate something the answer does not touch.
func (sc *scratch) negationFlip(ans []token, a1, a2 *alignedSent) bool {
	s1, s2 := a1.toks, a2.toks
	if hasNeg(ans) {
		if hasNeg(s1) || len(s2) > 0 && hasNeg(s2) {
			return false
		}
		// "not insured" against "uninsured", "not cheap" against
		// "expensive": a negated opposite says the same thing.
		in := func(h uint64) bool { return a1.has(h) || a2.has(h) }
		pre := func(h uint64) bool { return stripIn(h, s1) || stripIn(h, s2) }
		for k := range ans {
			if ans[k].content() && ans[k].kind == kindWord && sc.oppositeIn(&ans[k], in, pre) {
				return false
			}
		}
		return true
	}
	return negatesUsed(s1, ans) && (len(s2) == 0 || !hasNeg(s2) || negatesUsed(s2, ans))
}

// negatesUsed reports whether a negator in ctx governs a content word that
// ans uses.
func negatesUsed(ctx, ans []token) bool {
	for k := range ctx {
		if ctx[k].flags&flagNeg == 0 {
			continue
		}
		for m := k + 1; m < len(ctx) && m <= k+3; m++ {
			if !ctx[m].content() {
				continue
			}
			for a := range ans {
				if ans[a].h == ctx[m].h {
					return true
				}
			}
		}
	}
	return false
}

// antonymIn finds an answer token whose opposite stands in the aligned
// context sentence while the token itself does not.
func antonymIn(ans []token, s *alignedSent) (token, bool) {
	for i := range ans {
		if !mayHaveOpposite(ans[i].h) {
			continue
		}
		opp, ok := antonyms[ans[i].h]
		if !ok || s.has(ans[i].h) {
			continue
		}
		for _, o := range opp {
			if s.has(o) {
				return ans[i], true
			}
		}
	}
	return token{}, false
}

// antonyms maps a normalised token hash to the hashes of its opposites,
// antonymKeys to their word keys.
var antonyms, antonymKeys = func() (map[uint64][]uint64, map[uint64][]uint32) {
	m := make(map[uint64][]uint64)
	keys := make(map[uint64][]uint32)
	h := func(w string) (uint64, uint32) {
		var z tokenizer
		t := z.run(w, nil)
		return t[0].h, wordKey(z.buf)
	}
	for _, p := range antonymPairs {
		a, ka := h(p[0])
		b, kb := h(p[1])
		m[a] = append(m[a], b)
		m[b] = append(m[b], a)
		keys[a] = append(keys[a], kb)
		keys[b] = append(keys[b], ka)
	}
	return m, keys
}()

// oppositeBits has bit h>>52 set for every hash h in antonyms: most words
// have no opposite, and a bit test is far cheaper than the map lookup.
var oppositeBits = func() (b [64]uint64) {
	for h := range antonyms {
		b[h>>58] |= 1 << (h >> 52 & 63)
	}
	return b
}()

func mayHaveOpposite(h uint64) bool { return oppositeBits[h>>58]&(1<<(h>>52&63)) != 0 }

// quotes checks quoted spans: each must appear in the context (all its
// content bigrams present). It returns the claims and the failures.
func (sc *scratch) quotes(text string) (claims int, failed float64) {
	straight, curly := -1, -1 // next '"' and '“' at or after i (len(text): none)
	for i := 0; i < len(text); i++ {
		if straight < i {
			straight = indexFrom(text, i, `"`)
		}
		if curly < i {
			curly = indexFrom(text, i, "“")
		}
		if i = min(straight, curly); i == len(text) {
			break
		}
		var closeQ string
		var openLen int
		switch {
		case text[i] == '"':
			closeQ, openLen = `"`, 1
		case strings.HasPrefix(text[i:], "“"):
			closeQ, openLen = "”", len("“")
		default:
			continue
		}
		rest := text[i+openLen:]
		j := strings.Index(rest, closeQ)
		if j < 0 || j > quoteMaxBytes {
			continue
		}
		start, end := i+openLen, i+openLen+j
		i = end + len(closeQ) - 1
		// Tokens of the answer inside the quote.
		prev := -1
		n, ok := 0, true
		first := sort.Search(len(sc.ans), func(k int) bool { return int(sc.ans[k].start) >= start })
		for k := first; k < len(sc.ans) && int(sc.ans[k].end) <= end; k++ {
			t := &sc.ans[k]
			if !t.content() {
				continue
			}
			n++
			if !sc.uni.has(t.h) {
				ok = false
			}
			if prev >= 0 && !sc.bi.has(bigramKey(sc.ans[prev].h, t.h)) {
				ok = false
			}
			prev = k
		}
		if n < 2 {
			continue // a single quoted word is emphasis, not a quotation
		}
		claims++
		if !ok {
			failed++
			sc.addFinding(eval.Finding{Rule: RuleQuote, Side: eval.SideOutput, Start: start, End: end})
		}
	}
	return claims, failed
}

// indexFrom returns the index of the first sub in s at or after i, or
// len(s).
func indexFrom(s string, i int, sub string) int {
	if j := strings.Index(s[i:], sub); j >= 0 {
		return i + j
	}
	return len(s)
}

// links checks URLs, DOIs, arXiv ids and bracketed citation markers: each
// must appear in the context verbatim.
func (sc *scratch) links(text string, pieces []string) (claims int, failed float64) {
	if !mayHoldLink(text) {
		return 0, 0
	}
	inCtx := func(s string) bool {
		for _, p := range pieces {
			if strings.Contains(p, s) {
				return true
			}
		}
		return false
	}
	for i := 0; i < len(text) && claims < maxLinkChecks; i++ {
		c := text[i]
		if !linkStarts[c] {
			continue
		}
		if c == '[' {
			j := i + 1
			for j < len(text) && j-i <= 4 && isDigit(text[j]) {
				j++
			}
			if j > i+1 && j < len(text) && text[j] == ']' {
				claims++
				if !inCtx(text[i : j+1]) {
					failed++
					sc.addFinding(eval.Finding{Rule: RuleCitation, Side: eval.SideOutput, Start: i, End: j + 1})
				}
				i = j
			}
			continue
		}
		if c|0x20 != 'h' && c|0x20 != 'w' && c|0x20 != 'd' && c|0x20 != 'a' {
			continue
		}
		if i > 0 && wordRune(rune(text[i-1])) {
			continue // only at the start of a word
		}
		if len(text)-i < 4 || text[i+3] != ':' && text[i+3] != '.' && text[i+3] != 'p' && text[i+3] != 'x' {
			continue // cheap reject before the prefix tests
		}
		var body int // offset where the part that must match starts
		rest := text[i:]
		switch {
		case hasPrefixFold(rest, "https://"):
			body = len("https://")
		case hasPrefixFold(rest, "http://"):
			body = len("http://")
		case hasPrefixFold(rest, "www."):
			body = 0
		case hasPrefixFold(rest, "doi:"), hasPrefixFold(rest, "arxiv:"):
			body = strings.IndexByte(rest, ':') + 1
		default:
			continue
		}
		j := i + body
		for j < len(text) && !strings.ContainsRune(" \t\n\r\"'<>()[]{}", rune(text[j])) {
			j++
		}
		end := j
		for end > i+body && strings.ContainsRune(".,;:!?", rune(text[end-1])) {
			end--
		}
		target := strings.TrimSuffix(text[i+body:end], "/")
		if len(target) < 4 {
			i = j
			continue
		}
		claims++
		if !inCtx(target) {
			failed++
			sc.addFinding(eval.Finding{Rule: RuleURL, Side: eval.SideOutput, Start: i, End: end})
		}
		i = j
	}
	return claims, failed
}

// mayHoldLink reports whether text holds what every link does: a '[', a
// ':' (URL schemes, doi:, arxiv:) or "www." in any case. Most answers
// hold none, and this is far cheaper than the byte-by-byte scan.
func mayHoldLink(text string) bool {
	if strings.IndexByte(text, '[') >= 0 || strings.IndexByte(text, ':') >= 0 {
		return true
	}
	for i := 3; i < len(text); i++ {
		j := strings.IndexByte(text[i:], '.')
		if j < 0 {
			return false
		}
		i += j
		if hasPrefixFold(text[i-3:], "www.") {
			return true
		}
	}
	return false
}

// linkStarts are the first bytes of what links checks: '[' and the first
// letters of http, www, doi and arxiv.
var linkStarts = [256]bool{'[': true, 'h': true, 'H': true, 'w': true, 'W': true, 'd': true, 'D': true, 'a': true, 'A': true}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// oppositeIn reports whether the scope holds an antonym of t, t without
// its negating prefix ("uncrewed" -> "crewed"), or t with one
// ("insured" -> "uninsured"). has tests a hash in the scope; prefixed
// tests whether the scope holds a word whose prefix-stripped form is h.
func (sc *scratch) oppositeIn(t *token, has, prefixed func(uint64) bool) bool {
	if mayHaveOpposite(t.h) {
		for _, o := range antonyms[t.h] {
			if has(o) {
				return true
			}
		}
	}
	if t.hStrip != 0 && has(t.hStrip) {
		return true
	}
	return t.kind == kindWord && prefixed(t.h)
}

// hashOf returns the token hash of a single word, normalised as the
// tokeniser does.
func hashOf(w string) uint64 {
	var z tokenizer
	var arr [2]token
	t := z.run(w, arr[:0])
	if len(t) == 0 {
		return 0
	}
	return t[0].h
}

// slotSwap finds a word that fills the slot of a different word of the
// aligned context sentence: its neighbours in the answer match that
// sentence in order, the context has other content words between them, and
// the answer's word is itself taken from elsewhere in the context ("Saudi
// carriers" where the sentence says "Israeli carriers"). A new word in
// that slot is left alone: it may be a synonym.
func (sc *scratch) slotSwap(ans []token, a1 *alignedSent) (token, bool) {
	const maxGap = 3
	s1 := a1.toks
	pos := func(h uint64) int {
		if !a1.mayHave(h) {
			return -1
		}
		for k := range s1 {
			if s1[k].h == h {
				return k
			}
		}
		return -1
	}
	inAns := func(h uint64) bool {
		for k := range ans {
			if ans[k].h == h {
				return true
			}
		}
		return false
	}
	prevPos, prevIdx := -1, -1
	for i := range ans {
		t := &ans[i]
		if !t.content() {
			continue
		}
		p := pos(t.h)
		if p >= 0 {
			prevPos, prevIdx = p, i
			continue
		}
		if prevPos < 0 || i-prevIdx > maxGap || !sc.uni.has(t.h) {
			continue
		}
		// Next anchor after t.
		for j := i + 1; j < len(ans) && j-i <= maxGap; j++ {
			if !ans[j].content() {
				continue
			}
			q := pos(ans[j].h)
			if q < 0 {
				continue
			}
			if q <= prevPos || q-prevPos-1 > maxGap {
				break
			}
			for k := prevPos + 1; k < q; k++ {
				c := &s1[k]
				if c.content() && c.kind == t.kind && !inAns(c.h) {
					return *t, true
				}
			}
			break
		}
	}
	return token{}, false
}

// acronymInContext reports whether t is an acronym ("EU", "YoY", "NFL")
// whose letters are the initials of consecutive context words ("European
// Union", "year over year").
func (sc *scratch) acronymInContext(t *token) bool {
	if int(t.end) > len(sc.text) || t.start < 0 || t.start >= t.end {
		return false
	}
	w := sc.text[t.start:t.end]
	if len(w) < 2 || len(w) > 8 {
		return false
	}
	var letters [8]byte
	upper := 0
	for k := 0; k < len(w); k++ {
		c := w[k]
		switch {
		case 'A' <= c && c <= 'Z':
			upper++
			c += 32
		case 'a' <= c && c <= 'z':
		default:
			return false
		}
		letters[k] = c
	}
	if upper < 2 || sc.acronymScans >= maxAcronymScans {
		return false
	}
	sc.acronymScans++
	n := len(w)
	ctx := sc.ctx
	for i := 0; i+n <= len(ctx); i++ {
		if ctx[i].initial != letters[0] {
			continue
		}
		k := 1
		for k < n && ctx[i+k].initial == letters[k] && ctx[i+k].sent == ctx[i].sent {
			k++
		}
		if k == n {
			return true
		}
	}
	return false
}

// alignedSent is an aligned context sentence with a 256-bit Bloom filter
// of its token hashes: most words looked up in it are absent, and the
// filter rules them out without a scan.
type alignedSent struct {
	toks  []token
	bloom [4]uint64
}

func newAligned(st []token) alignedSent {
	a := alignedSent{toks: st}
	for k := range st {
		h := st[k].h
		a.bloom[h>>62] |= 1 << (h >> 56 & 63)
	}
	return a
}

func (a *alignedSent) mayHave(h uint64) bool { return a.bloom[h>>62]&(1<<(h>>56&63)) != 0 }

func (a *alignedSent) has(h uint64) bool { return a.mayHave(h) && inSent(h, a.toks) }

func inSent(h uint64, st []token) bool {
	for k := range st {
		if st[k].h == h {
			return true
		}
	}
	return false
}

func stripIn(h uint64, st []token) bool {
	for k := range st {
		if st[k].hStrip == h {
			return true
		}
	}
	return false
}

// idf is the inverse sentence frequency of a word found in df of the ns
// context sentences; small df values are cached (math.Log is not free).
func (sc *scratch) idf(ns, df int) float64 {
	if df < len(sc.idfCache) {
		if v := sc.idfCache[df]; v != 0 {
			return v
		}
		v := math.Log(1 + float64(ns)/float64(df))
		sc.idfCache[df] = v
		return v
	}
	return math.Log(1 + float64(ns)/float64(df))
}

// cooccurAt reports whether answer tokens i and j (of the current
// sentence) share a context sentence, from the sentence lists gathered
// during alignment. Both lists run from the last sentence to the first, so
// a merge walk works; a cut list (-1) counts as sharing.
func (sc *scratch) cooccurAt(i, j int) bool {
	a := sc.sentSet[sc.setLo[i]:sc.setHi[i]]
	b := sc.sentSet[sc.setLo[j]:sc.setHi[j]]
	if len(a) > 0 && a[len(a)-1] < 0 || len(b) > 0 && b[len(b)-1] < 0 {
		return true
	}
	if len(a) > maxRelSents || len(b) > maxRelSents {
		return true // a word this frequent relates to nearly everything
	}
	for len(a) > 0 && len(b) > 0 {
		switch {
		case a[0] == b[0]:
			return true
		case a[0] > b[0]:
			a = a[1:]
		default:
			b = b[1:]
		}
	}
	return false
}
