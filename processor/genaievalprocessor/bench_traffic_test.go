package genaievalprocessor

import (
	"context"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/processor/processortest"

	"github.com/periscope-otel/periscope/internal/eval"
	"github.com/periscope-otel/periscope/internal/testutil"
	"github.com/periscope-otel/periscope/processor/genaievalprocessor/internal/metadata"
)

// trafficBatches builds 100-span batches the way cmd/periscope-loadgen does
// for `make bench`: every span of the OTLP/JSON samples in turn, with its own
// ids, a per-span nonce in each content string and ~4 KB of padding text in
// the first one.
func trafficBatches(tb testing.TB, n int) []ptrace.Traces {
	files, _ := filepath.Glob(filepath.Join(testutil.SharedDir(tb), "data", "genai-samples", "*.json"))
	type tpl struct {
		rs ptrace.ResourceSpans
		ss ptrace.ScopeSpans
		sp ptrace.Span
	}
	var tpls []tpl
	for _, f := range files {
		b, err := os.ReadFile(f)
		require.NoError(tb, err)
		td, err := (&ptrace.JSONUnmarshaler{}).UnmarshalTraces(b)
		if err != nil || td.SpanCount() == 0 {
			continue
		}
		for _, rs := range td.ResourceSpans().All() {
			for _, ss := range rs.ScopeSpans().All() {
				for _, sp := range ss.Spans().All() {
					tpls = append(tpls, tpl{rs, ss, sp})
				}
			}
		}
	}
	require.NotEmpty(tb, tpls)
	words := []string{"invoice", "refund", "customer", "shipment", "warranty", "account", "ticket", "order", "billing", "support"}
	var fb strings.Builder
	for i := 0; fb.Len() < 4096; i++ {
		fb.WriteString(words[(i*7)%len(words)])
		fb.WriteByte(' ')
	}
	filler := fb.String()
	out := make([]ptrace.Traces, n)
	id := uint64(0)
	for bi := range out {
		td := ptrace.NewTraces()
		for range 100 {
			t := tpls[int(id%uint64(len(tpls)))]
			rs := td.ResourceSpans().AppendEmpty()
			t.rs.Resource().CopyTo(rs.Resource())
			ss := rs.ScopeSpans().AppendEmpty()
			t.ss.Scope().CopyTo(ss.Scope())
			sp := ss.Spans().AppendEmpty()
			t.sp.CopyTo(sp)
			var tid [16]byte
			var sid [8]byte
			binary.BigEndian.PutUint64(tid[8:], id+1)
			binary.BigEndian.PutUint64(sid[:], id+1)
			sp.SetTraceID(tid)
			sp.SetSpanID(sid)
			sp.SetParentSpanID(pcommon.SpanID{})
			nonce := fmt.Sprintf("ref-%d ", id)
			padded := false
			for k, v := range sp.Attributes().All() {
				if v.Type() != pcommon.ValueTypeStr || !trafficContentKey(k) {
					continue
				}
				extra := nonce
				if !padded {
					extra += filler
				}
				if s, ok := trafficInsert(v.Str(), extra); ok {
					v.SetStr(s)
					padded = padded || extra != nonce
				}
			}
			id++
		}
		out[bi] = td
	}
	return out
}

// trafficContentKey and trafficInsert mirror cmd/periscope-loadgen.
func trafficContentKey(k string) bool {
	for _, suf := range []string{".name", ".key", ".version", ".version_name", ".version_hash", ".managed",
		".role", ".finish_reason", ".type", "mime_type", ".toolChoice", "_time"} {
		if strings.HasSuffix(k, suf) {
			return false
		}
	}
	for _, w := range []string{"content", "messages", "prompt", "completion", "input", "output", "text", "instructions"} {
		if strings.Contains(k, w) {
			return true
		}
	}
	return false
}

func trafficInsert(s, extra string) (string, bool) {
	t := strings.TrimSpace(s)
	if t == "" {
		return s, false
	}
	if t[0] != '[' && t[0] != '{' {
		return extra + s, true
	}
	for _, marker := range []string{`"content":"`, `"content": "`, `"text":"`, `"text": "`} {
		if i := strings.Index(s, marker); i >= 0 {
			j := i + len(marker)
			return s[:j] + extra + s[j:], true
		}
	}
	return s, false
}

// BenchmarkTraffic runs genai_eval over the traffic of `make bench` (the
// "every evaluator + redaction" row, and the defaults of the full pipeline)
// in process: what that table's genai_eval row adds to pass-through,
// without OTLP decoding. cpu-ns/span is the process CPU time per span.
func BenchmarkTraffic(b *testing.B) {
	for _, c := range []struct {
		name   string
		redact map[string]string
	}{
		{"redaction", map[string]string{"email": "[EMAIL]", "phone": "[PHONE]", "credit_card": "[CARD]", "us_ssn": "[SSN]", "iban": "[IBAN]", "secrets": "[SECRET]"}},
		{"defaults", nil},
	} {
		b.Run(c.name, func(b *testing.B) {
			cfg := defaultCfg()
			cfg.Redact = c.redact
			p, err := NewFactory().CreateTraces(context.Background(), processortest.NewNopSettings(metadata.Type), cfg, consumertest.NewNop())
			require.NoError(b, err)
			const pool = 16
			src := trafficBatches(b, pool)
			var bytes int64
			for _, td := range src {
				for _, rs := range td.ResourceSpans().All() {
					for _, ss := range rs.ScopeSpans().All() {
						for _, sp := range ss.Spans().All() {
							for _, v := range sp.Attributes().All() {
								if v.Type() == pcommon.ValueTypeStr {
									bytes += int64(len(v.Str()))
								}
							}
						}
					}
				}
			}
			var batches []ptrace.Traces
			b.ReportAllocs()
			b.SetBytes(bytes / pool)
			var cpu int64
			for b.Loop() {
				if len(batches) == 0 {
					b.StopTimer()
					for _, td := range src {
						c := ptrace.NewTraces()
						td.CopyTo(c)
						batches = append(batches, c)
					}
					b.StartTimer()
				}
				batch := batches[len(batches)-1]
				batches = batches[:len(batches)-1]
				c0 := int64(testutil.CPUTime())
				if err := p.ConsumeTraces(context.Background(), batch); err != nil {
					b.Fatal(err)
				}
				cpu += int64(testutil.CPUTime()) - c0
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*100), "ns/span")
			b.ReportMetric(float64(cpu)/float64(b.N*100), "cpu-ns/span")
		})
	}
}

// BenchmarkTrafficEvaluators splits BenchmarkTraffic by stage: the reader,
// each evaluator alone, the safety suite and redaction, over the calls of
// the same traffic.
func BenchmarkTrafficEvaluators(b *testing.B) {
	cfg := defaultCfg()
	cfg.Redact = map[string]string{"email": "[EMAIL]", "phone": "[PHONE]", "credit_card": "[CARD]", "us_ssn": "[SSN]", "iban": "[IBAN]", "secrets": "[SECRET]"}
	p, err := newEvalProcessor(processortest.NewNopSettings(metadata.Type), cfg, true)
	require.NoError(b, err)
	src := trafficBatches(b, 2)
	var spans []ptrace.Span
	var ins []eval.Input
	for _, td := range src {
		for _, rs := range td.ResourceSpans().All() {
			for _, ss := range rs.ScopeSpans().All() {
				for _, sp := range ss.Spans().All() {
					spans = append(spans, sp)
					v, _ := p.guard.ReadSpan(sp, rs.Resource(), p.opts)
					if v.IsGenAI() && hasContent(&v) {
						ins = append(ins, p.buildInput(&v, nil))
					}
				}
			}
		}
	}
	run := func(name string, n int, fn func(i int)) {
		b.Run(name, func(b *testing.B) {
			var cpu int64
			k := 0
			for b.Loop() {
				c0 := int64(testutil.CPUTime())
				for i := 0; i < n; i++ {
					fn(i)
				}
				cpu += int64(testutil.CPUTime()) - c0
				k++
			}
			b.ReportMetric(float64(cpu)/float64(k*n), "cpu-ns/call")
		})
	}
	run("read", len(spans), func(i int) { _, _ = p.guard.ReadSpan(spans[i], pcommon.NewResource(), p.opts) })
	for _, c := range p.evs {
		run(c.name, len(ins), func(i int) { c.ev.Evaluate(&ins[i]) })
	}
	var res []eval.Result
	run("suite", len(ins), func(i int) { res = p.suite.Evaluate(&ins[i], res[:0]) })
	counts := map[string]int{}
	run("redact-scan", len(spans), func(i int) {
		for _, v := range spans[i].Attributes().All() {
			if v.Type() == pcommon.ValueTypeStr {
				p.redactor.redactString(v.Str(), counts)
			}
		}
	})
}
