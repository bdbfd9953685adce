package genai

import (
	"fmt"
	"reflect"
	"runtime"
	"strings"
	"sync"
	"testing"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/periscope-otel/periscope/internal/testutil"
)

// The options the components read with (genai_cost, genai_prompt,
// genai_eval, genai_metrics), plus a small budget that binds.
var memoTestOpts = []Options{
	{},
	{Content: true, MaxContentBytes: 1 << 20, SkipToolDefinitions: true},
	{Content: true, MaxContentBytes: 256 << 10, SkipToolDefinitions: true},
	{Content: true, MaxContentBytes: 64 << 10, SkipToolDefinitions: true},
	{Content: true, MaxContentBytes: 300},
	{Content: true},
}

// writes are what the components after genai_normalize do to a span, in
// pipeline order, and edits a memo must notice.
var memoTestWrites = []struct {
	name string
	do   func(ptrace.Span)
}{
	{"none", func(ptrace.Span) {}},
	{"genai_cost", func(s ptrace.Span) {
		a := s.Attributes()
		a.PutDouble("gen_ai.usage.cost", 0.0125)
		a.PutStr("periscope.cost.price_id", "openai/gpt-4o-mini")
		a.PutStr("periscope.cost.source", "catalog")
	}},
	{"genai_prompt", func(s ptrace.Span) {
		a := s.Attributes()
		a.PutStr("gen_ai.prompt.name", "support-triage")
		a.PutStr("gen_ai.prompt.version", "v3")
		a.PutStr("periscope.prompt.template_hash", "0123456789abcdef")
	}},
	{"genai_eval", func(s ptrace.Span) {
		s.Attributes().PutDouble("periscope.eval.toxicity", 0.02)
		ev := s.Events().AppendEmpty()
		ev.SetName(EventEvaluationResult)
		ev.Attributes().PutStr("gen_ai.evaluation.name", "toxicity")
	}},
	{"model changed", func(s ptrace.Span) {
		s.Attributes().PutStr("gen_ai.request.model", fmt.Sprint("model-", s.Attributes().Len()))
	}},
	{"usage removed", func(s ptrace.Span) { s.Attributes().Remove("gen_ai.usage.input_tokens") }},
	{"message event", func(s ptrace.Span) {
		ev := s.Events().AppendEmpty()
		ev.SetName(eventUserMessage)
		ev.Attributes().PutStr("content", "and one more thing")
	}},
	{"renamed", func(s ptrace.Span) { s.SetName(s.Name() + " (retry)") }},
	{"failed", func(s ptrace.Span) { s.Status().SetCode(ptrace.StatusCodeError) }},
}

func freshRead(span ptrace.Span, res pcommon.Resource, o Options) View {
	memoOff = true
	defer func() { memoOff = false }()
	return ReadSpan(span, res, o)
}

// TestMemoMatchesFreshReads: on every sample span, through the writes of
// the components after it and edits, every read through the memo equals a
// fresh read, and the memo is used (hits and patches happen).
func TestMemoMatchesFreshReads(t *testing.T) {
	hits, patches := memoStats.hits.Load(), memoStats.patches.Load()
	n := 0
	for _, f := range sampleFiles(t) {
		td, _ := readSample(t, f)
		for _, rs := range td.ResourceSpans().All() {
			for _, ss := range rs.ScopeSpans().All() {
				for _, orig := range ss.Spans().All() {
					n++
					for _, o := range memoTestOpts {
						span := ptrace.NewSpan()
						orig.CopyTo(span)
						for _, w := range memoTestWrites {
							w.do(span)
							// twice: the second read is a hit
							for range 2 {
								got := ReadSpan(span, rs.Resource(), o)
								want := freshRead(span, rs.Resource(), o)
								if !reflect.DeepEqual(got, want) {
									t.Fatalf("%s span %q after %s, options %+v:\nmemo  %+v\nfresh %+v", f, span.Name(), w.name, o, got, want)
								}
							}
						}
					}
				}
			}
		}
	}
	if n < 50 {
		t.Fatalf("only %d sample spans", n)
	}
	if memoStats.hits.Load() == hits || memoStats.patches.Load() == patches {
		t.Fatalf("memo not used: %d hits, %d patches", memoStats.hits.Load()-hits, memoStats.patches.Load()-patches)
	}
}

// TestMemoPatchesPipelineWrites: reads in pipeline order with one set of
// options hit or patch, never read afresh, after genai_cost and
// genai_prompt wrote their keys and genai_eval its scores.
func TestMemoPatchesPipelineWrites(t *testing.T) {
	span := benchSpan(true)
	span.SetTraceID(pcommon.TraceID{1, 2, 3})
	span.SetSpanID(pcommon.SpanID{4, 5, 6})
	res := pcommon.NewResource()
	o := Options{Content: true, SkipToolDefinitions: true}
	ReadSpan(span, res, o)
	misses := memoStats.misses.Load()
	for _, w := range memoTestWrites[1:4] {
		w.do(span)
		got := ReadSpan(span, res, o)
		if want := freshRead(span, res, o); !reflect.DeepEqual(got, want) {
			t.Fatalf("after %s:\nmemo  %+v\nfresh %+v", w.name, got, want)
		}
	}
	if d := memoStats.misses.Load() - misses; d != 0 {
		t.Fatalf("%d fresh reads after the components' writes, want 0", d)
	}
	if got := ReadSpan(span, res, o); got.Prompt.Name != "support-triage" {
		t.Fatalf("prompt name %q", got.Prompt.Name)
	}
}

// TestPatchableRowsTouchOnlyPatchState: the handlers of the keys patch
// applies write nothing but what patchState carries (and Sources and
// Problems, which patch checks), or a patched View could differ from a
// fresh read.
func TestPatchableRowsTouchOnlyPatchState(t *testing.T) {
	values := []pcommon.Value{pcommon.NewValueStr("x"), pcommon.NewValueDouble(1.5), pcommon.NewValueInt(2), pcommon.NewValueStr("")}
	rows := 0
	for i := range keyTable {
		k := keyTable[i].key
		if !patchable(k) {
			continue
		}
		rows++
		for _, v := range values {
			var before, after reader
			before.init(Options{Content: true})
			after = before
			after.attr(k, v)
			var blank patchState
			before.seed(blank, &View{})
			after.seed(blank, &View{})
			after.v.Problems = nil
			if !reflect.DeepEqual(before, after) {
				t.Errorf("%s = %v changes reader fields patch does not carry", k, v.AsRaw())
			}
		}
	}
	if rows < 4 {
		t.Fatalf("only %d patchable rows", rows)
	}
}

// BenchmarkPipelineReads: the reads of the components after genai_normalize
// (genai_cost, genai_prompt, genai_eval, genai_metrics) with their writes in
// between, on distinct ~3 KB semconv spans, with and without the memo.
func BenchmarkPipelineReads(b *testing.B) {
	costOpts := Options{}
	promptOpts := Options{Content: true, SkipToolDefinitions: true}
	evalOpts := Options{Content: true, MaxContentBytes: 256 << 10, SkipToolDefinitions: true}
	metricsOpts := Options{Content: true, MaxContentBytes: 64 << 10, SkipToolDefinitions: true}
	for _, on := range []bool{false, true} {
		b.Run(fmt.Sprintf("memo=%v", on), func(b *testing.B) {
			memoOff = !on
			defer func() { memoOff = false }()
			res := pcommon.NewResource()
			spans := make([]ptrace.Span, b.N)
			for i := range spans {
				spans[i] = distinctSpan(uint64(i))
			}
			b.ReportAllocs()
			runtime.GC()
			b.ResetTimer()
			c0 := testutil.CPUTime()
			for i := 0; i < b.N; i++ {
				s := spans[i]
				ReadSpan(s, res, costOpts)
				memoTestWrites[1].do(s)
				ReadSpan(s, res, promptOpts)
				memoTestWrites[2].do(s)
				ReadSpan(s, res, evalOpts)
				memoTestWrites[3].do(s)
				ReadSpan(s, res, metricsOpts)
			}
			b.ReportMetric(float64(testutil.CPUTime()-c0)/float64(b.N), "cpu-ns/span")
		})
	}
}

// distinctSpan is benchSpan with its own ids and its own content strings.
func distinctSpan(n uint64) ptrace.Span {
	s := benchSpan(true)
	s.SetTraceID(pcommon.TraceID{byte(n), byte(n >> 8), byte(n >> 16), byte(n >> 24), 1})
	s.SetSpanID(pcommon.SpanID{byte(n), byte(n >> 8), byte(n >> 16), byte(n >> 24), 2})
	for _, k := range []string{"gen_ai.input.messages", "gen_ai.output.messages"} {
		v, _ := s.Attributes().Get(k)
		v.SetStr(strings.Replace(v.Str(), `"content":"`, fmt.Sprintf(`"content":"ref-%d `, n), 1))
	}
	return s
}

// TestMemoConcurrentReaders: goroutines reading and patching the same spans
// at once (the processors and, after the batch, the connector) get what a
// fresh read gives; run with -race.
func TestMemoConcurrentReaders(t *testing.T) {
	const n = 300
	o := Options{Content: true, SkipToolDefinitions: true}
	res := pcommon.NewResource()
	spans := make([]ptrace.Span, n)
	want := make([]View, n)
	for i := range spans {
		spans[i] = distinctSpan(uint64(1e6 + i))
		memoTestWrites[1].do(spans[i])
		memoTestWrites[2].do(spans[i])
		want[i] = freshRead(spans[i], res, o)
	}
	errs := make(chan string, 4)
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for r := range 3 * n {
				i := (r*7 + g*13) % n
				if got := ReadSpan(spans[i], res, o); !reflect.DeepEqual(got, want[i]) {
					errs <- fmt.Sprintf("span %d: memo %+v, fresh %+v", i, got, want[i])
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Fatal(e)
	}
}
