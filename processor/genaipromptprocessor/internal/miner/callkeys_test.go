package miner

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/periscope-otel/periscope/processor/genaipromptprocessor/internal/textmask"
)

// TestCallKeysMatchTemplateKeys: a call's keys and shingles, read from its
// own tokens, are those of the call copied into template tokens (what
// Match computed before), on real calls and random ones.
func TestCallKeysMatchTemplateKeys(t *testing.T) {
	check := func(x []textmask.Token) {
		t.Helper()
		xs := toToks(x)
		if got, want := callKeys(x, nil), keysOf(xs, nil); !slices.Equal(got, want) {
			t.Fatalf("callKeys(%v) = %v, want %v", x, got, want)
		}
		if got, want := callShingles(x, nil), shinglesOf(xs, nil); !slices.Equal(got, want) {
			t.Fatalf("callShingles(%v) = %v, want %v", x, got, want)
		}
	}
	for _, r := range loadRows(t) {
		check(callTokens(r))
	}
	rng := rand.New(rand.NewPCG(23, 4))
	words := []string{"a", "b", "c", "d"}
	for range 20000 {
		x := make([]textmask.Token, rng.IntN(14))
		for i := range x {
			if rng.IntN(5) == 0 {
				x[i] = textmask.Sep()
			} else {
				w, _ := textmask.Append(nil, words[rng.IntN(len(words))], textmask.Options{})
				x[i] = w[0]
			}
		}
		check(x)
	}
}
