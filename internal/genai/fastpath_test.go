package genai

import (
	"math/rand/v2"
	"os"
	"strings"
	"testing"
	"unicode/utf8"
)

// The reader's fast paths, each against the code it replaced (kept here as
// the reference), on the sample attributes and on random text.

// scanRunRef is scanRun before its 32-byte clean-block loop.
func scanRunRef(s string, i int) (end int, ascii, ok bool) {
	q := strings.IndexByte(s[i:], '"')
	if q < 0 {
		return 0, false, false
	}
	seg := s[i : i+q]
	if b := strings.IndexByte(seg, '\\'); b >= 0 {
		seg = seg[:b]
	}
	var acc uint64
	j := 0
	for ; j+16 <= len(seg); j += 16 {
		w, v := load64(seg, j), load64(seg, j+8)
		if ((w-0x20*lsb)&^w|(v-0x20*lsb)&^v)&msb != 0 {
			return 0, false, false
		}
		acc |= w | v
	}
	for ; j+8 <= len(seg); j += 8 {
		w := load64(seg, j)
		if (w-0x20*lsb)&^w&msb != 0 {
			return 0, false, false
		}
		acc |= w
	}
	for ; j < len(seg); j++ {
		c := seg[j]
		if c < 0x20 {
			return 0, false, false
		}
		acc |= uint64(c)
	}
	return i + len(seg), acc&msb == 0, true
}

// keyRef is jscan.key before it went a word at a time.
func (sc *jscan) keyRef() (string, bool) {
	if !sc.eat('"') {
		return "", false
	}
	start := sc.i
	for sc.i < len(sc.s) {
		c := sc.s[sc.i]
		if c == '"' {
			k := sc.s[start:sc.i]
			sc.i++
			sc.ws()
			return k, sc.eat(':')
		}
		if c == '\\' || c < 0x20 || c >= utf8.RuneSelf {
			return "", false
		}
		sc.i++
	}
	return "", false
}

// fastPathTexts returns the sample files' text and random strings over an
// alphabet of the bytes the fast paths treat specially.
func fastPathTexts(t *testing.T) []string {
	var texts []string
	for _, f := range sampleFiles(t) {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		texts = append(texts, string(b))
	}
	rng := rand.New(rand.NewPCG(11, 12))
	alphabet := []string{"a", "Z", "A", " ", "\t", "\"", "\\", "\x01", "\x1f", "\x7f", "\x80", "é", "\xff", "€", ":", "user", "0123456789abcdef"}
	for range 20000 {
		var b strings.Builder
		for range rng.IntN(80) {
			b.WriteString(alphabet[rng.IntN(len(alphabet))])
		}
		texts = append(texts, b.String())
	}
	return texts
}

func TestScanRunMatchesReference(t *testing.T) {
	for _, s := range fastPathTexts(t) {
		for i := 0; i < len(s); i++ {
			end, ascii, ok := scanRun(s, i)
			wend, wascii, wok := scanRunRef(s, i)
			if end != wend || ascii != wascii || ok != wok {
				t.Fatalf("%q at %d: %d %v %v, reference %d %v %v", s, i, end, ascii, ok, wend, wascii, wok)
			}
		}
	}
}

func TestKeyMatchesReference(t *testing.T) {
	for _, s := range fastPathTexts(t) {
		for i := 0; i < len(s); i++ {
			if s[i] != '"' {
				continue
			}
			a, b := jscan{s: s, i: i}, jscan{s: s, i: i}
			k, ok := a.key()
			wk, wok := b.keyRef()
			if k != wk || ok != wok || (ok && a.i != b.i) {
				t.Fatalf("%q at %d: %q %v %d, reference %q %v %d", s, i, k, ok, a.i, wk, wok, b.i)
			}
		}
	}
}

func TestCommonMatchesMap(t *testing.T) {
	ref := map[string]string{}
	for _, c := range commonValues {
		ref[c] = c
	}
	check := func(s string) {
		c, ok := common(s)
		w, wok := ref[s]
		if len(s) > 20 {
			w, wok = "", false
		}
		if c != w || ok != wok {
			t.Fatalf("common(%q) = %q %v, want %q %v", s, c, ok, w, wok)
		}
	}
	for _, c := range commonValues {
		check(c)
		check(c[:len(c)-1])
		check(c + "s")
		check(strings.ToUpper(c))
	}
	for _, s := range fastPathTexts(t) {
		for i := 0; i < len(s); i += 3 {
			check(s[i:min(len(s), i+1+i%22)])
		}
	}
}

func TestLowerMatchesStrings(t *testing.T) {
	words := []string{"", "openai", "OpenAI", " openai ", "azure.ai.openai", "ÄÖ", "stop\n", "\u00a0stop", "Tool_Calls", "ſ", "\u212a", "a b"}
	for _, s := range fastPathTexts(t) {
		for i := 0; i < len(s); i += 7 {
			words = append(words, s[i:min(len(s), i+1+i%40)])
		}
	}
	for _, w := range words {
		if got, want := lowerTrim(w), strings.ToLower(strings.TrimSpace(w)); got != want {
			t.Fatalf("lowerTrim(%q) = %q, want %q", w, got, want)
		}
		if got, want := lower(w), strings.ToLower(w); got != want {
			t.Fatalf("lower(%q) = %q, want %q", w, got, want)
		}
		gop, gcat := fromKindUpper(w)
		wop, wcat := fromKind(strings.ToUpper(w))
		if gop != wop || gcat != wcat {
			t.Fatalf("fromKindUpper(%q) = %q %v, want %q %v", w, gop, gcat, wop, wcat)
		}
	}
}

// TestRunRemembersQuote: run on one scanner at increasing and decreasing
// positions (the remembered quote) ends where scanRun does.
func TestRunRemembersQuote(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	for _, s := range fastPathTexts(t) {
		sc := jscan{s: s}
		for range 2 * len(s) {
			i := rng.IntN(len(s) + 1)
			if rng.IntN(2) == 0 && sc.quote > 0 {
				i = min(len(s), sc.quoteFrom+rng.IntN(sc.quote-sc.quoteFrom+1))
			}
			if i == len(s) {
				continue
			}
			end, ascii, ok := sc.run(i)
			fresh := jscan{s: s}
			wend, wascii, wok := fresh.run(i)
			if end != wend || ascii != wascii || ok != wok {
				t.Fatalf("%q at %d: %d %v %v, fresh scanner %d %v %v", s, i, end, ascii, ok, wend, wascii, wok)
			}
		}
	}
}
