package hallucination

import (
	"math/rand/v2"
	"strings"
	"testing"
	"unicode"

	"github.com/periscope-otel/periscope/internal/testutil"
)

// systemHasMaterialRef is the allocating implementation systemHasMaterial
// replaced; the two must agree on every input.
func systemHasMaterialRef(sys string) bool {
	if strings.TrimSpace(sys) == "" {
		return false
	}
	lower := strings.ToLower(sys)
	for _, m := range contextMarkers {
		if i := strings.Index(lower, m); i >= 0 && refContentWords(lower[i+len(m):]) >= minMarkedWords {
			return true
		}
	}
	n := 0
	for _, sent := range strings.FieldsFunc(lower, func(r rune) bool { return r == '.' || r == '!' || r == '?' || r == '\n' || r == ';' }) {
		words := strings.FieldsFunc(sent, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '\'' })
		if len(words) == 0 {
			continue
		}
		if _, instr := instructionStarts[words[0]]; instr || strings.Contains(sent, "you are") || strings.Contains(sent, "assistant") {
			continue
		}
		n += refCountContent(words)
		if n >= minMaterialWords {
			return true
		}
	}
	return false
}

func refContentWords(s string) int {
	return refCountContent(strings.FieldsFunc(s, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }))
}

func refCountContent(words []string) int {
	n := 0
	for _, w := range words {
		if _, stop := stopwords[w]; stop {
			continue
		}
		if len(w) >= 3 || (len(w) > 0 && unicode.IsDigit(rune(w[0]))) {
			n++
		}
	}
	return n
}

// TestSystemHasMaterialMatchesReference compares the one-pass scanner with
// the reference on the texts of the hallucination dev sets (as system
// prompts, whole and cut into pieces), crafted Unicode and marker cases, and
// random splices of them.
func TestSystemHasMaterialMatchesReference(t *testing.T) {
	texts := []string{
		"", " \n\t", "Context:", "context: a b c", "CONTEXT: Lisbon Porto Faro", "Sources: 1 2 3",
		"You are a helpful assistant. Answer briefly.", "You are a helpful assistant; The refund window is thirty days long.",
		"\u212Anowledge: Lisbon Porto Faro", // Kelvin sign lowercases to k
		"İstanbul is the largest city of Türkiye and sits on the Bosphorus.",
		"ﬁles: ﬁve ﬁne ﬁgures", "Ⅻ Ⅳ ½ ٣ ۴ numbers: ٣٤ ٥٦ ٧٨", "résumé café naïve coöperate façade",
		"\xff\xfe invalid bytes: alpha beta gamma", "data:\x80\x81 x y z", "```go\nfunc main() {}\n```",
		"\"\"\"quoted material here now\"\"\"", "don't won't can't isn't aren't", "It's the policy: refunds within 30 days.",
		"you are\u00a0not here. ASSISTANT notes. 12 34 56 78", "<context>Paris is the capital</context>",
		"Use the following.\nThe warehouse ships on Mondays and Thursdays only.",
	}
	for _, set := range []string{"summedits", "halueval_qa", "begin_dialogue_groundedness"} {
		for i, r := range loadSet(t, set) {
			if i%7 != 0 {
				continue
			}
			texts = append(texts, r.Context, r.Query, r.Text)
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	n := len(texts)
	for i := 0; i < 2000; i++ {
		a, b := texts[rng.IntN(n)], texts[rng.IntN(n)]
		a = a[:rng.IntN(len(a)+1)]
		if len(b) > 0 {
			b = b[rng.IntN(len(b)):]
		}
		texts = append(texts, a+b, "You are an assistant. "+b, a+"\nContext: "+b)
	}
	for _, s := range texts {
		if got, want := systemHasMaterial(s), systemHasMaterialRef(s); got != want {
			t.Fatalf("systemHasMaterial(%q) = %v, reference %v", s, got, want)
		}
	}
}

func BenchmarkSystemHasMaterial(b *testing.B) {
	words := []string{"invoice", "refund", "customer", "shipment", "warranty", "account", "ticket", "order", "billing", "support"}
	var sb strings.Builder
	for i := 0; sb.Len() < 4096; i++ {
		sb.WriteString(words[(i*7)%len(words)])
		sb.WriteByte(' ')
	}
	// The worst case: a padded prompt that is one instruction sentence
	// and carries no marker, so every check reads all of it.
	sys := "You are a helpful assistant " + sb.String() + ". Answer briefly."
	for _, c := range []struct {
		name string
		fn   func(string) bool
	}{{"scanner", systemHasMaterial}, {"reference", systemHasMaterialRef}} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(sys)))
			b.ReportAllocs()
			testutil.CPULoop(b, func() { c.fn(sys) })
		})
	}
}

// TestLowerASCII compares the eight-bytes-at-a-time lower-casing with
// strings.ToLower on random bytes of every length (ASCII and not).
func TestLowerASCII(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	buf := make([]byte, 64)
	for i := 0; i < 20000; i++ {
		s := make([]byte, rng.IntN(40))
		for k := range s {
			s[k] = byte(rng.IntN(128))
			if rng.IntN(8) == 0 {
				s[k] = "AZaz@[`{\x7f"[rng.IntN(9)]
			}
		}
		ascii := rng.IntN(4) != 0 || len(s) == 0
		if !ascii {
			s[rng.IntN(len(s))] |= 0x80
		}
		got := lowerASCII(buf[:len(s)], string(s))
		if got != ascii {
			t.Fatalf("lowerASCII(%q) reports ASCII %v", s, got)
		}
		if ascii && string(buf[:len(s)]) != strings.ToLower(string(s)) {
			t.Fatalf("lowerASCII(%q) = %q", s, buf[:len(s)])
		}
	}
}
