package handoff

import (
	"context"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/featuregate"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/periscope-otel/periscope/internal/genai"
)

// oneCall is a batch of two semconv chat spans.
func oneCall() (ptrace.Traces, pcommon.Resource, ptrace.SpanSlice) {
	td := ptrace.NewTraces()
	rs := td.ResourceSpans().AppendEmpty()
	rs.Resource().Attributes().PutStr("service.name", "svc")
	spans := rs.ScopeSpans().AppendEmpty().Spans()
	for i := 0; i < 2; i++ {
		sp := spans.AppendEmpty()
		sp.SetName("chat gpt-4o")
		a := sp.Attributes()
		a.PutStr("gen_ai.operation.name", "chat")
		a.PutStr("gen_ai.provider.name", "openai")
		a.PutStr("gen_ai.request.model", "gpt-4o")
		a.PutInt("gen_ai.usage.input_tokens", 10)
		a.PutStr("gen_ai.input.messages", `[{"role":"user","parts":[{"type":"text","content":"hello"}]}]`)
		a.PutStr("gen_ai.output.messages", `[{"role":"assistant","parts":[{"type":"text","content":"hi"}],"finish_reason":"stop"}]`)
		m := a.PutEmptyMap("app.meta")
		m.PutStr("tenant", "acme")
		m.PutEmptySlice("tags").AppendEmpty().SetStr("a")
	}
	return td, rs.Resource(), spans
}

var full = genai.Options{Content: true}

func open(t *testing.T, td ptrace.Traces) *Table {
	t.Helper()
	_, tb := Open(context.Background(), td)
	require.NotNil(t, tb)
	t.Cleanup(tb.Close)
	return tb
}

func TestSpanKey(t *testing.T) {
	require.Equal(t, 2*unsafe.Sizeof(uintptr(0)), unsafe.Sizeof(ptrace.Span{}), "ptrace.Span is no longer two pointers")
	td, _, spans := oneCall()
	require.Equal(t, spanKey(spans.At(0)), spanKey(td.ResourceSpans().At(0).ScopeSpans().At(0).Spans().At(0)))
	require.NotEqual(t, spanKey(spans.At(0)), spanKey(spans.At(1)))
	cp := ptrace.NewTraces()
	td.CopyTo(cp)
	require.NotEqual(t, spanKey(spans.At(0)), spanKey(cp.ResourceSpans().At(0).ScopeSpans().At(0).Spans().At(0)))
}

func TestGetAfterPut(t *testing.T) {
	td, res, spans := oneCall()
	tb := open(t, td)
	sp := spans.At(0)
	v := genai.ReadSpan(sp, res, full)
	tb.Put(sp, res, &v, full)

	var got genai.View
	ref, ok := tb.Get(sp, res, full, &got)
	require.True(t, ok)
	require.Equal(t, v, got)
	require.NotZero(t, ref)

	// The other span was never stored.
	_, ok = tb.Get(spans.At(1), res, full, &got)
	require.False(t, ok)
}

// TestChangeInvalidates: any change a processor could make between two
// readers makes the next one decode the span again.
func TestChangeInvalidates(t *testing.T) {
	for name, change := range map[string]func(ptrace.Span, pcommon.Resource){
		"string set":      func(s ptrace.Span, _ pcommon.Resource) { s.Attributes().PutStr("gen_ai.request.model", "gpt-4o-mini") },
		"int set":         func(s ptrace.Span, _ pcommon.Resource) { s.Attributes().PutInt("gen_ai.usage.input_tokens", 11) },
		"attribute added": func(s ptrace.Span, _ pcommon.Resource) { s.Attributes().PutBool("x", true) },
		"removed":         func(s ptrace.Span, _ pcommon.Resource) { s.Attributes().Remove("gen_ai.provider.name") },
		"nested map value": func(s ptrace.Span, _ pcommon.Resource) {
			m, _ := s.Attributes().Get("app.meta")
			m.Map().PutStr("tenant", "other")
		},
		"nested slice": func(s ptrace.Span, _ pcommon.Resource) {
			m, _ := s.Attributes().Get("app.meta")
			tags, _ := m.Map().Get("tags")
			tags.Slice().AppendEmpty().SetStr("b")
		},
		"content replaced": func(s ptrace.Span, _ pcommon.Resource) {
			v, _ := s.Attributes().Get("gen_ai.input.messages")
			v.SetStr(v.Str()[:len(v.Str())-1] + "]")
		},
		"event added":  func(s ptrace.Span, _ pcommon.Resource) { s.Events().AppendEmpty().SetName("gen_ai.user.message") },
		"status":       func(s ptrace.Span, _ pcommon.Resource) { s.Status().SetCode(ptrace.StatusCodeError) },
		"name":         func(s ptrace.Span, _ pcommon.Resource) { s.SetName("other") },
		"end time":     func(s ptrace.Span, _ pcommon.Resource) { s.SetEndTimestamp(5) },
		"resource sdk": func(_ ptrace.Span, r pcommon.Resource) { r.Attributes().PutStr("telemetry.sdk.name", "openlit") },
		"bytes": func(s ptrace.Span, _ pcommon.Resource) {
			s.Attributes().PutEmptyBytes("blob").FromRaw([]byte{1})
		},
	} {
		t.Run(name, func(t *testing.T) {
			td, res, spans := oneCall()
			sp := spans.At(0)
			sp.Attributes().PutEmptyBytes("blob").FromRaw([]byte{0})
			tb := open(t, td)
			v := genai.ReadSpan(sp, res, full)
			tb.Put(sp, res, &v, full)
			change(sp, res)
			var got genai.View
			ref, ok := tb.Get(sp, res, full, &got)
			require.False(t, ok)
			require.Zero(t, ref)
			require.Zero(t, got.Operation, "dst untouched")
		})
	}
}

// TestWrote: a processor's own writes, once declared, keep the view handed
// on; the patch is applied to what the next reader gets.
func TestWrote(t *testing.T) {
	td, res, spans := oneCall()
	tb := open(t, td)
	sp := spans.At(0)
	v := genai.ReadSpan(sp, res, full)
	tb.Put(sp, res, &v, full)
	var got genai.View
	ref, ok := tb.Get(sp, res, full, &got)
	require.True(t, ok)
	sp.Attributes().PutStr("gen_ai.prompt.version", "v1")
	ref.Wrote(sp, res, func(v *genai.View) { v.Prompt.SetWritten("", "v1") })
	ref, ok = tb.Get(sp, res, full, &got)
	require.True(t, ok)
	require.Equal(t, genai.ReadSpan(sp, res, full).Prompt, got.Prompt)

	// Written without saying so: the next reader decodes again.
	sp.Attributes().PutStr("gen_ai.prompt.version", "v2")
	_, ok = tb.Get(sp, res, full, &got)
	require.False(t, ok)
	ref.Wrote(sp, res, nil) // a Ref of a dropped entry refreshes nothing
	_, ok = tb.Get(sp, res, full, &got)
	require.False(t, ok)
}

func TestProject(t *testing.T) {
	td, res, spans := oneCall()
	sp := spans.At(0)
	v := genai.ReadSpan(sp, res, full)
	require.NotEmpty(t, v.OutputMessages)
	for _, tc := range []struct {
		name      string
		had, want genai.Options
		ok        bool
	}{
		{"metadata from content", full, genai.Options{}, true},
		{"content from metadata", genai.Options{}, full, false},
		{"skip output from all", full, genai.Options{Content: true, SkipOutputMessages: true}, true},
		{"output from skipped", genai.Options{Content: true, SkipOutputMessages: true}, full, false},
		{"tools from skipped", genai.Options{Content: true, SkipToolDefinitions: true}, full, false},
		{"budget too small", full, genai.Options{Content: true, MaxContentBytes: 4}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tb := open(t, td)
			hv := genai.ReadSpan(sp, res, tc.had)
			tb.Put(sp, res, &hv, tc.had)
			var got genai.View
			ref, ok := tb.Get(sp, res, tc.want, &got)
			require.Equal(t, tc.ok, ok)
			require.NotZero(t, ref, "the span was unchanged")
			if !ok {
				return
			}
			want := genai.ReadSpan(sp, res, tc.want)
			require.Equal(t, want.InputMessages, got.InputMessages)
			require.Equal(t, want.OutputMessages, got.OutputMessages)
			require.Equal(t, want.ContentBytes == 0, got.ContentBytes == 0)
		})
	}
}

func TestClosedAndNil(t *testing.T) {
	td, res, spans := oneCall()
	sp := spans.At(0)
	v := genai.ReadSpan(sp, res, full)
	ctx, tb := Open(context.Background(), td)
	require.Same(t, tb, From(ctx))
	tb.Put(sp, res, &v, full)
	tb.Close()
	var got genai.View
	_, ok := tb.Get(sp, res, full, &got)
	require.False(t, ok, "a closed table hands nothing on")
	tb.Put(sp, res, &v, full)
	tb.Close()

	var none *Table
	none.Put(sp, res, &v, full)
	_, ok = none.Get(sp, res, full, &got)
	require.False(t, ok)
	none.Close()
	require.Nil(t, From(context.Background()))
}

func TestGateOff(t *testing.T) {
	require.NoError(t, featuregate.GlobalRegistry().Set(Gate.ID(), false))
	t.Cleanup(func() { _ = featuregate.GlobalRegistry().Set(Gate.ID(), true) })
	td, _, _ := oneCall()
	ctx, tb := Open(context.Background(), td)
	require.Nil(t, tb)
	require.Nil(t, From(ctx))
}

func BenchmarkFingerprint(b *testing.B) {
	td, res, spans := oneCall()
	_ = td
	sp := spans.At(0)
	for i := 0; i < 30; i++ {
		sp.Attributes().PutStr("extra."+string(rune('a'+i)), "value")
	}
	b.ReportAllocs()
	for b.Loop() {
		fingerprint(sp, res)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N), "ns/span")
}
