package genaijudgeconnector

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

var planted = []string{
	"maria.lopez@example.org",
	"4111 1111 1111 1111",
	"ghp_R8z3mQ1vL0pX7kW2nB5tY9cJ4hF6gD1sA0eU",
	"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",
	"123-45-6789",
}

// bodyJudge records every raw request body.
type bodyJudge struct {
	*httptest.Server
	mu     sync.Mutex
	bodies []string
}

func newBodyJudge(t *testing.T) *bodyJudge {
	j := &bodyJudge{}
	j.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		j.mu.Lock()
		j.bodies = append(j.bodies, string(b))
		j.mu.Unlock()
		chatReply(w, `{"score":0.9,"verdict":"fail","reason":"leaks"}`)
	}))
	t.Cleanup(j.Close)
	return j
}

func (j *bodyJudge) all() string {
	j.mu.Lock()
	defer j.mu.Unlock()
	return strings.Join(j.bodies, "\n")
}

// plantedCall carries PII and secrets in the system prompt, the input, the
// output and a retrieval document.
func plantedCall(n int) ptrace.Traces {
	td, ss := newTraces()
	span := addCall(ss, n, "My card is "+planted[1]+", SSN "+planted[4]+"; write to "+planted[0],
		"Sure. Your token "+planted[2]+" is stored.", map[string]float64{"pii": 1, "hallucination": 0.9}, "pii", "hallucination")
	sys, _ := json.Marshal([]any{map[string]any{"type": "text", "content": "Use key " + planted[3] + " for the CRM."}})
	span.Attributes().PutStr("gen_ai.system_instructions", string(sys))
	return td
}

func TestRedactedBeforeSending(t *testing.T) {
	judge := newBodyJudge(t)
	cfg := testConfig(judge.URL + "/v1")
	cfg.Rubrics = []string{RubricRelevance, RubricFaithfulness, RubricSafety}
	h := newHarness(t, cfg)
	require.NoError(t, h.c.ConsumeTraces(context.Background(), plantedCall(1)))
	h.waitRecords(t, 2)
	require.Eventually(t, func() bool { return h.counter(t, "judged") == 2 }, 5*time.Second, 5*time.Millisecond)
	sent := judge.all()
	require.NotEmpty(t, sent)
	for _, p := range planted {
		assert.NotContains(t, sent, p)
	}
	assert.Contains(t, sent, "[REDACTED:email]")
	assert.Contains(t, sent, "[REDACTED:secret]")
	assert.Contains(t, sent, "Your token", "the rest of the text is quoted")
}

// redact: false sends the content as read (and proves the test above can fail).
func TestRedactFalseSendsAsRead(t *testing.T) {
	judge := newBodyJudge(t)
	cfg := testConfig(judge.URL + "/v1")
	cfg.Rubrics = []string{RubricSafety}
	cfg.Redact = false
	h := newHarness(t, cfg)
	require.NoError(t, h.c.ConsumeTraces(context.Background(), plantedCall(1)))
	h.waitRecords(t, 1)
	sent := judge.all()
	assert.Contains(t, sent, planted[0])
	assert.Contains(t, sent, planted[2])
}

// The input keeps its content: only the copy sent to the judge is masked.
func TestRedactionLeavesInputUnchanged(t *testing.T) {
	judge := newBodyJudge(t)
	cfg := testConfig(judge.URL + "/v1")
	cfg.Rubrics = []string{RubricSafety}
	h := newHarness(t, cfg)
	td := plantedCall(1)
	before := ptrace.NewTraces()
	td.CopyTo(before)
	require.NoError(t, h.c.ConsumeTraces(context.Background(), td))
	h.waitRecords(t, 1)
	assert.Equal(t, before, td)
}
