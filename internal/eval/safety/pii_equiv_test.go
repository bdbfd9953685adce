package safety

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/periscope-otel/periscope/internal/eval"
)

// scanPIIRef is ScanPII before skipQuiet: every byte goes through the
// trigger table.
func scanPIIRef(s string, side eval.Side, types map[string]bool, dst []eval.Finding) []eval.Finding {
	add := func(t string, a, b int) {
		if types == nil || types[t] {
			dst = append(dst, eval.Finding{Rule: t, Side: side, Start: a, End: b})
		}
	}
	lastEnd := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !piiTrigger[c] {
			continue
		}
		switch {
		case c == '@':
			if a, b, ok := emailAt(s, i); ok && a >= lastEnd {
				add(PIIEmail, a, b)
				lastEnd = b
				i = b - 1
			}
		case c >= 'A' && c <= 'Z' && i >= lastEnd && boundary(s, i):
			if b, ok := ibanAt(s, i); ok {
				add(PIIIBAN, i, b)
				lastEnd = b
				i = b - 1
				continue
			}
		case (isDigit(c) || c == '+' || c == '(') && i >= lastEnd && boundary(s, i):
			t, b := numberAt(s, i)
			if t != "" {
				add(t, i, b)
				lastEnd = b
				i = b - 1
				continue
			}
			if isDigit(c) {
				if b, ok := streetAt(s, i); ok {
					add(PIIStreetAddress, i, b)
					lastEnd = b
					i = b - 1
					continue
				}
			}
			if b > i {
				i = b - 1
			}
		case c == ':' && i >= lastEnd:
			if a, b, ok := ipv6Around(s, i, lastEnd); ok {
				add(PIIIPAddress, a, b)
				lastEnd = b
				i = b - 1
			}
		}
	}
	return dst
}

// piiRandomText mixes prose, PII-shaped fragments and random bytes, so
// trigger bytes land at every offset of an 8-byte block.
func piiRandomText(rng *rand.Rand) string {
	parts := []string{"call me at ", "+1 (555) 010-9999", " jane.doe@example.org ", "4111 1111 1111 1111", "DE89 3704 0044 0532 0130 00",
		" 12 Main Street ", "ssn 123-45-6789", "fe80::1", " 10.0.0.1 ", "the quick brown fox ", "ünïcödé ", "a(b+c)", "x:y", "Z", "9"}
	var b strings.Builder
	for n := rng.IntN(40); n > 0; n-- {
		if rng.IntN(3) == 0 {
			for k := rng.IntN(12); k > 0; k-- {
				b.WriteByte(byte(rng.IntN(256)))
			}
			continue
		}
		b.WriteString(parts[rng.IntN(len(parts))])
	}
	return b.String()
}

func TestScanPIIMatchesReference(t *testing.T) {
	texts := devTexts(t, 1)
	rng := rand.New(rand.NewPCG(3, 5))
	for i := 0; i < 20000; i++ {
		texts = append(texts, piiRandomText(rng))
	}
	// Every byte value, alone and after a "+(" run, at every offset of two
	// 32-byte blocks, in texts that end on a 16- or 32-byte block boundary
	// or past it.
	for c := 0; c < 256; c++ {
		for off := 0; off < 64; off++ {
			for _, run := range []string{"", "+", "(+"} {
				t := strings.Repeat("a", off) + run + string([]byte{byte(c)}) + strings.Repeat("b", 70)
				texts = append(texts, t[:32], t[:33], t[:64], t[:65], t)
			}
		}
	}
	// Both ways of skipping quiet text: the vector scan and skipQuiet.
	defer func(v bool) { vectorScan = v }(vectorScan)
	for _, vector := range []bool{vectorScan, false} {
		vectorScan = vector
		for _, s := range texts {
			want := scanPIIRef(s, eval.SideInput, nil, nil)
			got := ScanPII(s, eval.SideInput, nil, nil)
			if !slices.Equal(got, want) {
				t.Fatalf("vector %v: ScanPII(%q) = %+v, want %+v", vector, s, got, want)
			}
		}
	}
}

// TestByteSetIndex: the vector scan finds what a byte-by-byte one does,
// for random sets (at most eight high-nibble groups) at every offset.
func TestByteSetIndex(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 1))
	for k := 0; k < 200; k++ {
		var has [256]bool
		for _, hi := range rng.Perm(16)[:1+rng.IntN(8)] {
			lows := rng.Uint32()
			for lo := range 16 {
				has[hi<<4|lo] = lows&(1<<lo) != 0
			}
		}
		set := newByteSet(has)
		buf := make([]byte, 40+rng.IntN(200))
		for i := range buf {
			buf[i] = byte(rng.IntN(256))
			for has[buf[i]] {
				buf[i]++
			}
		}
		for pos := -1; pos < len(buf); pos++ {
			b := append([]byte(nil), buf...)
			if pos >= 0 {
				c := byte(rng.IntN(256))
				for !has[c] && c != 255 {
					c++
				}
				if !has[c] {
					continue
				}
				b[pos] = c
			}
			s := string(b)
			for from := 0; from < len(s); from += 1 + rng.IntN(7) {
				want := from
				for want < len(s) && !has[s[want]] {
					want++
				}
				if got := set.index(s, from); got != want {
					t.Fatalf("set %d: index(%q, %d) = %d, want %d", k, s, from, got, want)
				}
			}
		}
	}
}

func FuzzScanPIIMatchesReference(f *testing.F) {
	for _, s := range []string{"4111 1111 1111 1111", "reach me: jane@x.io", "abcdefg(hijklmno", "abcdefgh+1 555 0100", "::1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := ScanPII(s, eval.SideInput, nil, nil), scanPIIRef(s, eval.SideInput, nil, nil); !slices.Equal(got, want) {
			t.Fatalf("ScanPII(%q) = %+v, want %+v", s, got, want)
		}
	})
}

// BenchmarkScanPII measures the PII scan on the padded bench texts and on
// conversation prose (Ref: the reference scan).
func BenchmarkScanPII(b *testing.B) {
	for _, c := range []struct {
		name string
		scan func(string, eval.Side, map[string]bool, []eval.Finding) []eval.Finding
	}{{"New", ScanPII}, {"Ref", scanPIIRef}} {
		b.Run(c.name, func(b *testing.B) {
			ins := paddedCalls()
			conv := conversation(4 << 10)
			texts := []string{ins[0].System, ins[1].Output, conv.Input + conv.Output}
			var fs []eval.Finding
			b.ReportAllocs()
			for b.Loop() {
				for _, s := range texts {
					fs = c.scan(s, eval.SideInput, nil, fs[:0])
				}
			}
		})
	}
}

// TestIsStreetSuffix: the stack-folded lookup answers as a lookup of the
// lower-cased word, for every suffix in three casings, look-alikes that
// lower-case to ASCII (the Kelvin sign), and long and plain words.
func TestIsStreetSuffix(t *testing.T) {
	words := []string{"", "Main", "Streets", "STREETSTREETSTREETS", "\u212Aey", "Par\u212A", "Ünter", "Boulevardboulevard"}
	for w := range streetSuffix {
		words = append(words, w, strings.ToUpper(w), strings.ToUpper(w[:1])+w[1:])
		if i := strings.IndexByte(w, 'k'); i >= 0 {
			words = append(words, w[:i]+"\u212A"+w[i+1:])
		}
	}
	for _, w := range words {
		if got, want := isStreetSuffix(w), streetSuffix[strings.ToLower(w)]; got != want {
			t.Fatalf("isStreetSuffix(%q) = %v, want %v", w, got, want)
		}
	}
}
