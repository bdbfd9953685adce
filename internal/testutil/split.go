package testutil

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// SplitCalls spreads the log records of each call (span id) over n
// requests, in the order the SDK emitted them, shuffled within each request
// with the records of the other calls: how a log exporter that batches by
// time delivers interleaved calls.
func SplitCalls(ld plog.Logs, n int, rng *rand.Rand) []plog.Logs {
	type rec struct {
		rl plog.ResourceLogs
		sl plog.ScopeLogs
		lr plog.LogRecord
	}
	bySpan := map[string][]rec{}
	var order []string
	for i := 0; i < ld.ResourceLogs().Len(); i++ {
		rl := ld.ResourceLogs().At(i)
		for j := 0; j < rl.ScopeLogs().Len(); j++ {
			sl := rl.ScopeLogs().At(j)
			for k := 0; k < sl.LogRecords().Len(); k++ {
				lr := sl.LogRecords().At(k)
				id := lr.SpanID().String()
				if _, ok := bySpan[id]; !ok {
					order = append(order, id)
				}
				bySpan[id] = append(bySpan[id], rec{rl, sl, lr})
			}
		}
	}
	reqs := make([][]rec, n)
	for _, id := range order {
		recs := bySpan[id]
		for j := 0; j < n; j++ {
			reqs[j] = append(reqs[j], recs[j*len(recs)/n:(j+1)*len(recs)/n]...)
		}
	}
	out := make([]plog.Logs, n)
	for j, recs := range reqs {
		rng.Shuffle(len(recs), func(a, b int) { recs[a], recs[b] = recs[b], recs[a] })
		out[j] = plog.NewLogs()
		for _, r := range recs {
			rl := out[j].ResourceLogs().AppendEmpty()
			r.rl.Resource().CopyTo(rl.Resource())
			sl := rl.ScopeLogs().AppendEmpty()
			r.sl.Scope().CopyTo(sl.Scope())
			r.lr.CopyTo(sl.LogRecords().AppendEmpty())
		}
	}
	return out
}

// RealOTelClient loads what the official OpenTelemetry JS instrumentation
// sent for one run of the e2e scenarios (shared/data/genai-samples/real-clients):
// the model-call spans and the content log records of those calls.
func RealOTelClient(tb testing.TB) (ptrace.Traces, plog.Logs) {
	tb.Helper()
	dir := filepath.Join(SharedDir(tb), "data", "genai-samples", "real-clients")
	b, err := os.ReadFile(filepath.Join(dir, "otel-traces.json"))
	if err != nil {
		tb.Fatal(err)
	}
	td, err := (&ptrace.JSONUnmarshaler{}).UnmarshalTraces(b)
	if err != nil {
		tb.Fatal(err)
	}
	if b, err = os.ReadFile(filepath.Join(dir, "otel-logs.json")); err != nil {
		tb.Fatal(err)
	}
	ld, err := (&plog.JSONUnmarshaler{}).UnmarshalLogs(b)
	if err != nil {
		tb.Fatal(err)
	}
	return td, ld
}
