package hallucination

import (
	"math/rand/v2"
	"testing"
)

// TestMemoMatchesNormalising reads every text of the equivalence inputs
// twice through one memo (so words are found there, and evicted) and
// once without: tokens and gathered keys must be the same, as answer
// (keys) and as context (key filter).
func TestMemoMatchesNormalising(t *testing.T) {
	var memo wordMemo
	ins := equivalenceInputs(t)
	for pass := 0; pass < 2; pass++ {
		for _, in := range ins {
			var keys, keysMemo keySet
			for _, c := range append([]string{in.Output, in.System, in.Input}, in.Context...) {
				plain := tokenizer{keys: &keys}
				memod := tokenizer{keys: &keysMemo, memo: &memo}
				want, got := plain.run(c, nil), memod.run(c, nil)
				equalTokens(t, c, got, want)
				plain, memod = tokenizer{only: &keys}, tokenizer{only: &keys, memo: &memo}
				want, got = plain.run(c, nil), memod.run(c, nil)
				equalTokens(t, c, got, want)
			}
			if keys != keysMemo {
				t.Fatalf("%q: keys differ with the memo", in.Output)
			}
		}
	}
}

func equalTokens(t *testing.T, text string, got, want []token) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%q: %d tokens with the memo, %d without", text, len(got), len(want))
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("%q: token %d %+v with the memo, %+v without", text, i, got[i], want[i])
		}
	}
}

// TestMemoEntryTellsWordsApart fills a memo with words of a two-letter
// alphabet (so many share their first bytes, their length and their slot)
// and checks that a hit is always the word that filled the entry.
func TestMemoEntryTellsWordsApart(t *testing.T) {
	var memo wordMemo
	var filledBy []string // by the id stored in nw.h
	rng := rand.New(rand.NewPCG(3, 4))
	hits := 0
	for range 300000 {
		b := make([]byte, 1+rng.IntN(memoMaxLen+2))
		for k := range b {
			b[k] = "ab"[rng.IntN(2)]
		}
		w := string(b)
		e, hit := memo.entry(w)
		switch {
		case len(w) > memoMaxLen:
			if e != nil {
				t.Fatalf("%q: a word longer than %d has an entry", w, memoMaxLen)
			}
		case hit:
			hits++
			if got := filledBy[e.nw.h]; got != w {
				t.Fatalf("%q found the entry of %q", w, got)
			}
		default:
			e.nw.h = uint64(len(filledBy))
			filledBy = append(filledBy, w)
		}
	}
	if hits == 0 {
		t.Fatal("no hit: the test tests nothing")
	}
}
