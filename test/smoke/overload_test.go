package smoke

import (
	"bufio"
	"bytes"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"

	"github.com/periscope-otel/periscope/internal/testutil"
)

// overloadMemoryMiB is the memory the overload test gives the agent, as a
// container memory limit would. config/agent.yaml's memory_limiter takes
// percentages of that limit (75%, spike 20%); the test merges the same
// figures in MiB (the machine has no cgroup limit to take them from), and
// sets GOMEMLIMIT to 80% of it as the official chart does. memory_limiter
// bounds the Go heap; RSS adds the binary's resident pages and the runtime,
// so the promise is RSS under the container limit: no OOM kill.
const overloadMemoryMiB = 400

const overloadOverlay = `
processors:
  memory_limiter:
    check_interval: 100ms
    limit_percentage: 0
    spike_limit_percentage: 0
    limit_mib: %d
    spike_limit_mib: %d
# Not under test, and the machine's two cores are shared: save the CPU.
exporters:
  otlp_grpc/gateway:
    compression: none
`

// bigSpans is a request of n distinct GenAI spans with a kb KB attribute
// each (a request payload the application records; not message content, so
// the agent's CPU goes to moving bytes, and memory fills fast).
func bigSpans(t *testing.T, batch, n, kb int) ([]byte, []spanKey) {
	t.Helper()
	td := ptrace.NewTraces()
	rs := td.ResourceSpans().AppendEmpty()
	rs.Resource().Attributes().PutStr("service.name", "overload-test")
	ss := rs.ScopeSpans().AppendEmpty()
	keys := make([]spanKey, 0, n)
	now := time.Now()
	line := "Summarize the attached contract clause by clause and list every obligation. "
	pad := strings.Repeat(line, kb*1024/len(line))
	for i := range n {
		sp := ss.Spans().AppendEmpty()
		var tid pcommon.TraceID
		var sid pcommon.SpanID
		tid[0], tid[1], tid[2], tid[15] = byte(batch>>8), byte(batch), byte(i), 3
		sid[0], sid[1], sid[2], sid[7] = byte(batch>>8), byte(batch), byte(i), 3
		sp.SetTraceID(tid)
		sp.SetSpanID(sid)
		sp.SetName("chat gpt-4o")
		sp.SetKind(ptrace.SpanKindClient)
		sp.SetStartTimestamp(pcommon.NewTimestampFromTime(now))
		sp.SetEndTimestamp(pcommon.NewTimestampFromTime(now.Add(time.Second)))
		a := sp.Attributes()
		a.PutStr("gen_ai.operation.name", "chat")
		a.PutStr("gen_ai.provider.name", "openai")
		a.PutStr("gen_ai.request.model", "gpt-4o")
		a.PutInt("gen_ai.usage.input_tokens", int64(1000+i))
		a.PutInt("gen_ai.usage.output_tokens", 200)
		a.PutStr("gen_ai.input.messages", fmt.Sprintf(`[{"role":"user","parts":[{"type":"text","content":"request %d.%d"}]}]`, batch, i))
		a.PutStr("app.request.payload", pad)
		keys = append(keys, spanKey{tid, sid})
	}
	body, err := ptraceotlp.NewExportRequestFromTraces(td).MarshalProto()
	if err != nil {
		t.Fatal(err)
	}
	return body, keys
}

// procStatus returns a /proc/<pid>/status field in KiB (VmRSS, VmHWM).
func procStatus(pid int, field string) int64 {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return -1
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), field+":"); ok {
			n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return n
		}
	}
	return -1
}

// TestAgentOverload drives config/agent.yaml (given 400 MiB of memory, see
// overloadMemoryMiB) with four applications sending 50 KB spans as fast as
// it accepts them while its back end is stalled, so the offered load is many
// times what it can deliver, until it has pushed back 20 times. Then the
// back end recovers and the load drops to one application. Checked: the
// agent refuses with retryable errors (HTTP 503/429, which the applications
// retry with backoff) rather than growing; memory_limiter is what refuses;
// its peak RSS (VmHWM in /proc) stays under its memory; it never exits;
// every span it acknowledged reaches the back end (distinct ids); after the
// overload it accepts again.
func TestAgentOverload(t *testing.T) {
	bin := periscopeBin(t)
	t.Parallel()
	root := testutil.RepoRoot(t)
	tmp := t.TempDir()
	overlay := filepath.Join(tmp, "memory.yaml")
	if err := os.WriteFile(overlay, []byte(fmt.Sprintf(overloadOverlay, overloadMemoryMiB*75/100, overloadMemoryMiB*20/100)), 0o600); err != nil {
		t.Fatal(err)
	}
	sink := startSink(t, nil)
	sink.delay.Store(int64(time.Hour)) // stalled until the recovery
	ports := testutil.FreePorts(t, 4)
	addr := func(p int) string { return fmt.Sprintf("127.0.0.1:%d", p) }
	agent := &collector{health: "http://" + addr(ports[2]) + "/"}
	agent.runConfigs(t, "agent", bin, []string{filepath.Join(root, "config", "agent.yaml"), overlay}, tmp, []string{
		"PERISCOPE_OTLP_GRPC_ENDPOINT=" + addr(ports[0]),
		"PERISCOPE_OTLP_HTTP_ENDPOINT=" + addr(ports[1]),
		"PERISCOPE_HEALTH_ENDPOINT=" + addr(ports[2]),
		"PERISCOPE_TELEMETRY_HOST=127.0.0.1",
		fmt.Sprintf("PERISCOPE_TELEMETRY_PORT=%d", ports[3]),
		"PERISCOPE_GATEWAY_ENDPOINT=" + sink.addr,
		// As deployments set it (the official chart: 80% of the limit).
		fmt.Sprintf("GOMEMLIMIT=%dMiB", overloadMemoryMiB*8/10),
	})
	pid := agent.cmd.Process.Pid
	url := "http://" + addr(ports[1]) + "/v1/traces"

	const senders, perBatch, kb, pushBacks = 4, 100, 50, 20
	var (
		mu       sync.Mutex
		acked    = map[spanKey]bool{}
		refused  = map[int]int{} // HTTP status (0: no answer) -> attempts
		attempts int
		peakRSS  int64
	)
	refusals := func() int {
		mu.Lock()
		defer mu.Unlock()
		n := 0
		for _, k := range refused {
			n += k
		}
		return n
	}
	// send retries one batch until it is acknowledged or stop is closed
	// (an abandoned batch was never acknowledged: it counts for nothing).
	send := func(batch int, stop <-chan struct{}) {
		body, keys := bigSpans(t, batch, perBatch, kb)
		client := &http.Client{Timeout: 10 * time.Second}
		// Exponential backoff between attempts, as the OTLP SDKs do.
		backoff := 250 * time.Millisecond
		for {
			status := 0
			resp, err := client.Post(url, "application/x-protobuf", bytes.NewReader(body))
			mu.Lock()
			attempts++
			mu.Unlock()
			if err == nil {
				resp.Body.Close()
				status = resp.StatusCode
				if status == http.StatusOK {
					break
				}
			}
			mu.Lock()
			refused[status]++
			mu.Unlock()
			select {
			case <-stop:
				return
			case <-time.After(backoff):
			}
			backoff = min(2*backoff, 2*time.Second)
		}
		mu.Lock()
		for _, k := range keys {
			acked[k] = true
		}
		mu.Unlock()
	}
	stopWatch := make(chan struct{})
	watchDone := make(chan struct{})
	go func() {
		defer close(watchDone)
		for {
			if rss := procStatus(pid, "VmHWM"); rss > 0 {
				mu.Lock()
				peakRSS = max(peakRSS, rss)
				mu.Unlock()
			}
			select {
			case <-stopWatch:
				return
			case <-time.After(200 * time.Millisecond):
			}
		}
	}()

	stop := make(chan struct{})
	var wg sync.WaitGroup
	for s := range senders {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				send(s*1000+i, stop)
			}
		})
	}
	deadline := time.Now().Add(4 * time.Minute)
	for refusals() < pushBacks {
		if time.Now().After(deadline) {
			close(stop)
			wg.Wait()
			t.Fatalf("no push-back after 4 minutes: %d spans acknowledged, peak RSS %d MiB", len(acked), peakRSS/1024)
		}
		time.Sleep(200 * time.Millisecond)
	}
	close(stop)
	wg.Wait()
	mu.Lock()
	overload := fmt.Sprintf("%d spans (%d MB) acknowledged while the back end was stalled, %d attempts, %d refused (HTTP status: count %v)",
		len(acked), len(acked)*kb/1024, attempts, attempts-len(acked)/perBatch, refused)
	mu.Unlock()

	// Recovery: the back end is back and one application sends; it is served.
	sink.delay.Store(0)
	for i := range 5 {
		send(9000+i, nil)
	}
	missing := sink.waitSpans(acked, 120*time.Second)
	close(stopWatch)
	<-watchDone

	select {
	case <-agent.exited:
		t.Fatalf("agent exited under overload: %v", agent.err)
	default:
	}
	peakRSS = max(peakRSS, procStatus(pid, "VmHWM"))
	t.Logf("overload: %s; agent peak RSS %d MiB (memory %d MiB, memory_limiter %d MiB, GOMEMLIMIT %d MiB); after recovery %d of %d acknowledged spans delivered",
		overload, peakRSS/1024, overloadMemoryMiB, overloadMemoryMiB*75/100, overloadMemoryMiB*8/10, len(acked)-missing, len(acked))
	for status := range refused {
		if status != http.StatusServiceUnavailable && status != http.StatusTooManyRequests {
			t.Errorf("refusals with HTTP %d: want only retryable 503/429", status)
		}
	}
	if !strings.Contains(agent.out.String(), "Memory usage is above") {
		t.Errorf("memory_limiter never refused (no \"Memory usage is above ...\" in the agent's log)")
	}
	if peakRSS/1024 >= overloadMemoryMiB {
		t.Errorf("peak RSS %d MiB >= the agent's memory, %d MiB: a container would have been OOM-killed", peakRSS/1024, overloadMemoryMiB)
	}
	if missing > 0 {
		t.Errorf("%d of %d acknowledged spans never reached the back end", missing, len(acked))
	}
	if err := agent.stop(t); err != nil {
		t.Errorf("agent exit after SIGTERM: %v", err)
	}
}
