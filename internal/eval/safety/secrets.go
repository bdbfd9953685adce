package safety

import (
	"math"
	"sort"
	"strings"

	"github.com/periscope-otel/periscope/internal/contract"
	"github.com/periscope-otel/periscope/internal/eval"
)

// Anchors of the structural checks that are not catalogue rules:
// credentials in URLs and connection strings, Authorization headers.
var shapeAnchors = []string{"://", "authorization:"}

// kwRule is one rule a keyword gates: the rule and the keyword's index in
// the rule's list.
type kwRule struct {
	rule int32
	kw   int32
}

// glKeywords are the distinct catalogue keywords; glKeywordRules[i] lists
// the rules that keyword i gates.
var glKeywords, glKeywordRules = func() ([]string, [][]kwRule) {
	idx := map[string]int{}
	var kws []string
	var rules [][]kwRule
	for ri, r := range glRules {
		for ki, k := range r.keywords {
			i, ok := idx[k]
			if !ok {
				i = len(kws)
				idx[k] = i
				kws = append(kws, k)
				rules = append(rules, nil)
			}
			rules[i] = append(rules[i], kwRule{int32(ri), int32(ki)})
		}
	}
	return kws, rules
}()

// maxGLRules bounds the catalogue size (per-scan tables are arrays).
const maxGLRules = 256

func init() {
	if len(glRules) > maxGLRules {
		panic("safety: raise maxGLRules")
	}
}

// glGenericRule is the index of generic-api-key.
var glGenericRule = func() int32 {
	for i, r := range glRules {
		if r.id == "generic-api-key" {
			return int32(i)
		}
	}
	return -1
}()

// secretKeywords are the catalogue keywords and the structural anchors;
// secretMatcher finds them all in one case-insensitive pass.
var (
	secretKeywords = append(append([]string(nil), glKeywords...), shapeAnchors...)
	secretMatcher  = NewMatcher(secretKeywords, true)
)

// Secrets detects credentials with the whole gitleaks rule catalogue
// (keyword-gated expressions, secret groups, entropy floors, allowlists)
// plus credentials in URLs, connection strings and Authorization headers.
type Secrets struct{ sides eval.Side }

// NewSecrets returns the secrets evaluator.
func NewSecrets(o Options) *Secrets {
	return &Secrets{sides: o.sides(eval.SideInput | eval.SideOutput)}
}

func (e *Secrets) Name() string { return contract.EvalSecrets }

func (e *Secrets) Evaluate(in *eval.Input) eval.Result { return evaluateOne(e, in) }

func (e *Secrets) run(p *prepared) eval.Result {
	var findings []eval.Finding
	for _, side := range []eval.Side{eval.SideInput, eval.SideOutput} {
		if e.sides&side == 0 {
			continue
		}
		findings, p.hits = ScanSecrets(p.side(side).raw, side, findings, p.hits)
	}
	r := eval.Result{Findings: findings}
	prod := 1.0
	for _, f := range findings {
		w := 0.95
		if f.Rule == "generic-api-key" {
			w = 0.75
		}
		prod *= 1 - w
	}
	r.Score = clamp01(1 - prod)
	if len(findings) > 0 {
		r.Types = []string{"secret"}
	}
	return r
}

// ScanSecrets appends secret findings in s to dst (rule = rule id, offsets
// of the secret value), ordered by offset and not overlapping. hits is
// scratch space.
func ScanSecrets(s string, side eval.Side, dst []eval.Finding, hits []Hit) ([]eval.Finding, []Hit) {
	if len(s) < 8 || !secretsPossible(s) {
		return dst, hits[:0]
	}
	return scanSecrets(s, side, dst, hits)
}

// scanSecrets is ScanSecrets without the gate.
func scanSecrets(s string, side eval.Side, dst []eval.Finding, hits []Hit) ([]eval.Finding, []Hit) {
	hits = secretMatcher.FindString(s, hits[:0])
	if len(hits) == 0 {
		return dst, hits
	}
	nk := int32(len(glKeywords))
	var winBuf [16]glWindow
	wins := winBuf[:0]
	var lastWin [maxGLRules]int32 // 1 + index in wins of each rule's latest window
	var cfBuf [8]catalogFinding
	found := cfBuf[:0]
	for _, h := range hits {
		if h.Pat >= nk {
			var a, b int
			rule := ""
			switch shapeAnchors[h.Pat-nk] {
			case "://":
				a, b, rule = urlCredentials(s, int(h.Start))
			case "authorization:":
				if x, y, ok := authHeaderValue(s, int(h.End)); ok {
					a, b, rule = x, y, "authorization-header"
				}
			}
			if rule != "" {
				found = append(found, catalogFinding{rule: -1, sa: int32(a), sb: int32(b), extra: rule})
			}
			continue
		}
		var am assignMemo
		for _, kr := range glKeywordRules[h.Pat] {
			ri := kr.rule
			if ri == glGenericRule {
				if a, b, ok := xmlCredential(s, int(h.Start), int(h.End)); ok {
					found = append(found, catalogFinding{rule: ri, sa: int32(a), sb: int32(b), generic: true})
				}
			}
			if w, ok := ruleWindow(s, int(ri), int(kr.kw), int(h.Start), int(h.End), &am); ok {
				wins = addWindow(wins, &lastWin, w)
			}
		}
	}
	for _, w := range wins {
		found = runWindow(s, w, found)
	}
	if len(found) == 0 {
		return dst, hits
	}
	// Specific rules before the generic one, then by offset; keep findings
	// that overlap nothing kept before.
	if len(found) > 32 {
		sort.Slice(found, func(i, j int) bool { return findingLess(&found[i], &found[j]) })
	} else {
		for i := 1; i < len(found); i++ {
			for j := i; j > 0 && findingLess(&found[j], &found[j-1]); j-- {
				found[j], found[j-1] = found[j-1], found[j]
			}
		}
	}
	base := len(dst)
	for _, f := range found {
		overlap := false
		for _, d := range dst[base:] {
			if int(f.sa) < d.End && d.Start < int(f.sb) {
				overlap = true
				break
			}
		}
		if overlap {
			continue
		}
		rule := f.extra
		if f.rule >= 0 {
			rule = glRules[f.rule].id
		}
		dst = append(dst, eval.Finding{Rule: rule, Side: side, Start: int(f.sa), End: int(f.sb)})
	}
	out := dst[base:]
	if len(out) > 32 {
		sort.Slice(out, func(i, j int) bool { return out[i].Start < out[j].Start })
	} else {
		for i := 1; i < len(out); i++ {
			for j := i; j > 0 && out[j].Start < out[j-1].Start; j-- {
				out[j], out[j-1] = out[j-1], out[j]
			}
		}
	}
	return dst, hits
}

// addWindow appends w, or merges it into the latest window of the same
// rule that it overlaps: windows that open at different places become one
// unanchored search, so a rule never scans the same stretch twice.
func addWindow(wins []glWindow, last *[maxGLRules]int32, w glWindow) []glWindow {
	if i := last[w.rule] - 1; i >= 0 {
		p := &wins[i]
		if w.a <= p.b && p.a <= w.b {
			if !(p.anchored && w.anchored && p.a == w.a) {
				p.anchored = false
			}
			p.a, p.b = min(p.a, w.a), max(p.b, w.b)
			return wins
		}
	}
	last[w.rule] = int32(len(wins)) + 1
	return append(wins, w)
}

// findingRank: specific catalogue rules first, then the structural checks,
// then the generic rule.
func findingRank(f *catalogFinding) int {
	switch {
	case f.generic:
		return 2
	case f.rule < 0:
		return 1
	}
	return 0
}

// findingLess orders findings by rank, then by offset, longer first.
func findingLess(a, b *catalogFinding) bool {
	if pa, pb := findingRank(a), findingRank(b); pa != pb {
		return pa < pb
	}
	if a.sa != b.sa {
		return a.sa < b.sa
	}
	return a.sb > b.sb
}

// entropy is the Shannon entropy of s in bits per character.
func entropy(s string) float64 {
	if len(s) == 0 {
		return 0
	}
	var freq [256]int
	for i := 0; i < len(s); i++ {
		freq[s[i]]++
	}
	h := 0.0
	n := float64(len(s))
	for _, f := range freq {
		if f > 0 {
			p := float64(f) / n
			h -= p * math.Log2(p)
		}
	}
	return h
}

var placeholderWords = []string{"example", "xxxx", "****", "your", "placeholder", "redacted", "changeme",
	"dummy", "sample", "<", "${", "{{", "insert", "replace", "fake", "secret_here", "_here", "todo", "....", "----"}

// placeholder reports values that only look like secrets: documentation
// samples, masked values, keyboard runs and sequences.
func placeholder(v string) bool {
	lv := strings.ToLower(v)
	for _, w := range placeholderWords {
		if strings.Contains(lv, w) {
			return true
		}
	}
	return placeholderShape(lv, 0.3)
}

// urlCredentials finds scheme://user:password@host around the "://" at i.
func urlCredentials(s string, i int) (int, int, string) {
	a := i
	for a > 0 && (isAlnum(s[a-1]) || s[a-1] == '+' || s[a-1] == '.' || s[a-1] == '-') {
		a--
	}
	if a == i {
		return 0, 0, ""
	}
	scheme := strings.ToLower(s[a:i])
	u := i + 3
	at := -1
	colon := -1
	for k := u; k < len(s) && k-u < 256; k++ {
		c := s[k]
		if c == '@' {
			at = k
			break
		}
		if c == '/' || c == ' ' || c == '\n' || c == '"' || c == '\'' || c == '?' || c == '#' || c == '<' || c == '>' {
			break
		}
		if c == ':' && colon < 0 {
			colon = k
		}
	}
	if at < 0 || colon < 0 || colon+1 >= at {
		return 0, 0, ""
	}
	pass := s[colon+1 : at]
	if len(pass) < 3 || placeholder(pass) || pass[0] == '$' || pass[0] == '%' || pass[0] == '[' || pass[0] == '{' || pass[0] == '*' ||
		strings.EqualFold(pass, "password") || strings.EqualFold(pass, "pass") || strings.EqualFold(pass, "pwd") {
		return 0, 0, ""
	}
	// Host after '@' must look like a host.
	h := at + 1
	if h >= len(s) || !(isAlnum(s[h]) || s[h] == '[') {
		return 0, 0, ""
	}
	rule := "url-credentials"
	switch scheme {
	case "postgres", "postgresql", "mysql", "mariadb", "mongodb", "mongodb+srv", "redis", "rediss",
		"amqp", "amqps", "mssql", "sqlserver", "jdbc:mysql", "jdbc:postgresql", "clickhouse", "cockroachdb":
		rule = "connection-string"
	}
	return colon + 1, at, rule
}

// authHeaderValue reads "[scheme] credential" after a header colon: when
// two words follow, the first is the scheme (Bearer, Basic, Api-Token, …).
// Outside curl commands (the catalogue's curl rules) only long, random
// credentials count.
func authHeaderValue(s string, i int) (int, int, bool) {
	word := func(i int) (int, int) {
		for i < len(s) && s[i] == ' ' {
			i++
		}
		j := i
		for j < len(s) && s[j] != ' ' && s[j] != '"' && s[j] != '\'' && s[j] != '\n' && s[j] != ',' {
			j++
		}
		return i, j
	}
	i, j := word(i)
	if j < len(s) && s[j] == ' ' {
		if x, y := word(j); y > x {
			i, j = x, y
		}
	}
	v := s[i:j]
	if len(v) < 16 || placeholder(v) || strings.ContainsAny(v[:1], "$[{<%*") || entropy(v) < 3.2 {
		return 0, 0, false
	}
	return i, j, true
}

// sortHitsByStart orders automaton hits by start offset (insertion sort:
// hit lists are short and nearly sorted).
func sortHitsByStart(h []Hit) {
	for i := 1; i < len(h); i++ {
		for j := i; j > 0 && h[j].Start < h[j-1].Start; j-- {
			h[j], h[j-1] = h[j-1], h[j]
		}
	}
}

// xmlCredential extends the generic rule to XML elements, where the value
// ends at the closing tag rather than at a quote or a space:
// <apiToken>value</apiToken>. The keyword at [ks, ke) must sit in the
// element name; the value gets the generic rule's charset, length, entropy
// floor and allowlists.
func xmlCredential(s string, ks, ke int) (int, int, bool) {
	st := ks
	for st > 0 && ks-st < 50 && (isWordByte(s[st-1]) || s[st-1] == '.' || s[st-1] == '-') {
		st--
	}
	if st == 0 || s[st-1] != '<' {
		return 0, 0, false
	}
	gt := ke
	for gt < len(s) && gt-ke < 20 && (isWordByte(s[gt]) || s[gt] == '.' || s[gt] == '-') {
		gt++
	}
	if gt >= len(s) || s[gt] != '>' {
		return 0, 0, false
	}
	v := gt + 1
	e := v
	for e < len(s) && e-v <= 150 && (isWordByte(s[e]) || s[e] == '.' || s[e] == '=' || s[e] == '-' || s[e] == '+' || s[e] == '/') {
		e++
	}
	if n := e - v; n < 10 || n > 150 || e+1 >= len(s) || s[e] != '<' || s[e+1] != '/' {
		return 0, 0, false
	}
	r := &glRules[glGenericRule]
	c := &glCompiled[glGenericRule]
	c.init(r)
	val := s[v:e]
	if entropy(val) <= r.entropy || glAllowed(s, st-1, e, val, c) || catalogPlaceholder(val) {
		return 0, 0, false
	}
	return v, e, true
}
