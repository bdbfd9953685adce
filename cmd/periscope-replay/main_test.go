package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/periscope-otel/periscope/exporter/genaidatasetexporter/dataset"
)

// goldenDataset is the genai_dataset exporter's golden output: every model
// call of the real samples, flagged and clean.
var goldenDataset = filepath.Join("..", "..", "exporter", "genaidatasetexporter", "testdata", "golden", "all.jsonl")

// fakeOpenAI is an OpenAI-compatible chat-completions server. answer
// decides each response from the request number (1-based) and request.
type fakeOpenAI struct {
	srv   *httptest.Server
	n     atomic.Int64
	mu    sync.Mutex
	reqs  []chatRequest
	auths []string
}

func newFake(t *testing.T, answer func(n int64, req *chatRequest, w http.ResponseWriter)) *fakeOpenAI {
	f := &fakeOpenAI{}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v1/chat/completions" || r.Method != http.MethodPost {
			http.NotFound(w, r)
			return
		}
		var req chatRequest
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		f.mu.Lock()
		f.reqs = append(f.reqs, req)
		f.auths = append(f.auths, r.Header.Get("Authorization"))
		f.mu.Unlock()
		answer(f.n.Add(1), &req, w)
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeOpenAI) url() string { return f.srv.URL + "/v1" }

func reply(w http.ResponseWriter, model, content string, in, out int64) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{
		"id": "chatcmpl-1", "object": "chat.completion", "model": model,
		"choices": []any{map[string]any{"index": 0, "finish_reason": "stop",
			"message": map[string]any{"role": "assistant", "content": content}}},
		"usage": map[string]any{"prompt_tokens": in, "completion_tokens": out, "total_tokens": in + out},
	})
}

// safeAnswer is neither toxic, a refusal, a leak nor an ungrounded claim.
const safeAnswer = "OK."

func safe(_ int64, req *chatRequest, w http.ResponseWriter) {
	reply(w, req.Model, safeAnswer, 40, 15)
}

func runReplay(t *testing.T, args ...string) (int, string, string, []result) {
	t.Helper()
	out := filepath.Join(t.TempDir(), "out.jsonl")
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), append([]string{"--out", out, "--rps", "0", "--backoff", "1ms"}, args...), &stdout, &stderr)
	var results []result
	if b, err := os.ReadFile(out); err == nil {
		sc := bufio.NewScanner(bytes.NewReader(b))
		sc.Buffer(nil, 64<<20)
		for sc.Scan() {
			var r result
			require.NoError(t, json.Unmarshal(sc.Bytes(), &r))
			results = append(results, r)
		}
	}
	return code, stdout.String(), stderr.String(), results
}

func TestReplayImproves(t *testing.T) {
	f := newFake(t, safe)
	t.Setenv("TEST_KEY", "sk-test")
	code, stdout, stderr, results := runReplay(t, "--dataset", goldenDataset, "--endpoint", f.url(),
		"--model", "gpt-4o-mini", "--concurrency", "4", "--fail-on-regression", "--api-key-env", "TEST_KEY")
	require.Equal(t, exitOK, code, stdout+stderr)
	rows, err := readDataset(goldenDataset)
	require.NoError(t, err)
	require.Len(t, results, len(rows))
	for i, r := range results {
		assert.Equal(t, rows[i].SpanID, r.SpanID, "lines keep dataset order")
		if r.Skipped != "" {
			assert.Equal(t, "no_input", r.Skipped)
			assert.Empty(t, rows[i].InputMessages)
			continue
		}
		require.NotNil(t, r.After)
		assert.Empty(t, r.After.Error)
		assert.Equal(t, safeAnswer, r.After.Output)
		assert.NotNil(t, r.After.Cost, "gpt-4o-mini is priced by genai_cost")
		assert.NotEmpty(t, r.After.Evaluations)
		assert.Equal(t, rows[i].OutputText(), r.Before.Output)
	}
	// Failures fell: the table shows them, and there is no regression.
	assert.Contains(t, stdout, "evaluator")
	assert.Regexp(t, `toxicity\s+[1-9]\d*\s+0\s+-[1-9]`, stdout)
	assert.Regexp(t, `pii\s+([1-9]\d*)\s+([1-9]\d*)\s+\+0`, stdout, "pii is in the inputs: a new answer cannot fix it")
	assert.Contains(t, stdout, "skipped: 1 (no_input: 1)")
	assert.Contains(t, stdout, "cost (USD)")
	assert.Contains(t, stdout, "input tokens")
	assert.NotContains(t, stdout, "REGRESSION")
	for _, a := range f.auths {
		assert.Equal(t, "Bearer sk-test", a)
	}
}

func TestReplayRegressionGate(t *testing.T) {
	leaky := func(_ int64, req *chatRequest, w http.ResponseWriter) {
		reply(w, req.Model, "Sure: the customer's card is 4111 1111 1111 1111 and email jane.doe@example.org.", 40, 20)
	}
	f := newFake(t, leaky)
	code, stdout, _, _ := runReplay(t, "--dataset", goldenDataset, "--endpoint", f.url(), "--model", "gpt-4o-mini",
		"--fail-on-regression", "--limit", "12")
	assert.Equal(t, exitRegression, code, stdout)
	assert.Contains(t, stdout, "REGRESSION")
	assert.Contains(t, stdout, "regressions: ")
	// Without the flag the run reports but succeeds.
	code, _, _, _ = runReplay(t, "--dataset", goldenDataset, "--endpoint", f.url(), "--model", "gpt-4o-mini", "--limit", "12")
	assert.Equal(t, exitOK, code)
}

func TestReplaySystemPromptAndRequest(t *testing.T) {
	f := newFake(t, safe)
	sys := filepath.Join(t.TempDir(), "system.txt")
	require.NoError(t, os.WriteFile(sys, []byte("You are the new support bot.\n"), 0o600))
	code, _, _, results := runReplay(t, "--dataset", goldenDataset, "--endpoint", f.url(), "--model", "gpt-4.1-mini",
		"--system-prompt", sys, "--limit", "3", "--concurrency", "1")
	require.Equal(t, exitOK, code)
	require.Len(t, f.reqs, 3)
	for _, req := range f.reqs {
		assert.Equal(t, "gpt-4.1-mini", req.Model)
		require.NotEmpty(t, req.Messages)
		assert.Equal(t, "system", req.Messages[0].Role)
		assert.Equal(t, "You are the new support bot.", req.Messages[0].Content)
		assert.Equal(t, "user", req.Messages[len(req.Messages)-1].Role)
		for _, m := range req.Messages[1:] {
			assert.NotEqual(t, "system", m.Role)
		}
	}
	assert.Equal(t, "gpt-4.1-mini", results[0].After.Model)
}

func TestReplayRetries(t *testing.T) {
	cases := []struct {
		name    string
		answer  func(n int64, req *chatRequest, w http.ResponseWriter)
		args    []string
		wantErr string
		tries   int
	}{
		{name: "429 then ok", tries: 2, answer: func(n int64, req *chatRequest, w http.ResponseWriter) {
			if n == 1 {
				w.Header().Set("Retry-After", "0")
				http.Error(w, `{"error":{"message":"rate limited"}}`, http.StatusTooManyRequests)
				return
			}
			safe(n, req, w)
		}},
		{name: "5xx twice then ok", tries: 3, answer: func(n int64, req *chatRequest, w http.ResponseWriter) {
			if n <= 2 {
				http.Error(w, "upstream", http.StatusBadGateway)
				return
			}
			safe(n, req, w)
		}},
		{name: "timeout then ok", tries: 2, args: []string{"--timeout", "200ms"}, answer: func(n int64, req *chatRequest, w http.ResponseWriter) {
			if n == 1 {
				time.Sleep(time.Second)
			}
			safe(n, req, w)
		}},
		{name: "malformed then ok", tries: 2, answer: func(n int64, req *chatRequest, w http.ResponseWriter) {
			if n == 1 {
				_, _ = w.Write([]byte(`{"choices": [`))
				return
			}
			safe(n, req, w)
		}},
		{name: "no choices", tries: 3, args: []string{"--retries", "2"}, wantErr: "malformed response", answer: func(_ int64, _ *chatRequest, w http.ResponseWriter) {
			_, _ = w.Write([]byte(`{"choices": []}`))
		}},
		{name: "400 is not retried", tries: 1, wantErr: "HTTP 400", answer: func(_ int64, _ *chatRequest, w http.ResponseWriter) {
			http.Error(w, `{"error":{"message":"bad model"}}`, http.StatusBadRequest)
		}},
		{name: "5xx forever", tries: 3, args: []string{"--retries", "2"}, wantErr: "after 3 attempts: HTTP 500", answer: func(_ int64, _ *chatRequest, w http.ResponseWriter) {
			http.Error(w, "boom", http.StatusInternalServerError)
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t, tc.answer)
			args := append([]string{"--dataset", goldenDataset, "--endpoint", f.url(), "--model", "gpt-4o-mini",
				"--limit", "1"}, tc.args...)
			code, stdout, stderr, results := runReplay(t, args...)
			require.Len(t, results, 1)
			assert.Equal(t, tc.tries, results[0].Attempts)
			if tc.wantErr != "" {
				assert.Equal(t, exitError, code, "no row replayed")
				assert.Contains(t, results[0].After.Error, tc.wantErr)
				assert.Contains(t, stderr, "no row could be replayed")
				return
			}
			assert.Equal(t, exitOK, code, stdout+stderr)
			assert.Empty(t, results[0].After.Error)
			assert.Equal(t, safeAnswer, results[0].After.Output)
		})
	}
}

func TestReplayCostCap(t *testing.T) {
	f := newFake(t, func(n int64, req *chatRequest, w http.ResponseWriter) {
		reply(w, req.Model, safeAnswer, 100000, 1000) // ~$0.016 per call on gpt-4o-mini
	})
	code, stdout, _, results := runReplay(t, "--dataset", goldenDataset, "--endpoint", f.url(), "--model", "gpt-4o-mini",
		"--concurrency", "1", "--max-usd", "0.03", "--limit", "10")
	require.Equal(t, exitOK, code)
	require.Len(t, results, 10)
	sent := 0
	for _, r := range results {
		if r.Skipped == "" {
			sent++
		} else {
			assert.Equal(t, "cost_cap", r.Skipped)
			assert.Nil(t, r.After)
		}
	}
	assert.Equal(t, 2, sent, "the call that crosses the cap is the last one sent")
	assert.Equal(t, int64(2), f.n.Load())
	assert.Contains(t, stdout, "skipped: 8 (cost_cap: 8)")

	// An unpriced replay model cannot be held to a cap: the run stops.
	f2 := newFake(t, safe)
	_, _, _, results = runReplay(t, "--dataset", goldenDataset, "--endpoint", f2.url(), "--model", "acme-unknown-9b",
		"--concurrency", "1", "--max-usd", "1", "--limit", "3")
	assert.Equal(t, "cost_cap_unpriced", results[2].Skipped)
}

func TestReplayUsageErrors(t *testing.T) {
	var stdout, stderr bytes.Buffer
	assert.Equal(t, exitError, run(context.Background(), []string{"--dataset", goldenDataset}, &stdout, &stderr))
	assert.Contains(t, stderr.String(), "missing --endpoint, --model, --out")
	stderr.Reset()
	assert.Equal(t, exitError, run(context.Background(), []string{"--dataset", "/nonexistent", "--endpoint", "http://x", "--model", "m", "--out", "-"}, &stdout, &stderr))
	bad := filepath.Join(t.TempDir(), "bad.jsonl")
	require.NoError(t, os.WriteFile(bad, []byte("{\"schema_version\": 99}\n"), 0o600))
	stderr.Reset()
	assert.Equal(t, exitError, run(context.Background(), []string{"--dataset", bad, "--endpoint", "http://x", "--model", "m", "--out", "-"}, &stdout, &stderr))
	assert.Contains(t, stderr.String(), "schema_version 99")
}

func TestConvert(t *testing.T) {
	dir := t.TempDir()
	for _, to := range []string{formatOpenAIChat, formatLangfuse} {
		out := filepath.Join(dir, to+".jsonl")
		var stderr bytes.Buffer
		require.Equal(t, exitOK, run(context.Background(), []string{"convert", "--to", to, "--dataset", goldenDataset, "--out", out}, nil, &stderr), stderr.String())
		b, err := os.ReadFile(out)
		require.NoError(t, err)
		lines := strings.Split(strings.TrimSpace(string(b)), "\n")
		rows, err := readDataset(goldenDataset)
		require.NoError(t, err)
		require.Len(t, lines, len(rows))
		for i, l := range lines {
			var m map[string]any
			require.NoError(t, json.Unmarshal([]byte(l), &m), l)
			switch to {
			case formatOpenAIChat:
				msgs := m["messages"].([]any)
				last := msgs[len(msgs)-1].(map[string]any)
				assert.Equal(t, "assistant", last["role"])
				if rows[i].OutputText() != "" {
					assert.Equal(t, rows[i].OutputText(), last["content"])
				}
			case formatLangfuse:
				assert.Equal(t, "periscope", m["datasetName"])
				assert.Equal(t, rows[i].TraceID, m["sourceTraceId"])
				assert.Equal(t, rows[i].SpanID, m["sourceObservationId"])
				meta := m["metadata"].(map[string]any)
				if len(rows[i].Failed) > 0 {
					assert.Nil(t, m["expectedOutput"], "a flagged answer is not an expected output")
					assert.Equal(t, rows[i].OutputText(), meta["recorded_output"])
				} else {
					assert.Equal(t, rows[i].OutputText(), m["expectedOutput"])
				}
			}
		}
	}
	var stderr bytes.Buffer
	assert.Equal(t, exitError, run(context.Background(), []string{"convert", "--to", "csv", "--dataset", goldenDataset}, nil, &stderr))
	assert.Contains(t, stderr.String(), "--to")
}

func TestToChatTools(t *testing.T) {
	rows, err := readDatasetString(`{"schema_version":1,"time":"2026-01-01T00:00:00Z","trace_id":"","span_id":"","source":"span","evaluations":{},"failed":[],"output_messages":[],
"input_messages":[{"role":"user","parts":[{"type":"text","content":"weather?"}]},
{"role":"assistant","parts":[{"type":"tool_call","id":"c1","name":"get_weather","arguments":{"city":"Paris"}}]},
{"role":"tool","parts":[{"type":"tool_call_response","id":"c1","response":"sunny"}]}],
"tool_definitions":[{"type":"function","name":"get_weather","parameters":{"type":"object"}}]}`)
	require.NoError(t, err)
	req := buildRequest(&rows[0], "m", nil)
	require.Len(t, req.Messages, 3)
	assert.Equal(t, "get_weather", req.Messages[1].ToolCalls[0].Function.Name)
	assert.JSONEq(t, `{"city":"Paris"}`, req.Messages[1].ToolCalls[0].Function.Arguments)
	assert.Equal(t, "tool", req.Messages[2].Role)
	assert.Equal(t, "c1", req.Messages[2].ToolCallID)
	assert.Equal(t, "sunny", req.Messages[2].Content)
	require.Len(t, req.Tools, 1)
	assert.Equal(t, "get_weather", req.Tools[0].Function.Name)
}

func readDatasetString(s string) ([]dataset.Row, error) {
	p := filepath.Join(os.TempDir(), fmt.Sprintf("replay-%d.jsonl", time.Now().UnixNano()))
	if err := os.WriteFile(p, []byte(strings.ReplaceAll(s, "\n", "")+"\n"), 0o600); err != nil {
		return nil, err
	}
	defer os.Remove(p)
	return readDataset(p)
}

// TestReplayBeforeRecorded: --before recorded compares with what the
// pipeline wrote (e.g. when agent-side redaction masked what pii found).
func TestReplayBeforeRecorded(t *testing.T) {
	f := newFake(t, safe)
	code, _, _, results := runReplay(t, "--dataset", goldenDataset, "--endpoint", f.url(), "--model", "gpt-4o-mini",
		"--before", "recorded", "--limit", "5")
	require.Equal(t, exitOK, code)
	rows, err := readDataset(goldenDataset)
	require.NoError(t, err)
	for i, r := range results {
		assert.Equal(t, rows[i].Failed, r.Before.Failed)
		assert.Equal(t, len(rows[i].Evaluations), len(r.Before.Evaluations))
	}
}
