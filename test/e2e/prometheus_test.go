//go:build e2e

package e2e

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.yaml.in/yaml/v3"

	"github.com/periscope-otel/periscope/internal/contract"
)

// promNames maps each DESIGN.md §3 metric to the name the collector's
// prometheus exporter gives it with default settings (dots to underscores,
// unit suffix, _total on monotonic sums; {token} units are dropped; "1" is
// dropped except on gauges, where it becomes _ratio). Histograms are queried
// through their _count series.
var promNames = map[string]string{
	contract.MetricTokenUsage:        "gen_ai_client_token_usage_count",
	contract.MetricOperationDuration: "gen_ai_client_operation_duration_seconds_count",
	contract.MetricUsageTokens:       "periscope_usage_tokens_total",
	contract.MetricCost:              "periscope_cost_usd_total",
	contract.MetricEvalScore:         "periscope_eval_score_count",
	contract.MetricEvalFailures:      "periscope_eval_failures_total",
	contract.MetricDriftScore:        "periscope_drift_score_ratio",
	contract.MetricQualityRegression: "periscope_quality_regression_ratio",
}

var contractMetrics = []string{
	contract.MetricTokenUsage, contract.MetricOperationDuration, contract.MetricUsageTokens, contract.MetricCost,
	contract.MetricEvalScore, contract.MetricEvalFailures, contract.MetricDriftScore, contract.MetricQualityRegression,
}

func writePrometheusConfig(t *testing.T, art, rules string, periscopeProm, periscopeTelemetry int) string {
	t.Helper()
	cfg := fmt.Sprintf(`global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files:
  - %q
scrape_configs:
  - job_name: periscope
    static_configs:
      - targets: ["127.0.0.1:%d"]
  - job_name: periscope-internal
    static_configs:
      - targets: ["127.0.0.1:%d"]
`, rules, periscopeProm, periscopeTelemetry)
	p := filepath.Join(art, "prometheus.yml")
	if err := os.WriteFile(p, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

type promClient struct {
	base string
	http *http.Client
}

type promSample struct {
	Metric map[string]string `json:"metric"`
	Value  [2]any            `json:"value"`
}

func (s promSample) float() float64 {
	if len(s.Value) < 2 {
		return 0
	}
	str, _ := s.Value[1].(string)
	f, _ := strconv.ParseFloat(str, 64)
	return f
}

// query runs an instant query and returns the vector (a scalar becomes one sample).
func (p promClient) query(expr string) ([]promSample, error) {
	resp, err := p.http.Get(p.base + "/api/v1/query?" + url.Values{"query": {expr}}.Encode())
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var body struct {
		Status    string          `json:"status"`
		ErrorType string          `json:"errorType"`
		Error     string          `json:"error"`
		Data      json.RawMessage `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		return nil, fmt.Errorf("query %q: %s: %w", expr, resp.Status, err)
	}
	if body.Status != "success" {
		return nil, fmt.Errorf("query %q: %s: %s", expr, body.ErrorType, body.Error)
	}
	var data struct {
		ResultType string          `json:"resultType"`
		Result     json.RawMessage `json:"result"`
	}
	if err := json.Unmarshal(body.Data, &data); err != nil {
		return nil, err
	}
	switch data.ResultType {
	case "vector":
		var v []promSample
		err := json.Unmarshal(data.Result, &v)
		return v, err
	case "scalar":
		var sc [2]any
		if err := json.Unmarshal(data.Result, &sc); err != nil {
			return nil, err
		}
		return []promSample{{Value: sc}}, nil
	default:
		return nil, fmt.Errorf("query %q: unexpected result type %s", expr, data.ResultType)
	}
}

type promExemplar struct {
	Labels map[string]string `json:"labels"`
	Value  string            `json:"value"`
}

func (p promClient) exemplars(expr string, since time.Time) ([]promExemplar, error) {
	q := url.Values{"query": {expr}, "start": {fmt.Sprint(since.Unix())}, "end": {fmt.Sprint(time.Now().Add(time.Minute).Unix())}}
	resp, err := p.http.Get(p.base + "/api/v1/query_exemplars?" + q.Encode())
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var body struct {
		Status string `json:"status"`
		Error  string `json:"error"`
		Data   []struct {
			Exemplars []promExemplar `json:"exemplars"`
		} `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		return nil, err
	}
	if body.Status != "success" {
		return nil, fmt.Errorf("exemplars %q: %s", expr, body.Error)
	}
	var out []promExemplar
	for _, d := range body.Data {
		out = append(out, d.Exemplars...)
	}
	return out, nil
}

type ruleState struct {
	Name   string `json:"name"`
	Type   string `json:"type"`
	Health string `json:"health"`
	Error  string `json:"lastError"`
	State  string `json:"state"`
	Query  string `json:"query"`
}

func (p promClient) rules() ([]ruleState, error) {
	resp, err := p.http.Get(p.base + "/api/v1/rules")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var body struct {
		Data struct {
			Groups []struct {
				Rules []ruleState `json:"rules"`
			} `json:"groups"`
		} `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		return nil, err
	}
	var out []ruleState
	for _, g := range body.Data.Groups {
		out = append(out, g.Rules...)
	}
	return out, nil
}

// dashboardExprs returns every PromQL target of the Grafana dashboard
// (panels, nested rows, templating queries) with its panel title.
func dashboardExprs(t *testing.T, path string) (exprs map[string]string, vars []string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		Panels     []dashPanel `json:"panels"`
		Templating struct {
			List []struct {
				Name  string `json:"name"`
				Type  string `json:"type"`
				Query any    `json:"query"`
			} `json:"list"`
		} `json:"templating"`
	}
	if err := json.Unmarshal(b, &dash); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	exprs = map[string]string{}
	var walk func([]dashPanel)
	walk = func(ps []dashPanel) {
		for _, p := range ps {
			for i, tg := range p.Targets {
				if strings.TrimSpace(tg.Expr) != "" {
					exprs[fmt.Sprintf("panel %q target %d", p.Title, i)] = tg.Expr
				}
			}
			walk(p.Panels)
		}
	}
	walk(dash.Panels)
	for _, v := range dash.Templating.List {
		vars = append(vars, v.Name)
		if v.Type != "query" {
			continue
		}
		q := ""
		switch x := v.Query.(type) {
		case string:
			q = x
		case map[string]any:
			q, _ = x["query"].(string)
		}
		// label_values(metric, label) is Grafana's, not PromQL: check its metric selector.
		if m := regexp.MustCompile(`^label_values\((.+),\s*\w+\)$`).FindStringSubmatch(q); m != nil {
			q = m[1]
		}
		if q != "" {
			exprs["variable "+v.Name] = q
		}
	}
	return exprs, vars
}

type dashPanel struct {
	Title   string      `json:"title"`
	Panels  []dashPanel `json:"panels"`
	Targets []struct {
		Expr string `json:"expr"`
	} `json:"targets"`
}

// grafanaToPromQL expands Grafana's variables the way Grafana would with
// "All" selected over the test's time range.
func grafanaToPromQL(expr string, vars []string) string {
	r := strings.NewReplacer(
		"$__rate_interval", "1m",
		"${__rate_interval}", "1m",
		"$__interval", "15s",
		"${__interval}", "15s",
		"$__range", "10m",
		"${__range}", "10m",
	)
	expr = r.Replace(expr)
	// Longest names first so $model does not eat part of $model_family.
	sort.Slice(vars, func(i, j int) bool { return len(vars[i]) > len(vars[j]) })
	for _, v := range vars {
		expr = strings.ReplaceAll(expr, "${"+v+"}", ".*")
		expr = strings.ReplaceAll(expr, "$"+v, ".*")
	}
	return expr
}

type alertRule struct {
	Alert  string            `yaml:"alert"`
	Record string            `yaml:"record"`
	Expr   string            `yaml:"expr"`
	For    string            `yaml:"for"`
	Labels map[string]string `yaml:"labels"`
	Annot  map[string]string `yaml:"annotations"`
}

func loadRules(t *testing.T, path string) []alertRule {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Groups []struct {
			Name  string      `yaml:"name"`
			Rules []alertRule `yaml:"rules"`
		} `yaml:"groups"`
	}
	if err := yaml.Unmarshal(b, &f); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	var out []alertRule
	for _, g := range f.Groups {
		out = append(out, g.Rules...)
	}
	return out
}

// metricSelectors returns the metric names an expression reads, so the test
// can check that each refers to a series Periscope really exports.
var metricNameRE = regexp.MustCompile(`\b(gen_ai_[a-z_]+|periscope_[A-Za-z_]+|otelcol_[a-z_]+)\b`)

func metricSelectors(expr string) []string {
	seen := map[string]bool{}
	var out []string
	for _, m := range metricNameRE.FindAllString(expr, -1) {
		if isLabelName(m) || seen[m] {
			continue
		}
		seen[m] = true
		out = append(out, m)
	}
	return out
}

// Label names that share the metric prefixes.
func isLabelName(s string) bool {
	switch s {
	case "gen_ai_request_model", "gen_ai_response_model", "gen_ai_operation_name", "gen_ai_provider_name",
		"gen_ai_prompt_name", "gen_ai_prompt_version", "gen_ai_token_type", "gen_ai_evaluation_name",
		"periscope_drift_signal", "periscope_drift_method", "gen_ai_system", "periscope_regression_comparison", "periscope_prompt_previous_version",
		"gen_ai_agent_name", "gen_ai_tool_name", "periscope_user_hash",
		"periscope_judge_evaluator", "periscope_judge_heuristic_label", "periscope_judge_label":
		return true
	}
	return false
}

// checkPrometheus asserts, through Prometheus's HTTP API, that every metric of
// the contract has data, that the numbers add up, and that the dashboard and
// the alert rules query series that exist.
func checkPrometheus(t *testing.T, prom promClient, jaeger jaegerClient, spec scenarioFile, rulesFile, dashboard string, since time.Time) {
	// All contract metrics, waited for together (one bounded wait, not one per metric).
	series := map[string]int{}
	_ = eventually(45*time.Second, time.Second, func() error {
		missing := 0
		for _, m := range contractMetrics {
			if series[m] > 0 {
				continue
			}
			v, err := prom.query(fmt.Sprintf("count(%s)", promNames[m]))
			if err == nil && len(v) > 0 {
				series[m] = int(v[0].float())
			}
			if series[m] == 0 {
				missing++
			}
		}
		if missing > 0 {
			return fmt.Errorf("%d metrics without data", missing)
		}
		return nil
	})
	for _, m := range contractMetrics {
		if series[m] == 0 {
			t.Errorf("%s (%s): no data in Prometheus", m, promNames[m])
		} else {
			t.Logf("%s: %d series", promNames[m], series[m])
		}
	}

	// Token types, including the cache and reasoning details two families report.
	for _, q := range []string{
		`sum(gen_ai_client_token_usage_count{gen_ai_token_type="input"})`,
		`sum(gen_ai_client_token_usage_count{gen_ai_token_type="output"})`,
		`sum(periscope_usage_tokens_total{gen_ai_token_type="cache_read"})`,
		`sum(periscope_usage_tokens_total{gen_ai_token_type="reasoning"})`,
	} {
		if v, err := prom.query(q); err != nil || len(v) == 0 || v[0].float() <= 0 {
			t.Errorf("%s: want > 0, got %v (err %v)", q, v, err)
		}
	}

	// Spend adds up to the list price of every priced call of every round.
	var want float64
	for _, fam := range familyOrder {
		for _, s := range spec.Scenarios {
			if expectedModelSpans(fam, s) == 0 {
				continue
			}
			if usd, ok := expectedCost(s, families[fam]); ok {
				want += usd * rounds
				if fam == attackFamily && s.ID == attackScenario {
					want += usd * attackRepeat
				}
			}
		}
	}
	var got float64
	err := eventually(30*time.Second, time.Second, func() error {
		v, err := prom.query(`sum(periscope_cost_usd_total)`)
		if err != nil {
			return err
		}
		if len(v) == 0 {
			return fmt.Errorf("no data")
		}
		got = v[0].float()
		if math.Abs(got-want) > 1e-9+1e-6*want {
			return fmt.Errorf("sum(periscope_cost_usd_total)=%.9f, want %.9f", got, want)
		}
		return nil
	})
	if err != nil {
		t.Errorf("total spend: %v", err)
	}

	// Each evaluator the scenarios trip shows up in the failure counter.
	for _, s := range spec.Scenarios {
		for _, ev := range s.Expect.Fail {
			q := fmt.Sprintf(`sum(periscope_eval_failures_total{gen_ai_evaluation_name=%q})`, ev)
			if v, err := prom.query(q); err != nil || len(v) == 0 || v[0].float() < 1 {
				t.Errorf("%s: want >= 1, got %v (err %v)", q, v, err)
			}
		}
	}

	checkEvalCounts(t, prom)

	// Time to first chunk: the Vercel AI SDK reports it on every streamed
	// call (ai.response.msToFirstChunk); one observation per streamed call.
	streams := 0
	for _, s := range spec.Scenarios {
		if s.Kind == "stream" {
			streams += rounds
		}
	}
	q := `sum(gen_ai_client_operation_time_to_first_chunk_seconds_count{service_name="e2e-vercel"})`
	if v, err := prom.query(q); err != nil || len(v) == 0 || int(v[0].float()) != streams {
		t.Errorf("%s: want %d (streamed calls), got %v (err %v)", q, streams, v, err)
	}

	// Time per output chunk: derived for streamed calls from the time to
	// first chunk, the time to finish and the visible output tokens; at most
	// one observation per streamed call, and at least one in the run.
	q = `sum(gen_ai_client_operation_time_per_output_chunk_seconds_count{service_name="e2e-vercel"})`
	if v, err := prom.query(q); err != nil || len(v) == 0 || int(v[0].float()) < 1 || int(v[0].float()) > streams {
		t.Errorf("%s: want 1..%d (streamed calls), got %v (err %v)", q, streams, v, err)
	}

	// Exemplars link evaluation scores and latency to traces that Jaeger really holds.
	for _, series := range []string{"periscope_eval_score_bucket", "gen_ai_client_operation_duration_seconds_bucket"} {
		ex, err := prom.exemplars(series, since.Add(-time.Minute))
		switch {
		case err != nil:
			t.Errorf("exemplars of %s: %v", series, err)
		case len(ex) == 0:
			t.Errorf("no exemplars on %s", series)
		default:
			checked := 0
			for _, e := range ex {
				id := e.Labels["trace_id"]
				if id == "" {
					t.Errorf("%s exemplar without trace_id: %v", series, e.Labels)
					continue
				}
				if checked == 3 {
					continue
				}
				checked++
				if ok, err := jaeger.traceExists(id); err != nil || !ok {
					t.Errorf("%s exemplar trace_id %s: not found in Jaeger (err %v)", series, id, err)
				}
			}
		}
	}

	// The dashboard: every expression is valid PromQL and returns data.
	exprs, vars := dashboardExprs(t, dashboard)
	if len(exprs) < 8 {
		t.Errorf("dashboard has only %d queries", len(exprs))
	}
	names := make([]string, 0, len(exprs))
	for k := range exprs {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		q := grafanaToPromQL(exprs[k], vars)
		err := eventually(5*time.Second, time.Second, func() error {
			v, err := prom.query(q)
			if err != nil {
				return err
			}
			if len(v) == 0 {
				return fmt.Errorf("empty result")
			}
			return nil
		})
		if err != nil {
			t.Errorf("dashboard %s: %s: %v", k, q, err)
		}
	}

	// The injection burst of one family raises its prompt_injection regression
	// against the baseline; the families that kept their traffic stay at 0.
	reg := fmt.Sprintf(`max(periscope_quality_regression_ratio{service_name="e2e-%s",gen_ai_evaluation_name=%q,periscope_regression_comparison="baseline"})`, attackFamily, contract.EvalPromptInjection)
	err = eventually(30*time.Second, time.Second, func() error {
		v, err := prom.query(reg)
		if err != nil {
			return err
		}
		if len(v) == 0 || v[0].float() != 1 {
			return fmt.Errorf("%s = %v, want 1", reg, v)
		}
		return nil
	})
	if err != nil {
		t.Errorf("quality regression not raised: %v", err)
	}
	ctl := fmt.Sprintf(`max(periscope_quality_regression_ratio{service_name!="e2e-%s",gen_ai_evaluation_name=%q,periscope_regression_comparison="baseline"})`, attackFamily, contract.EvalPromptInjection)
	if v, err := prom.query(ctl); err != nil || len(v) == 0 || v[0].float() != 0 {
		t.Errorf("%s = %v (err %v), want 0: steady traffic flagged as a regression", ctl, v, err)
	}

	// The alert rules: loaded and healthy in Prometheus, every series they read
	// exists, and the alerts for what the traffic really did go active: an
	// unknown model was called, and one family's injection burst is a regression.
	rules := loadRules(t, rulesFile)
	if len(rules) < 5 {
		t.Errorf("%s: %d rules, want at least 5", rulesFile, len(rules))
	}
	for _, r := range rules {
		for _, m := range metricSelectors(r.Expr) {
			if v, err := prom.query(fmt.Sprintf("count(%s)", m)); err != nil || len(v) == 0 {
				t.Errorf("rule %s reads %s, which has no data (err %v)", r.Alert+r.Record, m, err)
			}
		}
	}
	err = eventually(20*time.Second, time.Second, func() error {
		loaded, err := prom.rules()
		if err != nil {
			return err
		}
		if len(loaded) != len(rules) {
			return fmt.Errorf("prometheus loaded %d rules, file has %d", len(loaded), len(rules))
		}
		for _, r := range loaded {
			if r.Health != "ok" {
				return fmt.Errorf("rule %s: health %q: %s", r.Name, r.Health, r.Error)
			}
		}
		active := map[string]bool{}
		for _, r := range loaded {
			active[r.Name] = r.State == "pending" || r.State == "firing"
		}
		for _, name := range []string{"PeriscopeUnpricedCalls", "PeriscopeQualityRegression"} {
			if !active[name] {
				return fmt.Errorf("alert %s not active", name)
			}
		}
		return nil
	})
	if err != nil {
		t.Errorf("alert rules: %v", err)
	}
}

// checkEvalCounts: the evaluation metrics count calls. Per family and
// evaluator, Prometheus holds exactly as many scores as Periscope exported
// scored results (each call has at most one per evaluator, checked per
// scenario), and no evaluation series lacks the call's operation or provider.
func checkEvalCounts(t *testing.T, prom promClient) {
	t.Helper()
	var lastErr error
	err := eventually(30*time.Second, time.Second, func() error {
		want, err := exportedScores()
		if err != nil {
			return err
		}
		for fam, byEval := range want {
			for ev, n := range byEval {
				q := fmt.Sprintf(`sum(periscope_eval_score_count{service_name=%q, gen_ai_evaluation_name=%q})`, fam, ev)
				v, err := prom.query(q)
				if err != nil {
					return err
				}
				got := 0.0
				if len(v) > 0 {
					got = v[0].float()
				}
				if int(got) != n {
					lastErr = fmt.Errorf("%s = %v, want %d (calls judged)", q, got, n)
					return lastErr
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Errorf("evaluation counts: %v", err)
	}
	for _, q := range []string{
		`count(periscope_eval_score_count{gen_ai_operation_name="_OTHER"})`,
		`count(periscope_eval_score_count{gen_ai_provider_name="_OTHER"})`,
	} {
		if v, err := prom.query(q); err != nil || len(v) > 0 {
			t.Errorf("%s: want no series (evaluations carry their call's dimensions), got %v (err %v)", q, v, err)
		}
	}
}

// exportedScores counts the scored evaluation results Periscope exported
// (span events and log records), by service and evaluator.
func exportedScores() (map[string]map[string]int, error) {
	art := artifactsDir
	out := map[string]map[string]int{}
	add := func(svc string, attrs pcommon.Map) {
		name, ok := attrs.Get(contract.AttrEvalName)
		if _, scored := attrs.Get(contract.AttrEvalScoreValue); !ok || !scored {
			return
		}
		if out[svc] == nil {
			out[svc] = map[string]int{}
		}
		out[svc][name.Str()]++
	}
	tds, err := readTraceFile(filepath.Join(art, "periscope-traces.jsonl"))
	if err != nil {
		return nil, err
	}
	for _, td := range tds {
		for i := 0; i < td.ResourceSpans().Len(); i++ {
			rs := td.ResourceSpans().At(i)
			svc, _ := rs.Resource().Attributes().Get("service.name")
			for j := 0; j < rs.ScopeSpans().Len(); j++ {
				spans := rs.ScopeSpans().At(j).Spans()
				for k := 0; k < spans.Len(); k++ {
					evs := spans.At(k).Events()
					for e := 0; e < evs.Len(); e++ {
						if evs.At(e).Name() == contract.EventEvaluationResult {
							add(svc.AsString(), evs.At(e).Attributes())
						}
					}
				}
			}
		}
	}
	lds, err := readLogFile(filepath.Join(art, "periscope-logs.jsonl"))
	if err != nil {
		return nil, err
	}
	for _, ld := range lds {
		for i := 0; i < ld.ResourceLogs().Len(); i++ {
			rl := ld.ResourceLogs().At(i)
			svc, _ := rl.Resource().Attributes().Get("service.name")
			for j := 0; j < rl.ScopeLogs().Len(); j++ {
				lrs := rl.ScopeLogs().At(j).LogRecords()
				for k := 0; k < lrs.Len(); k++ {
					if lrs.At(k).EventName() == contract.EventEvaluationResult {
						add(svc.AsString(), lrs.At(k).Attributes())
					}
				}
			}
		}
	}
	return out, nil
}
