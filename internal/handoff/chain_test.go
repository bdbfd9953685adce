package handoff_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/pdatatest/ptracetest"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/featuregate"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/processor"
	"go.opentelemetry.io/collector/processor/processortest"

	"github.com/periscope-otel/periscope/internal/genai"
	"github.com/periscope-otel/periscope/internal/handoff"
	"github.com/periscope-otel/periscope/internal/testutil"
	"github.com/periscope-otel/periscope/internal/traffic"
	"github.com/periscope-otel/periscope/processor/genaicostprocessor"
	"github.com/periscope-otel/periscope/processor/genaievalprocessor"
	"github.com/periscope-otel/periscope/processor/genainormalizeprocessor"
	"github.com/periscope-otel/periscope/processor/genaipromptprocessor"
	"github.com/periscope-otel/periscope/processor/genairollupprocessor"
)

// stage is a processor of the chain and its configuration.
type stage struct {
	f   processor.Factory
	cfg func(component.Config)
}

// defaultOrder is the shipped pipelines' order after genai_normalize, with
// every processor's defaults.
var defaultOrder = []stage{
	{}, {f: genaicostprocessor.NewFactory()}, {f: genaipromptprocessor.NewFactory()},
	{f: genaievalprocessor.NewFactory()}, {f: genairollupprocessor.NewFactory()},
}

// redactingFirst puts genai_eval, redacting everything, before
// genai_prompt, which writes the template it infers: the prompt must be
// inferred from the masked text.
var redactingFirst = []stage{
	{}, {f: genaievalprocessor.NewFactory(), cfg: func(c component.Config) {
		c.(*genaievalprocessor.Config).Redact = map[string]string{"email": "[EMAIL]", "phone": "[PHONE]",
			"credit_card": "[CARD]", "us_ssn": "[SSN]", "iban": "[IBAN]", "secrets": "[SECRET]"}
	}},
	{f: genaipromptprocessor.NewFactory(), cfg: func(c component.Config) { c.(*genaipromptprocessor.Config).EmitTemplate = true }},
	{f: genaicostprocessor.NewFactory()}, {f: genairollupprocessor.NewFactory()},
}

// chain builds normalize -> [between] -> order... into sink, with the gate
// as given; order[0] configures genai_normalize (its f is not used).
func chain(t *testing.T, gate bool, between func(ptrace.Traces), order []stage, sink consumer.Traces) consumer.Traces {
	t.Helper()
	ctx := context.Background()
	var next consumer.Traces = sink
	build := func(s stage) {
		f := s.f
		cfg := f.CreateDefaultConfig()
		if s.cfg != nil {
			s.cfg(cfg)
		}
		p, err := f.CreateTraces(ctx, processortest.NewNopSettings(f.Type()), cfg, next)
		require.NoError(t, err)
		require.NoError(t, p.Start(ctx, componenttest.NewNopHost()))
		t.Cleanup(func() { _ = p.Shutdown(ctx) })
		next = p
	}
	for i := len(order) - 1; i >= 1; i-- {
		build(order[i])
	}
	if between != nil {
		after := next
		next, _ = consumer.NewTraces(func(ctx context.Context, td ptrace.Traces) error {
			between(td)
			return after.ConsumeTraces(ctx, td)
		}, consumer.WithCapabilities(consumer.Capabilities{MutatesData: true}))
	}
	setGate(t, gate)
	build(stage{f: genainormalizeprocessor.NewFactory(), cfg: order[0].cfg})
	return next
}

func setGate(t *testing.T, on bool) {
	t.Helper()
	prev := handoff.Gate.IsEnabled()
	require.NoError(t, featuregate.GlobalRegistry().Set(handoff.Gate.ID(), on))
	t.Cleanup(func() { _ = featuregate.GlobalRegistry().Set(handoff.Gate.ID(), prev) })
}

// batches is the traffic the comparison runs on: every span of every
// shared sample (real clients included) in 100-span batches with distinct
// content, with and without padding, and each sample file as it is (whole
// traces: retrieval spans ground their model calls).
func batches(t *testing.T) []ptrace.Traces {
	t.Helper()
	root := filepath.Join(testutil.SharedDir(t), "data", "genai-samples")
	dirs := []string{root, filepath.Join(root, "real-clients")}
	tpls, err := traffic.LoadTemplates(dirs)
	require.NoError(t, err)
	var out []ptrace.Traces
	for _, pad := range []int{0, 4096} {
		g := traffic.NewGenerator(tpls, pad)
		for i := 0; i < 4; i++ {
			out = append(out, g.Batch(uint64(i*100+pad), 100))
		}
	}
	for _, d := range dirs {
		files, _ := filepath.Glob(filepath.Join(d, "*.json"))
		for _, f := range files {
			b, err := os.ReadFile(f)
			require.NoError(t, err)
			if td, err := (&ptrace.JSONUnmarshaler{}).UnmarshalTraces(b); err == nil && td.SpanCount() > 0 {
				out = append(out, td)
			}
		}
	}
	return out
}

// resourceOf is the resource of every span run through the chain (for the
// fresh reads the handed-on views are checked against).
var resourceOf = map[ptrace.Span]pcommon.Resource{}

func run(t *testing.T, gate bool, between func(ptrace.Traces), order []stage, in []ptrace.Traces) []ptrace.Traces {
	sink := new(consumertest.TracesSink)
	c := chain(t, gate, between, order, sink)
	for _, td := range in {
		cp := ptrace.NewTraces()
		td.CopyTo(cp)
		eachSpan(cp, func(res pcommon.Resource, sp ptrace.Span) { resourceOf[sp] = res })
		require.NoError(t, c.ConsumeTraces(context.Background(), cp))
	}
	return sink.AllTraces()
}

// TestSameOutputWithHandoff: the pipeline writes exactly the same spans
// whether later processors take genai_normalize's views or decode every
// span again, also when a processor in between changes spans.
func TestSameOutputWithHandoff(t *testing.T) {
	in := batches(t)
	for _, tc := range []struct {
		name    string
		between func(ptrace.Traces)
		order   []stage
		in      []ptrace.Traces
	}{
		{name: "adjacent", order: defaultOrder, in: in},
		{name: "changed in between", between: mutate, order: defaultOrder, in: in},
		{name: "another processor in between", between: func(ptrace.Traces) {}, order: defaultOrder, in: in},
		{name: "redacted before prompt inference", order: redactingFirst, in: withPII(in)},
		{name: "originals removed, semconv keys overwritten", order: append([]stage{{cfg: func(c component.Config) {
			c.(*genainormalizeprocessor.Config).RemoveOriginals = true
			c.(*genainormalizeprocessor.Config).Overwrite = true
		}}}, defaultOrder[1:]...), in: in},
		{name: "normalized without content", order: append([]stage{{cfg: func(c component.Config) {
			c.(*genainormalizeprocessor.Config).Content = false
		}}}, defaultOrder[1:]...), in: in},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := tc.in
			want := run(t, false, tc.between, tc.order, in)
			served0, dropped0 := handoff.Counts()
			var disagree []string
			handoff.SetVerify(func(span ptrace.Span, opts genai.Options, v *genai.View) {
				if d := usedFieldsDiffer(v, genai.ReadSpan(span, resourceOf[span], opts)); d != "" && len(disagree) < 5 {
					disagree = append(disagree, span.Name()+": "+d)
				}
			})
			got := run(t, true, tc.between, tc.order, in)
			handoff.SetVerify(nil)
			require.Empty(t, disagree, "views handed on that a fresh read disagrees with")
			served, dropped := handoff.Counts()
			require.Len(t, got, len(want))
			for i := range want {
				require.NoError(t, ptracetest.CompareTraces(want[i], got[i]), "batch %d", i)
			}
			t.Logf("views handed on %d, tables emptied %d", served-served0, dropped-dropped0)
			if tc.between == nil {
				require.Greater(t, served-served0, int64(1000), "views handed on")
				require.Zero(t, dropped-dropped0)
			} else {
				require.Zero(t, served-served0, "views handed on past another processor")
				// The first batch's table is emptied; after it genai_normalize
				// stores no views no one can take.
				require.Equal(t, int64(1), dropped-dropped0)
			}
		})
	}
}

// mutate changes some spans the way transform or attributes processors
// do: a model renamed, content replaced, an attribute added or removed, an
// event added, the status set.
func mutate(td ptrace.Traces) {
	n := 0
	eachSpan(td, func(_ pcommon.Resource, sp ptrace.Span) {
		n++
		attrs := sp.Attributes()
		switch n % 6 {
		case 1:
			for k, v := range attrs.All() {
				if v.Type() == pcommon.ValueTypeStr && (k == "gen_ai.request.model" || k == "gen_ai.response.model") {
					v.SetStr("gpt-4o-mini")
				}
			}
		case 2:
			for k, v := range attrs.All() {
				if k == "gen_ai.input.messages" || k == "gen_ai.output.messages" {
					v.SetStr(`[{"role":"user","parts":[{"type":"text","content":"` + fmt.Sprint("replaced ", n) + `"}]}]`)
				}
			}
		case 3:
			attrs.PutInt("gen_ai.usage.output_tokens", int64(n))
		case 4:
			attrs.Remove("gen_ai.request.model")
		case 5:
			ev := sp.Events().AppendEmpty()
			ev.SetName("gen_ai.user.message")
			ev.Attributes().PutStr("content", "an added event")
		case 0:
			sp.Status().SetCode(ptrace.StatusCodeError)
		}
	})
}

// usedFieldsDiffer compares a handed-on view with a fresh read of the span
// on what the processors read from it. (Elsewhere they differ by design: a
// fresh read of a normalized span sees the originals and their semconv
// copy, so its dialect, sources and content byte count are not the call's.)
func usedFieldsDiffer(got *genai.View, want genai.View) string {
	for _, f := range []struct {
		name string
		a, b any
	}{
		{"category", got.Category, want.Category},
		{"operation", got.Operation, want.Operation},
		{"provider", got.Provider, want.Provider},
		{"request model", got.RequestModel, want.RequestModel},
		{"response model", got.ResponseModel, want.ResponseModel},
		{"usage", got.Usage, want.Usage},
		{"usage unreadable", got.UsageUnreadable, want.UsageUnreadable},
		{"pricing", got.Pricing, want.Pricing},
		{"error", got.ErrorType, want.ErrorType},
		{"tool", got.ToolName, want.ToolName},
		// (Its source may differ: genai_cost keeping a reported cost
		// writes it under gen_ai.usage.cost, the key a fresh read then
		// takes it from.)
		{"reported cost", usd(got.ReportedCost), usd(want.ReportedCost)},
		{"agent", got.AgentName, want.AgentName},
		{"workflow", got.WorkflowName, want.WorkflowName},
		{"prompt name", got.Prompt.Name, want.Prompt.Name},
		{"prompt version", got.Prompt.Version, want.Prompt.Version},
		{"prompt template", got.Prompt.Template, want.Prompt.Template},
		{"system", got.SystemText(), want.SystemText()},
		{"input", got.InputText(), want.InputText()},
		{"last user", got.LastUserText(), want.LastUserText()},
		{"output", got.OutputText(), want.OutputText()},
		{"documents", len(got.Documents), len(want.Documents)},
		{"truncated", got.Truncated, want.Truncated},
	} {
		if !reflect.DeepEqual(f.a, f.b) {
			return fmt.Sprintf("%s: handed on %v, read %v", f.name, f.a, f.b)
		}
	}
	return ""
}

func usd(c *genai.Cost) any {
	if c == nil {
		return nil
	}
	return c.USD
}

// withPII is in with an e-mail address and a card number beside each
// per-span nonce: content redaction has something to mask in every span.
func withPII(in []ptrace.Traces) []ptrace.Traces {
	var out []ptrace.Traces
	for _, td := range in {
		cp := ptrace.NewTraces()
		td.CopyTo(cp)
		eachSpan(cp, func(_ pcommon.Resource, sp ptrace.Span) {
			for _, v := range sp.Attributes().All() {
				if v.Type() == pcommon.ValueTypeStr && strings.Contains(v.Str(), "ref-") {
					v.SetStr(strings.Replace(v.Str(), "ref-", "mail jane.doe@example.com card 4111 1111 1111 1111 ref-", 1))
				}
			}
		})
		out = append(out, cp)
	}
	return out
}

// recordResource is the resource of every call run through a log chain
// (call assembly moves records into new batches: keyed by ids). The test
// writes it while the assembler's timer releases earlier calls: locked.
var recordResource = struct {
	sync.Mutex
	of map[[24]byte]pcommon.Resource
}{of: map[[24]byte]pcommon.Resource{}}

func callResource(lr plog.LogRecord) pcommon.Resource {
	recordResource.Lock()
	defer recordResource.Unlock()
	return recordResource.of[callOf(lr)]
}

func callOf(lr plog.LogRecord) [24]byte {
	var k [24]byte
	tid, sid := lr.TraceID(), lr.SpanID()
	copy(k[:], tid[:])
	copy(k[16:], sid[:])
	return k
}

// sentKey marks the records sent into a log chain, so that those coming
// out can be told from the evaluation results the chain adds (some samples
// carry evaluation results of their own).
const sentKey = "test.sent"

// arrived counts the records in sink that were sent into the chain.
func arrived(sink *consumertest.LogsSink) int {
	n := 0
	for _, ld := range sink.AllLogs() {
		eachRecord(ld, func(_ pcommon.Resource, lr plog.LogRecord) {
			if _, sent := lr.Attributes().Get(sentKey); sent {
				n++
			}
		})
	}
	return n
}

// waitArrived waits until all n records sent have come out of the chain
// (held calls after their timeout): by count, not by a quiet spell, which a
// loaded machine can fake.
func waitArrived(t *testing.T, sink *consumertest.LogsSink, n int) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); arrived(sink) != n; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d of the %d records sent came out of the chain", arrived(sink), n)
		}
	}
}

// logChain builds the logs pipeline normalize -> cost -> prompt -> eval
// (ids suffixed with name, so the runs share no state) into sink.
func logChain(t *testing.T, gate bool, name string, normCfg func(component.Config), sink consumer.Logs) consumer.Logs {
	t.Helper()
	ctx := context.Background()
	var next consumer.Logs = sink
	build := func(f processor.Factory, cfgFn func(component.Config)) {
		cfg := f.CreateDefaultConfig()
		if cfgFn != nil {
			cfgFn(cfg)
		}
		set := processortest.NewNopSettings(f.Type())
		set.ID = component.NewIDWithName(f.Type(), name)
		p, err := f.CreateLogs(ctx, set, cfg, next)
		require.NoError(t, err)
		require.NoError(t, p.Start(ctx, componenttest.NewNopHost()))
		t.Cleanup(func() { _ = p.Shutdown(ctx) })
		next = p
	}
	for _, f := range []processor.Factory{genaievalprocessor.NewFactory(), genaipromptprocessor.NewFactory(), genaicostprocessor.NewFactory()} {
		build(f, nil)
	}
	setGate(t, gate)
	build(genainormalizeprocessor.NewFactory(), normCfg)
	return next
}

// logBatches: every shared log sample as it is and with its calls under
// fresh ids and distinct content, several times over.
func logBatches(t *testing.T) []plog.Logs {
	t.Helper()
	root := filepath.Join(testutil.SharedDir(t), "data", "genai-samples")
	files, _ := filepath.Glob(filepath.Join(root, "*.json"))
	more, _ := filepath.Glob(filepath.Join(root, "real-clients", "*.json"))
	var out []plog.Logs
	for _, f := range append(files, more...) {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		ld, err := (&plog.JSONUnmarshaler{}).UnmarshalLogs(b)
		if err != nil || ld.LogRecordCount() == 0 {
			continue
		}
		for copyN := 0; copyN < 4; copyN++ {
			cp := plog.NewLogs()
			ld.CopyTo(cp)
			eachRecord(cp, func(_ pcommon.Resource, lr plog.LogRecord) {
				tid := lr.TraceID()
				tid[0] ^= byte(copyN)
				lr.SetTraceID(tid)
				if lr.Body().Type() == pcommon.ValueTypeStr {
					lr.Body().SetStr(fmt.Sprintf("ref-%d %s", copyN, lr.Body().Str()))
				}
			})
			out = append(out, cp)
		}
	}
	require.NotEmpty(t, out)
	return out
}

// flatLogs is every record of lds as one sorted line each (timestamps
// left out: result records stamp the time they were made).
func flatLogs(lds []plog.Logs) []string {
	var lines []string
	for _, ld := range lds {
		eachRecord(ld, func(res pcommon.Resource, lr plog.LogRecord) {
			lines = append(lines, fmt.Sprintf("%v|%s|%s|%s|%v|%v", res.Attributes().AsRaw(), lr.TraceID(), lr.SpanID(),
				lr.EventName(), lr.Body().AsRaw(), lr.Attributes().AsRaw()))
		})
	}
	slices.Sort(lines)
	return lines
}

// TestSameLogsWithHandoff is TestSameOutputWithHandoff for calls read from
// log records (the official instrumentations' log events), with call
// assembly off (each request's records as they are) and on (calls released
// after a wait: the hand-off also goes with records released later).
func TestSameLogsWithHandoff(t *testing.T) {
	whole := logBatches(t)
	// Each call's records spread over three requests, interleaved with
	// other calls': call assembly holds them and releases each call whole.
	var split []plog.Logs
	rng := rand.New(rand.NewPCG(1, 2))
	for _, ld := range whole {
		split = append(split, testutil.SplitCalls(ld, 3, rng)...)
	}
	for _, tc := range []struct {
		name   string
		cfg    func(component.Config)
		in     []plog.Logs
		settle bool
	}{
		{"without call assembly", func(c component.Config) { c.(*genainormalizeprocessor.Config).CallAssembly.Enabled = false }, whole, false},
		{"with call assembly, calls split over requests", func(c component.Config) {
			c.(*genainormalizeprocessor.Config).CallAssembly.WaitForSpan = false
			// A call goes when its answer comes: the timeout only has to
			// outlast a slow machine between a call's requests (a call cut
			// short by it is judged per fragment, in one run and not the other).
			c.(*genainormalizeprocessor.Config).CallAssembly.Timeout = time.Second
		}, split, false},
		// Calls whose last record never comes are released by the
		// assembler's timer, outside any request.
		{"with call assembly, released on timeout", func(c component.Config) {
			c.(*genainormalizeprocessor.Config).CallAssembly.Timeout = 20 * time.Millisecond
		}, withoutLastRecords(whole[:8]), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := tc.in
			runLogs := func(gate bool, name string) []string {
				sink := new(consumertest.LogsSink)
				c := logChain(t, gate, name, tc.cfg, sink)
				want := 0
				for _, ld := range in {
					cp := plog.NewLogs()
					ld.CopyTo(cp)
					want += cp.LogRecordCount()
					recordResource.Lock()
					eachRecord(cp, func(res pcommon.Resource, lr plog.LogRecord) {
						recordResource.of[callOf(lr)] = res
						lr.Attributes().PutBool(sentKey, true)
					})
					recordResource.Unlock()
					require.NoError(t, c.ConsumeLogs(context.Background(), cp))
					if tc.settle {
						// Held calls are released by a timer: wait for this
						// request's, so releases group the same in each run.
						waitArrived(t, sink, want)
					}
				}
				// Every record arrives (held calls after their timeout),
				// with the evaluation results made in the same call.
				waitArrived(t, sink, want)
				return flatLogs(sink.AllLogs())
			}
			want := runLogs(false, "off")
			served0, dropped0 := handoff.Counts()
			var (
				mu       sync.Mutex // calls released by the timer are verified on its goroutine
				disagree []string
			)
			handoff.SetVerifyCall(func(records []plog.LogRecord, opts genai.Options, v *genai.View) {
				if d := usedFieldsDiffer(v, genai.ReadLogRecords(records, callResource(records[0]), opts)); d != "" {
					mu.Lock()
					if len(disagree) < 5 {
						disagree = append(disagree, d)
					}
					mu.Unlock()
				}
			})
			got := runLogs(true, "on")
			handoff.SetVerifyCall(nil)
			mu.Lock()
			defer mu.Unlock()
			served, dropped := handoff.Counts()
			t.Logf("views handed on %d, tables emptied %d", served-served0, dropped-dropped0)
			require.Empty(t, disagree, "views handed on that a fresh read disagrees with")
			require.Equal(t, want, got)
			require.Greater(t, served-served0, int64(20), "views handed on")
			require.Zero(t, dropped-dropped0)
		})
	}
}

// withoutLastRecords is lds without the last record of each call: calls
// call assembly never sees complete.
func withoutLastRecords(lds []plog.Logs) []plog.Logs {
	var out []plog.Logs
	for _, ld := range lds {
		cp := plog.NewLogs()
		ld.CopyTo(cp)
		last := map[pcommon.SpanID]plog.LogRecord{}
		eachRecord(cp, func(_ pcommon.Resource, lr plog.LogRecord) { last[lr.SpanID()] = lr })
		for _, rl := range cp.ResourceLogs().All() {
			for _, sl := range rl.ScopeLogs().All() {
				sl.LogRecords().RemoveIf(func(lr plog.LogRecord) bool { return last[lr.SpanID()] == lr })
			}
		}
		out = append(out, cp)
	}
	return out
}

// eachSpan calls fn for every span of td with its resource.
func eachSpan(td ptrace.Traces, fn func(pcommon.Resource, ptrace.Span)) {
	for _, rs := range td.ResourceSpans().All() {
		for _, ss := range rs.ScopeSpans().All() {
			for _, sp := range ss.Spans().All() {
				fn(rs.Resource(), sp)
			}
		}
	}
}

// eachRecord calls fn for every log record of ld with its resource.
func eachRecord(ld plog.Logs, fn func(pcommon.Resource, plog.LogRecord)) {
	for _, rl := range ld.ResourceLogs().All() {
		for _, sl := range rl.ScopeLogs().All() {
			for _, lr := range sl.LogRecords().All() {
				fn(rl.Resource(), lr)
			}
		}
	}
}
