//go:build e2e

package e2e

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

type periscopePorts struct {
	otlpHTTP, prom, telemetry, health, jaegerOTLP int
	judgeURL                                      string // the stub LLM judge (judge_test.go)
}

// writePeriscopeConfig writes the configuration under test: every Periscope
// processor in the documented order, traces to Jaeger, metrics from
// genai_metrics to the Prometheus exporter, and a copy of what leaves the
// pipelines in files so assertions can compare Jaeger against the source.
// Drift and regression windows are shortened so three rounds of traffic a few
// seconds apart build a baseline and a current window.
func writePeriscopeConfig(t *testing.T, art string, p periscopePorts) string {
	t.Helper()
	cfg := fmt.Sprintf(`receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:%[1]d

processors:
  memory_limiter:
    check_interval: 1s
    limit_mib: 1024
    spike_limit_mib: 256
  genai_normalize: {}
  genai_cost: {}
  genai_prompt: {}
  genai_eval: {}
  genai_rollup: {}
  batch:
    timeout: 200ms
    send_batch_size: 256
    send_batch_max_size: 512

connectors:
  genai_metrics:
    flush_interval: 1s
    drift:
      window: 3s
      min_count: 10
      max_window_span: 1m
      baseline_min_count: 20
      baseline_min_span: 0s
      series_ttl: 1h
      key_dimensions: [service.name]
    regression:
      min_count: 10
      raise_after: 1
      clear_after: 1
%[9]s
exporters:
  otlp_grpc/jaeger:
    endpoint: 127.0.0.1:%[5]d
    tls:
      insecure: true
  file/traces:
    path: %[6]s
  file/logs:
    path: %[7]s
  genai_dataset:
    directory: %[8]s
  prometheus:
    endpoint: 127.0.0.1:%[2]d
    enable_open_metrics: true
    # The dashboard and alert rules filter and group by service_name.
    resource_constant_labels:
      included: [service.name]

extensions:
  health_check:
    endpoint: 127.0.0.1:%[4]d

service:
  extensions: [health_check]
  telemetry:
    logs:
      level: info
    metrics:
      level: detailed
      readers:
        - pull:
            exporter:
              prometheus:
                host: 127.0.0.1
                port: %[3]d
  pipelines:
    traces:
      receivers: [otlp]
      processors: [memory_limiter, genai_normalize, genai_cost, genai_prompt, genai_eval, genai_rollup, batch]
      exporters: [otlp_grpc/jaeger, file/traces, genai_dataset, genai_metrics, genai_judge]
    logs:
      receivers: [otlp]
      processors: [memory_limiter, genai_normalize, genai_cost, genai_prompt, genai_eval, batch]
      exporters: [file/logs, genai_dataset, genai_metrics, genai_judge]
    logs/judge:
      receivers: [genai_judge]
      processors: [batch]
      exporters: [file/logs, genai_metrics]
    metrics:
      receivers: [genai_metrics]
      exporters: [prometheus]
`, p.otlpHTTP, p.prom, p.telemetry, p.health, p.jaegerOTLP,
		filepath.Join(art, "periscope-traces.jsonl"), filepath.Join(art, "periscope-logs.jsonl"), filepath.Join(art, "dataset"),
		judgeConnectorYAML(p.judgeURL))
	path := filepath.Join(art, "periscope.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// readTraceFile reads the file exporter's JSON lines.
func readTraceFile(path string) ([]ptrace.Traces, error) {
	var out []ptrace.Traces
	err := readLines(path, func(line []byte) error {
		td, err := (&ptrace.JSONUnmarshaler{}).UnmarshalTraces(line)
		if err == nil {
			out = append(out, td)
		}
		return err
	})
	return out, err
}

func readLogFile(path string) ([]plog.Logs, error) {
	var out []plog.Logs
	err := readLines(path, func(line []byte) error {
		ld, err := (&plog.JSONUnmarshaler{}).UnmarshalLogs(line)
		if err == nil {
			out = append(out, ld)
		}
		return err
	})
	return out, err
}

func readLines(path string, f func([]byte) error) error {
	fh, err := os.Open(path)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		return err
	}
	defer fh.Close()
	sc := bufio.NewScanner(fh)
	sc.Buffer(make([]byte, 0, 1<<20), 64<<20)
	for sc.Scan() {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		if err := f(line); err != nil {
			return err
		}
	}
	return sc.Err()
}

// exportedSpans indexes the spans Periscope exported by span id.
func exportedSpans(tds []ptrace.Traces) map[string]ptrace.Span {
	out := map[string]ptrace.Span{}
	for _, td := range tds {
		for i := 0; i < td.ResourceSpans().Len(); i++ {
			rs := td.ResourceSpans().At(i)
			for j := 0; j < rs.ScopeSpans().Len(); j++ {
				ss := rs.ScopeSpans().At(j)
				for k := 0; k < ss.Spans().Len(); k++ {
					sp := ss.Spans().At(k)
					out[sp.SpanID().String()] = sp
				}
			}
		}
	}
	return out
}

// exportedLogs groups the log records Periscope exported by trace id.
func exportedLogs(lds []plog.Logs) map[string][]plog.LogRecord {
	out := map[string][]plog.LogRecord{}
	for _, ld := range lds {
		for i := 0; i < ld.ResourceLogs().Len(); i++ {
			rl := ld.ResourceLogs().At(i)
			for j := 0; j < rl.ScopeLogs().Len(); j++ {
				sl := rl.ScopeLogs().At(j)
				for k := 0; k < sl.LogRecords().Len(); k++ {
					lr := sl.LogRecords().At(k)
					out[lr.TraceID().String()] = append(out[lr.TraceID().String()], lr)
				}
			}
		}
	}
	return out
}
