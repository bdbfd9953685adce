package smoke

import (
	"bufio"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"

	"github.com/periscope-otel/periscope/internal/testutil"
)

// maxCardinality is genai_metrics' default max_cardinality (series per
// metric), which config/default.yaml keeps.
const maxCardinality = 5000

// TestCardinalityAttack sends N model calls through config/default.yaml,
// each with its own model, prompt name, service and user (N = 10,000 here,
// PERISCOPE_CARDINALITY_N to change; the README's figure is from 100,000).
// Checked: the collector stays up, every metric on the Prometheus endpoint
// holds at most max_cardinality series plus the overflow series, the
// overflow series (otel_metric_overflow="true") appears, and its peak RSS
// (VmHWM) stays under 1 GiB.
func TestCardinalityAttack(t *testing.T) {
	bin := periscopeBin(t)
	t.Parallel()
	n := 10000
	if v := os.Getenv("PERISCOPE_CARDINALITY_N"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil {
			t.Fatalf("PERISCOPE_CARDINALITY_N: %v", err)
		}
	}
	c := startCollector(t, bin, filepath.Join(testutil.RepoRoot(t), "config", "default.yaml"))
	pid := c.cmd.Process.Pid
	start := time.Now()
	const perRequest = 500
	for first := 0; first < n; first += perRequest {
		td := ptrace.NewTraces()
		for i := first; i < min(first+perRequest, n); i++ {
			rs := td.ResourceSpans().AppendEmpty()
			rs.Resource().Attributes().PutStr("service.name", fmt.Sprintf("svc-%06d", i))
			sp := rs.ScopeSpans().AppendEmpty().Spans().AppendEmpty()
			var tid pcommon.TraceID
			var sid pcommon.SpanID
			tid[0], tid[1], tid[2], tid[15] = byte(i>>16), byte(i>>8), byte(i), 4
			sid[0], sid[1], sid[2], sid[7] = byte(i>>16), byte(i>>8), byte(i), 4
			sp.SetTraceID(tid)
			sp.SetSpanID(sid)
			model := fmt.Sprintf("attack-model-%06d", i)
			sp.SetName("chat " + model)
			sp.SetKind(ptrace.SpanKindClient)
			now := time.Now()
			sp.SetStartTimestamp(pcommon.NewTimestampFromTime(now))
			sp.SetEndTimestamp(pcommon.NewTimestampFromTime(now.Add(time.Second)))
			a := sp.Attributes()
			a.PutStr("gen_ai.operation.name", "chat")
			a.PutStr("gen_ai.provider.name", "openai")
			a.PutStr("gen_ai.request.model", model)
			a.PutStr("gen_ai.response.model", model)
			a.PutStr("gen_ai.prompt.name", fmt.Sprintf("prompt-%06d", i))
			a.PutStr("user.id", fmt.Sprintf("user-%06d", i))
			a.PutStr("enduser.id", fmt.Sprintf("user-%06d", i))
			a.PutInt("gen_ai.usage.input_tokens", int64(10+i%1000))
			a.PutInt("gen_ai.usage.output_tokens", int64(5+i%100))
			a.PutStr("gen_ai.input.messages", fmt.Sprintf(`[{"role":"user","parts":[{"type":"text","content":"Question %d: what is the capital of country %d?"}]}]`, i, i))
			a.PutStr("gen_ai.output.messages", fmt.Sprintf(`[{"role":"assistant","parts":[{"type":"text","content":"The capital of country %d is city %d."}],"finish_reason":"stop"}]`, i, i))
		}
		body, err := ptraceotlp.NewExportRequestFromTraces(td).MarshalProto()
		if err != nil {
			t.Fatal(err)
		}
		postProto(t, c.httpURL+"/v1/traces", body)
	}
	sent := time.Since(start)

	// genai_metrics flushes every 15 s: wait for a scrape that shows the
	// overflow series.
	var (
		series   map[string]int
		overflow bool
		err      error
	)
	deadline := time.Now().Add(90 * time.Second)
	for !overflow && time.Now().Before(deadline) {
		time.Sleep(2 * time.Second)
		series, overflow, err = promSeries(c.prom)
	}
	if err != nil {
		t.Errorf("last scrape: %v", err)
	}
	hwm := procStatus(pid, "VmHWM")
	rss := procStatus(pid, "VmRSS")
	select {
	case <-c.exited:
		t.Fatalf("collector exited: %v", c.err)
	default:
	}
	largest, largestName := 0, ""
	for name, k := range series {
		if k > largest {
			largest, largestName = k, name
		}
		// Drift and quality-regression gauges are bounded by the drift
		// state's max_series (10,000) per evaluator, not by max_cardinality
		// (connector README, "State").
		if strings.HasPrefix(name, "periscope_drift_") || strings.HasPrefix(name, "periscope_quality_regression") {
			if k > 4*10000 {
				t.Errorf("%s: %d series", name, k)
			}
			continue
		}
		if k > maxCardinality+1 {
			t.Errorf("%s: %d series, above max_cardinality %d + 1 overflow series", name, k, maxCardinality)
		}
	}
	t.Logf("%d distinct models, prompt names, services and users sent in %v; peak RSS %d MiB, RSS now %d MiB; largest metric %s with %d series; overflow series present: %v",
		n, sent.Round(time.Second), hwm/1024, rss/1024, largestName, largest, overflow)
	if !overflow {
		t.Error(`no otel_metric_overflow="true" series on the Prometheus endpoint`)
	}
	if hwm/1024 >= 1024 {
		t.Errorf("peak RSS %d MiB >= 1 GiB", hwm/1024)
	}
	if err := c.stop(t); err != nil {
		t.Errorf("exit after SIGTERM: %v", err)
	}
}

// promSeries counts the series per metric family on a Prometheus text
// endpoint (histogram buckets, sums and counts as one series) and reports
// whether an overflow series is there.
func promSeries(url string) (map[string]int, bool, error) {
	resp, err := http.Get(url)
	if err != nil {
		return nil, false, err
	}
	defer resp.Body.Close()
	out := map[string]int{}
	overflow := false
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		name, labels, _ := strings.Cut(line, "{")
		if strings.HasSuffix(name, "_count") || strings.HasSuffix(name, "_sum") || strings.HasSuffix(name, "_created") {
			continue
		}
		if strings.HasSuffix(name, "_bucket") {
			if !strings.Contains(labels, `le="+Inf"`) {
				continue
			}
			name = strings.TrimSuffix(name, "_bucket")
		}
		out[name]++
		if strings.Contains(labels, `otel_metric_overflow="true"`) {
			overflow = true
		}
	}
	return out, overflow, sc.Err()
}
