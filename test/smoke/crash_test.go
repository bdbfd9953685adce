package smoke

import (
	"bytes"
	"fmt"
	"net/http"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/periscope-otel/periscope/internal/testutil"
)

// TestGatewayCrashDuringOutage kills config/gateway.yaml with SIGKILL while
// an application sends to it and its back end is down, restarts it on the
// same file_storage directory and brings the back end up. What the gateway
// had acknowledged and already written to its persistent sending queue
// survives the crash; what was still in memory ahead of the queue (traces
// waiting in tail_sampling's decision_wait of 10 s, the open batch) is lost.
// The test checks the first part and that the restarted gateway delivers
// everything acknowledged after the crash; it logs how much was lost and how
// old the lost spans were at the kill (README: Reliability).
func TestGatewayCrashDuringOutage(t *testing.T) {
	bin := periscopeBin(t)
	t.Parallel()
	root := testutil.RepoRoot(t)
	tmp := t.TempDir()
	addr := func(p int) string { return fmt.Sprintf("127.0.0.1:%d", p) }
	gp := testutil.FreePorts(t, 7)
	backend := addr(gp[6]) // down until after the crash
	env := []string{
		"PERISCOPE_OTLP_GRPC_ENDPOINT=" + addr(gp[0]),
		"PERISCOPE_OTLP_HTTP_ENDPOINT=" + addr(gp[1]),
		"PERISCOPE_BACKEND_OTLP_ENDPOINT=" + backend,
		"PERISCOPE_PRW_ENDPOINT=http://" + addr(gp[2]) + "/api/v1/write",
		"PERISCOPE_PROMETHEUS_ENDPOINT=" + addr(gp[3]),
		"PERISCOPE_HEALTH_ENDPOINT=" + addr(gp[4]),
		"PERISCOPE_TELEMETRY_HOST=127.0.0.1",
		fmt.Sprintf("PERISCOPE_TELEMETRY_PORT=%d", gp[5]),
		"PERISCOPE_STORAGE_DIR=" + filepath.Join(tmp, "storage"),
		"PERISCOPE_SAMPLING_PERCENT=100",
	}
	start := func(name string) *collector {
		c := &collector{health: "http://" + addr(gp[4]) + "/"}
		c.run(t, name, bin, filepath.Join(root, "config", "gateway.yaml"), tmp, env)
		return c
	}
	gw := start("gateway")

	// One application, 100 spans per request, each request retried until
	// acknowledged; ackedAt records when.
	var (
		mu      sync.Mutex
		ackedAt = map[spanKey]time.Time{}
		batches int
	)
	stop := make(chan struct{})
	senderDone := make(chan struct{})
	url := "http://" + addr(gp[1]) + "/v1/traces"
	go func() {
		defer close(senderDone)
		client := &http.Client{Timeout: 5 * time.Second}
		for b := 0; ; b++ {
			body, keys := paddedSpans(t, 1000+b, 100)
			for {
				select {
				case <-stop:
					return
				default:
				}
				resp, err := client.Post(url, "application/x-protobuf", bytes.NewReader(body))
				if err == nil {
					resp.Body.Close()
					if resp.StatusCode == http.StatusOK {
						break
					}
				}
				time.Sleep(200 * time.Millisecond)
			}
			now := time.Now()
			mu.Lock()
			for _, k := range keys {
				ackedAt[k] = now
			}
			batches++
			mu.Unlock()
			time.Sleep(50 * time.Millisecond)
		}
	}()
	snapshot := func() map[spanKey]time.Time {
		mu.Lock()
		defer mu.Unlock()
		out := make(map[spanKey]time.Time, len(ackedAt))
		for k, v := range ackedAt {
			out[k] = v
		}
		return out
	}

	// Long enough for the first traces to pass tail sampling's decision_wait
	// (10 s) into the persistent queue, with newer ones still waiting.
	time.Sleep(15 * time.Second)
	killedAt := time.Now()
	if err := gw.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-gw.exited
	beforeKill := snapshot()

	gw = start("gateway (after SIGKILL)")
	sink := startSinkOn(t, backend, nil)
	time.Sleep(3 * time.Second) // the application goes on sending
	close(stop)
	<-senderDone
	all := snapshot()
	after := map[spanKey]bool{}
	for k := range all {
		if _, ok := beforeKill[k]; !ok {
			after[k] = true
		}
	}
	if missing := sink.waitSpans(after, 60*time.Second); missing > 0 {
		t.Errorf("%d of %d spans acknowledged after the restart never arrived", missing, len(after))
	}
	// Whatever was in the queue has been sent by now (the queue drains
	// before the newer spans, which come out of tail sampling later).
	got := sink.spanIDs()
	lost, oldest := 0, time.Duration(0)
	for k, at := range beforeKill {
		if !got[k] {
			lost++
			oldest = max(oldest, killedAt.Sub(at))
		}
	}
	t.Logf("SIGKILL under load during a back-end outage: %d of %d spans acknowledged before the kill survived, %d lost (acknowledged at most %v before the kill); %d of %d acknowledged after the restart delivered",
		len(beforeKill)-lost, len(beforeKill), lost, oldest.Round(100*time.Millisecond), len(after), len(after))
	if lost == len(beforeKill) {
		t.Errorf("nothing acknowledged before the SIGKILL survived: the persistent queue did not")
	}
	if err := gw.stop(t); err != nil {
		t.Errorf("gateway exit after SIGTERM: %v", err)
	}
}
