//go:build e2e

package e2e

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
)

// fakeOpenAI is an OpenAI-compatible server on loopback answering every call
// with the canned reply and usage of the scenario named in x-e2e-scenario.
type fakeOpenAI struct {
	URL       string // base URL including /v1
	scenarios map[string]scenario

	mu    sync.Mutex
	calls map[string]int // "family/scenario" -> calls served
	bad   []string
}

func startFakeOpenAI(t *testing.T, sc map[string]scenario) *fakeOpenAI {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeOpenAI{URL: "http://" + ln.Addr().String() + "/v1", scenarios: sc, calls: map[string]int{}}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/chat/completions", f.chat)
	mux.HandleFunc("POST /v1/embeddings", f.embeddings)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		f.fail(r, "unexpected path")
		http.Error(w, `{"error":{"message":"not implemented by the fake"}}`, http.StatusNotFound)
	})
	srv := &http.Server{Handler: mux}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return f
}

func (f *fakeOpenAI) fail(r *http.Request, why string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.bad = append(f.bad, fmt.Sprintf("%s %s: %s", r.Method, r.URL.Path, why))
}

// lookup finds the scenario and checks the request really is the scenario's
// call (model and user text), so a driver bug cannot pass silently.
func (f *fakeOpenAI) lookup(w http.ResponseWriter, r *http.Request, body map[string]any) (scenario, bool) {
	s, ok := f.scenarios[r.Header.Get("x-e2e-scenario")]
	if !ok {
		f.fail(r, "unknown scenario "+r.Header.Get("x-e2e-scenario"))
		http.Error(w, `{"error":{"message":"unknown scenario"}}`, http.StatusBadRequest)
		return s, false
	}
	if m, _ := body["model"].(string); m != s.Model {
		f.fail(r, fmt.Sprintf("%s: model %q, want %q", s.ID, m, s.Model))
	}
	raw, _ := json.Marshal(body)
	if !strings.Contains(string(raw), mustJSONString(s.User)) {
		f.fail(r, s.ID+": request does not carry the scenario's user text")
	}
	f.mu.Lock()
	f.calls[r.Header.Get("x-e2e-family")+"/"+s.ID]++
	f.mu.Unlock()
	return s, true
}

func mustJSONString(s string) string {
	b, _ := json.Marshal(s)
	return strings.Trim(string(b), `"`)
}

func readBody(r *http.Request) map[string]any {
	var body map[string]any
	b, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	_ = json.Unmarshal(b, &body)
	return body
}

func usageJSON(s scenario) map[string]any {
	return map[string]any{
		"prompt_tokens":     s.Usage.Prompt,
		"completion_tokens": s.Usage.Output,
		"total_tokens":      s.Usage.Prompt + s.Usage.Output,
		"prompt_tokens_details": map[string]any{
			"cached_tokens": s.Usage.Cached,
			"audio_tokens":  0,
		},
		"completion_tokens_details": map[string]any{
			"reasoning_tokens":           s.Usage.Reasoning,
			"audio_tokens":               0,
			"accepted_prediction_tokens": 0,
			"rejected_prediction_tokens": 0,
		},
	}
}

func (f *fakeOpenAI) chat(w http.ResponseWriter, r *http.Request) {
	body := readBody(r)
	s, ok := f.lookup(w, r, body)
	if !ok {
		return
	}
	id := "chatcmpl-e2e-" + s.ID
	if stream, _ := body["stream"].(bool); stream {
		w.Header().Set("Content-Type", "text/event-stream")
		w.Header().Set("Cache-Control", "no-cache")
		words := strings.SplitAfter(s.Reply, " ")
		send := func(v any) {
			b, _ := json.Marshal(v)
			fmt.Fprintf(w, "data: %s\n\n", b)
			if fl, ok := w.(http.Flusher); ok {
				fl.Flush()
			}
		}
		for i, word := range words {
			delta := map[string]any{"content": word}
			if i == 0 {
				delta["role"] = "assistant"
			}
			send(map[string]any{"id": id, "object": "chat.completion.chunk", "created": 1764201600, "model": s.Model,
				"choices": []any{map[string]any{"index": 0, "delta": delta, "finish_reason": nil}}})
		}
		send(map[string]any{"id": id, "object": "chat.completion.chunk", "created": 1764201600, "model": s.Model,
			"choices": []any{map[string]any{"index": 0, "delta": map[string]any{}, "finish_reason": "stop"}}})
		// The usage chunk comes last with empty choices, as with stream_options.include_usage.
		send(map[string]any{"id": id, "object": "chat.completion.chunk", "created": 1764201600, "model": s.Model,
			"choices": []any{}, "usage": usageJSON(s)})
		fmt.Fprint(w, "data: [DONE]\n\n")
		return
	}
	writeJSON(w, map[string]any{
		"id": id, "object": "chat.completion", "created": 1764201600, "model": s.Model,
		"system_fingerprint": "fp_e2e",
		"choices": []any{map[string]any{
			"index":         0,
			"message":       map[string]any{"role": "assistant", "content": s.Reply, "refusal": nil},
			"finish_reason": "stop",
			"logprobs":      nil,
		}},
		"usage": usageJSON(s),
	})
}

func (f *fakeOpenAI) embeddings(w http.ResponseWriter, r *http.Request) {
	body := readBody(r)
	s, ok := f.lookup(w, r, body)
	if !ok {
		return
	}
	vec := make([]float64, 8)
	for i := range vec {
		vec[i] = float64(i+1) / 10
	}
	writeJSON(w, map[string]any{
		"object": "list",
		"data":   []any{map[string]any{"object": "embedding", "index": 0, "embedding": vec}},
		"model":  s.Model,
		"usage":  map[string]any{"prompt_tokens": s.Usage.Prompt, "total_tokens": s.Usage.Prompt},
	})
}

func writeJSON(w http.ResponseWriter, v any) {
	b, _ := json.Marshal(v)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", fmt.Sprint(len(b)))
	_, _ = w.Write(b)
}

// check reports requests the fake could not match and scenarios a family never called.
func (f *fakeOpenAI) check(t *testing.T, fams []string, sc []scenario) {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, b := range f.bad {
		t.Errorf("fake OpenAI server: %s", b)
	}
	for _, fam := range fams {
		for _, s := range sc {
			if f.calls[fam+"/"+s.ID] == 0 {
				t.Errorf("fake OpenAI server: family %s never called scenario %s", fam, s.ID)
			}
		}
	}
}
