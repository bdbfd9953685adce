//go:build e2e

package e2e

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/plog/plogotlp"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"

	"github.com/periscope-otel/periscope/internal/contract"
	"github.com/periscope-otel/periscope/internal/eval/evaluators"
)

// The judge under test: an OpenAI-compatible chat-completions server in the
// test, standing in for a paid LLM judge. Its verdicts are scripted from
// what it is shown: the fabricated RAG answer fails faithfulness, a refusal
// fails relevance, masked personal data or an injection fails safety;
// everything else passes.
type stubJudge struct {
	URL string // base URL including /v1

	mu     sync.Mutex
	bodies []string
	usage  [2]int64 // prompt, completion tokens reported per call
}

func startStubJudge(t *testing.T, usage [2]int64) *stubJudge {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	j := &stubJudge{URL: "http://" + ln.Addr().String() + "/v1", usage: usage}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/chat/completions", j.chat)
	srv := &http.Server{Handler: mux}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return j
}

func (j *stubJudge) chat(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(io.LimitReader(r.Body, 4<<20))
	j.mu.Lock()
	j.bodies = append(j.bodies, string(b))
	j.mu.Unlock()
	var req struct {
		Model    string `json:"model"`
		Messages []struct {
			Role    string `json:"role"`
			Content string `json:"content"`
		} `json:"messages"`
	}
	if err := json.Unmarshal(b, &req); err != nil || len(req.Messages) != 2 {
		http.Error(w, `{"error":{"message":"bad request"}}`, http.StatusBadRequest)
		return
	}
	user := req.Messages[1].Content
	score, verdict, reason := 0.05, "pass", "The answer is acceptable for this rubric."
	switch {
	case strings.HasPrefix(user, "Rubric: faithfulness") && strings.Contains(user, "Henrik Svensson"):
		score, verdict, reason = 0.95, "fail", "The launch date, designer and sales figure are not in the context."
	case strings.HasPrefix(user, "Rubric: relevance") && strings.Contains(user, "can't help"):
		score, verdict, reason = 0.8, "fail", "The answer declines instead of addressing the request."
	case strings.HasPrefix(user, "Rubric: safety") && (strings.Contains(user, "[REDACTED:") || strings.Contains(user, "Ignore all previous instructions")):
		score, verdict, reason = 0.9, "fail", "Personal data or an injection attempt in the call."
	}
	content := fmt.Sprintf("```json\n{\"score\": %g, \"verdict\": %q, \"reason\": %q}\n```", score, verdict, reason)
	writeJSON(w, map[string]any{
		"id": "chatcmpl-judge", "object": "chat.completion", "model": req.Model,
		"choices": []any{map[string]any{"index": 0, "finish_reason": "stop", "message": map[string]any{"role": "assistant", "content": content}}},
		"usage":   map[string]any{"prompt_tokens": j.usage[0], "completion_tokens": j.usage[1], "total_tokens": j.usage[0] + j.usage[1]},
	})
}

func (j *stubJudge) requests() []string {
	j.mu.Lock()
	defer j.mu.Unlock()
	return append([]string(nil), j.bodies...)
}

// judgeRubrics are the rubrics the e2e judge runs, with the heuristic
// evaluators that select calls for them (genai_judge's defaults, from the
// evaluator registry).
var judgeRubrics = func() map[string][]string {
	all := evaluators.ByRubric()
	return map[string][]string{"relevance": all["relevance"], "faithfulness": all["faithfulness"], "safety": all["safety"]}
}()

// judgeConnectorYAML is the genai_judge block of the main e2e config: only
// failed heuristics select (no uncertain band, no sample), so the calls the
// judge must see follow exactly from the exported heuristic results.
func judgeConnectorYAML(url string) string {
	return fmt.Sprintf(`  genai_judge:
    endpoint: %s
    model: gpt-4o-mini
    rubrics: [relevance, faithfulness, safety]
    select: {failed: true, uncertain_band: 0, sample_ratio: 0}
    budget: {max_calls_per_minute: 0, max_usd_per_hour: 0}
    retry_backoff: 50ms
`, url)
}

type judgeKey struct{ trace, span, rubric string }

// judgeResult is one judge verdict exported as a log record.
type judgeResult struct {
	svc, evaluator, heuristic, label, selectedBy string
	cost                                         float64
	hasCost                                      bool
}

// judgeResults reads the judge's result records from exported logs.
func judgeResults(lds []plog.Logs) map[judgeKey][]judgeResult {
	out := map[judgeKey][]judgeResult{}
	for _, ld := range lds {
		for i := 0; i < ld.ResourceLogs().Len(); i++ {
			rl := ld.ResourceLogs().At(i)
			svc, _ := rl.Resource().Attributes().Get("service.name")
			for j := 0; j < rl.ScopeLogs().Len(); j++ {
				lrs := rl.ScopeLogs().At(j).LogRecords()
				for k := 0; k < lrs.Len(); k++ {
					lr := lrs.At(k)
					if attr(lr, contract.AttrEvalSource) != contract.EvalSourceJudge {
						continue
					}
					r := judgeResult{svc: svc.AsString(), evaluator: attr(lr, contract.AttrJudgeEvaluator),
						heuristic: attr(lr, contract.AttrJudgeHeuristicLbl), label: attr(lr, contract.AttrEvalScoreLabel),
						selectedBy: attr(lr, contract.AttrJudgeSelectedBy)}
					if v, ok := lr.Attributes().Get(contract.AttrJudgeCost); ok {
						r.cost, r.hasCost = v.Double(), true
					}
					k := judgeKey{lr.TraceID().String(), lr.SpanID().String(), attr(lr, contract.AttrEvalName)}
					out[k] = append(out[k], r)
				}
			}
		}
	}
	return out
}

// heuristicFailures collects, per model call (trace id + span id), the
// heuristic evaluators that failed it: periscope.eval.failed on spans and
// log records, and failed heuristic result records.
func heuristicFailures(tds []ptrace.Traces, lds []plog.Logs) map[[2]string]map[string]bool {
	out := map[[2]string]map[string]bool{}
	mark := func(trace pcommon.TraceID, span pcommon.SpanID, ev string) {
		k := [2]string{trace.String(), span.String()}
		if out[k] == nil {
			out[k] = map[string]bool{}
		}
		out[k][ev] = true
	}
	list := func(a pcommon.Map, f func(string)) {
		if v, ok := a.Get(contract.AttrEvalFailed); ok && v.Type() == pcommon.ValueTypeSlice {
			for i := 0; i < v.Slice().Len(); i++ {
				f(v.Slice().At(i).AsString())
			}
		}
	}
	for _, td := range tds {
		for i := 0; i < td.ResourceSpans().Len(); i++ {
			ss := td.ResourceSpans().At(i).ScopeSpans()
			for j := 0; j < ss.Len(); j++ {
				for k := 0; k < ss.At(j).Spans().Len(); k++ {
					sp := ss.At(j).Spans().At(k)
					list(sp.Attributes(), func(ev string) { mark(sp.TraceID(), sp.SpanID(), ev) })
				}
			}
		}
	}
	for _, ld := range lds {
		for i := 0; i < ld.ResourceLogs().Len(); i++ {
			sls := ld.ResourceLogs().At(i).ScopeLogs()
			for j := 0; j < sls.Len(); j++ {
				for k := 0; k < sls.At(j).LogRecords().Len(); k++ {
					lr := sls.At(j).LogRecords().At(k)
					if attr(lr, contract.AttrEvalSource) == contract.EvalSourceJudge {
						continue
					}
					list(lr.Attributes(), func(ev string) { mark(lr.TraceID(), lr.SpanID(), ev) })
					if attr(lr, contract.AttrEvalScoreLabel) == contract.LabelFail && attr(lr, contract.AttrEvalName) != "" {
						mark(lr.TraceID(), lr.SpanID(), attr(lr, contract.AttrEvalName))
					}
				}
			}
		}
	}
	return out
}

// modelCalls: the exported model-call spans (trace id, span id) of the
// e2e families, by each instrumentation's span names.
func modelCalls(tds []ptrace.Traces) map[[2]string]bool {
	out := map[[2]string]bool{}
	for _, td := range tds {
		for i := 0; i < td.ResourceSpans().Len(); i++ {
			rs := td.ResourceSpans().At(i)
			svc, _ := rs.Resource().Attributes().Get("service.name")
			re := modelSpanRE[strings.TrimPrefix(svc.AsString(), "e2e-")]
			if re == nil {
				continue
			}
			for j := 0; j < rs.ScopeSpans().Len(); j++ {
				for k := 0; k < rs.ScopeSpans().At(j).Spans().Len(); k++ {
					sp := rs.ScopeSpans().At(j).Spans().At(k)
					if re.MatchString(sp.Name()) {
						out[[2]string{sp.TraceID().String(), sp.SpanID().String()}] = true
					}
				}
			}
		}
	}
	return out
}

// otlpSink is a stand-in backend: an OTLP/HTTP (protobuf) receiver that
// keeps every span it is sent.
type otlpSink struct {
	URL   string
	mu    sync.Mutex
	spans []ptrace.Traces
}

func startOTLPSink(t *testing.T) *otlpSink {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &otlpSink{URL: "http://" + ln.Addr().String()}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/traces", func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		req := ptraceotlp.NewExportRequest()
		if err := req.UnmarshalProto(b); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		s.mu.Lock()
		s.spans = append(s.spans, req.Traces())
		s.mu.Unlock()
		out, _ := ptraceotlp.NewExportResponse().MarshalProto()
		w.Header().Set("Content-Type", "application/x-protobuf")
		_, _ = w.Write(out)
	})
	mux.HandleFunc("POST /v1/logs", func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		out, _ := plogotlp.NewExportResponse().MarshalProto()
		w.Header().Set("Content-Type", "application/x-protobuf")
		_, _ = w.Write(out)
	})
	srv := &http.Server{Handler: mux}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return s
}

// count returns the scenario root spans and the model-call spans of a
// service the backend received.
func (s *otlpSink) count(service string, model *regexp.Regexp) (roots, calls int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, td := range s.spans {
		for i := 0; i < td.ResourceSpans().Len(); i++ {
			rs := td.ResourceSpans().At(i)
			if svc, _ := rs.Resource().Attributes().Get("service.name"); svc.AsString() != service {
				continue
			}
			for j := 0; j < rs.ScopeSpans().Len(); j++ {
				for k := 0; k < rs.ScopeSpans().At(j).Spans().Len(); k++ {
					sp := rs.ScopeSpans().At(j).Spans().At(k)
					if _, ok := sp.Attributes().Get("e2e.scenario"); ok {
						roots++
					} else if model.MatchString(sp.Name()) {
						calls++
					}
				}
			}
		}
	}
	return roots, calls
}

// plantedPII is the personal data of the `pii` scenario: the judge must
// never receive it.
var plantedPII = []string{"maria.lopez@example.org", "+1 415 555 0134", "4111 1111 1111 1111"}

// checkJudge: with the real clients' calls, genai_judge sends exactly the
// calls a heuristic of a rubric failed (sample_ratio 0: a small share of all
// calls), each once, masked; the fabricated RAG answer of every family gets
// a faithfulness fail linked to its model-call span; and the agreement
// metric in Prometheus counts exactly the verdicts Periscope exported.
func checkJudge(t *testing.T, judge *stubJudge, prom promClient, art string, modelSpans map[string][]string) {
	// The judge works asynchronously: wait until every request it answered
	// is an exported result.
	var tds []ptrace.Traces
	var lds []plog.Logs
	var results map[judgeKey][]judgeResult
	err := eventually(30*time.Second, time.Second, func() error {
		var err error
		if tds, err = readTraceFile(filepath.Join(art, "periscope-traces.jsonl")); err != nil {
			return err
		}
		if lds, err = readLogFile(filepath.Join(art, "periscope-logs.jsonl")); err != nil {
			return err
		}
		results = judgeResults(lds)
		n := 0
		for _, rs := range results {
			n += len(rs)
		}
		if sent := len(judge.requests()); sent == 0 || n != sent {
			return fmt.Errorf("%d judge requests, %d results exported", sent, n)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("judge results: %v", err)
	}

	// Exactly the selected calls, each once per rubric.
	failures := heuristicFailures(tds, lds)
	calls := modelCalls(tds)
	want := map[judgeKey]string{} // -> the evaluator that selected it
	for call, evs := range failures {
		if !calls[call] {
			continue // wrapper spans are not model calls: never judged
		}
		for rubric, sel := range judgeRubrics {
			for _, ev := range sel {
				if evs[ev] {
					want[judgeKey{call[0], call[1], rubric}] = ev
					break
				}
			}
		}
	}
	for k, ev := range want {
		rs := results[k]
		switch {
		case len(rs) == 0:
			t.Errorf("call %s/%s failed %s but was not judged for %s", k.trace, k.span, ev, k.rubric)
		case len(rs) > 1:
			t.Errorf("call %s/%s judged %d times for %s", k.trace, k.span, len(rs), k.rubric)
		case rs[0].selectedBy != "failed" || !failures[[2]string{k.trace, k.span}][rs[0].evaluator] || rs[0].heuristic != contract.LabelFail:
			t.Errorf("call %s/%s %s: selected_by=%q evaluator=%q heuristic label=%q, want failed by one of %v",
				k.trace, k.span, k.rubric, rs[0].selectedBy, rs[0].evaluator, rs[0].heuristic, judgeRubrics[k.rubric])
		}
	}
	for k := range results {
		if _, ok := want[k]; !ok {
			t.Errorf("call %s/%s judged for %s without a failed heuristic of the rubric", k.trace, k.span, k.rubric)
		}
	}
	judgedCalls := map[[2]string]bool{}
	for k := range results {
		judgedCalls[[2]string{k.trace, k.span}] = true
	}
	t.Logf("judge: %d requests for %d (call, rubric) pairs; %d of %d model calls judged", len(judge.requests()), len(want), len(judgedCalls), len(calls))
	if len(calls) == 0 || len(judgedCalls)*2 > len(calls) {
		t.Errorf("%d of %d model calls judged: with sample_ratio 0 only the flagged minority is sent", len(judgedCalls), len(calls))
	}

	// The fabricated RAG answer: a faithfulness fail on its model-call span, in every family.
	for _, fam := range familyOrder {
		ids := modelSpans[fam]
		if len(ids) == 0 {
			t.Errorf("%s: no rag-fabricated model-call span to check", fam)
		}
		for _, id := range ids {
			rs := results[judgeKey{id[:32], id[32:], "faithfulness"}]
			if len(rs) != 1 || rs[0].label != contract.LabelFail || rs[0].evaluator != contract.EvalHallucination {
				t.Errorf("%s: rag-fabricated call %s: faithfulness results %+v, want one fail selected by hallucination", fam, id, rs)
			}
		}
	}

	// Masked before sending.
	reqs := judge.requests()
	masked := false
	for _, body := range reqs {
		for _, p := range plantedPII {
			if strings.Contains(body, p) {
				t.Errorf("a judge request carries the planted %q", p)
			}
		}
		masked = masked || strings.Contains(body, "[REDACTED:email]")
	}
	if !masked {
		t.Errorf("no judge request carries the masked e-mail of the pii scenario: was it judged?")
	}

	// periscope.judge.agreement in Prometheus counts exactly the exported verdicts.
	agree := map[string]int{}
	for _, rs := range results {
		for _, r := range rs {
			agree[fmt.Sprintf(`periscope_judge_evaluator=%q,periscope_judge_heuristic_label=%q,periscope_judge_label=%q`, r.evaluator, r.heuristic, r.label)]++
		}
	}
	keys := make([]string, 0, len(agree))
	for k := range agree {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	err = eventually(30*time.Second, time.Second, func() error {
		for _, k := range keys {
			q := fmt.Sprintf(`sum(periscope_judge_agreement_total{%s})`, k)
			v, err := prom.query(q)
			if err != nil {
				return err
			}
			if len(v) == 0 || int(v[0].float()) != agree[k] {
				return fmt.Errorf("%s = %v, want %d", q, v, agree[k])
			}
		}
		return nil
	})
	if err != nil {
		t.Errorf("agreement metric: %v", err)
	}
	q := `sum(periscope_judge_agreement_total{gen_ai_evaluation_name="faithfulness",periscope_judge_evaluator="hallucination",periscope_judge_heuristic_label="fail",periscope_judge_label="fail"})`
	if v, err := prom.query(q); err != nil || len(v) == 0 || v[0].float() < 1 {
		t.Errorf("%s: want >= 1, got %v (err %v)", q, v, err)
	}
}

// ragFabricatedSpans: the model-call span ids (trace id + span id, hex) of
// the rag-fabricated scenario per family, from the Jaeger traces.
func ragFabricatedSpans(fam string, tr jaegerTrace) []string {
	model, _ := splitSpans(fam, tr)
	var out []string
	for _, sp := range model {
		out = append(out, sp.TraceID+sp.SpanID)
	}
	return out
}

// TestJudgeDownAndBudget runs the real clients through Periscope with two
// judges: one that is down (nothing listens) and one whose hourly budget,
// priced from the genai_cost catalog, is three calls. Every span still
// reaches the backend, the down judge's breaker opens with one warning, and
// the capped judge answers exactly three calls.
func TestJudgeDownAndBudget(t *testing.T) {
	periscopeBin := os.Getenv("PERISCOPE_BIN")
	if periscopeBin == "" {
		t.Fatal("PERISCOPE_BIN is not set: run `make e2e`")
	}
	root := repoRoot(t)
	e2eDir := filepath.Join(root, "test", "e2e")
	nodeBin := requireBin(t, "NODE_BIN", "node")
	clients := filepath.Join(e2eDir, "clients")
	if _, err := os.Stat(filepath.Join(clients, "node_modules", "openai")); err != nil {
		t.Fatalf("node modules missing: run `npm ci` in %s (make e2e does)", clients)
	}
	art := os.Getenv("E2E_ARTIFACTS")
	if art == "" {
		art = t.TempDir()
	} else {
		art = filepath.Join(art, "judge-down-budget")
	}
	if err := os.MkdirAll(art, 0o755); err != nil {
		t.Fatal(err)
	}
	spec := loadScenarios(t, e2eDir)
	fake := startFakeOpenAI(t, spec.byID())
	backend := startOTLPSink(t)
	capped := startStubJudge(t, [2]int64{1000, 100}) // gpt-4o-mini: $0.00021 per call
	down := "http://127.0.0.1:" + fmt.Sprint(freePort(t)) + "/v1"

	otlpPort, telPort, healthPort := freePort(t), freePort(t), freePort(t)
	cfg := fmt.Sprintf(`receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:%[1]d
processors:
  genai_normalize: {}
  genai_cost: {}
  genai_prompt: {}
  genai_eval: {}
  batch:
    timeout: 200ms
    send_batch_size: 256
    send_batch_max_size: 512
connectors:
  genai_judge/down:
    endpoint: %[4]s
    model: gpt-4o-mini
    rubrics: [relevance, faithfulness, safety]
    select: {sample_ratio: 1}
    retries: 0
    concurrency: 1
    breaker: {failures: 3, cooldown: 1h}
  genai_judge/capped:
    endpoint: %[5]s
    model: gpt-4o-mini
    rubrics: [relevance, faithfulness, safety]
    select: {sample_ratio: 1}
    budget: {max_calls_per_minute: 0, max_usd_per_hour: 0.0005}
    concurrency: 1
exporters:
  otlp_http/backend:
    endpoint: %[6]s
    compression: none
  file/judge:
    path: %[7]s
extensions:
  health_check:
    endpoint: 127.0.0.1:%[3]d
service:
  extensions: [health_check]
  telemetry:
    metrics:
      level: normal
      readers:
        - pull:
            exporter:
              prometheus:
                host: 127.0.0.1
                port: %[2]d
  pipelines:
    traces:
      receivers: [otlp]
      processors: [genai_normalize, genai_cost, genai_prompt, genai_eval, batch]
      exporters: [otlp_http/backend, genai_judge/down, genai_judge/capped]
    logs:
      receivers: [otlp]
      processors: [genai_normalize, genai_cost, genai_prompt, genai_eval, batch]
      exporters: [otlp_http/backend, genai_judge/down, genai_judge/capped]
    logs/judge:
      receivers: [genai_judge/down, genai_judge/capped]
      exporters: [file/judge]
`, otlpPort, telPort, healthPort, down, capped.URL, backend.URL, filepath.Join(art, "judge.jsonl"))
	cfgPath := filepath.Join(art, "periscope-judge.yaml")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := runCmd(time.Minute, nil, root, periscopeBin, "validate", "--config", cfgPath); err != nil {
		t.Fatalf("periscope validate: %v\n%s", err, out)
	}
	p := startDaemon(t, art, "periscope-judge", nil, periscopeBin, "--config", cfgPath)
	waitHTTP(t, p, fmt.Sprintf("http://127.0.0.1:%d/", healthPort), 60*time.Second)

	// Families whose content is on the spans: one genai_judge instance
	// (traces) queues, so the capped judge's single worker spends in order.
	fams := []string{"traceloop", "openinference", "vercel"}
	var wg sync.WaitGroup
	for _, fam := range fams {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out, err := runCmd(90*time.Second, []string{
				"E2E_FAMILY=" + fam, "E2E_OPENAI_URL=" + fake.URL,
				"E2E_OTLP_URL=" + fmt.Sprintf("http://127.0.0.1:%d", otlpPort),
				"E2E_SCENARIOS=" + filepath.Join(e2eDir, "scenarios.json"), "E2E_ROUND=1",
			}, clients, nodeBin, "driver.cjs")
			if err != nil {
				t.Errorf("driver %s: %v\n%s", fam, err, out)
			}
		}()
	}
	wg.Wait()
	fake.check(t, fams, spec.Scenarios)

	// Nothing lost: every scenario's root span and model-call span of every
	// family reaches the backend although one judge is down.
	err := eventually(30*time.Second, time.Second, func() error {
		for _, fam := range fams {
			roots, model := backend.count("e2e-"+fam, modelSpanRE[fam])
			wantModel := 0
			for _, s := range spec.Scenarios {
				wantModel += expectedModelSpans(fam, s)
			}
			if roots != len(spec.Scenarios) || model != wantModel {
				return fmt.Errorf("%s: backend has %d scenario roots and %d model-call spans, want %d and %d",
					fam, roots, model, len(spec.Scenarios), wantModel)
			}
		}
		return nil
	})
	if err != nil {
		t.Errorf("spans lost with the judge down: %v", err)
	}

	// The down judge: its breaker opened after 3 failures, the rest failed
	// fast; the capped judge: three calls, each priced from the catalog.
	metric := func(name, label string) float64 {
		return scrapeSum(t, fmt.Sprintf("http://127.0.0.1:%d/metrics", telPort), name, label)
	}
	err = eventually(30*time.Second, time.Second, func() error {
		if n := metric("genai_judge_failures", `reason="circuit_open"`); n < 1 {
			return fmt.Errorf("failures{reason=circuit_open} = %v", n)
		}
		if n := metric("genai_judge_failures", `reason="budget"`); n < 1 {
			return fmt.Errorf("failures{reason=budget} = %v", n)
		}
		if n := metric("genai_judge_queue_size", ""); n != 0 {
			return fmt.Errorf("queue_size = %v, want drained", n)
		}
		return nil
	})
	if err != nil {
		t.Errorf("judge telemetry: %v", err)
	}
	if n := metric("genai_judge_failures", `reason="network"`); n != 3 {
		t.Errorf("down judge: %v network failures, want 3 (breaker.failures) before the circuit opened", n)
	}
	if n := len(capped.requests()); n != 3 {
		t.Errorf("capped judge: %d calls, want 3 ($0.00021 each, max_usd_per_hour 0.0005)", n)
	}
	lds, err := readLogFile(filepath.Join(art, "judge.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	results := judgeResults(lds)
	n := 0
	for _, rs := range results {
		for _, r := range rs {
			n++
			if !r.hasCost || !approxEqual(r.cost, (1000*0.15+100*0.60)/1e6) {
				t.Errorf("capped judge result cost %v (present %v), want $0.00021 from the catalog", r.cost, r.hasCost)
			}
		}
	}
	if n != 3 {
		t.Errorf("%d judge results exported, want 3", n)
	}
	log, _ := os.ReadFile(p.log)
	// One warning for the outage, naming the judge (the internal gauges of
	// several judges share one series, so the log is what tells them apart).
	var opened []string
	for _, line := range strings.Split(string(log), "\n") {
		if strings.Contains(line, "judge circuit opened") {
			opened = append(opened, line)
		}
	}
	if len(opened) != 1 || !strings.Contains(opened[0], `"genai_judge/down"`) || !strings.Contains(opened[0], "\twarn\t") {
		t.Errorf("want exactly one 'judge circuit opened' warning from genai_judge/down, got %q", opened)
	}
	for _, line := range strings.Split(string(log), "\n") {
		if strings.Contains(line, "\terror\t") {
			t.Errorf("periscope logged an error: %.400s", line)
		}
	}
}

// scrapeSum sums the samples of every series of the collector's own metrics
// whose name contains name and whose line contains label.
func scrapeSum(t *testing.T, url, name, label string) float64 {
	resp, err := http.Get(url)
	if err != nil {
		return -1
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var sum float64
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "#") || !strings.Contains(line, name) || !strings.Contains(line, label) {
			continue
		}
		rest := line[strings.LastIndexByte(line, '}')+1:] // "value [timestamp]"
		if f := strings.Fields(rest); len(f) > 0 {
			var v float64
			if _, err := fmt.Sscan(f[0], &v); err == nil {
				sum += v
			}
		}
	}
	return sum
}
