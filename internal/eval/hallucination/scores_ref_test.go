package hallucination

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/periscope-otel/periscope/internal/eval"
)

// equivalenceInputs are the calls the digest test scores: every row of the
// hallucination dev sets and of a few other sets (as answer, context and
// question), rows crossed with other rows' context and with long system
// prompts, and random splices of dataset text with words that hit the
// tokeniser's special cases (number words, contractions, prefixes, URLs,
// JSON, other scripts).
func equivalenceInputs(t testing.TB) []eval.Input {
	var ins []eval.Input
	var texts []string
	sets := []string{"summedits", "halueval_qa", "begin_dialogue_groundedness", "halueval_general", "xstest_completions_refusal", "presidio_synth_pii", "jbb_responses", "gitleaks_secret_samples"}
	for _, set := range sets {
		rows := loadSet(t, set)
		for i, r := range rows {
			in := input(r)
			ins = append(ins, *in)
			texts = append(texts, r.Text, r.Context, r.Query)
			if i%5 == 0 && i+1 < len(rows) {
				ins = append(ins, eval.Input{Output: rows[i+1].Text, Context: []string{r.Context}, System: r.Query})
				ins = append(ins, eval.Input{Output: r.Text, System: r.Context + "\n" + rows[i+1].Context, Input: r.Query})
			}
		}
	}
	rng := rand.New(rand.NewPCG(7, 9))
	words := []string{"un-", "non-", "twenty", "-", "five", " ", ". ", "Mr. ", "et al. ", "isn't", "Presley's", "1,000.5", "21st", "1990s", "%", "$", "€", "東京", "は", "Москва", "’", "'", "\"", "“", "”", "[3]", "https://example.org/a", "www.x.org", "doi:10.1/x", "{", "}", ":", ",", "\n", "May", "may", "March", "uninsured", "insured", "open", "closing", "increase", "decrease", "EU", "European", "Union", "YoY", "year", "over", "not", "never", "sorry", "The", "the", "Paris", "invoice", "invoices", "refunded", "refund", "stopped", "named", "ness", "ies", "opened", "opening", "ZZ", "x", "Q4", "seven", "7", "half", "percent", "\u2028", "。", "crewed", "uncrewed", "disagree", "agree", "antique", "subway", "imposed", "ilk", "irate"}
	for i := 0; i < 4000; i++ {
		mk := func(n int) string {
			var b strings.Builder
			for k := 0; k < n; k++ {
				switch rng.IntN(4) {
				case 0:
					tx := texts[rng.IntN(len(texts))]
					if len(tx) > 0 {
						a := rng.IntN(len(tx))
						e := min(len(tx), a+rng.IntN(80))
						b.WriteString(tx[a:e])
					}
				default:
					b.WriteString(words[rng.IntN(len(words))])
					if rng.IntN(2) == 0 {
						b.WriteByte(' ')
					}
				}
			}
			return b.String()
		}
		in := eval.Input{Output: mk(rng.IntN(30)), Context: []string{mk(rng.IntN(60))}}
		if rng.IntN(3) == 0 {
			in.Context = append(in.Context, mk(rng.IntN(20)))
		}
		if rng.IntN(3) == 0 {
			in.System = mk(rng.IntN(30))
		}
		if rng.IntN(2) == 0 {
			in.Input = mk(rng.IntN(20))
		}
		ins = append(ins, in)
	}
	return ins
}

// scoresDigest is the SHA-256 of every result (score bits, label, skip,
// findings) of equivalenceInputs under three configurations, as computed by
// the evaluator before the answer-driven reading of the context (keySet)
// and the other speed-ups of issue 13. A change of the scores on purpose
// changes it: print the new digest and update it then.
const scoresDigest = "9e51980614e2716cbaed4ac384f7022ef44a27826f348f248d75e333aab6661d"

func TestScoresMatchReference(t *testing.T) {
	e := newEval(t)
	eRules, _ := NewWithOptions(DefaultConfig(), Options{RulesOnly: true})
	small := DefaultConfig()
	small.MaxContextBytes = 2048
	small.MaxAnswerBytes = 300
	eSmall, _ := New(small)
	h := sha256.New()
	for i, in := range equivalenceInputs(t) {
		for k, ev := range []*Evaluator{e, eRules, eSmall} {
			r := ev.Evaluate(&in)
			fmt.Fprintf(h, "%d/%d %x %q %v %v\n", i, k, math.Float64bits(r.Score), r.Label, r.Skipped, r.Findings)
		}
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != scoresDigest {
		t.Errorf("results digest %s, want %s", got, scoresDigest)
	}
}
