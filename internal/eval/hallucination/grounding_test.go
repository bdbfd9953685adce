package hallucination

import (
	"reflect"
	"strings"
	"testing"

	"github.com/periscope-otel/periscope/internal/eval"
)

func TestSystemHasMaterial(t *testing.T) {
	for sys, want := range map[string]bool{
		"": false,
		"You are a helpful assistant for Acme Corp. Answer briefly and only from the provided context when there is one.": false,
		"You are a polite billing support agent. Address the customer as Ingrid.":                                         false,
		"You are Railtrip, a concise assistant that plans European rail journeys. Always check live timetables first.":    false,
		"You are a helpful assistant.\nContext: The Eiffel Tower is 330 metres tall and was completed in 1889.":           true,
		"You answer for Acme. Our refund window is 30 days. Shipping takes three to five business days within the EU.":    true,
		"Answer using only these documents:\n[1] The Aurora 2 kettle is covered by a 24 month manufacturer warranty.":     true,
	} {
		if got := systemHasMaterial(sys); got != want {
			t.Errorf("systemHasMaterial(%q) = %v, want %v", sys, got, want)
		}
	}
}

// TestInstructionsOnlyIsNoContext: a general question answered under an
// instruction-only system prompt is not graded (no_context), not failed.
func TestInstructionsOnlyIsNoContext(t *testing.T) {
	e, err := New(DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	r := e.Evaluate(&eval.Input{
		System: "You are a helpful assistant for Northwind Outfitters. Answer briefly, and only from the provided context when there is one.",
		Input:  "What is the capital of Portugal?",
		Output: "The capital of Portugal is Lisbon.",
	})
	if !r.Skipped || r.Label != labelNoContext {
		t.Fatalf("got %+v, want skipped no_context", r)
	}
	// The same answer with context in the system prompt is graded.
	r = e.Evaluate(&eval.Input{
		System: "You are a helpful assistant.\nContext: Lisbon has been the capital of Portugal since 1255.",
		Input:  "What is the capital of Portugal?",
		Output: "The capital of Portugal is Lisbon.",
	})
	if r.Skipped || r.Score >= DefaultConfig().Threshold {
		t.Fatalf("grounded answer: got %+v", r)
	}
}

// TestRecurringSystemPromptGrounding: the grounding decision kept for a
// system prompt that recurs is the one systemHasMaterial makes, for prompts
// with material and without, and every call is scored as a fresh
// evaluator scores it.
func TestRecurringSystemPromptGrounding(t *testing.T) {
	instructions := strings.Repeat("You are a polite billing support agent. Address the customer by name and keep replies short. ", 4)
	facts := "Our refund window is 30 days. Shipping takes three to five business days within the EU. "
	prompts := []string{instructions, instructions + facts, "Context: " + strings.Repeat(facts, 4), instructions + "Never share internal notes."}
	shared, err := New(DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	kept := 0
	for round := 0; round < 3; round++ {
		for _, sys := range prompts {
			if shared.material.Kept(sys) {
				kept++
			}
			if got, want := shared.hasGrounding(&eval.Input{System: sys}), systemHasMaterial(sys); got != want {
				t.Fatalf("round %d: hasGrounding = %v, systemHasMaterial = %v for %q", round, got, want, sys)
			}
			in := &eval.Input{System: sys, Input: "How long do refunds take?", Output: "Refunds are accepted within 30 days, and shipping takes a week."}
			fresh, _ := New(DefaultConfig())
			if got, want := shared.Evaluate(in), fresh.Evaluate(in); !reflect.DeepEqual(got, want) {
				t.Fatalf("round %d: kept %+v, fresh %+v", round, got, want)
			}
		}
	}
	if kept < len(prompts) {
		t.Fatalf("only %d lookups found a kept decision", kept)
	}
}
