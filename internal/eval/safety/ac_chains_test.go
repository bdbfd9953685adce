package safety

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// TestFourChainScanMatchesSingleScan: a text long enough for four chains
// gives exactly the hits (patterns, offsets, order) of one scan, for every
// shipped automaton, with a pattern placed across each quarter boundary at
// every offset around it, at lengths that leave 0-3 bytes after the last
// quarter, and on splices of the dev texts.
func TestFourChainScanMatchesSingleScan(t *testing.T) {
	matchers := []struct {
		name string
		m    *Matcher
	}{
		{"combined", combinedMatcher()},
		{"secrets", secretMatcher},
		{"delimiters", delimiterMatch},
		{"instruction_words", instructionWords.matcher()},
	}
	long := strings.Join(devTexts(t, 5), "\n")
	rng := rand.New(rand.NewPCG(17, 4))
	var samples []string
	for k := 0; k < 200; k++ {
		n := minSplit4 + rng.IntN(8000)
		a := rng.IntN(max(len(long)-n, 1))
		samples = append(samples, long[a:min(a+n, len(long))])
	}
	for _, kw := range []string{"api_key", "-----begin", "ignore previous instructions", "password", "ey"} {
		for _, size := range []int{2400, 2401, 2402, 2403, 6000} {
			base := strings.Repeat("x ", size/2+1)[:size]
			for _, at := range []int{size / 4, size / 2, 3 * size / 4, size - len(kw)} {
				for d := -40; d <= 40; d++ {
					if at+d >= 0 && at+d <= len(base) {
						samples = append(samples, base[:at+d]+kw+base[at+d:])
					}
				}
			}
		}
	}
	var got []Hit
	for _, c := range matchers {
		four := 0
		for _, s := range samples {
			want := findRange(c.m, s, 0, len(s), nil)
			if got = c.m.FindString(s, got[:0]); !slices.Equal(got, want) {
				t.Fatalf("%s: four-chain FindString differs on %d bytes:\n got %v\nwant %v", c.name, len(s), got, want)
			}
			if got = c.m.Find([]byte(s), got[:0]); !slices.Equal(got, want) {
				t.Fatalf("%s: four-chain Find differs on %d bytes", c.name, len(s))
			}
			if len(s) >= minSplit4 && len(s) >= 16*c.m.maxLen {
				four++
			}
		}
		if four < 500 {
			t.Fatalf("%s: only %d texts long enough for four chains", c.name, four)
		}
	}
}
