package assembly

import (
	"context"
	"testing"

	"go.opentelemetry.io/collector/pdata/plog"
)

var fuzzEvents = []string{
	"gen_ai.system.message", "gen_ai.user.message", "gen_ai.assistant.message", "gen_ai.tool.message",
	"gen_ai.choice", "gen_ai.client.inference.operation.details", "gen_ai.content.completion", "app.log",
}

// FuzzAssembly: any sequence of records (calls, events, duplicates, spans,
// failed spans) from untrusted senders, under tight bounds, passes every
// record on exactly once or keeps it held, never more, never lost; after
// shutdown nothing is held.
func FuzzAssembly(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9})
	f.Add([]byte{1, 1, 1, 1, 200, 4, 4, 4, 9, 9})
	f.Add([]byte{255, 0, 255, 0, 17, 34, 51, 68})
	f.Fuzz(func(t *testing.T, ops []byte) {
		cfg := DefaultConfig()
		cfg.MaxPendingCalls, cfg.MaxRecordsPerCall, cfg.MaxPendingBytes = 3, 4, 4096
		a := New(cfg, nil, nil)
		a.ExpectSpans()
		rec := &recorder{}
		a.Start(rec.emit)
		sent, passed := 0, 0
		for i := 0; i+1 < len(ops); i += 2 {
			op, arg := ops[i], ops[i+1]
			k := key(arg % 5)
			switch {
			case op < 32: // a span, sometimes failed
				id := chatID
				id.Failed = op%2 == 1
				a.Span(k, id)
			default: // a request of 1..3 records
				ld := plog.NewLogs()
				n := int(op%3) + 1
				for j := 0; j < n; j++ {
					ev := fuzzEvents[(int(op)+j)%len(fuzzEvents)]
					record(ld, k, ev, string(rune('a'+int(arg)%26)))
				}
				if arg%7 == 0 {
					k = Key{} // no span id
					ld.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(0).SetSpanID(k.Span)
				}
				sent += ld.LogRecordCount()
				a.Logs(ld)
				passed += ld.LogRecordCount()
			}
		}
		a.Shutdown(context.Background())
		// Held duplicates of a record are kept once: what comes out is at
		// most what went in, and every distinct record comes out.
		if out := passed + rec.count(); out > sent {
			t.Fatalf("%d records out of %d in", out, sent)
		}
		if n, b := a.Pending(); n != 0 || b != 0 {
			t.Fatalf("%d calls (%d bytes) still held after shutdown", n, b)
		}
	})
}
