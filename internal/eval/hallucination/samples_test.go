package hallucination

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/periscope-otel/periscope/internal/eval"
	"github.com/periscope-otel/periscope/internal/genai"
	"github.com/periscope-otel/periscope/internal/testutil"
)

type sampleCall struct {
	trace string
	view  genai.View
}

func readSample(t *testing.T, rel string) []sampleCall {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(testutil.SharedDir(t), "data", "genai-samples", rel))
	if err != nil {
		t.Skipf("sample %s: %v", rel, err)
	}
	td, err := (&ptrace.JSONUnmarshaler{}).UnmarshalTraces(data)
	if err != nil {
		t.Fatalf("%s: %v", rel, err)
	}
	var calls []sampleCall
	for i := 0; i < td.ResourceSpans().Len(); i++ {
		rs := td.ResourceSpans().At(i)
		for j := 0; j < rs.ScopeSpans().Len(); j++ {
			ss := rs.ScopeSpans().At(j)
			for k := 0; k < ss.Spans().Len(); k++ {
				sp := ss.Spans().At(k)
				calls = append(calls, sampleCall{sp.TraceID().String(), genai.ReadSpan(sp, rs.Resource(), genai.Options{Content: true})})
			}
		}
	}
	return calls
}

// TestOpenInferenceRAG scores the LLM answer of the OpenInference RAG trace
// against the documents of the retrieval span of the same trace (what
// genai_eval gathers when the trace arrives together), and a fabricated
// variant of the answer against the same documents.
func TestOpenInferenceRAG(t *testing.T) {
	calls := readSample(t, "openinference-rag.json")
	docs := map[string][]string{}
	for _, c := range calls {
		for _, d := range c.view.Documents {
			docs[c.trace] = append(docs[c.trace], d.Content)
		}
	}
	e := newEval(t)
	n := 0
	for _, c := range calls {
		out := c.view.OutputText()
		if c.view.Category != genai.CategoryLLM || out == "" || len(docs[c.trace]) == 0 {
			continue
		}
		n++
		in := &eval.Input{System: c.view.SystemText(), Input: c.view.LastUserText(), Output: out, Context: docs[c.trace]}
		good := e.Evaluate(in)
		bad := *in
		bad.Output = "The Aurora 2 kettle has a 6 month warranty from Kessler Appliances, and no receipt is needed."
		fab := e.Evaluate(&bad)
		t.Logf("grounded %.3f %v; fabricated %.3f %v", good.Score, good.Findings, fab.Score, fab.Findings)
		if good.Skipped || good.Score >= 0.3 {
			t.Errorf("grounded RAG answer: %+v", good)
		}
		if fab.Score < 0.6 {
			t.Errorf("fabricated RAG answer scored %.3f", fab.Score)
		}
	}
	if n == 0 {
		t.Skip("no LLM span with retrieval documents read from the sample (reader not complete?)")
	}
}

// TestRealClientScenarios: the recorded real-client traces carry grounded
// and hallucinated RAG answers (context in the system prompt) and ticket
// summaries (the ticket in the user message) of which some describe a
// different ticket.
func TestRealClientScenarios(t *testing.T) {
	calls := readSample(t, "real-clients/openinference-traces.json")
	e := newEval(t)
	var grounded, hallucinated []float64
	for _, c := range calls {
		v := c.view
		user, out := v.LastUserText(), v.OutputText()
		if out == "" {
			continue
		}
		switch {
		case strings.Contains(user, "[scenario:rag_grounded]"):
			grounded = append(grounded, e.Evaluate(&eval.Input{System: v.SystemText(), Input: user, Output: out}).Score)
		case strings.Contains(user, "[scenario:rag_hallucinated]"):
			hallucinated = append(hallucinated, e.Evaluate(&eval.Input{System: v.SystemText(), Input: user, Output: out}).Score)
		case strings.Contains(user, "Ticket:"):
			// The ticket is the document to summarise.
			r := e.Evaluate(&eval.Input{Output: out, Context: []string{user}})
			if strings.Contains(user, "log in") {
				grounded = append(grounded, r.Score)
			} else {
				hallucinated = append(hallucinated, r.Score)
			}
		}
	}
	if len(grounded) == 0 || len(hallucinated) == 0 {
		t.Skip("scenarios not read from the sample (reader not complete?)")
	}
	t.Logf("grounded %v, hallucinated %v", grounded, hallucinated)
	for _, g := range grounded {
		for _, h := range hallucinated {
			if g >= h {
				t.Errorf("grounded %.3f not below hallucinated %.3f", g, h)
			}
		}
	}
	for _, h := range hallucinated {
		if h < DefaultConfig().Threshold {
			t.Errorf("hallucinated answer scored %.3f, below the default threshold", h)
		}
	}
}
