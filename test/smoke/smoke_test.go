// Package smoke runs the built Periscope distribution end to end: every GenAI
// sample goes in over OTLP/HTTP and the file exporter's output is checked
// against what the shared reader says the input contained.
//
// The tests need a built binary and are skipped unless PERISCOPE_BIN points
// at it (`make smoke` sets it), so `go test ./...` stays fast.
package smoke

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/periscope-otel/periscope/internal/contract"
	"github.com/periscope-otel/periscope/internal/genai"
	"github.com/periscope-otel/periscope/internal/testutil"
)

// Current semconv keys the normalizer must leave on every model-call span.
const (
	keyRequestModel = "gen_ai.request.model"
	keyProvider     = "gen_ai.provider.name"
	keyInputTokens  = "gen_ai.usage.input_tokens"
	keyOutputTokens = "gen_ai.usage.output_tokens"
)

func periscopeBin(t *testing.T) string {
	t.Helper()
	bin := os.Getenv("PERISCOPE_BIN")
	if bin == "" {
		t.Skip("PERISCOPE_BIN not set; run `make smoke` to build the distribution and run this test")
	}
	abs, err := filepath.Abs(bin)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(abs); err != nil {
		t.Fatalf("PERISCOPE_BIN: %v", err)
	}
	return abs
}

// collector is a running bin/periscope.
type collector struct {
	cmd       *exec.Cmd
	dir       string // working directory: ./data/ lands here
	grpc      string // OTLP/gRPC host:port
	httpURL   string
	telemetry string
	prom      string
	health    string
	out       *syncBuffer
	exited    chan struct{} // closed when the process has exited
	err       error         // exit error, valid once exited is closed
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startCollector runs bin/periscope with config/default.yaml (the file users
// start with `make run`), every endpoint moved to a free port and the working
// directory in a temp dir so the file exporter writes there.
func startCollector(t *testing.T, bin, config string) *collector {
	t.Helper()
	// A port testutil.FreePorts found free can still be taken before the
	// collector binds it (by another test's listener): start again on fresh
	// ports.
	for attempt := 1; ; attempt++ {
		p := testutil.FreePorts(t, 5)
		c := &collector{
			httpURL:   fmt.Sprintf("http://127.0.0.1:%d", p[1]),
			prom:      fmt.Sprintf("http://127.0.0.1:%d/metrics", p[2]),
			telemetry: fmt.Sprintf("http://127.0.0.1:%d/metrics", p[3]),
			health:    fmt.Sprintf("http://127.0.0.1:%d/", p[4]),
		}
		env := []string{
			fmt.Sprintf("PERISCOPE_OTLP_GRPC_ENDPOINT=127.0.0.1:%d", p[0]),
			fmt.Sprintf("PERISCOPE_OTLP_HTTP_ENDPOINT=127.0.0.1:%d", p[1]),
			fmt.Sprintf("PERISCOPE_PROMETHEUS_ENDPOINT=127.0.0.1:%d", p[2]),
			"PERISCOPE_TELEMETRY_HOST=127.0.0.1",
			fmt.Sprintf("PERISCOPE_TELEMETRY_PORT=%d", p[3]),
			fmt.Sprintf("PERISCOPE_HEALTH_ENDPOINT=127.0.0.1:%d", p[4]),
		}
		if c.start(t, "default", bin, []string{config}, t.TempDir(), env) {
			return c
		}
		if attempt == 3 {
			t.Fatalf("default collector could not bind its ports in 3 attempts:\n%s", c.out.String())
		}
		t.Logf("default collector: a port was taken before it bound it; starting again on fresh ports")
	}
}

// run starts the binary in dir with env added and waits until its health
// check reports the pipelines up.
func (c *collector) run(t *testing.T, name, bin, config, dir string, env []string) {
	t.Helper()
	c.runConfigs(t, name, bin, []string{config}, dir, env)
}

// runConfigs is run with several --config sources merged in order (a base
// configuration and its overlays).
func (c *collector) runConfigs(t *testing.T, name, bin string, configs []string, dir string, env []string) {
	t.Helper()
	if !c.start(t, name, bin, configs, dir, env) {
		t.Fatalf("%s collector could not bind its ports:\n%s", name, c.out.String())
	}
}

// start is runConfigs; it reports false when the collector exited during
// startup because a port it was given is in use.
func (c *collector) start(t *testing.T, name, bin string, configs []string, dir string, env []string) bool {
	t.Helper()
	c.dir = dir
	c.out = &syncBuffer{}
	c.exited = make(chan struct{})
	var args []string
	for _, cfg := range configs {
		args = append(args, "--config", cfg)
	}
	c.cmd = exec.Command(bin, args...)
	c.cmd.Dir = dir
	c.cmd.Env = append(os.Environ(), env...)
	c.cmd.Stdout = c.out
	c.cmd.Stderr = c.out
	if err := c.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { c.err = c.cmd.Wait(); close(c.exited) }()
	t.Cleanup(func() {
		select {
		case <-c.exited:
		default:
			_ = c.cmd.Process.Kill()
			<-c.exited
		}
		if t.Failed() {
			t.Logf("%s collector output:\n%s", name, tail(c.out.String(), 6000))
		}
	})

	deadline := time.Now().Add(20 * time.Second)
	for {
		select {
		case <-c.exited:
			if strings.Contains(c.out.String(), "address already in use") {
				return false
			}
			t.Fatalf("%s collector exited during startup: %v\n%s", name, c.err, c.out.String())
		default:
		}
		resp, err := http.Get(c.health)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return true
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s collector not healthy after 20s\n%s", name, c.out.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// stop sends SIGTERM and returns the exit error (nil for exit code 0).
func (c *collector) stop(t *testing.T) error {
	t.Helper()
	// An already exited process reports os.ErrProcessDone; the exit status
	// below is what counts.
	_ = c.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-c.exited:
		return c.err
	case <-time.After(20 * time.Second):
		t.Fatal("collector did not exit within 20s of SIGTERM")
		return nil
	}
}

func tail(s string, n int) string {
	if len(s) > n {
		return "..." + s[len(s)-n:]
	}
	return s
}

// sample is one OTLP/JSON file of the shared GenAI samples.
type sample struct {
	name   string
	body   []byte
	traces ptrace.Traces
	logs   plog.Logs
	isLogs bool
}

func loadSamples(t *testing.T) []sample {
	t.Helper()
	root := filepath.Join(testutil.SharedDir(t), "data", "genai-samples")
	var files []string
	for _, pat := range []string{"*.json", "real-clients/*.json"} {
		m, err := filepath.Glob(filepath.Join(root, pat))
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	sort.Strings(files)
	if len(files) == 0 {
		t.Fatalf("no samples under %s", root)
	}
	var out []sample
	for _, f := range files {
		body, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		rel, _ := filepath.Rel(root, f)
		s := sample{name: rel, body: body}
		switch {
		case bytes.Contains(body, []byte(`"resourceSpans"`)):
			s.traces, err = (&ptrace.JSONUnmarshaler{}).UnmarshalTraces(body)
		case bytes.Contains(body, []byte(`"resourceLogs"`)):
			s.isLogs = true
			s.logs, err = (&plog.JSONUnmarshaler{}).UnmarshalLogs(body)
		default:
			t.Fatalf("%s: neither resourceSpans nor resourceLogs", rel)
		}
		if err != nil {
			t.Fatalf("%s: %v", rel, err)
		}
		out = append(out, s)
	}
	return out
}

func post(t *testing.T, url string, body []byte) {
	t.Helper()
	resp, err := http.Post(url, "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("POST %s: %s: %s", url, resp.Status, msg)
	}
	if bytes.Contains(msg, []byte("rejected")) {
		t.Fatalf("POST %s: partial success: %s", url, msg)
	}
}

type spanKey struct {
	trace pcommon.TraceID
	span  pcommon.SpanID
}

type logKey struct {
	trace pcommon.TraceID
	span  pcommon.SpanID
	event string
	ts    pcommon.Timestamp
	body  string
}

func keyOfLog(lr plog.LogRecord) logKey {
	name := lr.EventName()
	if name == "" {
		if v, ok := lr.Attributes().Get("event.name"); ok {
			name = v.AsString()
		}
	}
	return logKey{lr.TraceID(), lr.SpanID(), name, lr.Timestamp(), lr.Body().AsString()}
}

// readJSONLines reads every OTLP/JSON line the file exporter wrote under dir
// for the given base name (rotated backups included).
func readJSONLines(t *testing.T, dir, base string) [][]byte {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(dir, strings.TrimSuffix(base, ".jsonl")+"*.jsonl"))
	var lines [][]byte
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(fh)
		sc.Buffer(make([]byte, 0, 1<<20), 64<<20)
		for sc.Scan() {
			if l := bytes.TrimSpace(sc.Bytes()); len(l) > 0 {
				lines = append(lines, append([]byte(nil), l...))
			}
		}
		fh.Close()
		if err := sc.Err(); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
	}
	return lines
}

type outSpan struct {
	span ptrace.Span
	res  pcommon.Resource
}

func readSpans(t *testing.T, dir string) map[spanKey]outSpan {
	t.Helper()
	got := map[spanKey]outSpan{}
	for _, l := range readJSONLines(t, dir, "traces.jsonl") {
		td, err := (&ptrace.JSONUnmarshaler{}).UnmarshalTraces(l)
		if err != nil {
			// The exporter may be mid-line; the next poll reads it whole.
			continue
		}
		for _, rs := range td.ResourceSpans().All() {
			for _, ss := range rs.ScopeSpans().All() {
				for _, sp := range ss.Spans().All() {
					got[spanKey{sp.TraceID(), sp.SpanID()}] = outSpan{sp, rs.Resource()}
				}
			}
		}
	}
	return got
}

func readLogs(t *testing.T, dir string) map[logKey][]plog.LogRecord {
	t.Helper()
	got := map[logKey][]plog.LogRecord{}
	for _, l := range readJSONLines(t, dir, "logs.jsonl") {
		ld, err := (&plog.JSONUnmarshaler{}).UnmarshalLogs(l)
		if err != nil {
			continue
		}
		for _, rl := range ld.ResourceLogs().All() {
			for _, sl := range rl.ScopeLogs().All() {
				for _, lr := range sl.LogRecords().All() {
					k := keyOfLog(lr)
					got[k] = append(got[k], lr)
				}
			}
		}
	}
	return got
}

// TestSmoke posts every shared GenAI sample to the built distribution running
// config/default.yaml and checks what comes out of the file exporter, the
// collector's own metrics and the Prometheus endpoint, then a clean shutdown.
func TestSmoke(t *testing.T) {
	bin := periscopeBin(t)
	t.Parallel()
	config := filepath.Join(testutil.RepoRoot(t), "config", "default.yaml")
	samples := loadSamples(t)
	start := time.Now()

	c := startCollector(t, bin, config)
	t.Logf("collector healthy after %v", time.Since(start).Round(time.Millisecond))

	// Expected output, computed from the input through the shared reader.
	wantSpans := map[spanKey]expectSpan{}
	wantLogs := map[logKey]int{}
	sentSpans, sentLogs := 0, 0
	for _, s := range samples {
		if s.isLogs {
			post(t, c.httpURL+"/v1/logs", s.body)
			sentLogs += s.logs.LogRecordCount()
			for _, rl := range s.logs.ResourceLogs().All() {
				for _, sl := range rl.ScopeLogs().All() {
					for _, lr := range sl.LogRecords().All() {
						wantLogs[keyOfLog(lr)]++
					}
				}
			}
			continue
		}
		post(t, c.httpURL+"/v1/traces", s.body)
		sentSpans += s.traces.SpanCount()
		for _, rs := range s.traces.ResourceSpans().All() {
			for _, ss := range rs.ScopeSpans().All() {
				for _, sp := range ss.Spans().All() {
					wantSpans[spanKey{sp.TraceID(), sp.SpanID()}] = expectSpan{
						sample: s.name, name: sp.Name(),
						view: genai.ReadSpan(sp, rs.Resource(), genai.Options{}),
					}
				}
			}
		}
	}
	if len(wantSpans) != sentSpans {
		t.Fatalf("samples reuse span ids: %d unique of %d", len(wantSpans), sentSpans)
	}
	t.Logf("posted %d spans and %d log records from %d samples", sentSpans, sentLogs, len(samples))

	// Wait until every span and log record reached the file exporter.
	var gotSpans map[spanKey]outSpan
	var gotLogs map[logKey][]plog.LogRecord
	deadline := time.Now().Add(30 * time.Second)
	for {
		gotSpans = readSpans(t, filepath.Join(c.dir, "data"))
		gotLogs = readLogs(t, filepath.Join(c.dir, "data"))
		if containsAllSpans(gotSpans, wantSpans) && containsAllLogs(gotLogs, wantLogs) {
			break
		}
		if time.Now().After(deadline) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Logf("file exporter output complete after %v", time.Since(start).Round(time.Millisecond))

	// No span lost; every model call normalized, priced or marked unpriced.
	modelCalls := map[string]int{}
	withTokens := 0
	for k, want := range wantSpans {
		got, ok := gotSpans[k]
		if !ok {
			t.Errorf("%s: span %q (%s) missing from the file exporter output", want.sample, want.name, k.span)
			continue
		}
		if !want.view.Billable() {
			continue
		}
		modelCalls[want.sample]++
		if want.view.Usage.Any() {
			withTokens++
		}
		checkModelCall(t, want.sample, want.name, want.view, got.span.Attributes())
	}
	// A reader that recognised nothing would make the loop above vacuous.
	for _, s := range samples {
		if !s.isLogs && modelCalls[s.name] == 0 {
			t.Errorf("%s: no model-call span recognised in the sample", s.name)
		}
	}
	total := 0
	for _, n := range modelCalls {
		total += n
	}
	t.Logf("checked %d model-call spans (%d with token counts) in %d trace samples", total, withTokens, len(modelCalls))
	if withTokens == 0 {
		t.Errorf("no model-call span with token counts: usage was not checked at all")
	}

	// Log records: all arrive; the only extra records are evaluation results.
	extra := 0
	for k, n := range wantLogs {
		if len(gotLogs[k]) < n {
			t.Errorf("log record %q of span %s: %d of %d arrived", k.event, k.span, len(gotLogs[k]), n)
		}
	}
	for k, recs := range gotLogs {
		if n := len(recs) - wantLogs[k]; n > 0 {
			if k.event != contract.EventEvaluationResult {
				t.Errorf("unexpected log record %q (%d) in the output", k.event, n)
			}
			extra += n
		}
	}
	t.Logf("log records: %d sent, %d evaluation results added", sentLogs, extra)

	checkPipelineMarks(t, gotSpans)
	checkTelemetry(t, c.telemetry, sentSpans, sentLogs)
	checkGenAIMetrics(t, c.prom)

	if err := c.stop(t); err != nil {
		t.Errorf("collector exit after SIGTERM: %v (want exit code 0)", err)
	}
	if strings.Contains(c.out.String(), "panic:") {
		t.Errorf("collector output contains a panic")
	}
	t.Logf("smoke done in %v", time.Since(start).Round(time.Millisecond))
}

// expectSpan is an input span and the reader's view of it.
type expectSpan struct {
	sample string
	name   string
	view   genai.View
}

func containsAllSpans(got map[spanKey]outSpan, want map[spanKey]expectSpan) bool {
	for k := range want {
		if _, ok := got[k]; !ok {
			return false
		}
	}
	return true
}

func containsAllLogs(got map[logKey][]plog.LogRecord, want map[logKey]int) bool {
	for k, n := range want {
		if len(got[k]) < n {
			return false
		}
	}
	return true
}

func checkModelCall(t *testing.T, sample, name string, v genai.View, attrs pcommon.Map) {
	t.Helper()
	where := fmt.Sprintf("%s: span %q", sample, name)
	str := func(key string) string {
		val, ok := attrs.Get(key)
		if !ok || val.Type() != pcommon.ValueTypeStr {
			return ""
		}
		return val.Str()
	}
	if got := str(keyRequestModel); got == "" {
		t.Errorf("%s: no %s", where, keyRequestModel)
	} else if v.RequestModel != "" && got != v.RequestModel {
		t.Errorf("%s: %s = %q, reader says %q", where, keyRequestModel, got, v.RequestModel)
	}
	if got := str(keyProvider); got == "" {
		t.Errorf("%s: no %s", where, keyProvider)
	} else if v.Provider != "" && got != v.Provider {
		t.Errorf("%s: %s = %q, reader says %q", where, keyProvider, got, v.Provider)
	}
	if got := str(contract.AttrDialect); got == "" || got != string(v.Dialect) {
		t.Errorf("%s: %s = %q, reader says %q", where, contract.AttrDialect, got, v.Dialect)
	}
	checkTokens := func(key string, want int64, has bool) {
		val, ok := attrs.Get(key)
		switch {
		case !has:
		case !ok || val.Type() != pcommon.ValueTypeInt:
			t.Errorf("%s: no integer %s (reader: %d)", where, key, want)
		case val.Int() != want:
			t.Errorf("%s: %s = %d, reader says %d", where, key, val.Int(), want)
		}
	}
	checkTokens(keyInputTokens, v.Usage.Input, v.Usage.Has&genai.HasInput != 0)
	checkTokens(keyOutputTokens, v.Usage.Output, v.Usage.Has&genai.HasOutput != 0)
	// Contract: a model call is priced or says why not, never a silent $0.
	_, priced := attrs.Get(contract.AttrCost)
	_, unpriced := attrs.Get(contract.AttrCostUnpriced)
	if !priced && !unpriced {
		t.Errorf("%s: neither %s nor %s", where, contract.AttrCost, contract.AttrCostUnpriced)
	}
}

// checkPipelineMarks proves each Periscope processor of the default pipeline
// ran in the distribution: each leaves its mark on at least one span.
func checkPipelineMarks(t *testing.T, spans map[spanKey]outSpan) {
	t.Helper()
	marks := map[string]int{}
	for _, s := range spans {
		attrs := s.span.Attributes()
		for _, k := range []string{contract.AttrDialect, contract.AttrCost, contract.AttrPromptTemplateHash} {
			if _, ok := attrs.Get(k); ok {
				marks[k]++
			}
		}
		for _, ev := range s.span.Events().All() {
			if ev.Name() == contract.EventEvaluationResult {
				marks[contract.EventEvaluationResult]++
			}
		}
	}
	for _, k := range []string{contract.AttrDialect, contract.AttrCost, contract.AttrPromptTemplateHash, contract.EventEvaluationResult} {
		if marks[k] == 0 {
			t.Errorf("no span in the output carries %s", k)
		}
	}
	t.Logf("pipeline marks: %v", marks)
}

var metricLine = regexp.MustCompile(`^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)`)

// scrape returns the sum of every sample of each metric whose labels contain
// all of match (Prometheus text format).
func scrape(t *testing.T, url string) map[string][]promSample {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("scrape %s: %v", url, err)
	}
	defer resp.Body.Close()
	out := map[string][]promSample{}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 0, 1<<16), 16<<20)
	for sc.Scan() {
		m := metricLine.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		v, err := strconv.ParseFloat(m[3], 64)
		if err != nil {
			continue
		}
		out[m[1]] = append(out[m[1]], promSample{labels: m[2], value: v})
	}
	return out
}

type promSample struct {
	labels string
	value  float64
}

func sum(samples []promSample, match ...string) float64 {
	var s float64
	for _, p := range samples {
		ok := true
		for _, m := range match {
			if !strings.Contains(p.labels, m) {
				ok = false
			}
		}
		if ok {
			s += p.value
		}
	}
	return s
}

// checkTelemetry compares the collector's own counters with what was sent.
// Counters move just after the export returns, so it retries briefly.
func checkTelemetry(t *testing.T, url string, sentSpans, sentLogs int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		problems := telemetryProblems(scrape(t, url), sentSpans, sentLogs)
		if len(problems) == 0 {
			return
		}
		if time.Now().After(deadline) {
			for _, p := range problems {
				t.Error(p)
			}
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func telemetryProblems(m map[string][]promSample, sentSpans, sentLogs int) []string {
	var problems []string
	recv := []string{`receiver="otlp"`, `transport="http"`}
	for _, c := range []struct {
		metric string
		want   float64
	}{
		{"otelcol_receiver_accepted_spans", float64(sentSpans)},
		{"otelcol_receiver_refused_spans", 0},
		{"otelcol_receiver_failed_spans", 0},
		{"otelcol_receiver_accepted_log_records", float64(sentLogs)},
		{"otelcol_receiver_refused_log_records", 0},
		{"otelcol_receiver_failed_log_records", 0},
	} {
		if got := sum(m[c.metric], recv...); got != c.want {
			problems = append(problems, fmt.Sprintf("%s = %v, want %v", c.metric, got, c.want))
		}
	}
	if got := sum(m["otelcol_exporter_sent_spans"], `exporter="file/traces"`); got != float64(sentSpans) {
		problems = append(problems, fmt.Sprintf("otelcol_exporter_sent_spans{exporter=file/traces} = %v, want %d", got, sentSpans))
	}
	if got := sum(m["otelcol_exporter_send_failed_spans"]); got != 0 {
		problems = append(problems, fmt.Sprintf("otelcol_exporter_send_failed_spans = %v, want 0", got))
	}
	if got := sum(m["otelcol_exporter_send_failed_log_records"]); got != 0 {
		problems = append(problems, fmt.Sprintf("otelcol_exporter_send_failed_log_records = %v, want 0", got))
	}
	return problems
}

// checkGenAIMetrics waits for genai_metrics' series on the Prometheus endpoint.
func checkGenAIMetrics(t *testing.T, url string) {
	t.Helper()
	want := []string{
		promName(contract.MetricTokenUsage),
		promName(contract.MetricOperationDuration),
		promName(contract.MetricCost),
	}
	deadline := time.Now().Add(20 * time.Second)
	var missing []string
	for {
		m := scrape(t, url)
		missing = missing[:0]
		for _, w := range want {
			found := false
			for name := range m {
				if strings.HasPrefix(name, w) {
					found = true
					break
				}
			}
			if !found {
				missing = append(missing, w)
			}
		}
		if len(missing) == 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(250 * time.Millisecond)
	}
	if len(missing) > 0 {
		t.Errorf("Prometheus endpoint has no %v series", missing)
	}
}

// promName is the Prometheus family prefix of an OTel metric name.
func promName(otel string) string {
	return strings.NewReplacer(".", "_").Replace(otel)
}

// TestConfigsValidate checks every shipped configuration with the binary's
// own validator: unknown components or keys fail here, not at a user's start.
func TestConfigsValidate(t *testing.T) {
	bin := periscopeBin(t)
	files, err := filepath.Glob(filepath.Join(testutil.RepoRoot(t), "config", "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 5 {
		t.Fatalf("expected default, agent, gateway, gateway-lb and jaeger-prometheus configs, found %v", files)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			out, err := exec.CommandContext(ctx, bin, "validate", "--config", f).CombinedOutput()
			if err != nil {
				t.Fatalf("validate %s: %v\n%s", f, err, out)
			}
		})
	}
}
