package safety

import (
	"regexp"
	"regexp/syntax"
	"strings"
	"sync"
	"unicode/utf8"
)

// The secrets evaluator re-expresses the whole gitleaks rule catalogue
// (secrets_catalog.go): every rule keeps its keywords, its RE2 expression,
// its secret group, its entropy floor and its content allowlists, and the
// catalogue-wide allowlist applies to every finding. A rule's expression
// only ever runs near an occurrence of one of its keywords, found by the
// single case-insensitive multi-pattern pass over the text, so text without
// a keyword runs no expression at all.

// allowTarget is what an allowlist expression is matched against.
type allowTarget uint8

const (
	tgtSecret allowTarget = iota // the secret (the default)
	tgtMatch                     // the whole rule match
	tgtLine                      // the line(s) holding the match
)

// glAllow is one allowlist of a rule: the finding is dropped when any
// expression matches its target or the secret contains any stopword.
type glAllow struct {
	target    allowTarget
	regexes   []string
	stopwords []string
}

// glRule is one catalogue rule.
type glRule struct {
	id       string
	keywords []string // lower case
	re       string
	group    int     // secret group; 0 = the first non-empty group
	entropy  float64 // findings at or below this Shannon entropy are dropped
	// pathScoped rules only apply to some files in gitleaks; span text
	// has no path, so the content rule applies as is.
	pathScoped bool
	allow      []glAllow
}

// Windows searched for rules whose expressions are unbounded.
const (
	unboundedBack = 512
	unboundedFwd  = 8 << 10
	edgeSlack     = 256
)

// compiledAllow is glAllow ready to use.
type compiledAllow struct {
	target allowTarget
	res    []*regexp.Regexp
	stop   []string
	stopM  *Matcher // for long stopword lists
}

func (a *compiledAllow) stopHit(lowSecret string) bool {
	if a.stopM != nil {
		return len(a.stopM.FindString(lowSecret, nil)) > 0
	}
	for _, w := range a.stop {
		if strings.Contains(lowSecret, w) {
			return true
		}
	}
	return false
}

func compileAllow(a glAllow) compiledAllow {
	c := compiledAllow{target: a.target}
	for _, r := range a.regexes {
		c.res = append(c.res, regexp.MustCompile(r))
	}
	for _, w := range a.stopwords {
		c.stop = append(c.stop, strings.ToLower(w))
	}
	if len(c.stop) > 16 {
		c.stopM = NewMatcher(c.stop, false)
	}
	return c
}

// litPrefix is a literal every match of a rule may start with.
type litPrefix struct {
	s    string
	fold bool
}

// compiledRule is the lazily built matcher of one catalogue rule.
type compiledRule struct {
	once  sync.Once
	re    *regexp.Regexp
	anch  *regexp.Regexp // ^(?:re), for rules whose matches start at a keyword
	allow []compiledAllow
	// lits: every match starts with one of these (nil when unknown).
	lits      []litPrefix
	wordStart bool // the expression opens with \b
	maxLen    int  // longest match in bytes, -1 when unbounded
	// needs: literals every match contains (lower case, matched without
	// regard to case); a window lacking one is not searched.
	needs []string
	// assign: the expression is "identifier <op> value" (the generic
	// assignment shape).
	assign bool
	// kwMode[i] is how keyword i of the rule gates it: kwOpens (a match
	// opens at the keyword), kwIdent (the keyword is in an assignment's
	// identifier) or kwNear (a match is somewhere around).
	kwMode   []uint8
	minValue int // shortest secret, less quotes it may hold
}

var (
	glCompiled   = make([]compiledRule, len(glRules))
	glGlobalOnce sync.Once
	glGlobal     compiledAllow
)

// Optional groups of an expression's source: (?:or)? left out, or taken.
var (
	optGroup = regexp.MustCompile(`\(\?:[^()|]*\)\?`)
	optParen = regexp.MustCompile(`\(\?:|\)\?`)
)

// Keyword modes.
const (
	kwNear uint8 = iota
	kwOpens
	kwIdent
)

// assignOps is the operator group of gitleaks' assignment-shaped rules.
const assignOps = `(?:=|>|:{1,3}=|\|\||:|=>|\?=|,)`

func (c *compiledRule) init(r *glRule) {
	c.once.Do(func() {
		c.re = regexp.MustCompile(r.re)
		c.anch = regexp.MustCompile(`^(?:` + r.re + `)`)
		for _, a := range r.allow {
			c.allow = append(c.allow, compileAllow(a))
		}
		c.maxLen = -1
		if t, err := syntax.Parse(r.re, syntax.Perl); err == nil {
			c.maxLen = maxMatchLen(t)
			c.lits, c.wordStart = firstLiterals(t)
			for _, l := range requiredLiterals(t) {
				if len(l) >= 3 {
					c.needs = append(c.needs, l)
				}
			}
		}
		c.kwMode = make([]uint8, len(r.keywords))
		for i, k := range r.keywords {
			for _, l := range c.lits {
				ll := strings.ToLower(l.s)
				// Every match opening with l holds the keyword at its start.
				if strings.HasPrefix(ll, k) {
					c.kwMode[i] = kwOpens
				}
			}
		}
		if i := strings.Index(r.re, assignOps); i >= 0 {
			c.assign = true
			c.minValue = 1
			if t, err := syntax.Parse(r.re, syntax.Perl); err == nil {
				g := r.group
				if g == 0 {
					g = 1
				}
				n, quoted := minGroupLen(t, g)
				if quoted {
					n -= 2
				}
				c.minValue = max(n, 1)
			}
			// A keyword is in the identifier when the expression spells it
			// before the operator, with optional groups taken or left out.
			before := strings.ToLower(r.re[:i])
			forms := []string{before, optGroup.ReplaceAllString(before, ""), optParen.ReplaceAllString(before, "")}
			for ki, k := range r.keywords {
				for _, f := range forms {
					if c.kwMode[ki] == kwNear && strings.Contains(f, k) {
						c.kwMode[ki] = kwIdent
					}
				}
			}
		}
	})
}

// maxMatchLen is the longest match of t in bytes, -1 when unbounded.
func maxMatchLen(t *syntax.Regexp) int {
	switch t.Op {
	case syntax.OpLiteral:
		n := 0
		for _, r := range t.Rune {
			n += utf8.RuneLen(r)
		}
		return n
	case syntax.OpCharClass:
		if len(t.Rune) > 0 && t.Rune[len(t.Rune)-1] < utf8.RuneSelf {
			return 1
		}
		return utf8.UTFMax
	case syntax.OpAnyChar, syntax.OpAnyCharNotNL:
		return utf8.UTFMax
	case syntax.OpCapture, syntax.OpQuest:
		return maxMatchLen(t.Sub[0])
	case syntax.OpStar, syntax.OpPlus:
		return -1
	case syntax.OpRepeat:
		m := maxMatchLen(t.Sub[0])
		if t.Max < 0 || m < 0 {
			return -1
		}
		return t.Max * m
	case syntax.OpConcat:
		n := 0
		for _, s := range t.Sub {
			m := maxMatchLen(s)
			if m < 0 {
				return -1
			}
			n += m
		}
		return n
	case syntax.OpAlternate:
		n := 0
		for _, s := range t.Sub {
			m := maxMatchLen(s)
			if m < 0 {
				return -1
			}
			n = max(n, m)
		}
		return n
	}
	return 0 // empty-width assertions
}

// minGroupLen is the shortest text capture group g of t can hold (0 when
// the group is absent) and whether the group may hold quotes.
func minGroupLen(t *syntax.Regexp, g int) (int, bool) {
	if t.Op == syntax.OpCapture && t.Cap == g {
		return minMatchLen(t.Sub[0]), strings.ContainsAny(t.Sub[0].String(), "'\"`")
	}
	for _, s := range t.Sub {
		if n, q := minGroupLen(s, g); n > 0 {
			return n, q
		}
	}
	return 0, false
}

// minMatchLen is the shortest match of t in bytes.
func minMatchLen(t *syntax.Regexp) int {
	switch t.Op {
	case syntax.OpLiteral:
		return len(string(t.Rune))
	case syntax.OpCharClass, syntax.OpAnyChar, syntax.OpAnyCharNotNL:
		return 1
	case syntax.OpCapture, syntax.OpPlus:
		return minMatchLen(t.Sub[0])
	case syntax.OpRepeat:
		return t.Min * minMatchLen(t.Sub[0])
	case syntax.OpConcat:
		n := 0
		for _, s := range t.Sub {
			n += minMatchLen(s)
		}
		return n
	case syntax.OpAlternate:
		n := -1
		for _, s := range t.Sub {
			if m := minMatchLen(s); n < 0 || m < n {
				n = m
			}
		}
		return max(n, 0)
	}
	return 0
}

// requiredLiterals lists literals (lower case) that every match of t
// contains.
func requiredLiterals(t *syntax.Regexp) []string {
	switch t.Op {
	case syntax.OpLiteral:
		return []string{strings.ToLower(string(t.Rune))}
	case syntax.OpCapture, syntax.OpPlus:
		return requiredLiterals(t.Sub[0])
	case syntax.OpRepeat:
		if t.Min > 0 {
			return requiredLiterals(t.Sub[0])
		}
	case syntax.OpConcat:
		var out []string
		for _, s := range t.Sub {
			out = append(out, requiredLiterals(s)...)
		}
		return out
	case syntax.OpAlternate:
		out := requiredLiterals(t.Sub[0])
		for _, s := range t.Sub[1:] {
			other := requiredLiterals(s)
			keep := out[:0]
			for _, l := range out {
				for _, o := range other {
					if o == l {
						keep = append(keep, l)
						break
					}
				}
			}
			out = keep
		}
		return out
	}
	return nil
}

// containsFold reports whether s contains the lower-case ASCII literal l
// regardless of case.
func containsFold(s, l string) bool {
	if len(l) == 0 {
		return true
	}
	if len(l) > len(s) {
		return false
	}
	c0 := l[0]
	u0 := c0
	if c0 >= 'a' && c0 <= 'z' {
		u0 = c0 - 32
	}
	last := len(s) - len(l) + 1 // candidates start before last
	// next finds the next spelling b of l[0] at or after i (last if none).
	next := func(b byte, i int) int {
		if j := strings.IndexByte(s[i:last], b); j >= 0 {
			return i + j
		}
		return last
	}
	nc, nu := next(c0, 0), last
	if u0 != c0 {
		nu = next(u0, 0)
	}
	for {
		i := min(nc, nu)
		if i >= last {
			return false
		}
		if strings.EqualFold(s[i:i+len(l)], l) {
			return true
		}
		if i == nc {
			nc = next(c0, i+1)
		}
		if i == nu {
			nu = next(u0, i+1)
		}
	}
}

// firstLiterals returns literals one of which opens every match of t (nil
// when some match may open otherwise) and whether t opens with \b.
func firstLiterals(t *syntax.Regexp) ([]litPrefix, bool) {
	for t.Op == syntax.OpCapture {
		t = t.Sub[0]
	}
	wb := false
	if t.Op == syntax.OpConcat {
		i := 0
		for i < len(t.Sub) && t.Sub[i].Op == syntax.OpWordBoundary {
			wb = true
			i++
		}
		if i == len(t.Sub) {
			return nil, wb
		}
		l, inner := firstLiterals(t.Sub[i])
		// A literal followed by literal-opening branches (the parser
		// factors AKIA|ASIA into A(?:KIA|SIA)): join them.
		if t.Sub[i].Op == syntax.OpLiteral && len(l) == 1 && i+1 < len(t.Sub) {
			if next, w2 := firstLiterals(t.Sub[i+1]); next != nil && !w2 {
				joined := make([]litPrefix, 0, len(next))
				for _, n := range next {
					if n.fold != l[0].fold {
						joined = nil
						break
					}
					joined = append(joined, litPrefix{l[0].s + n.s, n.fold})
				}
				if joined != nil {
					l = joined
				}
			}
		}
		return l, wb || inner
	}
	switch t.Op {
	case syntax.OpLiteral:
		return []litPrefix{{string(t.Rune), t.Flags&syntax.FoldCase != 0}}, false
	case syntax.OpAlternate:
		var out []litPrefix
		for _, s := range t.Sub {
			l, w := firstLiterals(s)
			if l == nil || w {
				return nil, false
			}
			out = append(out, l...)
		}
		return out, false
	}
	return nil, false
}

// assignAhead measures the "identifier <op> value" shape after a keyword
// ending at i: identifier characters, at most three quotes or spaces, an
// operator (= > : | ? ,), then quotes, spaces or '='. It returns
// the length of the run of value characters that follows, up to 256 (-1
// when there is no operator), and where the run ends: the expression's
// secret group cannot be longer, nor end later.
func assignAhead(s string, i int) (run, end int) {
	run, end = assignAheadOnce(s, i)
	if i < len(s) && s[i] == ',' {
		// A comma may still belong to the identifier (new-york-times,?).
		if r, e := assignAheadOnce(s, i+1); r > run {
			run, end = r, e
		}
	}
	return run, end
}

func assignAheadOnce(s string, i int) (run, end int) {
	j := i
	for j < len(s) && j-i < 64 && (isAlnum(s[j]) || s[j] == '_' || s[j] == '.' || s[j] == '-' || s[j] == ' ' || s[j] == '\t') {
		j++
	}
	op := false
	for k := 0; k <= 3 && j < len(s) && !op; k++ {
		switch s[j] {
		case '=', '>', ':', '|', '?', ',':
			op = true
		case ' ', '\t', '\n', '\r', '\f', '\v', '\'', '"':
			j++
		default:
			return -1, i
		}
	}
	if !op {
		return -1, i
	}
	opEnd := j
	for k := 0; k < 4 && j < len(s) && isAssignOp(s[j]); k++ {
		j++
	}
	for k := 0; k < 16 && j < len(s) && (isQuoteOrSpace(s[j]) || s[j] == '='); k++ {
		j++
	}
	v := j
	for v > opEnd && s[v-1] == '=' { // '=' may open the value too
		v--
	}
	for j < len(s) && j-v < 256 && !isQuoteOrSpace(s[j]) && s[j] != ';' && s[j] != '(' && s[j] != ')' && s[j] != ',' {
		j++
	}
	return j - v, j
}

func isAssignOp(c byte) bool {
	return c == '=' || c == '>' || c == ':' || c == '|' || c == '?' || c == ','
}

func isQuoteOrSpace(c byte) bool {
	switch c {
	case ' ', '\t', '\n', '\r', '\f', '\v', '\'', '"', '`':
		return true
	}
	return false
}

func isWordByte(c byte) bool { return isAlnum(c) || c == '_' }

// glWindow is a stretch of text one rule's expression runs on.
type glWindow struct {
	rule     int32
	a, b     int32
	anchored bool
}

// assignMemo holds assignAhead's answer for one keyword hit.
type assignMemo struct {
	done     bool
	run, end int
}

// ruleWindow returns where rule ri must be searched for its keyword ki
// found at [ks, ke), or false when no match can hold the keyword there. am
// memoizes assignAhead for the hit.
func ruleWindow(s string, ri, ki int, ks, ke int, am *assignMemo) (glWindow, bool) {
	r := &glRules[ri]
	c := &glCompiled[ri]
	c.init(r)
	switch c.kwMode[ki] {
	case kwOpens:
		ok := false
		for _, l := range c.lits {
			if ks+len(l.s) <= len(s) {
				t := s[ks : ks+len(l.s)]
				if t == l.s || (l.fold && strings.EqualFold(t, l.s)) {
					ok = true
					break
				}
			}
		}
		if !ok || (c.wordStart && ks > 0 && isWordByte(s[ks-1])) {
			return glWindow{}, false
		}
		return anchoredWindow(s, c, ri, ks), true
	case kwIdent:
		if !am.done {
			am.run, am.end = assignAhead(s, ke)
			am.done = true
		}
		if am.run < c.minValue {
			return glWindow{}, false
		}
		// The match opens at most 50 identifier characters before the
		// keyword ([\w.-]{0,50}? in the expression) and ends with the
		// value run and its terminator.
		a := ks
		for a > 0 && ks-a < 50 && (isWordByte(s[a-1]) || s[a-1] == '.' || s[a-1] == '-') {
			a--
		}
		w := anchoredWindow(s, c, ri, a)
		if am.run < 256 {
			w.b = min(w.b, int32(min(len(s), am.end+16)))
		}
		return w, true
	}
	back, fwd := unboundedBack, unboundedFwd
	if c.maxLen >= 0 {
		back, fwd = c.maxLen, c.maxLen
	}
	a, b := max(0, ks-back), min(len(s), ke+fwd)
	// Widen to whitespace so that \b, ^ and $ see what they would see on
	// the whole text.
	for lim := a - edgeSlack; a > 0 && a > lim && !isSpace(s[a-1]); a-- {
	}
	for lim := b + edgeSlack; b < len(s) && b < lim && !isSpace(s[b-1]); b++ {
	}
	if b < len(s) {
		b++
	}
	return glWindow{rule: int32(ri), a: int32(a), b: int32(b)}, true
}

// anchoredWindow is the window of a match that must open at a: as long as
// the longest match (one byte more, so that $ cannot match at a cut), or
// unboundedFwd bytes for unbounded expressions (an anchored search stops as
// soon as no match can go on, so the length costs nothing).
func anchoredWindow(s string, c *compiledRule, ri, a int) glWindow {
	end := len(s)
	if c.maxLen >= 0 {
		end = min(end, a+c.maxLen+1)
	} else {
		end = min(end, a+unboundedFwd)
	}
	return glWindow{rule: int32(ri), a: int32(a), b: int32(end), anchored: true}
}

// catalogFinding is one rule match: the secret and the whole match.
type catalogFinding struct {
	rule    int32
	sa, sb  int32 // secret
	ma, mb  int32 // match
	generic bool
	extra   string // rule id of a non-catalogue finding (rule < 0)
}

// runWindow appends the accepted matches of w to out.
func runWindow(s string, w glWindow, out []catalogFinding) []catalogFinding {
	r := &glRules[w.rule]
	c := &glCompiled[w.rule]
	text := s[w.a:w.b]
	if !w.anchored {
		for _, l := range c.needs {
			if !containsFold(text, l) {
				return out
			}
		}
	}
	var ms [][]int
	if w.anchored {
		if m := c.anch.FindStringSubmatchIndex(text); m != nil {
			ms = [][]int{m}
		}
	} else {
		ms = c.re.FindAllStringSubmatchIndex(text, -1)
	}
	for _, m := range ms {
		if m[1] == len(text) && int(w.b) < len(s) {
			continue // ends at a cut edge: seen as the end of the text
		}
		sa, sb := m[0], m[1]
		if len(m) > 2 {
			if r.group > 0 && 2*r.group+1 < len(m) {
				sa, sb = m[2*r.group], m[2*r.group+1]
			} else {
				for g := 1; 2*g+1 < len(m); g++ {
					if m[2*g] >= 0 && m[2*g+1] > m[2*g] {
						sa, sb = m[2*g], m[2*g+1]
						break
					}
				}
			}
		}
		if sa < 0 || sb <= sa {
			continue
		}
		secret := text[sa:sb]
		if r.entropy > 0 && entropy(secret) <= r.entropy {
			continue
		}
		if glAllowed(s, int(w.a)+m[0], int(w.a)+m[1], secret, c) {
			continue
		}
		if r.id != "private-key" && catalogPlaceholder(secret) {
			continue
		}
		out = append(out, catalogFinding{rule: w.rule, sa: w.a + int32(sa), sb: w.a + int32(sb),
			ma: w.a + int32(m[0]), mb: w.a + int32(m[1]), generic: r.id == "generic-api-key"})
	}
	return out
}

// glAllowed applies the catalogue-wide and the rule's allowlists.
func glAllowed(s string, ma, mb int, secret string, c *compiledRule) bool {
	glGlobalOnce.Do(func() { glGlobal = compileAllow(glGlobalAllow) })
	low := strings.ToLower(secret)
	for _, re := range glGlobal.res {
		if re.MatchString(secret) {
			return true
		}
	}
	if glGlobal.stopHit(low) {
		return true
	}
	for i := range c.allow {
		a := &c.allow[i]
		target := secret
		switch a.target {
		case tgtMatch:
			target = s[ma:mb]
		case tgtLine:
			la := strings.LastIndexByte(s[:ma], '\n') + 1
			lb := strings.IndexByte(s[mb:], '\n')
			if lb < 0 {
				lb = len(s)
			} else {
				lb += mb
			}
			target = s[la:lb]
		}
		for _, re := range a.res {
			if re.MatchString(target) {
				return true
			}
		}
		if a.stopHit(low) {
			return true
		}
	}
	return false
}

var catalogPlaceholderWords = []string{"example", "xxxx", "****", "your", "placeholder", "redacted", "changeme",
	"dummy", "<", "${", "{{", "insert", "replace", "secret_here", "_here", ".....", "password"}

// catalogPlaceholder reports secrets that only look real: documentation
// samples, masks, template variables, one dominant character and keyboard
// or alphabet runs.
func catalogPlaceholder(v string) bool {
	lv := strings.ToLower(v)
	for _, w := range catalogPlaceholderWords {
		if strings.Contains(lv, w) {
			return true
		}
	}
	return placeholderShape(lv, 0.5)
}

// placeholderShape: one character fills more than half of the value, or
// ascending runs (abcd, 1234) cover the share seqShare of it.
func placeholderShape(lv string, seqShare float64) bool {
	var freq [256]int
	for i := 0; i < len(lv); i++ {
		freq[lv[i]]++
	}
	for _, f := range freq {
		if f*2 > len(lv) && len(lv) >= 6 {
			return true
		}
	}
	seq, run := 0, 1
	for i := 1; i <= len(lv); i++ {
		if i < len(lv) && lv[i] == lv[i-1]+1 && isAlnum(lv[i]) {
			run++
			continue
		}
		if run >= 4 {
			seq += run
		}
		run = 1
	}
	return len(lv) > 0 && float64(seq)/float64(len(lv)) >= seqShare
}
