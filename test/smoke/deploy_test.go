package smoke

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/periscope-otel/periscope/internal/testutil"
)

// backendConfig is a stand-in OTLP backend: gRPC in, JSON lines out.
const backendConfig = `
extensions:
  health_check:
    endpoint: ${env:BACKEND_HEALTH}
receivers:
  otlp:
    protocols:
      grpc:
        endpoint: ${env:BACKEND_GRPC}
exporters:
  file/traces:
    path: ./data/traces.jsonl
    create_directory: true
  file/logs:
    path: ./data/logs.jsonl
    create_directory: true
service:
  extensions: [health_check]
  pipelines:
    traces:
      receivers: [otlp]
      exporters: [file/traces]
    logs:
      receivers: [otlp]
      exporters: [file/logs]
  telemetry:
    metrics:
      level: none
`

// piiInSamples is the e-mail address the PII-bearing sample calls carry.
const piiInSamples = "jane.doe@example.com"

// TestAgentGatewayLB runs the shipped deployment configurations together:
//
//	samples -> agent.yaml -> gateway-lb.yaml -> 2 x gateway.yaml -> 2 stand-in backends
//
// and checks that no span or log record is lost, that every trace's spans
// land on one gateway (routing by trace id), that both gateways get traffic,
// that the agent's redaction keeps PII out of the backends, and that every
// process exits 0 on SIGTERM.
func TestAgentGatewayLB(t *testing.T) {
	bin := periscopeBin(t)
	t.Parallel()
	root := testutil.RepoRoot(t)
	cfg := func(name string) string { return filepath.Join(root, "config", name) }
	samples := loadSamples(t)
	start := time.Now()
	tmp := t.TempDir()
	backendFile := filepath.Join(tmp, "backend.yaml")
	if err := os.WriteFile(backendFile, []byte(backendConfig), 0o600); err != nil {
		t.Fatal(err)
	}
	addr := func(p int) string { return fmt.Sprintf("127.0.0.1:%d", p) }

	var backends, gateways [2]*collector
	for i := range backends {
		p := testutil.FreePorts(t, 2)
		b := &collector{health: "http://" + addr(p[1]) + "/", grpc: addr(p[0])}
		b.run(t, fmt.Sprintf("backend-%d", i+1), bin, backendFile, mkdir(t, filepath.Join(tmp, fmt.Sprintf("backend-%d", i+1))),
			[]string{"BACKEND_GRPC=" + addr(p[0]), "BACKEND_HEALTH=" + addr(p[1])})
		backends[i] = b
	}
	for i := range gateways {
		p := testutil.FreePorts(t, 6)
		g := &collector{health: "http://" + addr(p[4]) + "/", grpc: addr(p[0])}
		dir := filepath.Join(tmp, fmt.Sprintf("gateway-%d", i+1))
		g.run(t, fmt.Sprintf("gateway-%d", i+1), bin, cfg("gateway.yaml"), mkdir(t, dir), []string{
			"PERISCOPE_OTLP_GRPC_ENDPOINT=" + addr(p[0]),
			"PERISCOPE_OTLP_HTTP_ENDPOINT=" + addr(p[1]),
			"PERISCOPE_BACKEND_OTLP_ENDPOINT=" + backends[i].grpc,
			// Nothing listens there: remote write retries in the background.
			"PERISCOPE_PRW_ENDPOINT=http://" + addr(p[2]) + "/api/v1/write",
			"PERISCOPE_PROMETHEUS_ENDPOINT=" + addr(p[3]),
			"PERISCOPE_HEALTH_ENDPOINT=" + addr(p[4]),
			"PERISCOPE_TELEMETRY_HOST=127.0.0.1",
			fmt.Sprintf("PERISCOPE_TELEMETRY_PORT=%d", p[5]),
			"PERISCOPE_STORAGE_DIR=" + filepath.Join(dir, "storage"),
			// Keep every trace so that loss is measurable.
			"PERISCOPE_SAMPLING_PERCENT=100",
		})
		gateways[i] = g
	}
	p := testutil.FreePorts(t, 4)
	lb := &collector{health: "http://" + addr(p[2]) + "/"}
	lb.run(t, "gateway-lb", bin, cfg("gateway-lb.yaml"), mkdir(t, filepath.Join(tmp, "lb")), []string{
		"PERISCOPE_OTLP_GRPC_ENDPOINT=" + addr(p[0]),
		"PERISCOPE_OTLP_HTTP_ENDPOINT=" + addr(p[1]),
		"PERISCOPE_GATEWAY_1=" + gateways[0].grpc,
		"PERISCOPE_GATEWAY_2=" + gateways[1].grpc,
		"PERISCOPE_HEALTH_ENDPOINT=" + addr(p[2]),
		"PERISCOPE_TELEMETRY_HOST=127.0.0.1",
		fmt.Sprintf("PERISCOPE_TELEMETRY_PORT=%d", p[3]),
	})
	lbGRPC := addr(p[0])
	p = testutil.FreePorts(t, 4)
	agent := &collector{health: "http://" + addr(p[2]) + "/", httpURL: "http://" + addr(p[1])}
	agent.run(t, "agent", bin, cfg("agent.yaml"), mkdir(t, filepath.Join(tmp, "agent")), []string{
		"PERISCOPE_OTLP_GRPC_ENDPOINT=" + addr(p[0]),
		"PERISCOPE_OTLP_HTTP_ENDPOINT=" + addr(p[1]),
		"PERISCOPE_GATEWAY_ENDPOINT=" + lbGRPC,
		"PERISCOPE_HEALTH_ENDPOINT=" + addr(p[2]),
		"PERISCOPE_TELEMETRY_HOST=127.0.0.1",
		fmt.Sprintf("PERISCOPE_TELEMETRY_PORT=%d", p[3]),
	})
	t.Logf("6 collectors healthy after %v", time.Since(start).Round(time.Millisecond))

	// Input: span ids and, for log records, span + event + time (bodies
	// change when redacted).
	type logID struct {
		trace pcommon.TraceID
		span  pcommon.SpanID
		event string
		ts    pcommon.Timestamp
	}
	wantSpans := map[spanKey]string{}
	wantLogs := map[logID]int{}
	for _, s := range samples {
		if s.isLogs {
			post(t, agent.httpURL+"/v1/logs", s.body)
			for _, rl := range s.logs.ResourceLogs().All() {
				for _, sl := range rl.ScopeLogs().All() {
					for _, lr := range sl.LogRecords().All() {
						k := keyOfLog(lr)
						wantLogs[logID{k.trace, k.span, k.event, k.ts}]++
					}
				}
			}
			continue
		}
		post(t, agent.httpURL+"/v1/traces", s.body)
		for _, rs := range s.traces.ResourceSpans().All() {
			for _, ss := range rs.ScopeSpans().All() {
				for _, sp := range ss.Spans().All() {
					wantSpans[spanKey{sp.TraceID(), sp.SpanID()}] = s.name
				}
			}
		}
	}

	// Tail sampling holds each trace for decision_wait (10 s) on its gateway.
	var got [2]map[spanKey]outSpan
	var gotLogs map[logID]int
	deadline := time.Now().Add(45 * time.Second)
	for {
		gotLogs = map[logID]int{}
		for i, b := range backends {
			got[i] = readSpans(t, filepath.Join(b.dir, "data"))
			for k, recs := range readLogs(t, filepath.Join(b.dir, "data")) {
				gotLogs[logID{k.trace, k.span, k.event, k.ts}] += len(recs)
			}
		}
		complete := true
		for k := range wantSpans {
			if _, ok := got[0][k]; !ok {
				if _, ok := got[1][k]; !ok {
					complete = false
					break
				}
			}
		}
		for k, n := range wantLogs {
			if gotLogs[k] < n {
				complete = false
			}
		}
		if complete || time.Now().After(deadline) {
			break
		}
		time.Sleep(250 * time.Millisecond)
	}
	t.Logf("backends complete after %v: %d + %d spans", time.Since(start).Round(time.Millisecond), len(got[0]), len(got[1]))

	traceAt := map[pcommon.TraceID]map[int]bool{}
	for k, sample := range wantSpans {
		found := 0
		for i := range got {
			if _, ok := got[i][k]; ok {
				found++
				if traceAt[k.trace] == nil {
					traceAt[k.trace] = map[int]bool{}
				}
				traceAt[k.trace][i] = true
			}
		}
		switch found {
		case 0:
			t.Errorf("%s: span %s lost between agent and backends", sample, k.span)
		case 2:
			t.Errorf("%s: span %s delivered by both gateways", sample, k.span)
		}
	}
	perGateway := [2]int{}
	for tr, at := range traceAt {
		if len(at) > 1 {
			t.Errorf("trace %s split across gateways", tr)
		}
		for i := range at {
			perGateway[i]++
		}
	}
	if perGateway[0] == 0 || perGateway[1] == 0 {
		t.Errorf("traces per gateway = %v: load balancing did not spread traces", perGateway)
	}
	t.Logf("%d traces: %d on gateway-1, %d on gateway-2", len(traceAt), perGateway[0], perGateway[1])
	for k, n := range wantLogs {
		if gotLogs[k] < n {
			t.Errorf("log record %q of span %s: %d of %d arrived", k.event, k.span, gotLogs[k], n)
		}
	}
	// A call's log records meet its span on one gateway: call assembly and
	// the judgement of the call need both on one instance.
	met := 0
	for i, b := range backends {
		for k := range readLogs(t, filepath.Join(b.dir, "data")) {
			at := traceAt[k.trace]
			if len(at) == 0 {
				continue // no span in the samples for this record
			}
			if !at[i] {
				t.Errorf("log record %q of span %s reached gateway-%d, its trace gateway %v", k.event, k.span, i+1, at)
			}
			met++
		}
	}
	if met == 0 {
		t.Error("no log record shares a trace with a span: the check above checked nothing")
	}
	t.Logf("%d log records delivered by their trace's gateway", met)
	// The routing attribute stops at the gateways.
	for _, b := range backends {
		for _, s := range readSpans(t, filepath.Join(b.dir, "data")) {
			if _, ok := s.span.Attributes().Get("periscope.route"); ok {
				t.Fatalf("span %q reached a backend with periscope.route", s.span.Name())
			}
		}
		for _, recs := range readLogs(t, filepath.Join(b.dir, "data")) {
			for _, lr := range recs {
				if _, ok := lr.Attributes().Get("periscope.route"); ok {
					t.Fatal("log record reached a backend with periscope.route")
				}
			}
		}
	}

	// The agent masks PII before it leaves the host.
	// The agent masks PII before it leaves the host.
	for _, b := range backends {
		dir := filepath.Join(b.dir, "data")
		for _, s := range readSpans(t, dir) {
			if k := keyWith(s.span.Attributes(), piiInSamples); k != "" {
				t.Errorf("span %q: %s carries %q: agent redaction missed it", s.span.Name(), k, piiInSamples)
			}
			for _, ev := range s.span.Events().All() {
				if k := keyWith(ev.Attributes(), piiInSamples); k != "" {
					t.Errorf("span %q event %q: %s carries %q: agent redaction missed it", s.span.Name(), ev.Name(), k, piiInSamples)
				}
			}
		}
		for k, recs := range readLogs(t, dir) {
			for _, lr := range recs {
				if strings.Contains(lr.Body().AsString(), piiInSamples) {
					t.Errorf("log record %q: body carries %q: agent redaction missed it", k.event, piiInSamples)
				}
				if a := keyWith(lr.Attributes(), piiInSamples); a != "" {
					t.Errorf("log record %q: %s carries %q: agent redaction missed it", k.event, a, piiInSamples)
				}
			}
		}
	}

	// Stop everything at once: gateways wait for their exporters to drain.
	procs := []struct {
		name string
		c    *collector
	}{
		{"agent", agent}, {"gateway-lb", lb},
		{"gateway-1", gateways[0]}, {"gateway-2", gateways[1]},
		{"backend-1", backends[0]}, {"backend-2", backends[1]},
	}
	stopAt := time.Now()
	for _, p := range procs {
		if err := p.c.cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range procs {
		if err := p.c.stop(t); err != nil {
			t.Errorf("%s exit after SIGTERM: %v (want exit code 0)", p.name, err)
		}
		if strings.Contains(p.c.out.String(), "panic:") {
			t.Errorf("%s output contains a panic", p.name)
		}
	}
	t.Logf("all stopped in %v", time.Since(stopAt).Round(time.Millisecond))
	t.Logf("deployment test done in %v", time.Since(start).Round(time.Millisecond))
}

// keyWith returns the first attribute key whose value contains s.
func keyWith(m pcommon.Map, s string) string {
	for k, v := range m.All() {
		if strings.Contains(v.AsString(), s) {
			return k
		}
	}
	return ""
}

func mkdir(t *testing.T, dir string) string {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestGatewayRestartDuringOutage checks the gateway's durability claim
// (DESIGN.md §7): with the backend down, the gateway acknowledges every
// sample, is restarted while traces are still pending in tail sampling and
// exports are being retried, and once the backend is back every acknowledged
// span and log record arrives.
func TestGatewayRestartDuringOutage(t *testing.T) {
	bin := periscopeBin(t)
	t.Parallel()
	root := testutil.RepoRoot(t)
	samples := loadSamples(t)
	start := time.Now()
	tmp := t.TempDir()
	backendFile := filepath.Join(tmp, "backend.yaml")
	if err := os.WriteFile(backendFile, []byte(backendConfig), 0o600); err != nil {
		t.Fatal(err)
	}
	addr := func(p int) string { return fmt.Sprintf("127.0.0.1:%d", p) }
	bp := testutil.FreePorts(t, 2) // the backend's ports, unused until it starts
	gp := testutil.FreePorts(t, 6)
	gwDir := mkdir(t, filepath.Join(tmp, "gateway"))
	gwEnv := []string{
		"PERISCOPE_OTLP_GRPC_ENDPOINT=" + addr(gp[0]),
		"PERISCOPE_OTLP_HTTP_ENDPOINT=" + addr(gp[1]),
		"PERISCOPE_BACKEND_OTLP_ENDPOINT=" + addr(bp[0]),
		"PERISCOPE_PRW_ENDPOINT=http://" + addr(gp[2]) + "/api/v1/write",
		"PERISCOPE_PROMETHEUS_ENDPOINT=" + addr(gp[3]),
		"PERISCOPE_HEALTH_ENDPOINT=" + addr(gp[4]),
		"PERISCOPE_TELEMETRY_HOST=127.0.0.1",
		fmt.Sprintf("PERISCOPE_TELEMETRY_PORT=%d", gp[5]),
		"PERISCOPE_STORAGE_DIR=" + filepath.Join(gwDir, "storage"),
		"PERISCOPE_SAMPLING_PERCENT=100",
	}
	gw := &collector{health: "http://" + addr(gp[4]) + "/", httpURL: "http://" + addr(gp[1])}
	gw.run(t, "gateway", bin, filepath.Join(root, "config", "gateway.yaml"), gwDir, gwEnv)

	wantSpans := map[spanKey]string{}
	wantLogs := map[logKey]int{}
	nLogs := 0
	for _, s := range samples {
		if s.isLogs {
			post(t, gw.httpURL+"/v1/logs", s.body)
			nLogs += s.logs.LogRecordCount()
			for _, rl := range s.logs.ResourceLogs().All() {
				for _, sl := range rl.ScopeLogs().All() {
					for _, lr := range sl.LogRecords().All() {
						wantLogs[keyOfLog(lr)]++
					}
				}
			}
			continue
		}
		post(t, gw.httpURL+"/v1/traces", s.body)
		for _, rs := range s.traces.ResourceSpans().All() {
			for _, ss := range rs.ScopeSpans().All() {
				for _, sp := range ss.Spans().All() {
					wantSpans[spanKey{sp.TraceID(), sp.SpanID()}] = s.name
				}
			}
		}
	}
	// Let log exports fail and go into retry; traces are still in tail sampling.
	time.Sleep(2 * time.Second)
	if err := gw.stop(t); err != nil {
		t.Fatalf("gateway exit after SIGTERM during the outage: %v (want exit code 0)", err)
	}
	t.Logf("gateway stopped during the outage after %v", time.Since(start).Round(time.Millisecond))

	backend := &collector{health: "http://" + addr(bp[1]) + "/"}
	backend.run(t, "backend", bin, backendFile, mkdir(t, filepath.Join(tmp, "backend")),
		[]string{"BACKEND_GRPC=" + addr(bp[0]), "BACKEND_HEALTH=" + addr(bp[1])})
	gw2 := &collector{health: gw.health}
	gw2.run(t, "gateway (restarted)", bin, filepath.Join(root, "config", "gateway.yaml"), gwDir, gwEnv)

	var gotSpans map[spanKey]outSpan
	var gotLogs map[logKey][]plog.LogRecord
	deadline := time.Now().Add(30 * time.Second)
	for {
		gotSpans = readSpans(t, filepath.Join(backend.dir, "data"))
		gotLogs = readLogs(t, filepath.Join(backend.dir, "data"))
		missing := 0
		for k := range wantSpans {
			if _, ok := gotSpans[k]; !ok {
				missing++
			}
		}
		if (missing == 0 && containsAllLogs(gotLogs, wantLogs)) || time.Now().After(deadline) {
			break
		}
		time.Sleep(250 * time.Millisecond)
	}
	lost := 0
	for k := range wantSpans {
		if _, ok := gotSpans[k]; !ok {
			lost++
		}
	}
	if lost > 0 {
		t.Errorf("%d of %d acknowledged spans lost across the restart", lost, len(wantSpans))
	}
	lostLogs := 0
	for k, n := range wantLogs {
		if d := n - len(gotLogs[k]); d > 0 {
			lostLogs += d
		}
	}
	if lostLogs > 0 {
		t.Errorf("%d of %d acknowledged log records lost across the restart", lostLogs, nLogs)
	}
	t.Logf("after restart: %d/%d spans, %d/%d log records delivered (%v)", len(wantSpans)-lost, len(wantSpans), nLogs-lostLogs, nLogs, time.Since(start).Round(time.Millisecond))

	for _, c := range []*collector{gw2, backend} {
		_ = c.cmd.Process.Signal(syscall.SIGTERM)
	}
	if err := gw2.stop(t); err != nil {
		t.Errorf("restarted gateway exit after SIGTERM: %v (want exit code 0)", err)
	}
	if err := backend.stop(t); err != nil {
		t.Errorf("backend exit after SIGTERM: %v", err)
	}
}
