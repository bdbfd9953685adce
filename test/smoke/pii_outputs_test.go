package smoke

import (
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/plog/plogotlp"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"

	"github.com/periscope-otel/periscope/internal/testutil"
)

// piiOutputsOverlay adds to config/agent.yaml the two other places content
// can leave an agent: a genai_dataset exporter writing every call
// (select: all) and a genai_judge sending every call (sample_ratio 1) to an
// LLM judge, both after genai_eval's redaction as an agent would run them;
// plus genai_judge/raw, fed by a pipeline without genai_eval, so the judge's
// own redaction is the only thing between the planted values and the judge.
const piiOutputsOverlay = `
exporters:
  genai_dataset:
    directory: %[1]s
    select: all
connectors:
  genai_judge:
    endpoint: %[2]s/v1
    model: gpt-4o-mini
    price: {input_per_mtok: 0.15, output_per_mtok: 0.6}
    headers: {X-Test-Judge: redacted-pipeline}
    rubrics: [relevance, safety]
    select: {sample_ratio: 1}
    budget: {max_calls_per_minute: 0}
    retries: 0
  genai_judge/raw:
    endpoint: %[2]s/v1
    model: gpt-4o-mini
    price: {input_per_mtok: 0.15, output_per_mtok: 0.6}
    headers: {X-Test-Judge: raw-pipeline}
    rubrics: [relevance, safety]
    select: {sample_ratio: 1}
    budget: {max_calls_per_minute: 0}
    retries: 0
service:
  pipelines:
    traces:
      exporters: [otlp_grpc/gateway, genai_dataset, genai_judge]
    logs:
      exporters: [otlp_grpc/gateway, genai_dataset, genai_judge]
    traces/raw:
      receivers: [otlp]
      processors: [memory_limiter, genai_normalize]
      exporters: [genai_judge/raw]
    logs/judge:
      receivers: [genai_judge, genai_judge/raw]
      exporters: [otlp_grpc/gateway]
`

// stubJudge is an OpenAI-compatible chat-completions endpoint that records
// every request body and passes every call.
type stubJudge struct {
	mu     sync.Mutex
	bodies map[string][]string // X-Test-Judge header -> request bodies
}

func (j *stubJudge) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	j.mu.Lock()
	j.bodies[r.Header.Get("X-Test-Judge")] = append(j.bodies[r.Header.Get("X-Test-Judge")], string(body))
	j.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	_, _ = io.WriteString(w, `{"id":"chatcmpl-1","object":"chat.completion","model":"gpt-4o-mini",`+
		`"choices":[{"index":0,"message":{"role":"assistant","content":"{\"score\":0,\"verdict\":\"pass\",\"reason\":\"fine\"}"},"finish_reason":"stop"}],`+
		`"usage":{"prompt_tokens":100,"completion_tokens":10,"total_tokens":110}}`)
}

func (j *stubJudge) requests(which string) []string {
	j.mu.Lock()
	defer j.mu.Unlock()
	return append([]string(nil), j.bodies[which]...)
}

// TestAgentPIINotInDatasetsOrJudge sends the planted PII of
// TestAgentRedactsPlantedPII through config/agent.yaml with a genai_dataset
// exporter and genai_judge added (piiOutputsOverlay) and checks that no
// planted value appears in plaintext in the dataset files or in any request
// the judge received: neither behind the agent's redaction nor, for the
// judge, with its own redaction alone.
func TestAgentPIINotInDatasetsOrJudge(t *testing.T) {
	bin := periscopeBin(t)
	t.Parallel()
	root := testutil.RepoRoot(t)
	tmp := t.TempDir()
	judge := &stubJudge{bodies: map[string][]string{}}
	srv := httptest.NewServer(judge)
	t.Cleanup(srv.Close)
	datasets := filepath.Join(tmp, "datasets")
	overlay := filepath.Join(tmp, "outputs.yaml")
	if err := os.WriteFile(overlay, []byte(fmt.Sprintf(piiOutputsOverlay, datasets, srv.URL)), 0o600); err != nil {
		t.Fatal(err)
	}
	sink := startSink(t, nil)
	ports := testutil.FreePorts(t, 4)
	addr := func(p int) string { return fmt.Sprintf("127.0.0.1:%d", p) }
	agent := &collector{health: "http://" + addr(ports[2]) + "/", httpURL: "http://" + addr(ports[1])}
	agent.runConfigs(t, "agent", bin, []string{filepath.Join(root, "config", "agent.yaml"), overlay}, tmp, []string{
		"PERISCOPE_OTLP_GRPC_ENDPOINT=" + addr(ports[0]),
		"PERISCOPE_OTLP_HTTP_ENDPOINT=" + addr(ports[1]),
		"PERISCOPE_HEALTH_ENDPOINT=" + addr(ports[2]),
		"PERISCOPE_TELEMETRY_HOST=127.0.0.1",
		fmt.Sprintf("PERISCOPE_TELEMETRY_PORT=%d", ports[3]),
		"PERISCOPE_GATEWAY_ENDPOINT=" + sink.addr,
	})

	ps := &plants{}
	td, ld, ids := piiInput(ps)
	inTraces, _ := ptraceotlp.NewExportRequestFromTraces(td).MarshalProto()
	inLogs, _ := plogotlp.NewExportRequestFromLogs(ld).MarshalProto()
	postProto(t, agent.httpURL+"/v1/traces", inTraces)
	postProto(t, agent.httpURL+"/v1/logs", inLogs)
	if missing := sink.waitSpans(ids, 30*time.Second); missing > 0 {
		t.Errorf("%d of %d spans did not arrive", missing, len(ids))
	}
	// The judges work through their queues; wait until both have had
	// requests and the count has settled, then stop the agent, which
	// drains the queues and closes the dataset files.
	deadline := time.Now().Add(30 * time.Second)
	last := -1
	for time.Now().Before(deadline) {
		n := len(judge.requests("redacted-pipeline")) + len(judge.requests("raw-pipeline"))
		if n == last && len(judge.requests("redacted-pipeline")) > 0 && len(judge.requests("raw-pipeline")) > 0 {
			break
		}
		last = n
		time.Sleep(time.Second)
	}
	if err := agent.stop(t); err != nil {
		t.Errorf("agent exit after SIGTERM: %v", err)
	}

	haystacks := map[string][]string{}
	rows := 0
	err := filepath.WalkDir(datasets, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		var r io.Reader = f
		if strings.HasSuffix(path, ".gz") {
			if r, err = gzip.NewReader(f); err != nil {
				return err
			}
		}
		b, err := io.ReadAll(r)
		if err != nil {
			return err
		}
		haystacks["dataset file"] = append(haystacks["dataset file"], string(b))
		for _, line := range strings.Split(string(b), "\n") {
			var x any
			if json.Unmarshal([]byte(line), &x) == nil {
				rows++
				collectJSON(x, "dataset row (JSON)", haystacks)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, which := range []string{"redacted-pipeline", "raw-pipeline"} {
		reqs := judge.requests(which)
		for _, b := range reqs {
			haystacks["judge request ("+which+")"] = append(haystacks["judge request ("+which+")"], b)
			var x any
			if json.Unmarshal([]byte(b), &x) == nil {
				collectJSON(x, "judge request ("+which+") (JSON)", haystacks)
			}
		}
	}
	t.Logf("%d dataset rows, %d judge requests behind the agent's redaction, %d with the judge's own redaction only",
		rows, len(judge.requests("redacted-pipeline")), len(judge.requests("raw-pipeline")))
	// Not vacuous: rows and requests exist and carry the calls' content.
	if rows == 0 {
		t.Error("no dataset rows written")
	}
	for _, which := range []string{"redacted-pipeline", "raw-pipeline"} {
		if !strings.Contains(strings.Join(judge.requests(which), ""), "Customer") {
			t.Errorf("the judge (%s) received none of the planted content", which)
		}
	}
	if !strings.Contains(strings.Join(haystacks["dataset file"], ""), "[EMAIL]") {
		t.Error("no redacted e-mail in the dataset files: the planted content did not reach them")
	}
	reportLeaks(t, ps, haystacks)
}
