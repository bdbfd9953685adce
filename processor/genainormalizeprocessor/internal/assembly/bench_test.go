package assembly

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"testing"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
)

// official-instrumentation call: system (~300 B), user (~1 KB), choice (~600 B),
// distinct text per call.
func benchCall(i int) plog.Logs {
	k := Key{Trace: pcommon.TraceID{byte(i), byte(i >> 8), byte(i >> 16), 1}, Span: pcommon.SpanID{byte(i), byte(i >> 8), byte(i >> 16), 2}}
	ld := plog.NewLogs()
	tag := fmt.Sprintf(" call %d", i)
	record(ld, k, "gen_ai.system.message", strings.Repeat("You are a billing assistant. ", 10)+tag)
	record(ld, k, "gen_ai.user.message", strings.Repeat("Summarise ticket 2291 about an invoice. ", 25)+tag)
	record(ld, k, "gen_ai.choice", strings.Repeat("The customer was double charged. ", 18)+tag)
	return ld
}

// BenchmarkCompleteCall: a call whose span came first passes straight
// through (the common case once spans are in): ns and allocs per record.
func BenchmarkCompleteCall(b *testing.B) {
	a := New(DefaultConfig(), nil, nil)
	a.ExpectSpans()
	a.Start(func(context.Context, plog.Logs, Released) error { return nil })
	defer a.Shutdown(context.Background())
	calls := make([]plog.Logs, 1024)
	for i := range calls {
		calls[i] = benchCall(i)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		ld := calls[i%len(calls)]
		k := newCallKey(ld, i) // each iteration is a new call
		a.Span(k, chatID)
		a.Logs(ld)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*3), "ns/record")
}

// BenchmarkHeldCall: the records arrive first and are held, then the span
// releases them (copy in, move out).
func BenchmarkHeldCall(b *testing.B) {
	a := New(DefaultConfig(), nil, nil)
	a.ExpectSpans()
	a.running = true // drive release by hand, no background loop
	calls := make([]plog.Logs, 1024)
	for i := range calls {
		calls[i] = benchCall(i)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		ld := plog.NewLogs()
		calls[i%len(calls)].CopyTo(ld)
		k := newCallKey(ld, i)
		a.Logs(ld)
		a.Span(k, chatID)
		a.due(a.now(), false)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*3), "ns/record")
}

// BenchmarkPendingMemory: heap per held call (three records, ~2 KB of text).
func BenchmarkPendingMemory(b *testing.B) {
	const n = 5000
	for i := 0; i < b.N; i++ {
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		a := New(DefaultConfig(), nil, nil)
		a.ExpectSpans()
		a.running = true
		lds := make([]plog.Logs, n)
		for j := range lds {
			lds[j] = benchCall(j)
		}
		for _, ld := range lds {
			a.Logs(ld) // held: the records are copied into the assembler
		}
		lds = nil
		runtime.GC()
		runtime.ReadMemStats(&after)
		calls, est := a.Pending()
		if calls != n {
			b.Fatalf("%d held, want %d", calls, n)
		}
		// Includes the assembler's fixed tables (~1.5 MB), spread over n calls.
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/n, "B/call")
		b.ReportMetric(float64(est)/n, "estimated-B/call")
	}
}

// newCallKey gives the records of ld the ids of call i.
func newCallKey(ld plog.Logs, i int) Key {
	k := Key{Trace: pcommon.TraceID{byte(i), byte(i >> 8), byte(i >> 16), byte(i >> 24), 9}, Span: pcommon.SpanID{byte(i), byte(i >> 8), byte(i >> 16), byte(i >> 24), 9}}
	for r := 0; r < ld.ResourceLogs().Len(); r++ {
		lrs := ld.ResourceLogs().At(r).ScopeLogs().At(0).LogRecords()
		for j := 0; j < lrs.Len(); j++ {
			lrs.At(j).SetTraceID(k.Trace)
			lrs.At(j).SetSpanID(k.Span)
		}
	}
	return k
}
