package safety

import (
	"math"
	"math/rand/v2"
	"regexp/syntax"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/sys/cpu"

	"github.com/periscope-otel/periscope/internal/eval"
)

// TestSecretGateCoversCatalogue proves the gate's premise rule by rule:
// every finding of a rule is a long token (its secret's bytes are all
// gateRun and there are at least gateLong of them, or gateShort with a
// gateDigit byte), or every keyword of the rule contains an anchor. A rule
// added to the catalogue that is neither fails here.
func TestSecretGateCoversCatalogue(t *testing.T) {
	long, anchored := 0, 0
	for _, r := range glRules {
		re, err := syntax.Parse(r.re, syntax.Perl)
		require.NoError(t, err, r.id)
		secrets := secretGroups(re, r.group)
		minLen, mustDigit, inRun := math.MaxInt, true, true
		for _, g := range secrets {
			minLen = min(minLen, minMatchLen(g))
			mustDigit = mustDigit && reMustHold(g, &gateDigit)
			inRun = inRun && reOnly(g, &gateRun)
		}
		if r.entropy > 0 {
			// Shannon entropy of n symbols is at most log2(n).
			minLen = max(minLen, int(math.Floor(math.Exp2(r.entropy)))+1)
		}
		// An allowlist that drops secrets of letters and "_.-" alone leaves
		// secrets holding a gateDigit byte (if all their bytes are gateRun).
		for _, a := range r.allow {
			if a.target == tgtSecret && slices.Contains(a.regexes, `^[a-zA-Z_.-]+$`) {
				mustDigit = true
			}
		}
		run := math.MaxInt
		for _, g := range secrets {
			run = min(run, reRun(g, &gateRun))
		}
		if run >= gateLong || (inRun && (minLen >= gateLong || (minLen >= gateShort && mustDigit))) {
			long++
			continue
		}
		for _, k := range r.keywords {
			require.Truef(t, hasAnchor(k), "rule %s: secrets as short as %d bytes (or of other bytes), and keyword %q holds no anchor",
				r.id, minLen, k)
		}
		anchored++
	}
	for _, a := range shapeAnchors {
		require.True(t, hasAnchor(a), a)
	}
	t.Logf("%d rules gated by their tokens, %d by anchors", long, anchored)
	require.Greater(t, long, 3*anchored, "most rules should be gated by their tokens")
}

func hasAnchor(k string) bool {
	for _, a := range secretAnchors {
		if strings.Contains(strings.ToLower(k), a) {
			return true
		}
	}
	return false
}

// secretGroups are the sub-expressions a finding's secret may come from:
// the rule's group, else the first group when every match takes it, else
// any group (gitleaks takes the first non-empty one), else the match.
func secretGroups(re *syntax.Regexp, group int) []*syntax.Regexp {
	var caps []*syntax.Regexp
	var walk func(*syntax.Regexp)
	walk = func(x *syntax.Regexp) {
		if x.Op == syntax.OpCapture {
			caps = append(caps, x)
		}
		for _, s := range x.Sub {
			walk(s)
		}
	}
	walk(re)
	switch {
	case group > 0:
		return caps[group-1 : group]
	case len(caps) == 0:
		return []*syntax.Regexp{re}
	case minMatchLen(caps[0]) > 0 && mandatory(re, caps[0]):
		return caps[:1]
	}
	return caps
}

// mandatory reports whether every match of re takes the group g.
func mandatory(re, g *syntax.Regexp) bool {
	if re == g {
		return true
	}
	switch re.Op {
	case syntax.OpCapture, syntax.OpPlus:
		return mandatory(re.Sub[0], g)
	case syntax.OpRepeat:
		return re.Min > 0 && mandatory(re.Sub[0], g)
	case syntax.OpConcat:
		for _, s := range re.Sub {
			if mandatory(s, g) {
				return true
			}
		}
	}
	return false
}

// runeIn reports whether the bytes of r are in set (both ASCII cases of r
// when fold is set).
func runeIn(r rune, set *[256]bool, fold bool) bool {
	if r >= 0x80 {
		return set[0x80] // every byte of a multi-byte rune is >= 0x80
	}
	if !set[r] {
		return false
	}
	if fold && r < 0x80 {
		return set[upper(byte(r))] && set[lowerByte(byte(r))]
	}
	return true
}

func lowerByte(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 32
	}
	return c
}

// reRun is the longest run of set bytes every match of re holds.
func reRun(re *syntax.Regexp, set *[256]bool) int {
	if reOnly(re, set) {
		return minMatchLen(re)
	}
	switch re.Op {
	case syntax.OpCapture, syntax.OpPlus:
		return reRun(re.Sub[0], set)
	case syntax.OpRepeat:
		if re.Min > 0 {
			return reRun(re.Sub[0], set)
		}
	case syntax.OpConcat:
		best, cur := 0, 0
		for _, s := range re.Sub {
			if reOnly(s, set) {
				cur += minMatchLen(s)
				best = max(best, cur)
				continue
			}
			best = max(best, reRun(s, set))
			cur = 0
		}
		return best
	case syntax.OpAlternate:
		n := math.MaxInt
		for _, s := range re.Sub {
			n = min(n, reRun(s, set))
		}
		return n
	}
	return 0
}

// reOnly reports whether every byte re matches is in set.
func reOnly(re *syntax.Regexp, set *[256]bool) bool {
	switch re.Op {
	case syntax.OpLiteral:
		for _, r := range re.Rune {
			if !runeIn(r, set, re.Flags&syntax.FoldCase != 0) {
				return false
			}
		}
		return true
	case syntax.OpCharClass:
		for i := 0; i+1 < len(re.Rune); i += 2 {
			for r := re.Rune[i]; r <= re.Rune[i+1]; r++ {
				if r >= 0x80 {
					if !set[0x80] {
						return false
					}
					break
				}
				if !set[r] {
					return false
				}
			}
		}
		return true
	case syntax.OpAnyChar, syntax.OpAnyCharNotNL:
		return false
	}
	for _, s := range re.Sub {
		if !reOnly(s, set) {
			return false
		}
	}
	return true
}

// reMustHold reports whether every match of re holds a byte of set.
func reMustHold(re *syntax.Regexp, set *[256]bool) bool {
	switch re.Op {
	case syntax.OpLiteral:
		for _, r := range re.Rune {
			if runeIn(r, set, re.Flags&syntax.FoldCase != 0) {
				return true
			}
		}
		return false
	case syntax.OpCharClass:
		return len(re.Rune) > 0 && reOnly(re, set)
	case syntax.OpCapture, syntax.OpPlus:
		return reMustHold(re.Sub[0], set)
	case syntax.OpRepeat:
		return re.Min > 0 && reMustHold(re.Sub[0], set)
	case syntax.OpConcat:
		for _, s := range re.Sub {
			if reMustHold(s, set) {
				return true
			}
		}
		return false
	case syntax.OpAlternate:
		for _, s := range re.Sub {
			if !reMustHold(s, set) {
				return false
			}
		}
		return true
	}
	return false
}

// gateTexts are the dev texts and texts built to sit on the vector scan's
// edges: anchors, their prefixes and token runs of every length around
// block boundaries, in prose and in JSON, both cases.
func gateTexts(t testing.TB) []string {
	texts := devTexts(t, 3)
	rng := rand.New(rand.NewPCG(5, 8))
	prose := "the order ships on monday and the invoice follows; ask support about the refund. "
	pieces := []string{"ab1", "x", "_", ":", "<", "/", "=", "é", "\x00", "\n", `\"`}
	for _, a := range append(slices.Clone(secretAnchors), "data:", "secre", "swor", "cur", "<ad", "zxl", "bho", "_pu", "tes", "liv",
		"xo", "nke", "um", "pbo", "bsy", ":/", "riz") {
		pieces = append(pieces, a, strings.ToUpper(a))
	}
	for i := 0; i < 4000; i++ {
		var b strings.Builder
		n := 60 + rng.IntN(300)
		for b.Len() < n {
			switch rng.IntN(4) {
			case 0:
				k := rng.IntN(20) + 1
				for j := 0; j < k; j++ {
					b.WriteByte("abcXYZ019_.-=+/~%|"[rng.IntN(18)])
				}
			case 1:
				b.WriteString(pieces[rng.IntN(len(pieces))])
			default:
				p := rng.IntN(len(prose))
				b.WriteString(prose[p:min(len(prose), p+rng.IntN(40))])
			}
		}
		texts = append(texts, b.String())
	}
	// One anchor or run at every offset of a prose text.
	base := strings.Repeat(prose, 3)
	for off := 0; off < 100; off++ {
		for _, ins := range []string{"CURL", "rization:", "://", "aaaaaaaaaaaaaaaa", "aaaaaaaaaaa1", "aaaaaaaaaaaaaaa", "aaaaaaaaaa1"} {
			texts = append(texts, base[:off]+ins+base[off:], base[:off]+" "+ins+" "+base[off:])
		}
	}
	// ... and at the very end and start of texts of every length around
	// the scan's block and tail sizes.
	for n := gateMinLen; n < 140; n++ {
		for _, ins := range []string{"curl", "://", "aaaaaaaaaaaaaaaa", "00000000000 000000000000", "aaaaaaaaaa1a"} {
			if pad := n - len(ins); pad > 0 {
				texts = append(texts, base[:pad]+ins, ins+base[:pad])
			}
		}
	}
	return texts
}

// TestSecretGateVectorMatchesRef: the vector scan with its byte-by-byte
// checks answers as the gate's definition on every text.
func TestSecretGateVectorMatchesRef(t *testing.T) {
	// The vector scan is on wherever the CPU has AVX2; without it the gate
	// sends every text to the automaton.
	if runtime.GOARCH == "amd64" {
		require.Equal(t, cpu.X86.HasAVX2, vectorScan, "vector scan on exactly where the CPU has AVX2")
	}
	passed := 0
	for _, s := range gateTexts(t) {
		want := len(s) < gateMinLen || !vectorScan || secretsPossibleRef(s)
		require.Equalf(t, want, secretsPossible(s), "%q", s)
		if !want {
			passed++
		}
	}
	if vectorScan {
		require.Greater(t, passed, 500, "texts the gate lets skip the automaton")
	}
}

// TestSecretGateKeepsFindings: ScanSecrets finds with the gate what it
// finds without it, on the dev texts, the gate's edge texts and a
// synthetic positive of every rule in prose.
func TestSecretGateKeepsFindings(t *testing.T) {
	texts := gateTexts(t)
	g := &sampler{rng: rand.New(rand.NewPCG(3, 9))}
	pad := strings.Repeat("we will ship the order on monday. ", 4)
	for ri := range glRules {
		for i := 0; i < 3; i++ {
			if text, _, _, ok := synthPositive(g, ri); ok {
				texts = append(texts, text, pad+text+pad)
			}
		}
	}
	found, skipped := 0, 0
	for _, s := range texts {
		want, _ := scanSecrets(s, eval.SideInput, nil, nil)
		got, _ := ScanSecrets(s, eval.SideInput, nil, nil)
		require.Equalf(t, want, got, "%q", s)
		found += len(want)
		if len(s) >= 8 && !secretsPossible(s) {
			skipped++
		}
	}
	t.Logf("%d texts, %d findings, %d skipped by the gate", len(texts), found, skipped)
	require.Greater(t, found, len(glRules), "findings to keep")
}

// FuzzSecretGate: the vector scan agrees with the definition, and a text
// the gate turns away has no finding.
func FuzzSecretGate(f *testing.F) {
	for _, s := range []string{"curl -u admin:hunter2 https://x", "token = \"ab12cd34ef56gh78\"", strings.Repeat("order ", 20),
		strings.Repeat("a", 40) + "://" + strings.Repeat("b", 40), "AKIAIOSFODNN7EXAMPLQ " + strings.Repeat("x", 60)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ref := secretsPossibleRef(s)
		if vectorScan && len(s) >= gateMinLen && secretsPossible(s) != ref {
			t.Fatalf("vector scan says %v, definition %v: %q", !ref, ref, s)
		}
		if !ref {
			if fs, _ := scanSecrets(s, eval.SideInput, nil, nil); len(fs) > 0 {
				t.Fatalf("gate turns away a text with %d findings (%s): %q", len(fs), fs[0].Rule, s)
			}
		}
	})
}
