package textmask

import (
	"bufio"
	"encoding/json"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/periscope-otel/periscope/internal/testutil"
)

// equivOptions are the option sets the equivalence tests run every text
// through: defaults, the processor's cap, quoted spans masked, and a tight
// cap that cuts inside words and runes.
var equivOptions = []Options{
	{},
	{MaxBytes: 16 << 10},
	{MaskQuoted: true},
	{MaskQuoted: true, MaxQuoted: 7},
	{MaxBytes: 37},
	{MaxBytes: 301, MaskQuoted: true},
}

func requireSameAsReference(t *testing.T, text string) {
	t.Helper()
	for _, o := range equivOptions {
		want, wantTr := refAppend(nil, text, o)
		got, gotTr := Append(nil, text, o)
		if wantTr != gotTr || len(want) != len(got) {
			t.Fatalf("opts %+v text %q: got %d tokens (cut %v), want %d (cut %v)", o, text, len(got), gotTr, len(want), wantTr)
		}
		for i := range want {
			if want[i] != got[i] {
				t.Fatalf("opts %+v text %q: token %d = %+v, want %+v", o, text, i, got[i], want[i])
			}
		}
	}
}

// promptTexts returns every message of the prompt-template renderings, and
// each call's system and user texts joined as the processor masks them.
func promptTexts(t *testing.T) []string {
	f, err := os.Open(filepath.Join(testutil.SharedDir(t), "data", "prompt-templates", "dev.jsonl"))
	require.NoError(t, err)
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		var r struct {
			Messages []struct{ Role, Content string } `json:"messages"`
		}
		require.NoError(t, json.Unmarshal(sc.Bytes(), &r))
		var all []string
		for _, m := range r.Messages {
			out = append(out, m.Content)
			all = append(all, m.Content)
		}
		out = append(out, strings.Join(all, "\n"))
	}
	require.NoError(t, sc.Err())
	require.NotEmpty(t, out)
	return out
}

func TestAppendMatchesReferenceOnPrompts(t *testing.T) {
	for _, s := range promptTexts(t) {
		requireSameAsReference(t, s)
	}
}

// equivPieces are the fragments random texts are built from: every branch
// of the masker, runes of each width, invalid bytes and every ASCII byte.
var equivPieces = func() []string {
	p := []string{
		" ", "  ", "\t", "\n", "\n\n", "\r\n", "\r", "\r \n", "\f", "\v",
		"word", "Ingrid", "snake_case", "_", "__init__", "x", "A1", "ab12cd", "a1b2c3d4e5", "2024-06-01", "14:05",
		"12", "123", "007", "$12.50", "1,234", "99%", "+33", "3.14.", "v1.2.3",
		"jane.doe@example.com", "a@b", "@user", "x@y.z", "user@host.io,", "https://acme.io/x?y=1", "http://a", "www.example.org.", "what", "where", "hello",
		"\"", "\"quoted text\"", "`", "`code`", "```", "```go\nfmt.Println(1)\n```", "\"\"", "``",
		".", ",", ";", ":", ")", "!", "?", "]", "'", "(", "-", "/", "{", "}", "<", ">", "#", "*",
		"é", "café", "naïve", "Ωmega", "日本語", "𝔘nicode", "e\u0301", "\u00a0", "—", "«", "»", "\ufffd", "٣٤٥", "١٢",
		"\xff", "\xc3", "caf\xc3\x28", "\xe2\x82", "\xf0\x9f\x98", "\x00",
		strings.Repeat("x", 31), strings.Repeat("y", 32), strings.Repeat("z9", 20), strings.Repeat("é", 17),
	}
	for c := 0; c < 128; c++ {
		p = append(p, string(rune(c)))
	}
	return p
}()

func randomText(r *rand.Rand) string {
	var b strings.Builder
	for n := r.IntN(60); n >= 0; n-- {
		b.WriteString(equivPieces[r.IntN(len(equivPieces))])
		if r.IntN(3) == 0 {
			b.WriteByte(' ')
		}
	}
	return b.String()
}

func TestAppendMatchesReferenceOnRandomText(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 7))
	for range 20000 {
		requireSameAsReference(t, randomText(r))
	}
}

func TestHashMatchesReference(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 9))
	buf := make([]byte, 64)
	for range 20000 {
		for i := range buf {
			buf[i] = byte(r.Uint32())
		}
		text := string(buf)
		i := r.IntN(len(text))
		k := i + r.IntN(len(text)-i+1)
		// hashAt reads past k when text goes on: the result must not change
		require.Equal(t, refHash(text[i:k]), hashAt(text, i, k))
		require.Equal(t, refHash(text[i:k]), Hash(text[i:k]))
	}
}

func FuzzAppendMatchesReference(f *testing.F) {
	r := rand.New(rand.NewPCG(3, 4))
	for range 16 {
		f.Add(randomText(r))
	}
	f.Fuzz(requireSameAsReference)
}
