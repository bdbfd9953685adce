package safety

import (
	"bytes"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// TestNormalizeChunksMatchReference: words read eight bytes at a time give
// the reference's text and offsets for words of every length around the
// chunk size, letter runs of two and three falling on either side of a
// chunk edge, and words ended by every kind of byte.
func TestNormalizeChunksMatchReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 4))
	letters := []string{"a", "b", "A", "B", "q", "Z", "x"}
	ends := []string{" ", ".", "\n", "0", "7", "@", "$", "!", "é", "\xff", "\u200b", "[", "`", "{", "@a", " "}
	var got, want Normalized
	for i := 0; i < 200000; i++ {
		var b strings.Builder
		for w := rng.IntN(6); w >= 0; w-- {
			for n := rng.IntN(30); n > 0; n-- {
				b.WriteString(letters[rng.IntN(len(letters)-rng.IntN(len(letters)))])
			}
			b.WriteString(ends[rng.IntN(len(ends))])
		}
		s := b.String()
		if rng.IntN(4) == 0 {
			s = s[:rng.IntN(len(s)+1)]
		}
		Normalize(s, &got)
		normalizeRef(s, &want)
		if !bytes.Equal(got.Text, want.Text) || !slices.Equal(got.Off, want.Off) {
			t.Fatalf("Normalize(%q):\n got %q %v\nwant %q %v", s, got.Text, got.Off, want.Text, want.Off)
		}
	}
}
