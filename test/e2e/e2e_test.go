//go:build e2e

// Package e2e runs the built distribution between real GenAI clients and real
// backends: the openai npm client through each instrumentation family (and the
// Vercel AI SDK) against a fake OpenAI server, OTLP/HTTP into bin/periscope,
// traces out to Jaeger v2, metrics scraped by Prometheus. `make e2e` sets it up;
// The files build only with -tags e2e (`make e2e` passes it), so `go test
// ./...` does not compile them, and a missing binary fails the test.
package e2e

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/periscope-otel/periscope/internal/contract"
)

const rounds = 3

// artifactsDir holds the run's configs, logs and exported data.
var artifactsDir string

// After the rounds, one family sends a burst of injection attempts: its
// prompt_injection failure rate jumps from the baseline's 1 in 13 to 100%,
// which genai_metrics must report as a quality regression.
const (
	attackFamily   = "vercel"
	attackScenario = "injection"
	attackRepeat   = 15
)

func repoRoot(t *testing.T) string {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

func TestEndToEnd(t *testing.T) {
	// Opt-in: `go test ./...` (make unit) must not start servers, even where
	// PERISCOPE_BIN is exported for the smoke test.
	periscopeBin := os.Getenv("PERISCOPE_BIN")
	if periscopeBin == "" {
		t.Fatal("PERISCOPE_BIN is not set: run `make e2e`")
	}
	began := time.Now()
	defer func() {
		msg := fmt.Sprintf("e2e wall time: %s", time.Since(began).Round(100*time.Millisecond))
		t.Log(msg)
		fmt.Println(msg)
	}()

	root := repoRoot(t)
	e2eDir := filepath.Join(root, "test", "e2e")
	jaegerBin := requireBin(t, "JAEGER_BIN", "jaeger")
	promBin := requireBin(t, "PROMETHEUS_BIN", "prometheus")
	promtoolBin := requireBin(t, "PROMTOOL_BIN", "promtool")
	nodeBin := requireBin(t, "NODE_BIN", "node")
	clients := filepath.Join(e2eDir, "clients")
	if _, err := os.Stat(filepath.Join(clients, "node_modules", "openai")); err != nil {
		t.Fatalf("node modules missing: run `npm ci` in %s (make e2e does)", clients)
	}
	dashboard := filepath.Join(root, "deploy", "grafana", "periscope-dashboard.json")
	rulesFile := filepath.Join(root, "deploy", "prometheus", "periscope-alerts.yaml")

	art := os.Getenv("E2E_ARTIFACTS")
	if art == "" {
		var err error
		if art, err = os.MkdirTemp("", "periscope-e2e-"); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.MkdirAll(art, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Logf("artifacts (configs, logs, exported data): %s", art)
	artifactsDir = art

	// Static checks first: they need nothing running.
	if out, err := runCmd(time.Minute, nil, root, promtoolBin, "check", "rules", rulesFile); err != nil {
		t.Errorf("promtool check rules %s: %v\n%s", rulesFile, err, out)
	}

	spec := loadScenarios(t, e2eDir)
	byID := spec.byID()
	fake := startFakeOpenAI(t, byID)
	judge := startStubJudge(t, [2]int64{400, 40})

	// Jaeger v2, in memory, loopback only.
	jp := struct{ otlp, query, queryGRPC, health, telemetry int }{freePort(t), freePort(t), freePort(t), freePort(t), freePort(t)}
	jcfg := writeJaegerConfig(t, art, jp.otlp, jp.query, jp.queryGRPC, jp.health, jp.telemetry)
	// Jaeger traces itself to localhost:4317 unless told not to sample.
	jaegerProc := startDaemon(t, art, "jaeger", []string{"OTEL_TRACES_SAMPLER=always_off"}, jaegerBin, "--config", jcfg)
	waitHTTP(t, jaegerProc, fmt.Sprintf("http://127.0.0.1:%d/api/services", jp.query), 60*time.Second)
	jaeger := jaegerClient{base: fmt.Sprintf("http://127.0.0.1:%d", jp.query), http: &http.Client{Timeout: 10 * time.Second}}

	// Periscope.
	pp := periscopePorts{otlpHTTP: freePort(t), prom: freePort(t), telemetry: freePort(t), health: freePort(t), jaegerOTLP: jp.otlp,
		judgeURL: judge.URL}
	pcfg := writePeriscopeConfig(t, art, pp)
	if out, err := runCmd(time.Minute, nil, root, periscopeBin, "validate", "--config", pcfg); err != nil {
		t.Fatalf("periscope validate: %v\n%s", err, out)
	}
	periscope := startDaemon(t, art, "periscope", nil, periscopeBin, "--config", pcfg)
	waitHTTP(t, periscope, fmt.Sprintf("http://127.0.0.1:%d/", pp.health), 60*time.Second)

	// Prometheus, with the shipped alert rules loaded.
	promCfg := writePrometheusConfig(t, art, rulesFile, pp.prom, pp.telemetry)
	promPort := freePort(t)
	promProc := startDaemon(t, art, "prometheus", nil, promBin,
		"--config.file="+promCfg,
		"--storage.tsdb.path="+filepath.Join(art, "prometheus-data"),
		fmt.Sprintf("--web.listen-address=127.0.0.1:%d", promPort),
		"--enable-feature=exemplar-storage",
	)
	waitHTTP(t, promProc, fmt.Sprintf("http://127.0.0.1:%d/-/ready", promPort), 60*time.Second)
	prom := promClient{base: fmt.Sprintf("http://127.0.0.1:%d", promPort), http: &http.Client{Timeout: 10 * time.Second}}

	// Traffic: every family sends every scenario, in rounds a drift window apart
	// so genai_metrics builds a baseline and then scores a current window.
	otlpURL := fmt.Sprintf("http://127.0.0.1:%d", pp.otlpHTTP)
	drive := func(fam string, round int, extra ...string) (string, error) {
		return runCmd(90*time.Second, append([]string{
			"E2E_FAMILY=" + fam,
			"E2E_OPENAI_URL=" + fake.URL,
			"E2E_OTLP_URL=" + otlpURL,
			"E2E_SCENARIOS=" + filepath.Join(e2eDir, "scenarios.json"),
			fmt.Sprintf("E2E_ROUND=%d", round),
		}, extra...), clients, nodeBin, "driver.cjs")
	}
	const windowGap = 3500 * time.Millisecond // the 3 s drift window closes between rounds
	for round := 1; round <= rounds; round++ {
		roundStart := time.Now()
		var wg sync.WaitGroup
		errs := make([]error, len(familyOrder))
		outs := make([]string, len(familyOrder))
		for i, fam := range familyOrder {
			wg.Add(1)
			go func() {
				defer wg.Done()
				outs[i], errs[i] = drive(fam, round)
			}()
		}
		wg.Wait()
		for i, fam := range familyOrder {
			if errs[i] != nil {
				t.Errorf("driver %s round %d: %v\n%s", fam, round, errs[i], outs[i])
			} else {
				t.Logf("%s", outs[i])
			}
		}
		time.Sleep(max(0, windowGap-time.Since(roundStart)))
	}
	if out, err := drive(attackFamily, rounds+1, "E2E_ONLY="+attackScenario, fmt.Sprintf("E2E_REPEAT=%d", attackRepeat)); err != nil {
		t.Errorf("driver %s attack round: %v\n%s", attackFamily, err, out)
	} else {
		t.Logf("%s", out)
	}
	fake.check(t, familyOrder, spec.Scenarios)
	if t.Failed() {
		t.Fatalf("clients failed; periscope log:\n%s", periscope.tail())
	}

	// Traces in Jaeger, per family, for the first round.
	type famResult struct {
		traces map[string]jaegerTrace
	}
	results := map[string]famResult{}
	for _, fam := range familyOrder {
		want := make([]string, 0, len(spec.Scenarios))
		minSpans := map[string]int{}
		for _, s := range spec.Scenarios {
			want = append(want, s.ID)
			minSpans[s.ID] = 1 + expectedModelSpans(fam, s)
		}
		trs, err := jaeger.scenarioTraces("e2e-"+fam, 1, want, minSpans, 60*time.Second)
		if err != nil {
			t.Errorf("%v; periscope log:\n%s", err, periscope.tail())
		}
		results[fam] = famResult{traces: trs}
	}

	// What Periscope exported, from its file exporters (flushed by now: Jaeger has the same batches).
	tds, err := readTraceFile(filepath.Join(art, "periscope-traces.jsonl"))
	if err != nil {
		t.Fatalf("reading exported traces: %v", err)
	}
	lds, err := readLogFile(filepath.Join(art, "periscope-logs.jsonl"))
	if err != nil {
		t.Fatalf("reading exported logs: %v", err)
	}
	spansByID := exportedSpans(tds)
	logsByTrace := exportedLogs(lds)

	hashes := map[string]map[string]string{} // family -> scenario -> template hash
	for _, fam := range familyOrder {
		caps := families[fam]
		hashes[fam] = map[string]string{}
		t.Run(fam, func(t *testing.T) {
			for _, s := range spec.Scenarios {
				tr, ok := results[fam].traces[s.ID]
				if !ok {
					t.Errorf("%s: no trace in Jaeger", s.ID)
					continue
				}
				model, wrappers := splitSpans(fam, tr)
				if want := expectedModelSpans(fam, s); len(model) != want {
					t.Errorf("%s: %d model-call spans in Jaeger, want %d (spans: %v)", s.ID, len(model), want, spanNames(tr))
					continue
				}
				for _, w := range wrappers {
					// Usage and cost are counted once, on the model call, never on wrappers.
					if _, ok := w.tag(contract.AttrCost); ok {
						t.Errorf("%s: wrapper span %q carries %s", s.ID, w.OperationName, contract.AttrCost)
					}
				}
				if len(model) == 0 {
					continue
				}
				sp := model[0]
				checkIntact(t, s.ID, sp, spansByID)
				checkDialect(t, s.ID, sp)
				checkCost(t, s, caps, sp)
				logs := logsByTrace[sp.TraceID]
				if h := checkPrompt(t, s, sp, logs, caps); h != "" {
					hashes[fam][s.ID] = h
				}
				checkEvals(t, s, sp, logs, caps)
			}
			checkTemplates(t, spec.Scenarios, hashes[fam])
		})
	}
	t.Run("template hash is the same whatever the instrumentation", func(t *testing.T) {
		for _, s := range spec.Scenarios {
			if s.Expect.Template == "" {
				continue
			}
			seen := map[string][]string{}
			for _, fam := range familyOrder {
				if h := hashes[fam][s.ID]; h != "" {
					seen[h] = append(seen[h], fam)
				}
			}
			if len(seen) > 1 {
				t.Errorf("%s: template hash differs across families: %v", s.ID, seen)
			}
		}
	})

	t.Run("rollup", func(t *testing.T) { checkRollups(t, tds) })
	t.Run("dataset", func(t *testing.T) { checkDataset(t, filepath.Join(art, "dataset"), familyOrder) })
	t.Run("replay", func(t *testing.T) { checkReplay(t, root, art) })

	t.Run("judge", func(t *testing.T) {
		fabricated := map[string][]string{}
		for _, fam := range familyOrder {
			if tr, ok := results[fam].traces["rag-fabricated"]; ok {
				fabricated[fam] = ragFabricatedSpans(fam, tr)
			}
		}
		checkJudge(t, judge, prom, art, fabricated)
	})

	t.Run("prometheus", func(t *testing.T) {
		checkPrometheus(t, prom, jaeger, spec, rulesFile, dashboard, began)
	})

	// Nothing Periscope did along the way was an error (export failures,
	// rejected data, component errors all log at error level).
	if b, err := os.ReadFile(periscope.log); err == nil {
		gaveUp := 0
		for _, line := range strings.Split(string(b), "\n") {
			if !strings.Contains(line, "\terror\t") {
				continue
			}
			if scraperGaveUp(line) {
				gaveUp++
				continue
			}
			t.Errorf("periscope logged an error: %.400s", line)
		}
		if gaveUp > 0 {
			t.Logf("%d scrape responses not delivered: Prometheus's 1 s scrape timeout expired first (machine load)", gaveUp)
		}
	}

	if t.Failed() {
		t.Logf("periscope log tail:\n%s", periscope.tail())
	}
}

// Model-call span names per family (the instrumentation's own names).
var modelSpanRE = map[string]*regexp.Regexp{
	"otel":          regexp.MustCompile(`^(chat|embeddings|text_completion) `),
	"traceloop":     regexp.MustCompile(`^(chat|openai\.chat|embeddings|openai\.embeddings|openai\.completion)`),
	"openinference": regexp.MustCompile(`^OpenAI (Chat Completions|Embeddings|Completions)`),
	"vercel":        regexp.MustCompile(`^ai\.(generateText\.doGenerate|streamText\.doStream|embed\.doEmbed)$`),
}

func expectedModelSpans(fam string, s scenario) int {
	if s.Kind == "embeddings" && !families[fam].embeddingsSpan {
		return 0
	}
	return 1
}

func splitSpans(fam string, tr jaegerTrace) (model, wrappers []jaegerSpan) {
	for _, sp := range tr.Spans {
		switch {
		case sp.str("e2e.scenario") != "":
		case modelSpanRE[fam].MatchString(sp.OperationName):
			model = append(model, sp)
		default:
			wrappers = append(wrappers, sp)
		}
	}
	return model, wrappers
}

func spanNames(tr jaegerTrace) []string {
	var out []string
	for _, sp := range tr.Spans {
		out = append(out, sp.OperationName)
	}
	sort.Strings(out)
	return out
}

// checkIntact compares what Jaeger stored with what Periscope exported for the
// same span: every enrichment attribute and evaluation event must survive.
func checkIntact(t *testing.T, id string, js jaegerSpan, exported map[string]ptrace.Span) {
	t.Helper()
	src, ok := exported[js.SpanID]
	if !ok {
		t.Errorf("%s: span %s in Jaeger but not in Periscope's exported file", id, js.SpanID)
		return
	}
	src.Attributes().Range(func(k string, v pcommon.Value) bool {
		if !strings.HasPrefix(k, "periscope.") && k != contract.AttrCost && !strings.HasPrefix(k, "gen_ai.prompt.") {
			return true
		}
		got, ok := js.tag(k)
		if !ok {
			t.Errorf("%s: %s=%s exported by Periscope but missing in Jaeger", id, k, v.AsString())
			return true
		}
		if !sameValue(v, got) {
			t.Errorf("%s: %s differs: Periscope exported %s, Jaeger has %v", id, k, v.AsString(), got)
		}
		return true
	})
	want := 0
	for i := 0; i < src.Events().Len(); i++ {
		if src.Events().At(i).Name() == contract.EventEvaluationResult {
			want++
		}
	}
	if got := len(js.events(contract.EventEvaluationResult)); got != want {
		t.Errorf("%s: %d %s events exported, %d in Jaeger", id, want, contract.EventEvaluationResult, got)
	}
}

func sameValue(v pcommon.Value, got any) bool {
	switch v.Type() {
	case pcommon.ValueTypeDouble:
		f, ok := got.(float64)
		return ok && approxEqual(f, v.Double())
	case pcommon.ValueTypeInt:
		i, ok := got.(int64)
		return ok && i == v.Int()
	case pcommon.ValueTypeBool:
		b, ok := got.(bool)
		return ok && b == v.Bool()
	default:
		return fmt.Sprint(got) == v.AsString()
	}
}

func checkDialect(t *testing.T, id string, sp jaegerSpan) {
	t.Helper()
	if sp.str(contract.AttrDialect) == "" {
		t.Errorf("%s: %s missing (genai_normalize)", id, contract.AttrDialect)
	}
}

func checkCost(t *testing.T, s scenario, caps familyCaps, sp jaegerSpan) {
	t.Helper()
	cost, hasCost := sp.float(contract.AttrCost)
	unpriced := sp.str(contract.AttrCostUnpriced)
	want, priced := expectedCost(s, caps)
	switch {
	case s.Expect.Unpriced != "":
		if unpriced != s.Expect.Unpriced || hasCost {
			t.Errorf("%s: want %s=%s and no cost, got unpriced=%q cost=%v", s.ID, contract.AttrCostUnpriced, s.Expect.Unpriced, unpriced, cost)
		}
	case !priced:
		// The library reports no usage for this call: flagged, never a silent $0.
		if unpriced != contract.UnpricedMissingUsage || hasCost {
			t.Errorf("%s: no usage reported: want %s=%s and no cost, got unpriced=%q cost=%v", s.ID, contract.AttrCostUnpriced, contract.UnpricedMissingUsage, unpriced, cost)
		}
	default:
		if !hasCost {
			t.Errorf("%s: %s missing (unpriced=%q), want %s", s.ID, contract.AttrCost, unpriced, fmtUSD(want))
			return
		}
		if !approxEqual(cost, want) {
			t.Errorf("%s: %s=%s, want %s (%s at list price)", s.ID, contract.AttrCost, fmtUSD(cost), fmtUSD(want), s.Model)
		}
		if pid := sp.str(contract.AttrCostPriceID); !strings.Contains(pid, s.Model) {
			t.Errorf("%s: %s=%q does not name %s", s.ID, contract.AttrCostPriceID, pid, s.Model)
		}
		if unpriced != "" {
			t.Errorf("%s: priced call also marked unpriced=%q", s.ID, unpriced)
		}
	}
}

var hex16 = regexp.MustCompile(`^[0-9a-f]{16}$`)

// promptAttrs reads the prompt identity from the span, or, for families whose
// content arrives as log records, from the records of that span.
func promptAttrs(sp jaegerSpan, logs []plog.LogRecord) (hash, version, source string) {
	hash, version, source = sp.str(contract.AttrPromptTemplateHash), sp.str(contract.AttrPromptVersion), sp.str(contract.AttrPromptVersionSource)
	for _, lr := range logs {
		if lr.SpanID().String() != sp.SpanID {
			continue
		}
		a := lr.Attributes()
		if v, ok := a.Get(contract.AttrPromptTemplateHash); ok && hash == "" {
			hash = v.AsString()
		}
		if v, ok := a.Get(contract.AttrPromptVersion); ok && version == "" {
			version = v.AsString()
		}
		if v, ok := a.Get(contract.AttrPromptVersionSource); ok && source == "" {
			source = v.AsString()
		}
	}
	return hash, version, source
}

func checkPrompt(t *testing.T, s scenario, sp jaegerSpan, logs []plog.LogRecord, caps familyCaps) string {
	t.Helper()
	if s.Kind == "embeddings" {
		return ""
	}
	hash, version, source := promptAttrs(sp, logs)
	where := "span"
	if caps.contentOnLogRecords {
		where = "span or its log records"
	}
	if !hex16.MatchString(hash) {
		t.Errorf("%s: %s=%q on %s, want 16 hex chars", s.ID, contract.AttrPromptTemplateHash, hash, where)
	}
	if version == "" {
		t.Errorf("%s: %s missing on %s", s.ID, contract.AttrPromptVersion, where)
	}
	if source != contract.VersionSourceInferred {
		t.Errorf("%s: %s=%q, want %q (no prompt attributes, no registry)", s.ID, contract.AttrPromptVersionSource, source, contract.VersionSourceInferred)
	}
	return hash
}

func checkTemplates(t *testing.T, sc []scenario, hashes map[string]string) {
	t.Helper()
	groups := map[string][]string{}
	for _, s := range sc {
		if s.Expect.Template != "" {
			groups[s.Expect.Template] = append(groups[s.Expect.Template], s.ID)
		}
	}
	groupHash := map[string]string{}
	for g, ids := range groups {
		for _, id := range ids {
			h := hashes[id]
			if h == "" {
				continue // reported by checkPrompt
			}
			if prev, ok := groupHash[g]; ok && prev != h {
				t.Errorf("template %q: renderings hash differently (%s has %s, another %s)", g, id, h, prev)
			}
			groupHash[g] = h
		}
	}
	if a, b := groupHash["ticket"], groupHash["ticket-edited"]; a != "" && a == b {
		t.Errorf("edited template kept hash %s of the original", a)
	}
}

// evalResult is one gen_ai.evaluation.result, from a span event or a log record.
type evalResult struct {
	name, label string
	score       float64
	hasScore    bool
	explanation string
	// on result log records: the call's dimensions, which genai_metrics reads
	onRecord            bool
	op, provider, model string
}

func evalResults(sp jaegerSpan, logs []plog.LogRecord) []evalResult {
	var out []evalResult
	for _, ev := range sp.events(contract.EventEvaluationResult) {
		r := evalResult{name: fmt.Sprint(ev[contract.AttrEvalName]), label: fmt.Sprint(ev[contract.AttrEvalScoreLabel])}
		if f, ok := ev[contract.AttrEvalScoreValue].(float64); ok {
			r.score, r.hasScore = f, true
		}
		if e, ok := ev[contract.AttrEvalExplanation]; ok {
			r.explanation = fmt.Sprint(e)
		}
		out = append(out, r)
	}
	for _, lr := range logs {
		if lr.SpanID().String() != sp.SpanID || (lr.EventName() != contract.EventEvaluationResult && attr(lr, "event.name") != contract.EventEvaluationResult) {
			continue
		}
		r := evalResult{name: attr(lr, contract.AttrEvalName), label: attr(lr, contract.AttrEvalScoreLabel), explanation: attr(lr, contract.AttrEvalExplanation),
			op: attr(lr, "gen_ai.operation.name"), provider: attr(lr, "gen_ai.provider.name"), model: attr(lr, "gen_ai.request.model"), onRecord: true}
		if v, ok := lr.Attributes().Get(contract.AttrEvalScoreValue); ok && v.Type() == pcommon.ValueTypeDouble {
			r.score, r.hasScore = v.Double(), true
		}
		out = append(out, r)
	}
	return out
}

func resultOf(rs []evalResult, name string) (evalResult, bool) {
	for _, r := range rs {
		if r.name == name {
			return r, true
		}
	}
	return evalResult{}, false
}

func attr(lr plog.LogRecord, k string) string {
	if v, ok := lr.Attributes().Get(k); ok {
		return v.AsString()
	}
	return ""
}

func checkEvals(t *testing.T, s scenario, sp jaegerSpan, logs []plog.LogRecord, caps familyCaps) {
	t.Helper()
	results := evalResults(sp, logs)
	// One call, one judgement: each evaluator reports once per call, however
	// the call's content arrived (span, span events, log records in many requests).
	times := map[string]int{}
	for _, r := range results {
		if times[r.name]++; times[r.name] == 2 {
			t.Errorf("%s: evaluator %s reported more than once for one call", s.ID, r.name)
		}
		if r.onRecord && (r.op != sp.str("gen_ai.operation.name") || r.provider != "openai" || r.model != s.Model) {
			t.Errorf("%s: result %s carries operation=%q provider=%q model=%q, want the call's %q/openai/%q",
				s.ID, r.name, r.op, r.provider, r.model, sp.str("gen_ai.operation.name"), s.Model)
		}
	}
	if s.Context != "" && s.Expect.Clean {
		// A grounded RAG answer is judged against its context, not skipped.
		h, ok := resultOf(results, contract.EvalHallucination)
		if !ok || !h.hasScore || h.label != contract.LabelPass {
			t.Errorf("%s: hallucination = %+v (present %v), want a scored pass against the context in the system message", s.ID, h, ok)
		}
	}
	failed := map[string]bool{}
	for _, f := range sp.strings(contract.AttrEvalFailed) {
		failed[f] = true
	}
	for _, lr := range logs {
		if v, ok := lr.Attributes().Get(contract.AttrEvalFailed); ok && lr.SpanID().String() == sp.SpanID && v.Type() == pcommon.ValueTypeSlice {
			for i := 0; i < v.Slice().Len(); i++ {
				failed[v.Slice().At(i).AsString()] = true
			}
		}
	}
	for _, r := range results {
		switch {
		case r.label == contract.LabelNoContext:
			// Nothing to evaluate against: said so, without a guessed score.
			if r.hasScore {
				t.Errorf("%s: evaluation %s is no_context but carries score %v", s.ID, r.name, r.score)
			}
		case !r.hasScore || r.score < 0 || r.score > 1:
			t.Errorf("%s: evaluation %s has score %v (present=%v), want a value in [0,1]", s.ID, r.name, r.score, r.hasScore)
		}
		if r.label != contract.LabelPass && r.label != contract.LabelFail && r.label != contract.LabelNoContext {
			t.Errorf("%s: evaluation %s has label %q", s.ID, r.name, r.label)
		}
		if r.label == contract.LabelFail {
			failed[r.name] = true
		}
		if s.Expect.Fail != nil && len(r.explanation) > 0 {
			// Explanations carry rule ids and offsets, never the sensitive text.
			for _, secret := range []string{"4111 1111 1111 1111", "maria.lopez@example.org", "+1 415 555 0134"} {
				if strings.Contains(r.explanation, secret) {
					t.Errorf("%s: evaluation %s explanation leaks %q", s.ID, r.name, secret)
				}
			}
		}
	}
	if s.Kind == "embeddings" {
		if len(failed) > 0 {
			t.Errorf("%s: embeddings call flagged by %v", s.ID, keys(failed))
		}
		return
	}
	if len(results) == 0 {
		where := "span events"
		if caps.contentOnLogRecords {
			where = "span events or log records"
		}
		t.Errorf("%s: no %s in %s: no evaluator ran", s.ID, contract.EventEvaluationResult, where)
	}
	for _, want := range s.Expect.Fail {
		if !failed[want] {
			t.Errorf("%s: evaluator %s did not flag (failed: %v)", s.ID, want, keys(failed))
		}
	}
	if s.Expect.Clean && len(failed) > 0 {
		t.Errorf("%s: clean call flagged by %v", s.ID, keys(failed))
	}
}

func keys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// scraperGaveUp: the prometheus exporter could not finish a scrape response
// because Prometheus had already closed the connection (its scrape timeout,
// 1 s here, expired on a loaded machine). The scraper's failure, not
// Periscope's: the next scrape delivers the same cumulative series.
func scraperGaveUp(line string) bool {
	return strings.Contains(line, "prometheusexporter") && strings.Contains(line, "error encoding and sending metric family") &&
		(strings.Contains(line, "broken pipe") || strings.Contains(line, "i/o timeout") || strings.Contains(line, "connection reset"))
}
