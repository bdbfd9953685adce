package smoke

import (
	"bytes"
	"fmt"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"

	"github.com/periscope-otel/periscope/internal/testutil"
)

// TestAgentRestartDuringOutage sends spans to an agent while its gateway is
// down, restarts the agent (SIGTERM, as a rolling update does), then brings
// the gateway up. With config/overlays/agent-durable.yaml every span
// arrives; with the in-memory queue of config/agent.yaml alone, what the
// agent held is lost (measured and logged, so the contrast stays visible).
func TestAgentRestartDuringOutage(t *testing.T) {
	bin := periscopeBin(t)
	root := testutil.RepoRoot(t)
	for _, tc := range []struct {
		name    string
		configs []string
		durable bool
	}{
		{"durable", []string{filepath.Join(root, "config", "agent.yaml"), filepath.Join(root, "config", "overlays", "agent-durable.yaml")}, true},
		{"in-memory", []string{filepath.Join(root, "config", "agent.yaml")}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ports := testutil.FreePorts(t, 5)
			addr := func(p int) string { return fmt.Sprintf("127.0.0.1:%d", p) }
			gateway := addr(ports[4]) // nothing listens yet: the outage
			storage := t.TempDir()
			env := []string{
				"PERISCOPE_OTLP_GRPC_ENDPOINT=" + addr(ports[0]),
				"PERISCOPE_OTLP_HTTP_ENDPOINT=" + addr(ports[1]),
				"PERISCOPE_HEALTH_ENDPOINT=" + addr(ports[2]),
				"PERISCOPE_TELEMETRY_HOST=127.0.0.1",
				fmt.Sprintf("PERISCOPE_TELEMETRY_PORT=%d", ports[3]),
				"PERISCOPE_GATEWAY_ENDPOINT=" + gateway,
				"PERISCOPE_AGENT_STORAGE_DIR=" + storage,
			}
			start := func() *collector {
				c := &collector{health: "http://" + addr(ports[2]) + "/"}
				c.runConfigs(t, "agent", bin, tc.configs, t.TempDir(), env)
				return c
			}
			agent := start()
			want := map[spanKey]bool{}
			for batch := range 10 {
				body, keys := distinctSpans(t, batch, 50)
				for _, k := range keys {
					want[k] = true
				}
				resp, err := http.Post("http://"+addr(ports[1])+"/v1/traces", "application/x-protobuf", bytes.NewReader(body))
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					t.Fatalf("agent refused batch %d: HTTP %d", batch, resp.StatusCode)
				}
			}
			time.Sleep(2500 * time.Millisecond) // batches flushed, export attempts failing
			if err := agent.stop(t); err != nil {
				t.Fatalf("agent exit: %v", err)
			}
			sink := startSinkOn(t, gateway, nil)
			agent = start()
			defer agent.stop(t)
			timeout := 30 * time.Second
			if !tc.durable {
				timeout = 5 * time.Second
			}
			missing := sink.waitSpans(want, timeout)
			t.Logf("%s agent restarted during the outage: %d of %d spans delivered", tc.name, len(want)-missing, len(want))
			if tc.durable && missing > 0 {
				t.Errorf("durable agent lost %d of %d spans across its restart", missing, len(want))
			}
			if !tc.durable && missing == 0 {
				t.Errorf("the in-memory agent lost nothing: the outage was not simulated")
			}
		})
	}
}

// distinctSpans returns an OTLP protobuf request of n GenAI spans with ids
// unique to this batch.
func distinctSpans(t *testing.T, batch, n int) ([]byte, []spanKey) {
	td := ptrace.NewTraces()
	rs := td.ResourceSpans().AppendEmpty()
	rs.Resource().Attributes().PutStr("service.name", "durable-test")
	ss := rs.ScopeSpans().AppendEmpty()
	keys := make([]spanKey, 0, n)
	now := time.Now()
	for i := range n {
		sp := ss.Spans().AppendEmpty()
		var tid pcommon.TraceID
		var sid pcommon.SpanID
		tid[0], tid[1], tid[15] = byte(batch), byte(i), 1
		sid[0], sid[1], sid[7] = byte(batch), byte(i), 1
		sp.SetTraceID(tid)
		sp.SetSpanID(sid)
		sp.SetName("chat gpt-4o-mini")
		sp.SetKind(ptrace.SpanKindClient)
		sp.SetStartTimestamp(pcommon.NewTimestampFromTime(now))
		sp.SetEndTimestamp(pcommon.NewTimestampFromTime(now.Add(time.Second)))
		a := sp.Attributes()
		a.PutStr("gen_ai.operation.name", "chat")
		a.PutStr("gen_ai.provider.name", "openai")
		a.PutStr("gen_ai.request.model", "gpt-4o-mini")
		a.PutInt("gen_ai.usage.input_tokens", int64(100+i))
		a.PutInt("gen_ai.usage.output_tokens", 20)
		keys = append(keys, spanKey{tid, sid})
	}
	body, err := ptraceotlp.NewExportRequestFromTraces(td).MarshalProto()
	if err != nil {
		t.Fatal(err)
	}
	return body, keys
}
