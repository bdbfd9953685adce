package hallucination

import (
	"math"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/periscope-otel/periscope/internal/contract"
	"github.com/periscope-otel/periscope/internal/eval"
)

const ragDoc = `Periscope 2.3 was released on 14 March 2025. It adds a hallucination evaluator and supports 12 dialects.
The release was led by Maria Santos at the Lisbon office. Memory use fell by 30 percent compared with version 2.2.
The project does not collect any user data. See https://example.org/periscope/releases for the notes.`

func newEval(t testing.TB) *Evaluator {
	t.Helper()
	e, err := New(DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func rules(r eval.Result) map[string]int {
	m := map[string]int{}
	for _, f := range r.Findings {
		m[f.Rule]++
	}
	return m
}

func TestNoContextSkips(t *testing.T) {
	e := newEval(t)
	for _, in := range []*eval.Input{
		nil,
		{Output: "Paris is the capital of France."},
		{Output: "Paris", Input: "What is the capital of France?"},
		{Output: "Paris", Context: []string{"", ""}},
	} {
		r := e.Evaluate(in)
		if !r.Skipped || r.Label != contract.LabelNoContext || r.Score != 0 {
			t.Errorf("%+v: got %+v, want skipped no_context", in, r)
		}
	}
	if r := e.Evaluate(&eval.Input{Output: "Be brief.", System: "Be brief."}); !r.Skipped {
		t.Error("instruction-only system text is not grounding")
	}
	if r := e.Evaluate(&eval.Input{Output: "Refunds take 30 days.", System: "Be brief. Refunds are accepted within 30 days of delivery."}); r.Skipped {
		t.Error("system text with facts is grounding")
	}
	if e.Name() != contract.EvalHallucination {
		t.Errorf("Name() = %q", e.Name())
	}
}

func TestGroundedLowFabricatedHigh(t *testing.T) {
	e := newEval(t)
	grounded := e.Evaluate(&eval.Input{
		Input:   "When was Periscope 2.3 released and who led it?",
		Output:  "Periscope 2.3 was released on 14 March 2025; Maria Santos led the release from the Lisbon office.",
		Context: []string{ragDoc},
	})
	fabricated := e.Evaluate(&eval.Input{
		Input:   "When was Periscope 2.3 released and who led it?",
		Output:  "Periscope 2.3 shipped on 9 June 2024 under John Whitaker in Berlin, with 45 new GPU kernels.",
		Context: []string{ragDoc},
	})
	t.Logf("grounded %.3f %v, fabricated %.3f %v", grounded.Score, grounded.Findings, fabricated.Score, fabricated.Findings)
	if grounded.Score >= 0.3 || grounded.Label != contract.LabelPass {
		t.Errorf("grounded answer scored %.3f (%s)", grounded.Score, grounded.Label)
	}
	if fabricated.Score < 0.7 || fabricated.Label != contract.LabelFail {
		t.Errorf("fabricated answer scored %.3f (%s)", fabricated.Score, fabricated.Label)
	}
	got := rules(fabricated)
	for _, want := range []string{RuleNumber, RuleDate, RuleEntity} {
		if got[want] == 0 {
			t.Errorf("fabricated answer: no %q finding in %v", want, fabricated.Findings)
		}
	}
}

func TestClaimRules(t *testing.T) {
	e := newEval(t)
	cases := []struct {
		name, answer, rule string
	}{
		{"number", "Memory use fell by 45 percent compared with version 2.2.", RuleNumber},
		{"negation", "The project collects user data.", RuleNegation},
		{"antonym", "Memory use rose by 30 percent compared with version 2.2.", RuleAntonym},
		{"url", "The notes are at https://example.org/periscope/blog/2.3 for everyone.", RuleURL},
		{"citation", "It supports 12 dialects [4].", RuleCitation},
		{"quote", `The notes say "memory use doubled overnight" in this release.`, RuleQuote},
		{"entity", "The release was led by Maria Santos at the Madrid office.", RuleEntity},
	}
	for _, c := range cases {
		r := e.Evaluate(&eval.Input{Output: c.answer, Context: []string{ragDoc}})
		if rules(r)[c.rule] == 0 {
			t.Errorf("%s: no %q finding; got %v (score %.3f)", c.name, c.rule, r.Findings, r.Score)
		}
		for _, f := range r.Findings {
			if f.Start < 0 || f.End > len(c.answer) || f.Start > f.End {
				t.Errorf("%s: finding %+v out of the answer", c.name, f)
			}
		}
	}
	// Supported versions of the same claims raise nothing hard.
	for _, ok := range []string{
		"Memory use fell by 30 percent compared with version 2.2.",
		"The project does not collect user data.",
		"The notes are at https://example.org/periscope/releases.",
		"It supports twelve dialects.",
	} {
		r := e.Evaluate(&eval.Input{Output: ok, Context: []string{ragDoc}})
		for _, f := range r.Findings {
			switch f.Rule {
			case RuleNumber, RuleNegation, RuleAntonym, RuleURL, RuleEntity:
				t.Errorf("%q: unexpected %+v", ok, f)
			}
		}
		if r.Score >= 0.5 {
			t.Errorf("%q: score %.3f", ok, r.Score)
		}
	}
}

func TestSwap(t *testing.T) {
	e := newEval(t)
	ctx := "In 2023 the company reported revenue of 4.2 million dollars, driven by strong European sales. In 2022 the figure was 3.1 million dollars."
	r := e.Evaluate(&eval.Input{Output: "In 2023 the company reported revenue of 3.1 million dollars, driven by strong European sales.", Context: []string{ctx}})
	if rules(r)[RuleSwap] == 0 {
		t.Errorf("swapped figure not found: %v", r.Findings)
	}
}

func TestLengthInvariance(t *testing.T) {
	e := newEval(t)
	ans := "Periscope 2.3 was released in 2024 by John. It supports 12 dialects."
	one := e.Evaluate(&eval.Input{Output: ans, Context: []string{ragDoc}}).Score
	three := e.Evaluate(&eval.Input{Output: ans + " " + ans + " " + ans, Context: []string{ragDoc}}).Score
	if math.Abs(one-three) > 0.02 {
		t.Errorf("score depends on repetition: %.3f vs %.3f", one, three)
	}
}

func TestEmptyAndSymbolAnswers(t *testing.T) {
	e := newEval(t)
	for _, ans := range []string{"...", "Thanks!", "ok, yes"} {
		r := e.Evaluate(&eval.Input{Output: ans, Context: []string{ragDoc}})
		if r.Skipped || r.Score != 0 || r.Label != contract.LabelPass {
			t.Errorf("%q: %+v", ans, r)
		}
	}
	// No answer at all (a request whose answer has not arrived): nothing
	// to judge, no result, rather than a pass that a later fail contradicts.
	for _, ans := range []string{"", "   "} {
		if r := e.Evaluate(&eval.Input{Output: ans, Context: []string{ragDoc}}); !r.Skipped || r.Label != "" {
			t.Errorf("%q: %+v", ans, r)
		}
	}
}

func TestJSONAnswer(t *testing.T) {
	e := newEval(t)
	good := `{"version": "2.3", "released": "14 March 2025", "lead": "Maria Santos", "dialects": 12}`
	bad := `{"version": "2.3", "released": "2 May 2021", "lead": "Peter Novak", "dialects": 40}`
	rg := e.Evaluate(&eval.Input{Output: good, Context: []string{ragDoc}})
	rb := e.Evaluate(&eval.Input{Output: bad, Context: []string{ragDoc}})
	t.Logf("json good %.3f %v bad %.3f %v", rg.Score, rg.Findings, rb.Score, rb.Findings)
	if rg.Score >= 0.3 || rb.Score < 0.6 {
		t.Errorf("JSON: grounded %.3f, fabricated %.3f", rg.Score, rb.Score)
	}
	for _, f := range rb.Findings {
		if f.End > len(bad) || strings.Contains(bad[f.Start:f.End], `"lead"`) {
			t.Errorf("finding %+v points at a key", f)
		}
	}
}

func TestOtherScripts(t *testing.T) {
	e := newEval(t)
	ctx := "東京は日本の首都です。人口は約1400万人です。"
	same := e.Evaluate(&eval.Input{Output: "東京は日本の首都です。", Context: []string{ctx}})
	other := e.Evaluate(&eval.Input{Output: "大阪は韓国の首都で、人口は900万人です。", Context: []string{ctx}})
	if same.Score >= other.Score {
		t.Errorf("CJK: copied %.3f, altered %.3f", same.Score, other.Score)
	}
	ru := "Москва является столицей России. Население составляет 13 миллионов человек."
	r1 := e.Evaluate(&eval.Input{Output: "Москва является столицей России.", Context: []string{ru}})
	r2 := e.Evaluate(&eval.Input{Output: "Берлин является столицей Франции, население 40 миллионов.", Context: []string{ru}})
	if r1.Score >= r2.Score {
		t.Errorf("Cyrillic: copied %.3f, altered %.3f", r1.Score, r2.Score)
	}
	ar := e.Evaluate(&eval.Input{Output: "القاهرة هي عاصمة مصر", Context: []string{"القاهرة هي عاصمة مصر وأكبر مدنها"}})
	if ar.Score >= 0.3 {
		t.Errorf("Arabic copy scored %.3f", ar.Score)
	}
}

func TestBudgets(t *testing.T) {
	cfg := DefaultConfig()
	cfg.MaxContextBytes = 64 << 10
	cfg.MaxAnswerBytes = 4 << 10
	e, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	big := strings.Repeat("Filler text about nothing in particular, line after line. ", 40000) // ~2.3 MB
	ans := strings.Repeat("Périscope ist schnell. ", 1000)
	r := e.Evaluate(&eval.Input{Output: ans, Context: []string{ragDoc, big}})
	got := rules(r)
	if got[RuleCtxTrunc] != 1 || got[RuleAnsTrunc] != 1 {
		t.Errorf("truncation not reported: %v", got)
	}
	for _, f := range r.Findings {
		if f.Rule == RuleAnsTrunc && (f.Start > cfg.MaxAnswerBytes || !utf8.RuneStart(ans[f.Start])) {
			t.Errorf("answer cut at %d", f.Start)
		}
	}
}

func TestConfigValidate(t *testing.T) {
	for _, c := range []struct {
		mut func(*Config)
		key string
	}{
		{func(c *Config) { c.Threshold = 0 }, "threshold"},
		{func(c *Config) { c.Threshold = 1.5 }, "threshold"},
		{func(c *Config) { c.MaxContextBytes = 10 }, "max_context_bytes"},
		{func(c *Config) { c.MaxAnswerBytes = -1 }, "max_answer_bytes"},
	} {
		cfg := DefaultConfig()
		c.mut(&cfg)
		err := cfg.Validate()
		if err == nil || !strings.Contains(err.Error(), c.key) {
			t.Errorf("want error naming %s, got %v", c.key, err)
		}
		if _, err := New(cfg); err == nil {
			t.Errorf("New accepted invalid %s", c.key)
		}
	}
	cfg := DefaultConfig()
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestConcurrent(t *testing.T) {
	e := newEval(t)
	want := e.Evaluate(&eval.Input{Output: "Memory use fell by 45 percent.", Context: []string{ragDoc}}).Score
	done := make(chan float64, 8)
	for range 8 {
		go func() {
			var s float64
			for range 200 {
				s = e.Evaluate(&eval.Input{Output: "Memory use fell by 45 percent.", Context: []string{ragDoc}}).Score
			}
			done <- s
		}()
	}
	for range 8 {
		if got := <-done; got != want {
			t.Errorf("concurrent score %v, want %v", got, want)
		}
	}
}

func TestNumberForms(t *testing.T) {
	same := [][2]string{
		{"25", "twenty-five"}, {"25", "twenty five"}, {"1000", "1,000"}, {"7", "seven"},
		{"21", "21st"}, {"1990", "1990s"}, {"%", "percent"},
	}
	for _, p := range same {
		var z1, z2 tokenizer
		a, b := z1.run(p[0], nil), z2.run(p[1], nil)
		if len(a) != 1 || len(b) != 1 || a[0].h != b[0].h {
			t.Errorf("%q and %q should be one equal token: %v %v", p[0], p[1], a, b)
		}
	}
}

func TestAcronym(t *testing.T) {
	e := newEval(t)
	ctx := "Revenue grew 12% year over year. The European Union approved the plan."
	r := e.Evaluate(&eval.Input{Output: "Revenue grew 12% YoY and the EU approved the plan.", Context: []string{ctx}})
	if rules(r)[RuleEntity] != 0 {
		t.Errorf("acronyms of context phrases flagged: %v", r.Findings)
	}
	r = e.Evaluate(&eval.Input{Output: "Revenue grew 12% and the IMF approved the plan.", Context: []string{ctx}})
	if rules(r)[RuleEntity] == 0 {
		t.Errorf("unknown acronym not flagged: %v", r.Findings)
	}
}

func TestNegatedOpposite(t *testing.T) {
	e := newEval(t)
	ctx := "The caller is uninsured at the moment and asks about a cheap plan."
	r := e.Evaluate(&eval.Input{Output: "The caller is not insured at the moment.", Context: []string{ctx}})
	if rules(r)[RuleNegation] != 0 {
		t.Errorf("negated opposite flagged as negation flip: %v", r.Findings)
	}
}

func TestRelation(t *testing.T) {
	e := newEval(t)
	ctx := "Maria Santos leads the Lisbon office. The Berlin office builds the storage engine."
	r := e.Evaluate(&eval.Input{Output: "Maria Santos builds the storage engine.", Context: []string{ctx}})
	if rules(r)[RuleRelation] == 0 {
		t.Errorf("recombined relation not reported: %v (score %.3f)", r.Findings, r.Score)
	}
	ok := e.Evaluate(&eval.Input{Output: "Maria Santos leads the Lisbon office.", Context: []string{ctx}})
	if rules(ok)[RuleRelation] != 0 || ok.Score >= r.Score {
		t.Errorf("supported relation: %v %.3f vs %.3f", ok.Findings, ok.Score, r.Score)
	}
}

// TestWorstCaseInputs: answers built to hit every per-claim scan against a
// context at the default budget must still finish quickly.
func TestWorstCaseInputs(t *testing.T) {
	e := newEval(t)
	ctx := strings.Repeat("Alpha beta gamma delta epsilon zeta eta theta. ", 6000) // ~280 KB
	answers := map[string]string{
		"acronyms": strings.Repeat("ABC XYZ QQQ ", 3000),
		"quotes":   strings.Repeat(`"alpha beta" `, 3000),
		"urls":     strings.Repeat("https://example.org/x [12] doi:10.1/abc ", 1000),
		"one word": strings.Repeat("alpha ", 6000),
		"no space": strings.Repeat("x", 40000),
	}
	for name, ans := range answers {
		start := time.Now()
		r := e.Evaluate(&eval.Input{Output: ans, Context: []string{ctx}})
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("%s: %v", name, d)
		}
		if r.Score < 0 || r.Score > 1 {
			t.Errorf("%s: score %v", name, r.Score)
		}
	}
}

func TestDuplicateGroundingReadOnce(t *testing.T) {
	e := newEval(t)
	ans := "Memory use rose by 30 percent, said John."
	once := e.Evaluate(&eval.Input{Output: ans, Context: []string{ragDoc}})
	twice := e.Evaluate(&eval.Input{Output: ans, Context: []string{ragDoc, ragDoc}, Input: ragDoc, System: ragDoc})
	if once.Score != twice.Score || len(once.Findings) != len(twice.Findings) {
		t.Errorf("duplicated grounding changes the result: %.3f %v vs %.3f %v", once.Score, once.Findings, twice.Score, twice.Findings)
	}
}

// TestRefusalIsNotAHallucination: an apology or refusal states nothing
// about the world, so it is grounded by definition.
func TestRefusalIsNotAHallucination(t *testing.T) {
	e, err := New(DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	for _, out := range []string{
		"I'm sorry, but I can't share that.",
		"Unfortunately I am unable to help with picking locks.",
		"I apologize, but I cannot provide instructions for that.",
	} {
		r := e.Evaluate(&eval.Input{System: "You are a support bot for Acme. The refund window is 30 days.", Input: "How do I pick a lock?", Output: out})
		if r.Score >= DefaultConfig().Threshold {
			t.Errorf("%q scored %.2f", out, r.Score)
		}
	}
	// A refusal wrapped around an invented fact still fails on the fact.
	r := e.Evaluate(&eval.Input{System: "The refund window is 30 days.", Output: "Sorry, the refund window is 90 days."})
	if r.Score < DefaultConfig().Threshold {
		t.Errorf("invented number inside an apology scored %.2f", r.Score)
	}
}

// The committed blend must load with this build's feature configuration;
// regenerate it with `go run ./cmd/periscope-evalbench --train`.
func TestEmbeddedBlendCurrent(t *testing.T) {
	m := defaultModel()
	if m == nil {
		t.Fatal("models/hallucination.plm missing or stale")
	}
	e, err := NewWithOptions(DefaultConfig(), Options{RulesOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	if e.model != nil {
		t.Fatal("RulesOnly kept the blend")
	}
}

func TestNewWithOptionsDefaultKeepsBlend(t *testing.T) {
	e, err := NewWithOptions(DefaultConfig(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if e.model == nil {
		t.Fatal("zero Options dropped the embedded blend")
	}
}
