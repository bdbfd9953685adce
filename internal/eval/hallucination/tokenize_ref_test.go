package hallucination

import (
	"encoding/binary"
	"math/rand/v2"
	"strings"
	"testing"
)

// negPrefixLenRef is the prefix loop negPrefixLen replaced.
func negPrefixLenRef(b []byte) int {
	if len(b) < 6 || len(b) > 40 {
		return 0
	}
	for _, p := range []string{"un", "non", "in", "im", "dis", "ir", "il", "de", "mis", "sub", "anti"} {
		if p[0] == b[0] && len(b)-len(p) >= 4 && string(b[:len(p)]) == p {
			return len(p)
		}
	}
	return 0
}

// refWords are lower-cased words of the dev sets plus random ASCII words
// (biased to the letters of the negating prefixes and of suffixes).
func refWords(t *testing.T) []string {
	seen := map[string]bool{}
	var words []string
	for _, set := range []string{"summedits", "halueval_qa", "begin_dialogue_groundedness"} {
		for _, r := range loadSet(t, set) {
			for _, w := range strings.Fields(strings.ToLower(r.Context + " " + r.Text)) {
				if !seen[w] {
					seen[w] = true
					words = append(words, w)
				}
			}
		}
	}
	rng := rand.New(rand.NewPCG(5, 6))
	const letters = "unidmsaeoltrgyb'-"
	for range 20000 {
		b := make([]byte, 1+rng.IntN(14))
		for k := range b {
			b[k] = letters[rng.IntN(len(letters))]
		}
		words = append(words, string(b))
	}
	return words
}

func TestNegPrefixLenMatchesReference(t *testing.T) {
	for _, w := range refWords(t) {
		if got, want := negPrefixLen(w), negPrefixLenRef([]byte(w)); got != want || negPrefixLen([]byte(w)) != want {
			t.Fatalf("negPrefixLen(%q) = %d, reference %d", w, got, want)
		}
	}
}

// TestWordKeyStableUnderStem: the key filter relies on stem keeping the
// first three bytes of a word.
func TestWordKeyStableUnderStem(t *testing.T) {
	for _, w := range refWords(t) {
		if got := wordKey(stem([]byte(w))); got != wordKey(w) {
			t.Fatalf("stem changes the key of %q", w)
		}
		if p := negPrefixLen(w); p > 0 && wordKey(stem([]byte(w[p:]))) != wordKey(w[p:]) {
			t.Fatalf("stem changes the key of %q", w[p:])
		}
	}
}

func TestLexCandidateCoversLexicon(t *testing.T) {
	for _, words := range []map[string]struct{}{stopwords, negators, apologies, dateWords} {
		for w := range words {
			if !lexCandidate(w) {
				t.Errorf("lexicon word %q is not a candidate", w)
			}
		}
	}
	for w := range numberWords {
		if !lexCandidate(w) {
			t.Errorf("number word %q is not a candidate", w)
		}
	}
}

func TestLowerRun(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	b := make([]byte, 8)
	for range 100000 {
		for k := range b {
			b[k] = byte(rng.IntN(256))
			if rng.IntN(2) == 0 {
				b[k] = byte('a' + rng.IntN(26))
			}
		}
		want := 0
		for want < 8 && 'a' <= b[want] && b[want] <= 'z' {
			want++
		}
		if got := lowerRun(b, 0); got != want {
			t.Fatalf("lowerRun(%q) = %d, want %d", b, got, want)
		}
	}
}

// TestUnkeptTokensMatchFullTokens reads contexts with the answer's key set
// and without: every token must be the same, except that a word left
// unhashed (h 0) must have a full hash the answer never looks up, and a
// dropped prefix-stripped hash must not be an answer word.
func TestUnkeptTokensMatchFullTokens(t *testing.T) {
	ins := equivalenceInputs(t)
	var sc scratch
	unkept := 0
	for _, in := range ins {
		sc.readAnswer(maskJSON(in.Output, &sc.mask))
		lookedUp := map[uint64]bool{} // every hash a check looks up in the context
		answerWords := map[uint64]bool{}
		for _, a := range sc.ans {
			lookedUp[a.h], answerWords[a.h] = true, true
			if a.hStrip != 0 {
				lookedUp[a.hStrip] = true
			}
			for _, o := range antonyms[a.h] {
				lookedUp[o] = true
			}
		}
		for _, c := range append([]string{in.System, in.Input}, in.Context...) {
			kept := tokenizer{only: &sc.keys}
			full := tokenizer{}
			got, want := kept.run(c, nil), full.run(c, nil)
			if len(got) != len(want) {
				t.Fatalf("%q: %d tokens with the key set, %d without", c, len(got), len(want))
			}
			for i := range got {
				g, w := got[i], want[i]
				if g.h == 0 && w.h != 0 {
					unkept++
					if lookedUp[w.h] {
						t.Fatalf("%q: token %q left unhashed but looked up", c, c[w.start:w.end])
					}
					g.h = w.h
				}
				if g.hStrip == 0 && w.hStrip != 0 {
					if answerWords[w.hStrip] {
						t.Fatalf("%q: prefix-stripped form of %q dropped but in the answer", c, c[w.start:w.end])
					}
					g.hStrip = w.hStrip
				}
				if g != w {
					t.Fatalf("%q: token %d %+v with the key set, %+v without", c, i, got[i], w)
				}
			}
		}
	}
	if unkept == 0 {
		t.Fatal("no token left unhashed: the test tests nothing")
	}
	t.Logf("%d context tokens left unhashed", unkept)
}

// hash64Ref is hash64 with the byte loop the overlapping loads replaced.
func hash64Ref(b []byte) uint64 {
	const m = 0xff51afd7ed558ccd
	h := uint64(len(b)) * 0x9e3779b97f4a7c15
	for len(b) >= 8 {
		h = (h ^ binary.LittleEndian.Uint64(b)) * m
		h ^= h >> 32
		b = b[8:]
	}
	var t uint64
	for k := len(b) - 1; k >= 0; k-- {
		t = t<<8 | uint64(b[k])
	}
	h = (h ^ t) * m
	h ^= h >> 33
	h *= 0xc4ceb9fe1a85ec53
	h ^= h >> 29
	return h
}

func TestHash64MatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	for range 20000 {
		b := make([]byte, rng.IntN(42))
		for k := range b {
			b[k] = byte(rng.IntN(256))
		}
		if got, want := hash64(b), hash64Ref(b); got != want {
			t.Fatalf("hash64(%q) = %x, reference %x", b, got, want)
		}
	}
}
