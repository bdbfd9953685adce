package handoff

import (
	"context"
	"reflect"
	"runtime"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/featuregate"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.uber.org/zap"

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
	}
	return td, rs.Resource(), spans
}

var full = genai.Options{Content: true}

func openTable(t *testing.T, td ptrace.Traces) (context.Context, *Table) {
	t.Helper()
	ctx, tb := Open(context.Background(), td)
	require.NotNil(t, tb)
	t.Cleanup(tb.Close)
	return ctx, tb
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
	_, tb := openTable(t, td)
	sp := spans.At(0)
	v := genai.ReadSpan(sp, res, full)
	tb.Put(sp, &v, full)

	var got genai.View
	ref, ok := tb.Get(sp, full, &got)
	require.True(t, ok)
	require.Equal(t, v, got)
	require.NotZero(t, ref)

	// The other span was never stored: dst is left alone.
	got = genai.View{}
	_, ok = tb.Get(spans.At(1), full, &got)
	require.False(t, ok)
	require.Zero(t, got.Operation)
}

func TestPatchAndDrop(t *testing.T) {
	td, res, spans := oneCall()
	_, tb := openTable(t, td)
	sp := spans.At(0)
	v := genai.ReadSpan(sp, res, full)
	tb.Put(sp, &v, full)
	var got genai.View
	ref, _ := tb.Get(sp, full, &got)

	sp.Attributes().PutStr("gen_ai.prompt.version", "v1")
	ref.Patch(func(v *genai.View) { v.Prompt.SetWritten("", "v1") })
	_, ok := tb.Get(sp, full, &got)
	require.True(t, ok)
	require.Equal(t, genai.ReadSpan(sp, res, full).Prompt, got.Prompt, "what a reader reads back")

	ref.Drop()
	_, ok = tb.Get(sp, full, &got)
	require.False(t, ok)
	ref.Patch(func(*genai.View) { t.Fatal("patched a dropped view") })
}

func TestProject(t *testing.T) {
	td, res, spans := oneCall()
	sp := spans.At(0)
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
			_, tb := openTable(t, td)
			hv := genai.ReadSpan(sp, res, tc.had)
			tb.Put(sp, &hv, tc.had)
			var got genai.View
			ref, ok := tb.Get(sp, tc.want, &got)
			require.Equal(t, tc.ok, ok)
			require.NotZero(t, ref, "the span has a view")
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
	tb.Put(sp, &v, full)
	tb.Close()
	var got genai.View
	_, ok := tb.Get(sp, full, &got)
	require.False(t, ok, "a closed table hands nothing on")
	tb.Put(sp, &v, full)
	tb.Close()

	var none *Table
	none.Put(sp, &v, full)
	_, ok = none.Get(sp, full, &got)
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

// TestFrameNames: the names fromPeriscope looks for are the functions'.
func TestFrameNames(t *testing.T) {
	name := func(f any) string { return runtime.FuncForPC(reflect.ValueOf(f).Pointer()).Name() }
	require.Equal(t, outgoingFunc, name(outgoing.ConsumeTraces))
	require.Equal(t, incomingFunc, name((*incoming).ConsumeTraces))
	require.Equal(t, outgoingLogsFunc, name(outgoingLogs.ConsumeLogs))
	require.Equal(t, incomingLogsFunc, name((*incomingLogs).ConsumeLogs))
}

// reader is a processor that records whether it found the view.
type reader struct {
	component.StartFunc
	component.ShutdownFunc
	span ptrace.Span
	got  bool
}

func (r *reader) Capabilities() consumer.Capabilities {
	return consumer.Capabilities{MutatesData: true}
}

func (r *reader) ConsumeTraces(ctx context.Context, _ ptrace.Traces) error {
	var v genai.View
	_, r.got = From(ctx).Get(r.span, full, &v)
	return nil
}

// TestAdjacency: a view goes from one Periscope processor's Outgoing to the
// next one's Incoming, and not past anything else.
func TestAdjacency(t *testing.T) {
	for _, tc := range []struct {
		name    string
		between func(consumer.Traces) consumer.Traces
		want    bool
	}{
		{"adjacent", func(c consumer.Traces) consumer.Traces { return c }, true},
		{"a processor in between", func(c consumer.Traces) consumer.Traces {
			f, _ := consumer.NewTraces(c.ConsumeTraces)
			return f
		}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			td, res, spans := oneCall()
			ctx, tb := openTable(t, td)
			sp := spans.At(0)
			v := genai.ReadSpan(sp, res, full)
			tb.Put(sp, &v, full)
			r := &reader{span: sp}
			in := Incoming(zap.NewNop(), r)
			require.NoError(t, Outgoing(tc.between(in)).ConsumeTraces(ctx, td))
			require.Equal(t, tc.want, r.got)
		})
	}
	// A batch no Periscope processor handed over (the first reader after
	// an asynchronous stage) finds nothing either.
	td, res, spans := oneCall()
	ctx, tb := openTable(t, td)
	v := genai.ReadSpan(spans.At(0), res, full)
	tb.Put(spans.At(0), &v, full)
	r := &reader{span: spans.At(0)}
	in := Incoming(zap.NewNop(), r)
	require.NoError(t, in.ConsumeTraces(ctx, td))
	require.False(t, r.got)
}

// putter is a processor that stores a view for each span, then calls next
// through Outgoing, as genai_normalize does.
type putter struct {
	component.StartFunc
	component.ShutdownFunc
	next   consumer.Traces
	put    bool
	tables int
}

func (p *putter) Capabilities() consumer.Capabilities {
	return consumer.Capabilities{MutatesData: true}
}

func (p *putter) ConsumeTraces(ctx context.Context, td ptrace.Traces) error {
	if t := From(ctx); t != nil {
		p.tables++
		if p.put {
			sp := td.ResourceSpans().At(0).ScopeSpans().At(0).Spans().At(0)
			v := genai.ReadSpan(sp, td.ResourceSpans().At(0).Resource(), full)
			t.Put(sp, &v, full)
		}
	}
	return Outgoing(p.next).ConsumeTraces(ctx, td)
}

// TestProbe: a genai_normalize with no Periscope reader after it stops
// storing views after the first call that stored some (and looks again
// every reprobe calls); with one, it keeps storing; calls that stored
// nothing teach it nothing.
func TestProbe(t *testing.T) {
	for _, tc := range []struct {
		name       string
		reader     bool
		put        bool
		wantTables int
	}{
		{"a reader right after", true, true, 2 * reprobe},
		{"no reader", false, true, 1 + (2*reprobe-1)/reprobe},
		{"nothing stored", false, false, 2 * reprobe},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := &putter{put: tc.put, next: consumertest.NewNop()}
			if tc.reader {
				p.next = Incoming(zap.NewNop(), &reader{})
			}
			s := Scope(p)
			for i := 0; i < 2*reprobe; i++ {
				td, _, _ := oneCall()
				require.NoError(t, s.ConsumeTraces(context.Background(), td))
			}
			require.Equal(t, tc.wantTables, p.tables)
		})
	}
}
