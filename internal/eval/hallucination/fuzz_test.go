package hallucination

import (
	"math"
	"strings"
	"testing"

	"github.com/periscope-otel/periscope/internal/eval"
)

func FuzzEvaluate(f *testing.F) {
	seeds := [][3]string{
		{"Paris is the capital.", "Paris is the capital of France.", ""},
		{`{"a": "b", "c": [1, 2.5, "x\"y"]}`, "b 1 2.5", "sys"},
		{`[{"k":`, "ctx", ""},
		{"\"unterminated quote", "ctx \"quote\"", ""},
		{"東京は日本の首都です。", "東京は日本の首都です。", ""},
		{"It's 1,000.5 [12] www.x.org/a. https://", "1,000.5 [12]", "doi:10.1/x"},
		{"\xff\xfe broken \xc3", "\xc3\x28 also broken", ""},
		{"et al. Dr. A. B. C. 21st 1990s n't", "uncrewed crewed non-GAAP", ""},
		{"", "", "only system"},
		{"Mr. X said \u201cnothing here at all\u201d today.", "nothing here", ""},
	}
	for _, s := range seeds {
		f.Add(s[0], s[1], s[2])
	}
	e, err := New(DefaultConfig())
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, answer, ctx, system string) {
		in := &eval.Input{Output: answer, Context: []string{ctx}, System: system, Input: ctx}
		r := e.Evaluate(in)
		if r.Skipped {
			if strings.TrimSpace(answer) != "" && (ctx != "" || systemHasMaterial(system)) {
				t.Fatalf("skipped with grounding present")
			}
			return
		}
		if math.IsNaN(r.Score) || r.Score < 0 || r.Score > 1 {
			t.Fatalf("score %v", r.Score)
		}
		for _, fd := range r.Findings {
			if fd.Side == eval.SideOutput && (fd.Start < 0 || fd.Start > fd.End || fd.End > len(answer)) {
				t.Fatalf("finding %+v outside answer of %d bytes", fd, len(answer))
			}
		}
		if len(r.Findings) > maxFindings {
			t.Fatalf("%d findings", len(r.Findings))
		}
	})
}

// FuzzSystemHasMaterial compares systemHasMaterial with the reference and
// the previous implementation (see checkSystemHasMaterial), and the phrase
// search with lower-casing and strings.Contains on ASCII text.
func FuzzSystemHasMaterial(f *testing.F) {
	pad := systemPrompts()[0].sys
	pad = pad[:strings.Index(pad, "You are")]
	for _, s := range []string{
		"", "You are a helpful assistant. Answer briefly.", "Context: The Eiffel Tower is 330 metres tall.",
		"ref-1 invoice refund YOU ARE an AsSiStAnT; Lisbon Porto Faro", "\u212Anowledge: Lisbon Porto Faro",
		"Ass\u0130stant notes: x y z", "xyou are. Lisbon Porto Faro.", "```\ncode here now\n```", "It's the policy: refunds within 30 days.",
		"<DOCUMENT id=1>Refunds take thirty days</DOCUMENT>", "\xff\xfe invalid bytes: alpha beta gamma",
		pad + "You are Railtrip, a concise assistant that plans European rail journeys.",
		pad + "Summarise the meeting notes in three bullet points.",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		checkSystemHasMaterial(t, s)
		if isASCII(s) {
			low := strings.ToLower(s)
			if got, want := addressesModel(s), strings.Contains(low, "you are") || strings.Contains(low, "assistant"); got != want {
				t.Fatalf("addressesModel(%q) = %v, want %v", s, got, want)
			}
		}
	})
}
