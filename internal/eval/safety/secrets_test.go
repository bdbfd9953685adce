package safety

import (
	"bufio"
	"encoding/json"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"regexp/syntax"
	"sort"
	"strconv"
	"strings"
	"testing"
	"unicode"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/periscope-otel/periscope/internal/eval"
	"github.com/periscope-otel/periscope/internal/testutil"
)

// secretRow is one labelled sample of the gitleaks secret set.
type secretRow struct {
	ID       string `json:"id"`
	Text     string `json:"text"`
	Label    int    `json:"label"`
	Category string `json:"category"`
}

// secretSamples loads shared/data/eval/gitleaks_secret_samples beside the
// repository; the test fails without it.
func secretSamples(t *testing.T) []secretRow {
	t.Helper()
	f, err := os.Open(filepath.Join(testutil.SharedDir(t), "data", "eval", "gitleaks_secret_samples", "data.jsonl"))
	require.NoError(t, err)
	defer f.Close()
	var rows []secretRow
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		var r secretRow
		require.NoError(t, json.Unmarshal(sc.Bytes(), &r))
		rows = append(rows, r)
	}
	require.NoError(t, sc.Err())
	return rows
}

type confusion struct{ tp, fp, fn, tn int }

func (c *confusion) add(label int, flagged bool) {
	switch {
	case label == 1 && flagged:
		c.tp++
	case label == 1:
		c.fn++
	case flagged:
		c.fp++
	default:
		c.tn++
	}
}

func (c confusion) precision() float64 {
	if c.tp+c.fp == 0 {
		return 1
	}
	return float64(c.tp) / float64(c.tp+c.fp)
}

func (c confusion) recall() float64 {
	if c.tp+c.fn == 0 {
		return 1
	}
	return float64(c.tp) / float64(c.tp+c.fn)
}

// TestSecretsGitleaksSamples scores the evaluator on the dev rows, folded
// by rule family: the rules are re-expressed from the catalogue and nothing
// is fitted, so each fold's held-out families measure the rules as they are.
// Misses are logged per family.
func TestSecretsGitleaksSamples(t *testing.T) {
	rows := secretSamples(t)
	e := NewSecrets(Options{})
	flagged := make([]bool, len(rows))
	var all confusion
	perCat := map[string]*confusion{}
	for i, r := range rows {
		flagged[i] = e.Evaluate(&eval.Input{Input: r.Text}).Score >= 0.5
		all.add(r.Label, flagged[i])
		c := perCat[r.Category]
		if c == nil {
			c = &confusion{}
			perCat[r.Category] = c
		}
		c.add(r.Label, flagged[i])
		if flagged[i] != (r.Label == 1) {
			t.Logf("miss %-40s label=%d flagged=%v %s %.120q", r.Category, r.Label, flagged[i], r.ID, r.Text)
		}
	}
	cats := make([]string, 0, len(perCat))
	for c := range perCat {
		cats = append(cats, c)
	}
	sort.Strings(cats)
	for _, c := range cats {
		if x := perCat[c]; x.fn+x.fp > 0 {
			t.Logf("category %-40s tp=%d fp=%d fn=%d tn=%d", c, x.tp, x.fp, x.fn, x.tn)
		}
	}
	// Group k-fold: families are dealt round-robin into k folds.
	const k = 5
	fold := map[string]int{}
	for i, c := range cats {
		fold[c] = i % k
	}
	var pooled confusion
	for f := 0; f < k; f++ {
		var c confusion
		for i, r := range rows {
			if fold[r.Category] == f {
				c.add(r.Label, flagged[i])
			}
		}
		pooled.tp, pooled.fp, pooled.fn, pooled.tn = pooled.tp+c.tp, pooled.fp+c.fp, pooled.fn+c.fn, pooled.tn+c.tn
		t.Logf("fold %d (held-out families): precision %.3f recall %.3f (n=%d)", f, c.precision(), c.recall(), c.tp+c.fp+c.fn+c.tn)
	}
	t.Logf("dev: precision %.3f recall %.3f over %d rows, %d families", all.precision(), all.recall(), len(rows), len(cats))
	assert.GreaterOrEqual(t, pooled.precision(), 0.95, "group k-fold precision")
	assert.GreaterOrEqual(t, pooled.recall(), 0.95, "group k-fold recall")
}

// sampler draws strings from a regular expression's syntax tree.
type sampler struct {
	rng *rand.Rand
}

const sampleAlnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

func (g *sampler) runeOf(class []rune) rune {
	// Prefer alphanumerics the class allows, so that bodies look like
	// tokens; otherwise any printable ASCII member, else the first one.
	var alnum, other []rune
	for i := 0; i+1 < len(class); i += 2 {
		lo, hi := class[i], class[i+1]
		for r := lo; r <= hi && r < 127; r++ {
			switch {
			case strings.ContainsRune(sampleAlnum, r):
				alnum = append(alnum, r)
			case r >= ' ':
				other = append(other, r)
			}
		}
	}
	if len(alnum) > 0 && (len(other) == 0 || g.rng.IntN(8) > 0) {
		return alnum[g.rng.IntN(len(alnum))]
	}
	if len(other) > 0 {
		return other[g.rng.IntN(len(other))]
	}
	if len(class) > 0 {
		return class[0]
	}
	return 'a'
}

func (g *sampler) count(lo, hi int) int {
	if hi < 0 || hi-lo > 24 {
		hi = lo + 24
	}
	if lo >= hi {
		return lo
	}
	return lo + g.rng.IntN(hi-lo+1)
}

func (g *sampler) gen(b *strings.Builder, re *syntax.Regexp) {
	switch re.Op {
	case syntax.OpLiteral:
		for _, r := range re.Rune {
			if re.Flags&syntax.FoldCase != 0 && g.rng.IntN(4) == 0 {
				r = unicode.SimpleFold(r)
			}
			b.WriteRune(r)
		}
	case syntax.OpCharClass:
		b.WriteRune(g.runeOf(re.Rune))
	case syntax.OpAnyChar, syntax.OpAnyCharNotNL:
		b.WriteByte(sampleAlnum[g.rng.IntN(len(sampleAlnum))])
	case syntax.OpCapture:
		g.gen(b, re.Sub[0])
	case syntax.OpConcat:
		for _, s := range re.Sub {
			g.gen(b, s)
		}
	case syntax.OpAlternate:
		g.gen(b, re.Sub[g.rng.IntN(len(re.Sub))])
	case syntax.OpQuest:
		if g.rng.IntN(2) == 0 {
			g.gen(b, re.Sub[0])
		}
	case syntax.OpStar, syntax.OpPlus, syntax.OpRepeat:
		lo, hi := 0, 3
		if re.Op == syntax.OpPlus {
			lo = 1
		}
		if re.Op == syntax.OpRepeat {
			lo, hi = re.Min, re.Max
		}
		for n := g.count(lo, hi); n > 0; n-- {
			g.gen(b, re.Sub[0])
		}
	}
}

// secretSpan applies gitleaks' secret-group choice to one match.
func secretSpan(m []int, group int) (int, int) {
	if len(m) > 2 {
		if group > 0 && 2*group+1 < len(m) {
			return m[2*group], m[2*group+1]
		}
		for g := 1; 2*g+1 < len(m); g++ {
			if m[2*g] >= 0 && m[2*g+1] > m[2*g] {
				return m[2*g], m[2*g+1]
			}
		}
	}
	return m[0], m[1]
}

// synthPositive draws a text that gitleaks itself would flag for rule ri:
// it matches the expression, holds a keyword, the secret clears the entropy
// floor and no allowlist drops it. ok is false when no draw qualifies.
func synthPositive(g *sampler, ri int) (text string, sa, sb int, ok bool) {
	r := &glRules[ri]
	c := &glCompiled[ri]
	c.init(r)
	tree, err := syntax.Parse(r.re, syntax.Perl)
	if err != nil {
		return "", 0, 0, false
	}
	for try := 0; try < 200; try++ {
		var b strings.Builder
		g.gen(&b, tree)
		body := b.String()
		// Embed as a line of a config file or a chat message; rules whose
		// keyword is not part of the token get it beside the token.
		pre := []string{"", "value: ", "export ", "see ", r.keywords[0] + " = ", "Here is my config:\n", "{\"cfg\": \"", "const v = '"}[g.rng.IntN(8)]
		text = pre + body + []string{"", "\n", " ok", "\"}", "';\n", " and it fails with 401."}[g.rng.IntN(6)]
		m := c.re.FindStringSubmatchIndex(text)
		if m == nil {
			continue
		}
		sa, sb = secretSpan(m, r.group)
		if sa < 0 || sb <= sa {
			continue
		}
		secret := text[sa:sb]
		low := strings.ToLower(text)
		hasKW := false
		for _, k := range r.keywords {
			hasKW = hasKW || strings.Contains(low, k)
		}
		if !hasKW || (r.entropy > 0 && entropy(secret) <= r.entropy) || glAllowed(text, m[0], m[1], secret, c) {
			continue
		}
		if r.id != "private-key" && catalogPlaceholder(secret) {
			continue
		}
		return text, sa, sb, true
	}
	return "", 0, 0, false
}

// TestSecretsCatalogueSynthetic draws texts from every catalogue rule's own
// expression (bodies of the right charset and length next to the keyword)
// and asserts detection, then masks each secret (repeated characters,
// template variables, documentation placeholders) and asserts silence. It
// measures the rules the dev set never hits.
func TestSecretsCatalogueSynthetic(t *testing.T) {
	g := &sampler{rng: rand.New(rand.NewPCG(12, 2026))}
	const perRule = 6
	var pos, posHit, neg, negHit, rulesDrawn int
	var missed, noisy []string
	for ri := range glRules {
		r := &glRules[ri]
		drawn, hit, nHit := 0, 0, 0
		for i := 0; i < perRule; i++ {
			text, sa, sb, ok := synthPositive(g, ri)
			if !ok {
				continue
			}
			drawn++
			fs, _ := ScanSecrets(text, eval.SideInput, nil, nil)
			found := false
			for _, f := range fs {
				if f.Start < sb && sa < f.End {
					found = true
				}
			}
			if found {
				hit++
			} else if hit+1 >= drawn {
				t.Logf("missed %s: %q (secret %q)", r.id, text, text[sa:sb])
			}
			masks := []string{strings.Repeat("x", sb-sa), "${" + strings.ToUpper(strings.ReplaceAll(r.id, "-", "_")) + "}", "<your-token>", "EXAMPLE"}
			for _, m := range masks {
				nt := text[:sa] + m + text[sb:]
				neg++
				if fs, _ := ScanSecrets(nt, eval.SideInput, nil, nil); len(fs) > 0 {
					negHit++
					nHit++
					if nHit == 1 {
						t.Logf("flagged mask for %s: %q -> %s", r.id, nt, fs[0].Rule)
					}
				}
			}
		}
		if drawn == 0 {
			t.Logf("no qualifying sample for %s", r.id)
			continue
		}
		rulesDrawn++
		pos += drawn
		posHit += hit
		if hit < drawn {
			missed = append(missed, r.id)
		}
		if nHit > 0 {
			noisy = append(noisy, r.id)
		}
	}
	t.Logf("synthetic: %d/%d rules drawn; positives %d/%d detected (%.3f); masked negatives %d/%d flagged (%.3f)",
		rulesDrawn, len(glRules), posHit, pos, float64(posHit)/float64(pos), negHit, neg, float64(negHit)/float64(neg))
	t.Logf("rules with a missed positive: %v", missed)
	t.Logf("rules with a flagged negative: %v", noisy)
	assert.GreaterOrEqual(t, rulesDrawn, len(glRules)-5, "rules without a qualifying sample")
	assert.GreaterOrEqual(t, float64(posHit)/float64(pos), 0.97, "synthetic recall")
	assert.LessOrEqual(t, float64(negHit)/float64(neg), 0.03, "synthetic masked false positives")
}

// TestSecretsCatalogue checks that every rule compiles, has keywords and
// is reachable through the keyword automaton.
func TestSecretsCatalogue(t *testing.T) {
	assert.Len(t, glRules, 221, "gitleaks catalogue rules with a content expression (pkcs12-file is path-only)")
	seen := map[string]bool{}
	for ri := range glRules {
		r := &glRules[ri]
		assert.False(t, seen[r.id], "duplicate %s", r.id)
		seen[r.id] = true
		assert.NotEmpty(t, r.keywords, r.id)
		_, err := regexp.Compile(r.re)
		assert.NoError(t, err, r.id)
		glCompiled[ri].init(r)
		for _, k := range r.keywords {
			found := false
			for _, h := range secretMatcher.FindString("  "+k+"  ", nil) {
				found = found || (int(h.Pat) < len(glKeywords) && glKeywords[h.Pat] == k)
			}
			assert.True(t, found, "%s keyword %q not in the automaton", r.id, k)
		}
	}
}

// TestSecretsNoKeywordNoRegex: text without any catalogue keyword yields
// no keyword hit, so no expression runs.
func TestSecretsNoKeywordNoRegex(t *testing.T) {
	s := strings.Repeat("The quick brown fox jumps over the lazy dog near the river bank. ", 50)
	for _, h := range secretMatcher.FindString(s, nil) {
		if int(h.Pat) < len(glKeywords) {
			t.Fatalf("keyword %q in plain text", glKeywords[h.Pat])
		}
	}
	fs, _ := ScanSecrets(s, eval.SideInput, nil, nil)
	assert.Empty(t, fs)
}

// TestSecretsLongAndEmbedded: long multi-line keys, several secrets in one
// text, and keywords far from any secret.
func TestSecretsLongAndEmbedded(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	b64 := func(n int) string {
		const cs = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
		out := make([]byte, n)
		for i := range out {
			out[i] = cs[rng.IntN(len(cs))]
		}
		return string(out)
	}
	var body strings.Builder
	for i := 0; i < 26; i++ {
		body.WriteString(b64(64) + "\n")
	}
	key := "-----BEGIN RSA PRIVATE KEY-----\n" + body.String() + "-----END RSA PRIVATE KEY-----"
	text := strings.Repeat("Some notes about the secret rotation policy and the api.\n", 30) + key +
		"\nand the bot uses xoxb-" + "1234567890123-1234567890123-" + "aZ9kQ2mL7xP4tR8wB3nV6yC1" + " in prod\n" +
		"GITHUB_TOKEN=ghp_" + "R8z3mQ1vL0pX7kW2nB5tY9cJ4hF6gD1sA0eU\n"
	fs, _ := ScanSecrets(text, eval.SideInput, nil, nil)
	var rules []string
	for i, f := range fs {
		rules = append(rules, f.Rule)
		if i > 0 {
			assert.LessOrEqual(t, fs[i-1].End, f.Start, "findings overlap or are out of order")
		}
	}
	assert.Equal(t, []string{"private-key", "slack-bot-token", "github-pat"}, rules)
}

func TestSecretsContainsFold(t *testing.T) {
	for _, c := range []struct {
		s, l string
		want bool
	}{
		{"abc", "", true}, {"", "a", false}, {"xxKind:y", "kind:", true}, {"kind", "kind:", false},
		{"KIND:", "kind:", true}, {"kkkkkK", "kk", true}, {"kq", "kk", false}, {"aXdata:", "data:", true},
	} {
		assert.Equal(t, c.want, containsFold(c.s, c.l), "%q in %q", c.l, c.s)
	}
}

// TestSecretsCatalogueInSync compares the Go catalogue with the gitleaks
// rule file in shared data: every rule with a content expression is present
// with the same expression, keywords and entropy.
func TestSecretsCatalogueInSync(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(testutil.SharedDir(t), "data", "lexicons", "gitleaks_rules.toml"))
	require.NoError(t, err)
	byID := map[string]*glRule{}
	for i := range glRules {
		byID[glRules[i].id] = &glRules[i]
	}
	field := regexp.MustCompile(`(?m)^(id|regex|entropy) = (?:'''(.*)'''|"(.*)"|(\[.*\])|([0-9.]+))$`)
	kwField := regexp.MustCompile(`(?s)\nkeywords = \[(.*?)\]`)
	blocks := strings.Split(string(raw), "[[rules]]")[1:]
	n := 0
	for _, b := range blocks {
		vals := map[string]string{}
		for _, m := range field.FindAllStringSubmatch(b, -1) {
			vals[m[1]] = m[2] + m[3] + m[4] + m[5]
		}
		if m := kwField.FindStringSubmatch(b); m != nil {
			vals["keywords"] = m[1]
		}
		id := vals["id"]
		if vals["regex"] == "" {
			assert.Nil(t, byID[id], "%s has no content expression upstream", id)
			continue
		}
		n++
		r := byID[id]
		if !assert.NotNil(t, r, "rule %s missing", id) {
			continue
		}
		assert.Equal(t, vals["regex"], r.re, id)
		for _, k := range r.keywords {
			assert.Contains(t, strings.ToLower(vals["keywords"]), `"`+k+`"`, id)
		}
		if e := vals["entropy"]; e != "" {
			want, err := strconv.ParseFloat(e, 64)
			assert.NoError(t, err, id)
			assert.Equal(t, want, r.entropy, id)
		}
	}
	assert.Equal(t, len(glRules), n, "rules with a content expression")
}
