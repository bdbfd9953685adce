package jsonesc

import (
	"encoding/json"
	"math/bits"
	"math/rand/v2"
	"strings"
	"testing"
)

// marshal is what both writers must write: encoding/json's string.
func marshal(t testing.TB, s string) string {
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func check(t testing.TB, s string) {
	want := marshal(t, s)
	if got := string(Append([]byte("x"), s)); got != "x"+want {
		t.Fatalf("Append(%q) = %s, want %s", s, got[1:], want)
	}
	var b strings.Builder
	Write(&b, s)
	if got := b.String(); got != want {
		t.Fatalf("Write(%q) = %s, want %s", s, got, want)
	}
}

func TestSeeds(t *testing.T) {
	for _, s := range seeds {
		check(t, s)
	}
}

var seeds = []string{
	"", "a", "plain text of some length, longer than thirty-two bytes in all",
	`quote " and backslash \ inside`, "<tag> & amp", "tab\tnew\nline\rcr\bbs\fff\x00\x01\x1f\x7f",
	"héllo wörld — ünïcode ✓ 🚀", "\u2028 and \u2029 separators", "bad \xff\xfe utf-8 \xc3",
	"^|~ spurious candidates ^^^|||~~~ in every word ~~~~~~~~", strings.Repeat("x", 31) + "\"" + strings.Repeat("y", 40),
	strings.Repeat("é", 20) + "\u2028", "\xe2\x80", "\xe2\x80\xa8x",
}

// TestRandom: strings drawn from the bytes that matter (escapes, HTML,
// UTF-8 leads and continuations, the separators' bytes, the spurious
// candidates) at every offset within a word.
func TestRandom(t *testing.T) {
	alphabet := []string{"a", "Z", " ", "\"", "\\", "<", ">", "&", "\n", "\t", "\x00", "\x1f", "\x7f", "^", "|", "~",
		"é", "✓", "🚀", "\u2028", "\u2029", "\xe2", "\x80", "\xa8", "\xff", "\xc3"}
	r := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		var b strings.Builder
		for n := r.IntN(80); n > 0; n-- {
			if r.IntN(3) == 0 {
				b.WriteString(strings.Repeat("plain", 1+r.IntN(8)))
			}
			b.WriteString(alphabet[r.IntN(len(alphabet))])
		}
		check(t, b.String())
	}
}

func FuzzAppend(f *testing.F) {
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) { check(t, s) })
}

// TestSpecialNeverMisses: special flags every byte that needs escaping
// whatever its neighbours (a borrow from below must not hide it), and the
// lowest byte it flags is a candidate.
func TestSpecialNeverMisses(t *testing.T) {
	check := func(w uint64) {
		m := special(w) & msb
		for i := range 8 {
			c := byte(w >> (8 * i))
			needs := c < 0x20 || c >= 0x80 || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&'
			if needs && m&(0x80<<(8*i)) == 0 {
				t.Fatalf("%#016x: byte %d (%#x) not flagged", w, i, c)
			}
		}
		if m != 0 {
			if c := byte(w >> (bits.TrailingZeros64(m) &^ 7)); c < 0x80 && asciiEscape[c] == "" && !strings.ContainsRune("^|~", rune(c)) {
				t.Fatalf("%#016x: lowest flagged byte %#x is plain", w, c)
			}
		}
	}
	for a := range 256 {
		for b := range 256 {
			for pos := range 7 {
				w := uint64(0x6867666564636261) // "abcdefgh"
				w &^= 0xFFFF << (8 * pos)
				check(w | uint64(a)<<(8*pos) | uint64(b)<<(8*(pos+1)))
			}
		}
	}
	r := rand.New(rand.NewPCG(3, 4))
	for range 1 << 20 {
		check(r.Uint64())
		check(r.Uint64() & 0x7f7f7f7f7f7f7f7f)
	}
}

func BenchmarkAppend4KB(b *testing.B) {
	s := strings.Repeat("invoice refund customer shipment warranty account ", 80) + "\"end\"\n"
	buf := make([]byte, 0, 8192)
	b.SetBytes(int64(len(s)))
	for b.Loop() {
		buf = Append(buf[:0], s)
	}
}
