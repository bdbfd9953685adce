package hallucination

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
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
		checkSystemHasMaterial(t, s)
	}
}

// checkSystemHasMaterial fails t unless systemHasMaterial and the previous
// implementation agree on s, and the reference too: on every text up to
// 2 KB and on every eighth longer one (it takes ~0.1 ms for 4 KB).
func checkSystemHasMaterial(t testing.TB, s string) {
	t.Helper()
	got, prev := systemHasMaterial(s), prevSystemHasMaterial(s)
	if got != prev {
		t.Fatalf("systemHasMaterial(%s) = %v, previous %v", quoteShort(s), got, prev)
	}
	if refChecks++; len(s) <= 2<<10 || refChecks%8 == 0 {
		if want := systemHasMaterialRef(s); got != want {
			t.Fatalf("systemHasMaterial(%s) = %v, reference %v", quoteShort(s), got, want)
		}
	}
}

var refChecks int

func quoteShort(s string) string {
	if len(s) > 600 {
		return fmt.Sprintf("%q ... (%d bytes) ... %q", s[:300], len(s), s[len(s)-300:])
	}
	return fmt.Sprintf("%q", s)
}

// sharedTexts returns every string of the shared data a system prompt
// could come from: the string values of the GenAI samples (JSON inside
// strings unpacked too), of the eval sets and of the prompt templates.
func sharedTexts(t testing.TB) []string {
	root := filepath.Join(testutil.SharedDir(t), "data")
	seen := map[string]bool{}
	var out []string
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case string:
			if seen[v] {
				return
			}
			seen[v] = true
			out = append(out, v)
			if js := strings.TrimSpace(v); len(js) > 1 && (js[0] == '{' || js[0] == '[') {
				var inner any
				if json.Unmarshal([]byte(js), &inner) == nil {
					walk(inner)
				}
			}
		case []any:
			for _, e := range v {
				walk(e)
			}
		case map[string]any:
			for _, e := range v {
				walk(e)
			}
		}
	}
	files := 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		top, _, _ := strings.Cut(rel, string(filepath.Separator))
		if d.IsDir() || (top != "genai-samples" && top != "eval" && top != "prompt-templates") {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		switch {
		case strings.HasSuffix(path, ".json"):
			var v any
			if err := json.Unmarshal(data, &v); err != nil {
				return fmt.Errorf("%s: %v", path, err)
			}
			walk(v)
		case strings.HasSuffix(path, ".jsonl"):
			for _, line := range bytes.Split(data, []byte("\n")) {
				var v any
				if json.Unmarshal(line, &v) == nil {
					walk(v)
				}
			}
		default:
			return nil
		}
		files++
		return nil
	})
	if err != nil {
		t.Fatalf("shared data not readable: %v", err)
	}
	if files == 0 || len(out) == 0 {
		t.Fatal("no shared data read")
	}
	return out
}

// TestSystemHasMaterialSharedData compares the implementations on every
// string of the shared data (see sharedTexts), on each as the tail of the
// `make bench` padding (which makes its first sentence ~4 KB long), and on
// the system prompts of the bench traffic itself.
func TestSystemHasMaterialSharedData(t *testing.T) {
	texts := sharedTexts(t)
	pad := systemPrompts()[0].sys
	pad = pad[:strings.Index(pad, "You are")]
	material := 0
	for _, s := range texts {
		checkSystemHasMaterial(t, s)
		checkSystemHasMaterial(t, pad+s)
		if systemHasMaterial(s) {
			material++
		}
	}
	for _, in := range trafficInputs(t, 400) {
		checkSystemHasMaterial(t, in.System)
	}
	t.Logf("%d texts, %d with material", len(texts), material)
}

// TestSystemHasMaterialGenerated compares the implementations on prompts
// built from instructions, facts, padding, markers and separators, with the
// instruction phrases in every case and at every offset of a sentence (the
// phrase search reads eight and sixteen positions a turn).
func TestSystemHasMaterialGenerated(t *testing.T) {
	pad := systemPrompts()[0].sys
	pad = pad[:strings.Index(pad, "You are")]
	phrases := []string{"you are", "You are", "YOU ARE", "You Are", "yOu aRe", "assistant", "Assistant", "ASSISTANT", "aSsIsTaNt",
		"you  are", "you\tare", "youare", "you ar", "assistan", "asistant", "ssistant", "yo", "ss", "your", "yours are"}
	fillers := []string{"", "x", "ab ", "the refund ", "Lisbon 1255 ", "word ", "s", "y", "o", "S", "Y", "ss", "yo"}
	seps := []string{"", ".", "!", "?", "\n", ";", ". ", ",", " "}
	markers := []string{"Context:", "CONTEXT:", "context: ", "<Context>", "<DOCUMENT ", "```", `"""`, "Knowledge Base:", "Facts:", "notes:"}
	facts := []string{"", "Lisbon", "Lisbon Porto", "Lisbon Porto Faro", "the a an", "30 days", "Refunds take thirty days to process.", "it's don't"}
	starts := []string{"", "You ", "Answer ", "ref-12 ", "The ", "Please ", "Summarise ", "DON'T ", "Note: "}
	var texts []string
	for _, ph := range phrases {
		for before := 0; before <= 40; before++ {
			for _, f := range fillers[:4] {
				prefix := strings.Repeat(f, before+1)
				if len(prefix) > before {
					prefix = prefix[:before]
				}
				for after := 0; after <= 20; after += 5 {
					suffix := strings.Repeat("Lisbon Porto Faro Braga ", 1)[:after]
					for _, sp := range seps[:4] {
						texts = append(texts, "The "+prefix+ph+suffix+sp+" Madrid Paris Rome Berlin.")
					}
				}
			}
		}
	}
	// Short sentences (the phrase search reads those byte by byte) before
	// three content words.
	for _, ph := range phrases {
		for _, pre := range []string{"", "x", "xy", "Lisbon ", "a "} {
			for _, post := range []string{"", "x", "xy", " x"} {
				texts = append(texts, pre+ph+post+". Lisbon Porto Faro.", "Braga. "+pre+ph+post+"\nLisbon Porto Faro")
			}
		}
	}
	for _, st := range starts {
		for i, ph := range phrases {
			for j, f := range facts {
				for k, sp := range seps {
					texts = append(texts, st+ph+" "+f+sp+f, st+f+" "+ph+sp+f)
					// The padded variants cost the reference ~0.1 ms
					// each: every third combination.
					if (i+j+k)%3 == 0 {
						texts = append(texts, pad+st+ph+sp+f, st+pad+ph+sp+f, st+ph+pad+sp+f, st+f+sp+pad+ph)
					}
				}
			}
		}
	}
	for _, m := range markers {
		for _, f := range facts {
			for _, st := range starts {
				for _, sp := range seps {
					texts = append(texts,
						m+f,
						st+m+" "+f,
						"You are an assistant."+sp+m+f,
						pad+m+" "+f,
						pad+sp+m+f+sp+pad,
						m+sp+f,
						strings.ToUpper(m)+f+sp+"The answer is 42 and more.",
					)
				}
			}
		}
	}
	// Word keys read sixteen bytes when there are: words at every
	// distance from the end of the text, known and not, in mixed case.
	words := []string{"the", "The", "THE", "interesting", "INTERESTING", "interestingly", "you're", "You'Re", "dont", "don't",
		"a", "12", "1", "summarise", "Summarize", "summarizes", "therefore", "Therefore's", "abcdefghijklmnop", "abcdefghijklmnopq", "ok"}
	for _, w := range words {
		for _, v := range words {
			for k := 0; k <= 18; k++ {
				texts = append(texts, w+" Lisbon "+v+strings.Repeat(" ", k), strings.Repeat(".", k)+v+" Porto Faro "+w,
					"Context: "+w+" "+v+strings.Repeat("!", k), w+" Lisbon Porto Faro "+v)
			}
		}
	}
	for _, s := range texts {
		checkSystemHasMaterial(t, s)
	}
	t.Logf("%d texts", len(texts))
}

// TestAddressesModel compares the phrase search with lower-casing and
// strings.Contains on random strings over a small alphabet that spells the
// phrases often, of every length up to 80.
func TestAddressesModel(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	const alphabet = "yoYOuUaArReEsSiItTnN .x"
	for i := 0; i < 200000; i++ {
		b := make([]byte, rng.IntN(81))
		for k := range b {
			b[k] = alphabet[rng.IntN(len(alphabet))]
		}
		// Plant a phrase now and then, in random case.
		if ph := []string{"you are", "assistant"}[rng.IntN(2)]; len(b) >= len(ph) && rng.IntN(3) == 0 {
			at := rng.IntN(len(b) - len(ph) + 1)
			for k := 0; k < len(ph); k++ {
				c := ph[k]
				if rng.IntN(2) == 0 && c != ' ' {
					c -= 32
				}
				b[at+k] = c
			}
		}
		s := string(b)
		low := strings.ToLower(s)
		if got, want := addressesModel(s), strings.Contains(low, "you are") || strings.Contains(low, "assistant"); got != want {
			t.Fatalf("addressesModel(%q) = %v, want %v", s, got, want)
		}
	}
}

// TestWordFlags compares the word table with the word sets, for every
// known word in three cases and cut short, at every distance from the end
// of the text.
func TestWordFlags(t *testing.T) {
	var words []string
	for _, set := range []map[string]struct{}{stopwords, instructionStarts} {
		for w := range set {
			words = append(words, w, strings.ToUpper(w), strings.ToUpper(w[:1])+w[1:], w[:len(w)-1], w+"s", "x"+w)
		}
	}
	words = append(words, "é", "thé", "the\u00e9", "ﬁve", "\u212Anow", "abcdefghijklmnopq", "0", "'")
	for _, w := range words {
		want := uint8(0)
		low := strings.ToLower(w)
		if _, ok := stopwords[low]; ok && isASCIIRef(w) {
			want |= wordStop
		}
		if _, ok := instructionStarts[low]; ok && isASCIIRef(w) {
			want |= wordInstruction
		}
		for k := 0; k <= 17; k++ {
			for _, s := range []string{w + strings.Repeat(" ", k), strings.Repeat("-", k) + w + strings.Repeat("x", k)} {
				i := strings.Index(s, w)
				if got := wordFlags(s, i, i+len(w)); got != want {
					t.Fatalf("wordFlags(%q, %d, %d) = %b, want %b", s, i, i+len(w), got, want)
				}
			}
		}
	}
}

func isASCIIRef(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// TestIsASCII compares isASCII with a byte loop at every length and
// offset of a high byte.
func TestIsASCII(t *testing.T) {
	b := bytes.Repeat([]byte("abc "), 40)
	for n := 0; n <= len(b); n++ {
		if !isASCII(string(b[:n])) {
			t.Fatalf("isASCII(%q) = false", b[:n])
		}
		for k := 0; k < n; k++ {
			c := append([]byte(nil), b[:n]...)
			c[k] = 0x80 | byte(k)
			if isASCII(string(c)) {
				t.Fatalf("isASCII(%q) = true", c)
			}
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

// TestLowerASCII compares prevSystemHasMaterial's eight-bytes-at-a-time
// lower-casing with
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
		got := prevLowerASCII(buf[:len(s)], string(s))
		if got != ascii {
			t.Fatalf("prevLowerASCII(%q) reports ASCII %v", s, got)
		}
		if ascii && string(buf[:len(s)]) != strings.ToLower(string(s)) {
			t.Fatalf("prevLowerASCII(%q) = %q", s, buf[:len(s)])
		}
	}
}
