//go:build e2e

package e2e

import (
	"bufio"
	"encoding/json"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/periscope-otel/periscope/internal/contract"
)

// checkRollups: every span genai_rollup wrote totals on carries exactly the
// cost and model calls of the priced spans beneath it, and the traces of
// the real clients got rollups at all.
func checkRollups(t *testing.T, tds []ptrace.Traces) {
	type node struct {
		parent string
		cost   float64
		priced bool
		attrs  pcommon.Map
	}
	spans := map[string]*node{} // trace id + span id
	for _, td := range tds {
		for i := 0; i < td.ResourceSpans().Len(); i++ {
			ss := td.ResourceSpans().At(i).ScopeSpans()
			for j := 0; j < ss.Len(); j++ {
				for k := 0; k < ss.At(j).Spans().Len(); k++ {
					sp := ss.At(j).Spans().At(k)
					tid := sp.TraceID().String()
					n := &node{attrs: sp.Attributes()}
					if !sp.ParentSpanID().IsEmpty() {
						n.parent = tid + sp.ParentSpanID().String()
					}
					if v, ok := sp.Attributes().Get(contract.AttrCost); ok {
						n.cost, n.priced = v.Double(), true
					}
					spans[tid+sp.SpanID().String()] = n
				}
			}
		}
	}
	// sum of the priced spans beneath each span
	sum := map[string]float64{}
	calls := map[string]int64{}
	for _, n := range spans {
		if !n.priced {
			continue
		}
		for p, hops := n.parent, 0; p != "" && hops < 64; hops++ {
			sum[p] += n.cost
			calls[p]++
			pn, ok := spans[p]
			if !ok {
				break
			}
			p = pn.parent
		}
	}
	rolled := 0
	for id, n := range spans {
		mc, ok := n.attrs.Get(contract.AttrRollupModelCalls)
		if !ok {
			continue
		}
		rolled++
		unpriced := int64(0)
		if v, ok := n.attrs.Get(contract.AttrRollupUnpricedCalls); ok {
			unpriced = v.Int()
		}
		if mc.Int() != calls[id]+unpriced {
			t.Errorf("span %s: %s = %d, %d priced + %d unpriced calls beneath it", id, contract.AttrRollupModelCalls, mc.Int(), calls[id], unpriced)
		}
		if c, ok := n.attrs.Get(contract.AttrRollupCost); ok && math.Abs(c.Double()-sum[id]) > 1e-9 {
			t.Errorf("span %s: %s = %g, children cost %g", id, contract.AttrRollupCost, c.Double(), sum[id])
		}
	}
	if rolled == 0 {
		t.Errorf("no span carries %s", contract.AttrRollupModelCalls)
	}
	t.Logf("%d spans carry rollups", rolled)
}

// checkDataset: genai_dataset wrote only flagged calls, each once, with
// their content and evaluations, for every instrumentation family.
func checkDataset(t *testing.T, dir string, families []string) {
	files, _ := filepath.Glob(filepath.Join(dir, "*.jsonl"))
	if len(files) == 0 {
		t.Fatalf("no dataset file in %s", dir)
	}
	seen := map[string]bool{}
	perService := map[string]int{}
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(fh)
		sc.Buffer(make([]byte, 1<<20), 64<<20)
		for sc.Scan() {
			var row struct {
				SpanID         string            `json:"span_id"`
				Service        string            `json:"service"`
				InputMessages  []json.RawMessage `json:"input_messages"`
				OutputMessages []json.RawMessage `json:"output_messages"`
				Evaluations    map[string]any    `json:"evaluations"`
				Failed         []string          `json:"failed"`
			}
			if err := json.Unmarshal(sc.Bytes(), &row); err != nil {
				t.Errorf("%s: %v", f, err)
				continue
			}
			if seen[row.SpanID] {
				t.Errorf("span %s written twice", row.SpanID)
			}
			seen[row.SpanID] = true
			perService[row.Service]++
			if len(row.Failed) == 0 {
				t.Errorf("span %s: a row without a failed evaluation (select: flagged)", row.SpanID)
			}
			if len(row.InputMessages) == 0 || len(row.OutputMessages) == 0 || len(row.Evaluations) == 0 {
				t.Errorf("span %s: row without input, output or evaluations", row.SpanID)
			}
		}
		fh.Close()
	}
	for _, fam := range families {
		if perService["e2e-"+fam] == 0 {
			t.Errorf("no dataset row from family %s (rows per service: %v)", fam, perService)
		}
	}
	t.Logf("dataset rows per service: %v", perService)
}

// checkReplay replays the dataset the run wrote with periscope-replay
// against a chat endpoint that answers every call with one fixed text: a
// harmless answer passes the regression gate, an answer that leaks an
// email address fails it.
func checkReplay(t *testing.T, root, art string) {
	var answer atomic.Value
	answer.Store("OK.")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{
			"id": "chatcmpl-replay", "object": "chat.completion", "model": "gpt-4o-mini",
			"choices": []any{map[string]any{"index": 0, "finish_reason": "stop",
				"message": map[string]any{"role": "assistant", "content": answer.Load()}}},
			"usage": map[string]any{"prompt_tokens": 50, "completion_tokens": 5, "total_tokens": 55},
		})
	}))
	defer srv.Close()
	bin := filepath.Join(art, "periscope-replay")
	if out, err := runCmd(3*time.Minute, nil, root, "go", "build", "-o", bin, "./cmd/periscope-replay"); err != nil {
		t.Fatalf("building periscope-replay: %v\n%s", err, out)
	}
	replay := func(out string) (string, error) {
		return runCmd(2*time.Minute, []string{"E2E_REPLAY_KEY=test"}, root, bin,
			"--dataset", filepath.Join(art, "dataset"), "--endpoint", srv.URL+"/v1", "--model", "gpt-4o-mini",
			"--out", filepath.Join(art, out), "--api-key-env", "E2E_REPLAY_KEY", "--rps", "0", "--backoff", "10ms",
			"--fail-on-regression")
	}
	out, err := replay("replay-ok.jsonl")
	if err != nil {
		t.Errorf("replay with a harmless answer: %v\n%s", err, out)
	}
	if !strings.Contains(out, "errors: 0") || !strings.Contains(out, "failures before") {
		t.Errorf("replay summary:\n%s", out)
	}
	t.Logf("%s", out)
	answer.Store("Sure, write to jane.roe@example.com or call 415-555-0134.")
	if out, err := replay("replay-leak.jsonl"); err == nil {
		t.Errorf("replay with a leaking answer passed the regression gate:\n%s", out)
	}
}
