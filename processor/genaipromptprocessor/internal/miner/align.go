package miner

import "github.com/periscope-otel/periscope/processor/genaipromptprocessor/internal/textmask"

// tok is one template token: fixed text, or a wildcard standing for a slot.
type tok struct {
	H    uint64
	Text string
	Wild bool
}

// pureEditMin is the length (tokens) from which text only added or only
// removed between two fixed tokens is taken for an edit of the template.
const pureEditMin = 3

// editContext is the fixed text (tokens) needed on both sides of such a
// change to call it an edit.
const editContext = 5

// replaceMin is the length (tokens) from which a span of established text
// replaced by another span is taken for a slot value rather than an edit.
const replaceMin = 8

// maxCells bounds the LCS table of one alignment; larger middles are taken
// as one slot.
const maxCells = 1 << 20

// globMatch reports whether x can be rendered from t, wildcards matching
// any run of tokens (including none). Fixed runs are searched leftmost, which
// is exact for glob patterns.
func globMatch(t []tok, x []textmask.Token) bool {
	// leading fixed run must be a prefix
	ti := commonLead(t, x)
	if ti < len(t) && !t[ti].Wild {
		return false
	}
	xi := ti
	if ti == len(t) {
		return xi == len(x)
	}
	// trailing fixed run must be a suffix
	te := len(t)
	xe := len(x)
	for te > ti && !t[te-1].Wild {
		if xe <= xi || x[xe-1].H != t[te-1].H {
			return false
		}
		te--
		xe--
	}
	// middle: t[ti:te] starts and ends with a wildcard
	for ti < te {
		if t[ti].Wild {
			ti++
			continue
		}
		run := ti
		for run < te && !t[run].Wild {
			run++
		}
		pos := find(x[xi:xe], t[ti:run])
		if pos < 0 {
			return false
		}
		xi += pos + (run - ti)
		ti = run
	}
	return true
}

// commonLead is the length of the run of fixed tokens of t that x starts
// with.
func commonLead(t []tok, x []textmask.Token) int {
	n := min(len(t), len(x))
	t, x = t[:n], x[:n]
	i := 0
	for i < n && !t[i].Wild && t[i].H == x[i].H {
		i++
	}
	return i
}

// find returns the leftmost position of run in x, or -1. Positions are
// screened on the run's first token alone, in a tight loop.
func find(x []textmask.Token, run []tok) int {
	if len(run) == 0 {
		return 0
	}
	if len(run) > len(x) {
		return -1
	}
	first, rest := run[0].H, run[1:]
	starts := x[:len(x)-len(run)+1]
	for i := range starts {
		if starts[i].H == first && sameHashes(x[i+1:i+len(run)], rest) {
			return i
		}
	}
	return -1
}

// sameHashes reports whether x and t (of one length) hold the same hashes.
func sameHashes(x []textmask.Token, t []tok) bool {
	x = x[:len(t)]
	for j := range t {
		if x[j].H != t[j].H {
			return false
		}
	}
	return true
}

// alignment is the result of generalizing template t with rendering x.
type alignment struct {
	merged   []tok // the generalized template
	support  []uint32
	fixed    int    // fixed tokens kept (separators excluded)
	gaps     int    // wildcards in merged
	newGaps  int    // wildcards created inside fixed runs of t
	bigGaps  int    // ... of which replace bigGap tokens or more of t
	lost     int    // fixed tokens of t turned into slot text
	lostSupp uint32 // highest support among lost tokens
	anchored int    // longest fixed run touching the start or end of a part
	longest  int    // longest fixed run
	xSys     int    // tokens in the call's system part (-1: no separator)
	// pureEdits counts new slots where text was only added or only
	// removed: a sentence added to or removed from a template, not a value
	pureEdits int
}

// align generalizes t with x part by part: the system parts and the user
// parts (either side of the separator) are aligned apart, so that text never
// moves from one part to the other.
func align(t []tok, supp []uint32, x []textmask.Token, minRun int, minSupport uint32) alignment {
	ts, xs := sepIndexTok(t), sepIndex(x)
	if ts < 0 || xs < 0 {
		return alignPart(t, supp, x, minRun, minSupport)
	}
	a := alignPart(t[:ts], supp[:ts], x[:xs], minRun, minSupport)
	b := alignPart(t[ts+1:], supp[ts+1:], x[xs+1:], minRun, minSupport)
	out := alignment{
		fixed:     a.fixed + b.fixed,
		gaps:      a.gaps + b.gaps,
		newGaps:   a.newGaps + b.newGaps,
		bigGaps:   a.bigGaps + b.bigGaps,
		lost:      a.lost + b.lost,
		lostSupp:  max(a.lostSupp, b.lostSupp),
		pureEdits: a.pureEdits + b.pureEdits,
		anchored:  max(a.anchored, b.anchored),
		longest:   max(a.longest, b.longest),
		xSys:      xs,
	}
	out.merged = make([]tok, 0, len(a.merged)+len(b.merged)+1)
	out.merged = append(append(append(out.merged, a.merged...), t[ts]), b.merged...)
	out.support = make([]uint32, 0, len(out.merged))
	out.support = append(append(append(out.support, a.support...), supp[ts]+1), b.support...)
	return out
}

func sepIndexTok(t []tok) int {
	for i := range t {
		if !t[i].Wild && t[i].Text == textmask.PhSep {
			return i
		}
	}
	return -1
}

func sepIndex(x []textmask.Token) int {
	for i := range x {
		if x[i].Kind == textmask.KindSep {
			return i
		}
	}
	return -1
}

// alignPart generalizes t so that it also covers x: tokens common to both (by
// LCS, after stripping common prefix and suffix) stay fixed, everything else
// becomes a wildcard; fixed runs shorter than minRun between two wildcards
// are taken as coincidences and dissolved.
func alignPart(t []tok, supp []uint32, x []textmask.Token, minRun int, minSupport uint32) alignment {
	n, m := len(t), len(x)
	// matchT[i] = true when t[i] is kept
	keep := make([]bool, n)
	p := 0
	for p < n && p < m && !t[p].Wild && t[p].H == x[p].H {
		keep[p] = true
		p++
	}
	s := 0
	for s < n-p && s < m-p && !t[n-1-s].Wild && t[n-1-s].H == x[m-1-s].H {
		keep[n-1-s] = true
		s++
	}
	ti, te := p, n-s
	xi, xe := p, m-s
	a, b := te-ti, xe-xi
	if a > 0 && b > 0 && a*b <= maxCells {
		// LCS over the middles
		w := b + 1
		dp := make([]uint16, (a+1)*w)
		for i := a - 1; i >= 0; i-- {
			for j := b - 1; j >= 0; j-- {
				if !t[ti+i].Wild && t[ti+i].H == x[xi+j].H {
					dp[i*w+j] = dp[(i+1)*w+j+1] + 1
				} else if dp[(i+1)*w+j] >= dp[i*w+j+1] {
					dp[i*w+j] = dp[(i+1)*w+j]
				} else {
					dp[i*w+j] = dp[i*w+j+1]
				}
			}
		}
		i, j := 0, 0
		for i < a && j < b {
			if !t[ti+i].Wild && t[ti+i].H == x[xi+j].H && dp[i*w+j] == dp[(i+1)*w+j+1]+1 {
				keep[ti+i] = true
				i++
				j++
			} else if dp[(i+1)*w+j] >= dp[i*w+j+1] {
				i++
			} else {
				j++
			}
		}
	}
	// x tokens not matched create a slot between kept t tokens: we only
	// need to know whether between two kept tokens of t anything of x was
	// inserted. Recompute positions by walking the kept tokens in x order.
	inserted := make([]bool, n+1) // inserted[i]: x text sits right before t[i] (i==n: at end)
	insCount := make([]int, n+1)
	{
		xj := 0
		for i := 0; i < n; i++ {
			if !keep[i] {
				continue
			}
			// find the x position matched to t[i]: kept tokens are matched in
			// order, so scan forward
			k := xj
			for k < m && x[k].H != t[i].H {
				k++
			}
			if k > xj {
				inserted[i] = true
				insCount[i] = k - xj
			}
			xj = k + 1
		}
		if xj < m {
			inserted[n] = true
			insCount[n] = m - xj
		}
	}
	// a sentence or line added to or removed from the text right before
	// or after a line break is an edit even when a slot follows the break
	// closely: the break must be read before short runs are dissolved,
	// since the slot's first values are what it sits next to
	breakEdits := lineEdits(t, keep, inserted, insCount) + edgeEdits(t, x, p, s)
	// dissolve short runs between slots
	if minRun > 1 {
		i := 0
		for i < n {
			if !keep[i] {
				i++
				continue
			}
			j := i
			for j < n && keep[j] && (j == i || !inserted[j]) {
				j++
			}
			leftSlot := i > 0 && (!keep[i-1] || inserted[i]) || i == 0 && inserted[0]
			rightSlot := j < n && (!keep[j] || inserted[j]) || j == n && inserted[n]
			sep := false // separators and well-confirmed text are never coincidences
			for k := i; k < j; k++ {
				if t[k].Text == textmask.PhSep && !t[k].Wild || supp[k] >= minSupport {
					sep = true
				}
			}
			if leftSlot && rightSlot && j-i < minRun && !sep {
				for k := i; k < j; k++ {
					keep[k] = false
				}
			}
			i = j
		}
	}
	var al alignment
	al.merged = make([]tok, 0, n)
	al.support = make([]uint32, 0, n)
	slot := false
	wasWildInside := false
	var lostHere uint32
	lostAny := false
	lostN, insN := 0, 0
	// leftSupp is the support of the last kept token of the part (0 at a
	// part start).
	var leftSupp uint32
	var pureAt []int // slots where text was only added or only removed
	flushSlot := func(rightSupp uint32) {
		if slot {
			al.merged = append(al.merged, tok{Wild: true})
			al.support = append(al.support, 0)
			al.gaps++
			if !wasWildInside {
				al.newGaps++
				if lostN >= bigGap {
					al.bigGaps++
				}
				if lostN == 0 && insN >= pureEditMin || insN == 0 && lostN >= pureEditMin {
					pureAt = append(pureAt, len(al.merged)-1)
				}
				// how well established is the text this new slot breaks into
				var solid uint32
				switch {
				case lostN >= replaceMin && insN >= replaceMin:
					// a long span replaced by another long span is a slot
					// whose value repeated in the first calls, not an edit
					solid = 0
				case lostAny:
					solid = lostHere
				case leftSupp == 0:
					solid = rightSupp
				case rightSupp == 0:
					solid = leftSupp
				default:
					solid = min(leftSupp, rightSupp)
				}
				if solid > al.lostSupp {
					al.lostSupp = solid
				}
			}
		}
		slot = false
		wasWildInside = false
		lostHere = 0
		lostAny = false
		lostN, insN = 0, 0
	}
	for i := 0; i <= n; i++ {
		if inserted[i] {
			slot = true
			insN += insCount[i]
		}
		if i == n {
			break
		}
		isSep := !t[i].Wild && t[i].Text == textmask.PhSep
		if keep[i] {
			if isSep {
				flushSlot(0)
				leftSupp = 0
			} else {
				flushSlot(supp[i])
				leftSupp = supp[i]
			}
			al.merged = append(al.merged, t[i])
			al.support = append(al.support, supp[i]+1)
			if !isSep {
				al.fixed++
			}
			continue
		}
		slot = true
		if t[i].Wild {
			wasWildInside = true
		} else {
			al.lost++
			lostN++
			lostAny = true
			if supp[i] > lostHere {
				lostHere = supp[i]
			}
		}
	}
	flushSlot(0)
	al.pureEdits += breakEdits
	// an edit sits inside long fixed text; a short fixed run next to it is
	// more likely words two values happen to share
	for _, at := range pureAt {
		left, right := 0, 0
		for k := at - 1; k >= 0 && !al.merged[k].Wild; k-- {
			left++
		}
		for k := at + 1; k < len(al.merged) && !al.merged[k].Wild; k++ {
			right++
		}
		if at == 0 {
			left = editContext
		}
		if at == len(al.merged)-1 {
			right = editContext
		}
		if left >= editContext && right >= editContext {
			al.pureEdits++
		}
	}
	al.anchored = anchoredFixed(al.merged)
	run := 0
	for _, k := range al.merged {
		if k.Wild || k.Text == textmask.PhSep {
			run = 0
			continue
		}
		run++
		al.longest = max(al.longest, run)
	}
	return al
}

// anchoredFixed returns the longest fixed run touching the start or the
// end of a part (the sequence ends and the separator).
func anchoredFixed(t []tok) int {
	best := 0
	start := 0
	for start <= len(t) {
		end := start
		for end < len(t) && !(t[end].Text == textmask.PhSep && !t[end].Wild) {
			end++
		}
		part := t[start:end]
		i := 0
		for i < len(part) && !part[i].Wild {
			i++
		}
		best = max(best, i)
		if i < len(part) {
			j := len(part)
			for j > i && !part[j-1].Wild {
				j--
			}
			best = max(best, len(part)-j)
		}
		start = end + 1
	}
	return best
}

// lineEdits counts the places where x only adds, or only drops, pureEditMin
// tokens or more between two adjacent kept tokens of t, one a line break and
// the other ending (or starting) editContext kept fixed tokens.
func lineEdits(t []tok, keep, inserted []bool, insCount []int) int {
	n := len(t)
	// runL[i]: kept fixed tokens ending at i with nothing inserted between
	runL := make([]int, n)
	for i := 0; i < n; i++ {
		if !keep[i] || t[i].Wild || t[i].Text == textmask.PhSep {
			continue
		}
		runL[i] = 1
		if i > 0 && !inserted[i] {
			runL[i] += runL[i-1]
		}
	}
	runR := make([]int, n+1)
	for i := n - 1; i >= 0; i-- {
		if !keep[i] || t[i].Wild || t[i].Text == textmask.PhSep {
			continue
		}
		runR[i] = 1
		if i+1 < n && !inserted[i+1] {
			runR[i] += runR[i+1]
		}
	}
	edits := 0
	prev := -1 // last kept token of t
	for i := 0; i < n; i++ {
		if !keep[i] {
			continue
		}
		if prev >= 0 {
			dropped, wild := i-prev-1, false
			for k := prev + 1; k < i; k++ {
				wild = wild || t[k].Wild
			}
			added := 0
			if inserted[i] {
				added = insCount[i]
			}
			pure := !wild && (dropped == 0 && added >= pureEditMin || added == 0 && dropped >= pureEditMin)
			if pure && (isBreak(t[i].Text) && runL[prev] >= editContext || isBreak(t[prev].Text) && runR[i] >= editContext) {
				edits++
			}
		}
		prev = i
	}
	return edits
}

func isBreak(s string) bool { return s == "\n" || s == "\n\n" }

// edgeEdits reports (1) whether whole sentences were added or removed right
// after the text common to the start of t and x (p tokens) or right before
// the text common to their end (s tokens), up to a line break both have:
// "...movie? Respond in the same language.\n\n<*>" against
// "...movie?\n\n<*>". Read on the common edges, it does not depend on
// which words of two values the LCS happened to pair.
func edgeEdits(t []tok, x []textmask.Token, p, s int) int {
	n, m := len(t), len(x)
	fixedRun := func(lo, hi int) int {
		k := 0
		for i := lo; i < hi; i++ {
			if !t[i].Wild && t[i].Text != textmask.PhSep {
				k++
			}
		}
		return k
	}
	// sentence(a): a run of at least pureEditMin tokens with no line break,
	// ending on sentence punctuation
	tText := func(i int) string { return t[i].Text }
	xText := func(i int) string { return x[i].Text }
	sentences := func(text func(int) string, lo, hi int, wild func(int) bool) bool {
		if hi-lo < pureEditMin {
			return false
		}
		for i := lo; i < hi; i++ {
			if wild(i) || isBreak(text(i)) || text(i) == textmask.PhSep {
				return false
			}
		}
		return endsSentence(text(hi - 1))
	}
	tWild := func(i int) bool { return t[i].Wild }
	xWild := func(int) bool { return false }
	if p >= editContext && p < n && p < m && fixedRun(0, p) >= editContext && (endsSentence(t[p-1].Text) || isBreak(t[p-1].Text)) {
		// added: t goes on with a break, x with sentences and then that break
		if !t[p].Wild && isBreak(t[p].Text) {
			for k := p + 1; k < m && !isBreak(x[k].Text); k++ {
				if k+1 < m && x[k+1].H == t[p].H && sentences(xText, p, k+1, xWild) {
					return 1
				}
			}
		}
		// removed: the other way round
		if isBreak(x[p].Text) {
			for k := p + 1; k < n && !t[k].Wild && !isBreak(t[k].Text); k++ {
				if k+1 < n && t[k+1].H == x[p].H && sentences(tText, p, k+1, tWild) {
					return 1
				}
			}
		}
	}
	if s >= editContext && s < n && s < m && fixedRun(n-s, n) >= editContext {
		te, xe := n-s, m-s // first token of the common end
		// added: t has a break right before the common end, x a break,
		// then sentences
		if !t[te-1].Wild && isBreak(t[te-1].Text) {
			for k := xe - 2; k >= 0 && !isBreak(x[k+1].Text); k-- {
				if x[k].H == t[te-1].H && sentences(xText, k+1, xe, xWild) {
					return 1
				}
			}
		}
		if isBreak(x[xe-1].Text) {
			for k := te - 2; k >= 0 && !t[k+1].Wild && !isBreak(t[k+1].Text); k-- {
				if !t[k].Wild && t[k].H == x[xe-1].H && sentences(tText, k+1, te, tWild) {
					return 1
				}
			}
		}
	}
	return 0
}

func endsSentence(s string) bool { return s == "." || s == "?" || s == "!" || s == ":" }
