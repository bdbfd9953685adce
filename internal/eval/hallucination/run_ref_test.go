package hallucination

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf8"
	"unsafe"

	"github.com/periscope-otel/periscope/internal/eval"
)

// runRef is run as it was before the plain-word paths and the call cache
// (issue 13, third pass): every word through the general scan.
func (z *tokenizer) runRef(s string, out []token) []token {
	z.newSentence()
	src := unsafe.Slice(unsafe.StringData(s), len(s)) // read only, for lowerRun
	i := 0
	for i < len(s) {
		c := s[i]
		if c == ' ' {
			i++
			continue
		}
		if c < utf8.RuneSelf && byteClass[c] == 0 {
			switch c {
			case '.', '!', '?':
				if z.endsSentence(s, i, out) {
					z.newSentence()
				}
			case '\n':
				z.newSentence()
			case '%', '$':
				out = z.emitSymbol(s, i, i+1, out)
			}
			i++
			continue
		}
		r, size, cls := rune(c), 1, byteClass[c]
		if c >= utf8.RuneSelf {
			cls = clOther
			r, size = utf8.DecodeRuneInString(s[i:])
			switch {
			case r == '€' || r == '£' || r == '¥':
				out = z.emitSymbol(s, i, i+size, out)
				i += size
				continue
			case r == '。' || r == '！' || r == '？' || r == '\u2028' || r == '\u2029':
				z.newSentence()
				i += size
				continue
			case unspaced(r):
				out = z.emitScript(s, i, i+size, out)
				i += size
				continue
			case !wordRune(r):
				i += size
				continue
			}
		}
		// A word: letters, marks, digits; inner apostrophes; digit
		// separators between digits (1,000.5).
		start := i
		i += size
		for i < len(s) {
			if i+8 <= len(s) {
				n := lowerRun(src, i)
				i += n
				if n > 0 {
					cls |= clLower
				}
				if n == 8 {
					continue
				}
			}
			if cl := byteClass[s[i]]; cl != 0 {
				cls |= cl
				i++
				continue
			}
			if c := s[i]; c < utf8.RuneSelf && !joiners[c] {
				break
			}
			n := wordGoesOn(s, start, i)
			if n == 0 {
				break
			}
			cls |= clOther
			i += n
		}
		if w := s[start:i]; cls == clLower && z.only != nil && !lexCandidate(w) && !z.only.has(wordKey(w)) {
			// A plain word the answer cannot share: no hash (see keySet).
			out = z.push(start, i, 0, stripUnkeptRef(z.only, w), kindWord, 0, w[0], out)
			continue
		}
		out = z.place(s, start, i, z.normal(s[start:i], cls == clLower), out)
	}
	return out
}

// stripUnkeptRef is stripUnkept as it was, without the first-byte test.
func stripUnkeptRef[T string | []byte](only *keySet, b T) uint64 {
	if len(b) < 6 {
		return 0 // too short for a prefix (negPrefixLen)
	}
	if p := negPrefixLen(b); p > 0 && only.has(wordKey(b[p:])) {
		return stripHash(b)
	}
	return 0
}

// runInputs are the digest inputs and random texts of a few short words,
// so the call cache fills, collides and meets words of its limit (eight
// letters) and past it, number words, glued prefixes and line ends.
func runInputs(t *testing.T) []eval.Input {
	ins := equivalenceInputs(t)
	rng := rand.New(rand.NewPCG(11, 12))
	words := []string{"a", "an", "the", "not", "refund", "refunds", "invoice", "customer", "customers", "shipment",
		"twenty", "five", "non", "-", "gaap", "isn't", "x", "uninsured", "insured", "discount", "eighty", "seven",
		"abcdefgh", "abcdefghi", "zz", "Paris", "May", "may", "1,000", "%", ".", ". ", "\n", ",", "'", "’", "東京"}
	for range 3000 {
		mk := func(n int) string {
			var sb strings.Builder
			for range n {
				sb.WriteString(words[rng.IntN(len(words))])
				switch rng.IntN(8) {
				case 0:
				case 1:
					sb.WriteByte('\n')
				default:
					sb.WriteByte(' ')
				}
			}
			return sb.String()
		}
		ins = append(ins, eval.Input{Output: mk(1 + rng.IntN(20)), System: mk(rng.IntN(300)), Context: []string{mk(rng.IntN(40))}})
	}
	return ins
}

// TestRunMatchesReference reads the grounding of runInputs, the `make
// bench` traffic and natural 4 KB calls as analyse does (answer keys
// first, one memo and one call cache across all calls) and with runRef (no
// memo, no cache): the tokens must be the same, and the hashed count the
// number of tokens with a hash.
func TestRunMatchesReference(t *testing.T) {
	var sc scratch
	ins := append(runInputs(t), trafficInputs(t, 200)...)
	ins = append(ins, naturalInputs(t, 200)...)
	for _, in := range ins {
		sc.readAnswer(maskJSON(in.Output, &sc.mask))
		sc.cache.gen++
		z := tokenizer{only: &sc.keys, memo: &sc.memo, cache: &sc.cache}
		ref := tokenizer{only: &sc.keys}
		var got, want []token
		for _, p := range append(append([]string(nil), in.Context...), in.System, in.Input) {
			got, want = z.run(p, got), ref.runRef(p, want)
		}
		equalTokens(t, fmt.Sprint(in.Context, in.System), got, want)
		hashed := 0
		for i := range want {
			if want[i].h != 0 {
				hashed++
			}
		}
		if z.hashed != hashed {
			t.Fatalf("%q: hashed %d, %d tokens with a hash", in.System, z.hashed, hashed)
		}
	}
	cached := 0
	for i := range sc.cache.e {
		if sc.cache.e[i].gen == sc.cache.gen {
			cached++
		}
	}
	if cached == 0 {
		t.Fatal("the last call cached nothing: the test tests nothing")
	}
}
