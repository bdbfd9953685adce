package genaijudgeconnector

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/connector/connectortest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/periscope-otel/periscope/connector/genaijudgeconnector/internal/metadata"
	"github.com/periscope-otel/periscope/internal/contract"
)

// stubJudge is an OpenAI-compatible chat-completions server whose replies
// a test scripts.
type stubJudge struct {
	*httptest.Server
	calls   atomic.Int64
	mu      sync.Mutex
	prompts []string
	reply   func(n int64, w http.ResponseWriter, r *http.Request)
}

func newStubJudge(t *testing.T, reply func(n int64, w http.ResponseWriter, r *http.Request)) *stubJudge {
	s := &stubJudge{reply: reply}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := s.calls.Add(1)
		body, _ := io.ReadAll(r.Body)
		var req chatRequest
		_ = json.Unmarshal(body, &req)
		s.mu.Lock()
		for _, m := range req.Messages {
			if m.Role == "user" {
				s.prompts = append(s.prompts, m.Content)
			}
		}
		s.mu.Unlock()
		s.reply(n, w, r)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *stubJudge) userPrompts() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.prompts...)
}

// chatReply writes a chat completion whose message content is content.
func chatReply(w http.ResponseWriter, content string) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{
		"model":   "judge-model-2024",
		"choices": []any{map[string]any{"message": map[string]any{"role": "assistant", "content": content}}},
		"usage":   map[string]any{"prompt_tokens": 120, "completion_tokens": 30},
	})
}

func verdictReply(content string) func(int64, http.ResponseWriter, *http.Request) {
	return func(_ int64, w http.ResponseWriter, _ *http.Request) { chatReply(w, content) }
}

func testConfig(endpoint string) *Config {
	c := createDefaultConfig()
	c.Endpoint, c.Model = endpoint, "judge-model"
	c.Select.SampleRatio = 0
	c.Budget.MaxCallsPerMinute = 0
	c.RetryBackoff = time.Millisecond
	c.Timeout = 2 * time.Second
	return c
}

type harness struct {
	c      *judgeConnector
	sink   *consumertest.LogsSink
	reader *sdkmetric.ManualReader
}

func newHarness(t *testing.T, cfg *Config) *harness {
	t.Helper()
	require.NoError(t, cfg.Validate())
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	set := connectortest.NewNopSettings(metadata.Type)
	set.TelemetrySettings.MeterProvider = mp
	sink := &consumertest.LogsSink{}
	c, err := newJudgeConnector(set, cfg, sink)
	require.NoError(t, err)
	require.NoError(t, c.Start(context.Background(), nil))
	t.Cleanup(func() { _ = c.Shutdown(context.Background()) })
	return &harness{c: c, sink: sink, reader: reader}
}

// counter sums an internal counter, over points whose attributes include
// all of attrs.
func (h *harness) counter(t *testing.T, name string, attrs ...attribute.KeyValue) int64 {
	t.Helper()
	var rm metricdata.ResourceMetrics
	require.NoError(t, h.reader.Collect(context.Background(), &rm))
	var total int64
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if m.Name != "otelcol_connector_genai_judge_"+name {
				continue
			}
			var points []metricdata.DataPoint[int64]
			switch d := m.Data.(type) {
			case metricdata.Sum[int64]:
				points = d.DataPoints
			case metricdata.Gauge[int64]:
				points = d.DataPoints
			}
		next:
			for _, p := range points {
				for _, a := range attrs {
					if v, ok := p.Attributes.Value(a.Key); !ok || v != a.Value {
						continue next
					}
				}
				total += p.Value
			}
		}
	}
	return total
}

func (h *harness) waitRecords(t *testing.T, n int) []plog.LogRecord {
	t.Helper()
	require.Eventually(t, func() bool { return h.sink.LogRecordCount() >= n }, 5*time.Second, 5*time.Millisecond)
	var out []plog.LogRecord
	for _, ld := range h.sink.AllLogs() {
		rls := ld.ResourceLogs()
		for i := 0; i < rls.Len(); i++ {
			sls := rls.At(i).ScopeLogs()
			for j := 0; j < sls.Len(); j++ {
				for k := 0; k < sls.At(j).LogRecords().Len(); k++ {
					out = append(out, sls.At(j).LogRecords().At(k))
				}
			}
		}
	}
	return out
}

func traceID(n int) pcommon.TraceID {
	var t pcommon.TraceID
	t[0], t[1], t[15] = byte(n>>8), byte(n), 1
	return t
}

func spanID(n int) pcommon.SpanID {
	var s pcommon.SpanID
	s[6], s[7] = byte(n>>8), byte(n)
	s[0] = 0xAB
	return s
}

// addCall appends a semconv chat span with the heuristic results genai_eval
// writes (periscope.eval.<name> scores, periscope.eval.failed).
func addCall(ss ptrace.ScopeSpans, n int, question, answer string, evals map[string]float64, failed ...string) ptrace.Span {
	span := ss.Spans().AppendEmpty()
	span.SetTraceID(traceID(n))
	span.SetSpanID(spanID(n))
	span.SetName("chat gpt-4o")
	span.SetStartTimestamp(pcommon.Timestamp(1e18))
	span.SetEndTimestamp(pcommon.Timestamp(1e18 + 5e8))
	a := span.Attributes()
	a.PutStr("gen_ai.operation.name", "chat")
	a.PutStr("gen_ai.provider.name", "openai")
	a.PutStr("gen_ai.request.model", "gpt-4o")
	in, _ := json.Marshal([]any{map[string]any{"role": "user", "parts": []any{map[string]any{"type": "text", "content": question}}}})
	out, _ := json.Marshal([]any{map[string]any{"role": "assistant", "finish_reason": "stop",
		"parts": []any{map[string]any{"type": "text", "content": answer}}}})
	a.PutStr("gen_ai.input.messages", string(in))
	a.PutStr("gen_ai.output.messages", string(out))
	for k, v := range evals {
		a.PutDouble(contract.AttrEvalPrefix+k, v)
	}
	if len(failed) > 0 {
		s := a.PutEmptySlice(contract.AttrEvalFailed)
		for _, f := range failed {
			s.AppendEmpty().SetStr(f)
		}
	}
	return span
}

func newTraces() (ptrace.Traces, ptrace.ScopeSpans) {
	td := ptrace.NewTraces()
	rs := td.ResourceSpans().AppendEmpty()
	rs.Resource().Attributes().PutStr("service.name", "rag-app")
	return td, rs.ScopeSpans().AppendEmpty()
}

// failingCall is a batch with one call failing the hallucination heuristic.
func failingCall(n int) ptrace.Traces {
	td, ss := newTraces()
	addCall(ss, n, "When was the Eiffel Tower built?", "It was built in 1962 by Napoleon.",
		map[string]float64{"hallucination": 0.9}, "hallucination")
	return td
}

func str(lr plog.LogRecord, k string) string {
	v, ok := lr.Attributes().Get(k)
	if !ok {
		return fmt.Sprintf("<missing %s>", k)
	}
	return v.AsString()
}
