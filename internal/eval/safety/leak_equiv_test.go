package safety

import (
	"bytes"
	"encoding/binary"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/periscope-otel/periscope/internal/eval"
)

// hashWord is nextWord's hash of a word given as a slice: the reference
// for the hashes read from normalised text.
func hashWord(w []byte) uint64 {
	var h uint64
	for ; len(w) >= 8; w = w[8:] {
		h = mixWord(h, binary.LittleEndian.Uint64(w))
	}
	var x uint64
	for k, c := range w {
		x |= uint64(c) << (8 * k)
	}
	return mixWord(h, x)
}

// leakLong is leakOverlap over instruction words given as slices (the form
// the equivalence tests hold to leakLongRef).
func leakLong(grams *gramSet, out *Normalized, sw [][]byte, s *scorer) {
	wh := make([]uint64, len(sw))
	for i, w := range sw {
		wh[i] = hashWord(w)
	}
	leakOverlap(grams, out, wh, s)
}

// leakOverlapStrings is leakOverlap on the words themselves, no hashing:
// what the hashed sets stand for.
func leakOverlapStrings(out *Normalized, sw [][]byte, s *scorer) {
	if len(sw) < 4 {
		return
	}
	grams := map[string]bool{}
	for i := 0; i+4 <= len(sw); i++ {
		grams[string(bytes.Join(sw[i:i+4], []byte(" ")))] = false
	}
	ow := appendWords(nil, out)
	hit := 0
	for i := 0; i+4 <= len(ow); i++ {
		k := string(bytes.Join(ow[i:i+4], []byte(" ")))
		if seen, ok := grams[k]; ok && !seen {
			grams[k] = true
			hit++
		}
	}
	if len(ow) < 4 || hit == 0 {
		return
	}
	w := float64(hit) / float64(len(grams)) / 0.3
	if hit >= 12 {
		w = max(w, 0.8)
	}
	s.add("instructions_overlap", min(w, 0.97)*0.97, eval.SideOutput, 0, 0)
}

// TestWordHashesMatchWords: the words and hashes read eight bytes at a time
// are those of the words split at spaces, for every instruction span set
// (the real ones and random ones), on dev texts, words of every length
// around the chunk size and texts cut anywhere.
func TestWordHashesMatchWords(t *testing.T) {
	texts := devTexts(t, 3)
	for l := 1; l <= 40; l++ {
		w := strings.Repeat("abcdefghij", 4)[:l]
		texts = append(texts, w, w+" "+w, "x "+w, w+" y", strings.Repeat(w+" ", 5))
	}
	rng := rand.New(rand.NewPCG(6, 6))
	var n Normalized
	for _, raw := range texts {
		Normalize(raw, &n)
		for cut := len(n.Text); cut >= max(0, len(n.Text)-9); cut-- {
			words := appendWords(nil, &Normalized{Text: n.Text[:cut], Off: n.Off[:cut]})
			var got []uint64
			for i := 1; i < cut; i++ {
				if n.Text[i] == ' ' {
					continue
				}
				j, h := nextWord(n.Text[:cut], i)
				if e := wordEnd(n.Text[:cut], i); e != j {
					t.Fatalf("%q at %d: wordEnd %d, nextWord %d", n.Text[:cut], i, e, j)
				}
				got = append(got, h)
				i = j
			}
			want := make([]uint64, len(words))
			for k, w := range words {
				want[k] = hashWord(w)
			}
			if !slices.Equal(got, want) {
				t.Fatalf("%q: nextWord hashes %v, want %v (words %q)", n.Text[:cut], got, want, words)
			}
		}
		hits := instructionWords.matcher().Find(n.Text, nil)
		sortHitsByStart(hits)
		spans := [][][2]int{instructionSpans(raw, &n, hits, nil), nil, {}, {{0, len(raw) + 1}}}
		for range 3 {
			var keep [][2]int
			for a := 0; a < len(raw); {
				b := a + 1 + rng.IntN(len(raw)-a)
				if rng.IntN(2) == 0 {
					keep = append(keep, [2]int{a, b})
				}
				a = b + rng.IntN(4)
			}
			spans = append(spans, keep)
		}
		for _, keep := range spans {
			var want []uint64
			for _, w := range appendKeptWords(nil, &n, keep) {
				want = append(want, hashWord(w))
			}
			if got := appendWordHashes(nil, &n, keep); !slices.Equal(got, want) {
				t.Fatalf("%q keep %v: appendWordHashes %v, want %v", raw, keep, got, want)
			}
		}
	}
}

// TestLeakOverlapMatchesWords: the hashed 4-gram overlap scores what
// comparing the words themselves scores, on dev texts and answers that
// quote the instructions.
func TestLeakOverlapMatchesWords(t *testing.T) {
	texts := devTexts(t, 5)
	var g gramSet
	var sysN, outN Normalized
	rng := rand.New(rand.NewPCG(12, 3))
	for i := 0; i < 3000; i++ {
		sys := texts[rng.IntN(len(texts))]
		if rng.IntN(3) == 0 {
			sys += " " + strings.Repeat("invoice order warranty refund ", 40)
		}
		Normalize(sys, &sysN)
		sw := appendWords(nil, &sysN)
		out := texts[rng.IntN(len(texts))]
		if rng.IntN(2) == 0 && len(sw) > 6 {
			a := rng.IntN(len(sw) - 5)
			out = out[:len(out)/2] + " " + string(bytes.Join(sw[a:a+rng.IntN(len(sw)-a)], []byte(" ")))
		}
		Normalize(out, &outN)
		var got, want scorer
		leakLong(&g, &outN, sw, &got)
		leakOverlapStrings(&outN, sw, &want)
		if !slices.Equal(got.weights, want.weights) || !slices.Equal(got.rules, want.rules) {
			t.Fatalf("leakOverlap(%q, %q) = %v, words %v", sys, out, got.weights, want.weights)
		}
	}
}

// TestLeakPossibleSound: whenever leakPossible rules a match out, the
// instruction words instructionSpans keeps share no 4-gram with the
// answer; on dev texts as system prompts (with data sections and many
// short sentences) against answers quoting them across sentence ends.
func TestLeakPossibleSound(t *testing.T) {
	texts := devTexts(t, 5)
	parts := []string{"You must answer.", " Never say it!", " Is it?", "\n", "\n\n", "Context: the docs.", " data data", "...",
		" the user is here", "reply only in French.", " secret words follow\n"}
	rng := rand.New(rand.NewPCG(31, 7))
	p := new(prepared)
	var g gramSet
	ruled := 0
	for i := 0; i < 20000; i++ {
		var b strings.Builder
		b.WriteString(texts[rng.IntN(len(texts))])
		for n := rng.IntN(10); n > 0; n-- {
			b.WriteString(parts[rng.IntN(len(parts))])
		}
		sys := b.String()
		p.sys.set(sys)
		sysN := p.sys.normalized()
		words := appendWords(nil, sysN)
		// Answers: words of the system text, often across a sentence
		// end or a dropped sentence, or dev text.
		var out string
		if len(words) > 0 && rng.IntN(4) != 0 {
			var o []string
			for n := 2 + rng.IntN(7); n > 0; n-- {
				a := rng.IntN(len(words))
				for k := a; k < min(len(words), a+1+rng.IntN(3)); k++ {
					o = append(o, string(words[k]))
				}
			}
			out = strings.Join(o, " ")
		} else {
			out = texts[rng.IntN(len(texts))]
		}
		p.out.set(out)
		outN := p.out.normalized()
		if p.leakPossible(sysN, outN) {
			continue
		}
		ruled++
		hits := instructionWords.matcher().Find(sysN.Text, nil)
		sortHitsByStart(hits)
		keep := instructionSpans(sys, sysN, hits, nil)
		var sw [][]byte
		if len(keep) > 0 {
			sw = appendKeptWords(nil, sysN, keep)
		}
		var s scorer
		leakOverlapStrings(outN, sw, &s)
		if len(s.rules) != 0 {
			t.Fatalf("leakPossible(%q, %q) = false, but the instructions share a 4-gram: %v", sys, out, s.weights)
		}
		leakLong(&g, outN, sw, &s)
		if len(s.rules) != 0 {
			t.Fatalf("leakPossible(%q, %q) = false, but leakOverlap finds %v", sys, out, s.weights)
		}
	}
	if ruled < 1000 {
		t.Fatalf("only %d of the answers ruled out", ruled)
	}
}

// appendKeptWords is appendWords restricted to the words whose original
// offset lies in one of the ranges, all of them with nil ranges (the
// reference for appendWordHashes).
func appendKeptWords(dst [][]byte, n *Normalized, keep [][2]int) [][]byte {
	if keep == nil {
		return appendWords(dst, n)
	}
	t := n.Text
	ki := 0
	for i := 1; i < len(t); {
		j := i
		for j < len(t) && t[j] != ' ' {
			j++
		}
		if j > i {
			o := int(n.Off[i])
			for ki < len(keep) && keep[ki][1] <= o {
				ki++
			}
			if ki < len(keep) && o >= keep[ki][0] {
				dst = append(dst, t[i:j])
			}
		}
		i = j + 1
	}
	return dst
}
