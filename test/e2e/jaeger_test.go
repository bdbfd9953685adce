//go:build e2e

package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// jaegerConfig is a Jaeger v2 configuration: OTLP in on loopback, in-memory
// storage, query API on loopback, its own telemetry on loopback too (the
// default :8888 would collide with Periscope's) and no self-tracing (it
// would dial localhost:4317).
func writeJaegerConfig(t *testing.T, art string, otlpGRPC, query, queryGRPC, health, telemetry int) string {
	t.Helper()
	cfg := fmt.Sprintf(`service:
  extensions: [jaeger_storage, jaeger_query, healthcheckv2]
  pipelines:
    traces:
      receivers: [otlp]
      processors: [batch]
      exporters: [jaeger_storage_exporter]
  telemetry:
    resource:
      service.name: jaeger
    metrics:
      level: basic
      readers:
        - pull:
            exporter:
              prometheus:
                host: 127.0.0.1
                port: %[5]d
    logs:
      level: info
    traces:
      level: none

extensions:
  healthcheckv2:
    use_v2: true
    http:
      endpoint: 127.0.0.1:%[4]d
  jaeger_query:
    storage:
      traces: memstore
    http:
      endpoint: 127.0.0.1:%[2]d
    grpc:
      endpoint: 127.0.0.1:%[3]d
  jaeger_storage:
    backends:
      memstore:
        memory:
          max_traces: 100000

receivers:
  otlp:
    protocols:
      grpc:
        endpoint: 127.0.0.1:%[1]d

processors:
  batch:
    timeout: 100ms

exporters:
  jaeger_storage_exporter:
    trace_storage: memstore
`, otlpGRPC, query, queryGRPC, health, telemetry)
	p := filepath.Join(art, "jaeger.yaml")
	if err := os.WriteFile(p, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

type jaegerTag struct {
	Key   string `json:"key"`
	Type  string `json:"type"`
	Value any    `json:"value"`
}

type jaegerSpan struct {
	TraceID       string      `json:"traceID"`
	SpanID        string      `json:"spanID"`
	OperationName string      `json:"operationName"`
	ProcessID     string      `json:"processID"`
	Tags          []jaegerTag `json:"tags"`
	Logs          []struct {
		Timestamp int64       `json:"timestamp"`
		Fields    []jaegerTag `json:"fields"`
	} `json:"logs"`
}

type jaegerTrace struct {
	TraceID   string                                  `json:"traceID"`
	Spans     []jaegerSpan                            `json:"spans"`
	Processes map[string]struct{ ServiceName string } `json:"processes"`
}

func (s jaegerSpan) tag(key string) (any, bool) {
	for _, tg := range s.Tags {
		if tg.Key == key {
			return tg.Value, true
		}
	}
	return nil, false
}

func (s jaegerSpan) str(key string) string {
	v, ok := s.tag(key)
	if !ok {
		return ""
	}
	return fmt.Sprint(v)
}

func (s jaegerSpan) float(key string) (float64, bool) {
	v, ok := s.tag(key)
	if !ok {
		return 0, false
	}
	switch x := v.(type) {
	case float64:
		return x, true
	case json.Number:
		f, err := x.Float64()
		return f, err == nil
	}
	return 0, false
}

// strings reads a string-array attribute, which Jaeger stores as its JSON text.
func (s jaegerSpan) strings(key string) []string {
	v, ok := s.tag(key)
	if !ok {
		return nil
	}
	str := fmt.Sprint(v)
	var out []string
	if json.Unmarshal([]byte(str), &out) == nil {
		return out
	}
	return []string{str}
}

// events returns the span's events of one name as field maps.
func (s jaegerSpan) events(name string) []map[string]any {
	var out []map[string]any
	for _, l := range s.Logs {
		m := map[string]any{}
		for _, f := range l.Fields {
			m[f.Key] = f.Value
		}
		if m["event"] == name {
			out = append(out, m)
		}
	}
	return out
}

type jaegerClient struct {
	base string
	http *http.Client
}

func (j jaegerClient) traces(service string) ([]jaegerTrace, error) {
	q := url.Values{"service": {service}, "limit": {"1000"}, "lookback": {"1h"}}
	resp, err := j.http.Get(j.base + "/api/traces?" + q.Encode())
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("jaeger /api/traces?service=%s: %s", service, resp.Status)
	}
	var body struct {
		Data   []jaegerTrace `json:"data"`
		Errors []any         `json:"errors"`
	}
	dec := json.NewDecoder(resp.Body)
	dec.UseNumber()
	if err := dec.Decode(&body); err != nil {
		return nil, err
	}
	if len(body.Errors) > 0 {
		return nil, fmt.Errorf("jaeger errors: %v", body.Errors)
	}
	for _, tr := range body.Data {
		for i := range tr.Spans {
			for k, tg := range tr.Spans[i].Tags {
				tr.Spans[i].Tags[k].Value = normNumber(tg.Type, tg.Value)
			}
			for li := range tr.Spans[i].Logs {
				for k, f := range tr.Spans[i].Logs[li].Fields {
					tr.Spans[i].Logs[li].Fields[k].Value = normNumber(f.Type, f.Value)
				}
			}
		}
	}
	return body.Data, nil
}

// normNumber turns Jaeger's JSON numbers into float64 or int64 by the tag's
// declared type (a double 0 is written as `0`).
func normNumber(typ string, v any) any {
	n, ok := v.(json.Number)
	if !ok {
		return v
	}
	if typ == "int64" {
		if i, err := n.Int64(); err == nil {
			return i
		}
	}
	f, _ := n.Float64()
	return f
}

// scenarioTraces maps scenario id -> trace for one service and round, waiting
// until all want scenarios are present (each has its root span and, where the
// family emits one, a child) or the timeout passes.
func (j jaegerClient) scenarioTraces(service string, round int, want []string, minSpans map[string]int, timeout time.Duration) (map[string]jaegerTrace, error) {
	var got map[string]jaegerTrace
	err := eventually(timeout, 500*time.Millisecond, func() error {
		trs, err := j.traces(service)
		if err != nil {
			return err
		}
		got = map[string]jaegerTrace{}
		for _, tr := range trs {
			for _, sp := range tr.Spans {
				if id := sp.str("e2e.scenario"); id != "" && sp.str("e2e.round") == fmt.Sprint(round) {
					got[id] = tr
				}
			}
		}
		var missing []string
		for _, id := range want {
			tr, ok := got[id]
			if !ok || len(tr.Spans) < minSpans[id] {
				missing = append(missing, id)
			}
		}
		if len(missing) > 0 {
			return fmt.Errorf("%s round %d: traces missing or incomplete in Jaeger: %v", service, round, missing)
		}
		return nil
	})
	return got, err
}

// traceExists reports whether Jaeger holds a trace with this id.
func (j jaegerClient) traceExists(traceID string) (bool, error) {
	resp, err := j.http.Get(j.base + "/api/traces/" + url.PathEscape(traceID))
	if err != nil {
		return false, err
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNotFound {
		return false, nil
	}
	if resp.StatusCode != http.StatusOK {
		return false, fmt.Errorf("jaeger /api/traces/%s: %s", traceID, resp.Status)
	}
	var body struct {
		Data []jaegerTrace `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		return false, err
	}
	return len(body.Data) > 0 && len(body.Data[0].Spans) > 0, nil
}
