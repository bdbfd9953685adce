package genainormalizeprocessor

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/golden"
	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/pdatatest/plogtest"
	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/pdatatest/ptracetest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/processor/processortest"

	"github.com/periscope-otel/periscope/internal/contract"
	"github.com/periscope-otel/periscope/internal/genai"
	"github.com/periscope-otel/periscope/internal/testutil"
	"github.com/periscope-otel/periscope/processor/genainormalizeprocessor/internal/metadata"
)

var update = flag.Bool("update", false, "rewrite testdata/golden from the current processor")

func samples(t *testing.T) []string {
	dir := filepath.Join(testutil.SharedDir(t), "data", "genai-samples")
	files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	more, _ := filepath.Glob(filepath.Join(dir, "real-clients", "*.json"))
	return append(files, more...)
}

func goldenName(path string) string {
	name := strings.TrimSuffix(filepath.Base(path), ".json")
	if filepath.Base(filepath.Dir(path)) == "real-clients" {
		name = "real-clients-" + name
	}
	return name
}

func newTraces(t *testing.T, cfg *Config, sink *consumertest.TracesSink) (func(ptrace.Traces), func()) {
	p, err := NewFactory().CreateTraces(context.Background(), processortest.NewNopSettings(metadata.Type), cfg, sink)
	require.NoError(t, err)
	require.NoError(t, p.Start(context.Background(), componentHost()))
	return func(td ptrace.Traces) { require.NoError(t, p.ConsumeTraces(context.Background(), td)) },
		func() { require.NoError(t, p.Shutdown(context.Background())) }
}

func newLogs(t *testing.T, cfg *Config, sink *consumertest.LogsSink) (func(plog.Logs), func()) {
	p, err := NewFactory().CreateLogs(context.Background(), processortest.NewNopSettings(metadata.Type), cfg, sink)
	require.NoError(t, err)
	require.NoError(t, p.Start(context.Background(), componentHost()))
	return func(ld plog.Logs) { require.NoError(t, p.ConsumeLogs(context.Background(), ld)) },
		func() { require.NoError(t, p.Shutdown(context.Background())) }
}

// TestGolden: every sample dialect in, expected normalized output out.
func TestGolden(t *testing.T) {
	for _, path := range samples(t) {
		name := goldenName(path)
		b, err := os.ReadFile(path)
		require.NoError(t, err)
		t.Run(name, func(t *testing.T) {
			if td, err := (&ptrace.JSONUnmarshaler{}).UnmarshalTraces(b); err == nil && td.SpanCount() > 0 {
				sink := new(consumertest.TracesSink)
				consume, stop := newTraces(t, createDefaultConfig(), sink)
				consume(td)
				stop()
				got := sink.AllTraces()[0]
				file := filepath.Join("testdata", "golden", name+".traces.yaml")
				if *update {
					_ = golden.WriteTraces(t, file, got)
					return
				}
				want, err := golden.ReadTraces(file)
				require.NoError(t, err)
				require.NoError(t, ptracetest.CompareTraces(want, got))
			}
			if ld, err := (&plog.JSONUnmarshaler{}).UnmarshalLogs(b); err == nil && ld.LogRecordCount() > 0 {
				sink := new(consumertest.LogsSink)
				consume, stop := newLogs(t, createDefaultConfig(), sink)
				consume(ld)
				stop()
				got := sink.AllLogs()[0]
				file := filepath.Join("testdata", "golden", name+".logs.yaml")
				if *update {
					_ = golden.WriteLogs(t, file, got)
					return
				}
				want, err := golden.ReadLogs(file)
				require.NoError(t, err)
				require.NoError(t, plogtest.CompareLogs(want, got))
			}
		})
	}
}

// TestEveryModelCallIsNormalized: after the processor, a semconv-only
// reader finds model, provider, tokens and the dialect on every model call.
func TestEveryModelCallIsNormalized(t *testing.T) {
	for _, path := range samples(t) {
		b, _ := os.ReadFile(path)
		td, err := (&ptrace.JSONUnmarshaler{}).UnmarshalTraces(b)
		if err != nil || td.SpanCount() == 0 {
			continue
		}
		sink := new(consumertest.TracesSink)
		consume, stop := newTraces(t, createDefaultConfig(), sink)
		consume(td)
		stop()
		forEachSpan(sink.AllTraces()[0], func(res pcommon.Resource, span ptrace.Span) {
			v := genai.ReadSpan(span, res, genai.Options{})
			if !v.Billable() {
				return
			}
			a := span.Attributes()
			for _, k := range []string{keyRequestModel, keyProvider, keyOperation, contract.AttrDialect} {
				_, ok := a.Get(k)
				assert.True(t, ok, "%s %s: %s missing", filepath.Base(path), span.Name(), k)
			}
			if v.Usage.Has&genai.HasInput != 0 {
				_, ok := a.Get(keyInputTokens)
				assert.True(t, ok, "%s %s: input tokens missing", filepath.Base(path), span.Name())
			}
		})
	}
}

func forEachSpan(td ptrace.Traces, fn func(pcommon.Resource, ptrace.Span)) {
	for i := 0; i < td.ResourceSpans().Len(); i++ {
		rs := td.ResourceSpans().At(i)
		for j := 0; j < rs.ScopeSpans().Len(); j++ {
			spans := rs.ScopeSpans().At(j).Spans()
			for k := 0; k < spans.Len(); k++ {
				fn(rs.Resource(), spans.At(k))
			}
		}
	}
}

// TestNonGenAISpansUntouched: byte-identical attributes on other spans.
func TestNonGenAISpansUntouched(t *testing.T) {
	td := ptrace.NewTraces()
	span := td.ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty().Spans().AppendEmpty()
	span.SetName("GET /health")
	span.Attributes().PutStr("http.request.method", "GET")
	span.Attributes().PutInt("http.response.status_code", 200)
	span.Attributes().PutStr("llm", "not a key we read")
	want := ptrace.NewTraces()
	td.CopyTo(want)

	sink := new(consumertest.TracesSink)
	consume, stop := newTraces(t, createDefaultConfig(), sink)
	consume(td)
	stop()
	require.NoError(t, ptracetest.CompareTraces(want, sink.AllTraces()[0]))
}

func openLLMetrySpan() ptrace.Traces {
	td := ptrace.NewTraces()
	span := td.ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty().Spans().AppendEmpty()
	span.SetName("openai.chat")
	_ = span.Attributes().FromRaw(map[string]any{
		"llm.request.type":                  "chat",
		"gen_ai.system":                     "OpenAI",
		"gen_ai.request.model":              "gpt-4o",
		"gen_ai.usage.prompt_tokens":        10,
		"gen_ai.usage.completion_tokens":    5,
		"gen_ai.prompt.0.role":              "user",
		"gen_ai.prompt.0.content":           "Hello",
		"gen_ai.completion.0.role":          "assistant",
		"gen_ai.completion.0.content":       "Hi there",
		"gen_ai.completion.0.finish_reason": "stop",
	})
	return td
}

func TestRemoveOriginalsAndLegacySystem(t *testing.T) {
	cfg := createDefaultConfig()
	cfg.RemoveOriginals = true
	sink := new(consumertest.TracesSink)
	consume, stop := newTraces(t, cfg, sink)
	consume(openLLMetrySpan())
	stop()
	a := sink.AllTraces()[0].ResourceSpans().At(0).ScopeSpans().At(0).Spans().At(0).Attributes()
	for _, k := range []string{"gen_ai.system", "gen_ai.usage.prompt_tokens", "gen_ai.prompt.0.content", "gen_ai.completion.0.finish_reason", "llm.request.type"} {
		_, ok := a.Get(k)
		assert.False(t, ok, "%s should be removed", k)
	}
	in, _ := a.Get(keyInputMessages)
	assert.JSONEq(t, `[{"role":"user","parts":[{"type":"text","content":"Hello"}]}]`, in.Str())
	out, _ := a.Get(keyOutputMessages)
	assert.JSONEq(t, `[{"role":"assistant","parts":[{"type":"text","content":"Hi there"}],"finish_reason":"stop"}]`, out.Str())
	prov, _ := a.Get(keyProvider)
	assert.Equal(t, "openai", prov.Str())
	tok, _ := a.Get(keyInputTokens)
	assert.Equal(t, int64(10), tok.Int())

	cfg = createDefaultConfig()
	cfg.EmitLegacySystem = true
	cfg.Overwrite = true
	sink = new(consumertest.TracesSink)
	consume, stop = newTraces(t, cfg, sink)
	consume(openLLMetrySpan())
	stop()
	a = sink.AllTraces()[0].ResourceSpans().At(0).ScopeSpans().At(0).Spans().At(0).Attributes()
	sys, _ := a.Get("gen_ai.system")
	assert.Equal(t, "openai", sys.Str(), "overwrite + emit_legacy_system rewrites gen_ai.system normalized")
}

func TestOverwriteOff(t *testing.T) {
	td := ptrace.NewTraces()
	span := td.ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty().Spans().AppendEmpty()
	_ = span.Attributes().FromRaw(map[string]any{
		"gen_ai.operation.name": "chat", "gen_ai.provider.name": "Custom-Gateway",
		"llm.model_name": "gpt-4o", "gen_ai.request.model": "my-deployment",
	})
	sink := new(consumertest.TracesSink)
	consume, stop := newTraces(t, createDefaultConfig(), sink)
	consume(td)
	stop()
	a := sink.AllTraces()[0].ResourceSpans().At(0).ScopeSpans().At(0).Spans().At(0).Attributes()
	v, _ := a.Get(keyRequestModel)
	assert.Equal(t, "my-deployment", v.Str())
	v, _ = a.Get(keyProvider)
	assert.Equal(t, "Custom-Gateway", v.Str(), "existing keys win when overwrite is off")
	v, _ = a.Get(keyResponseModel)
	assert.Equal(t, "gpt-4o", v.Str())
}

func TestConditions(t *testing.T) {
	cfg := createDefaultConfig()
	cfg.Conditions = []string{`name == "selected"`}
	td := openLLMetrySpan()
	td.ResourceSpans().At(0).ScopeSpans().At(0).Spans().At(0).SetName("other")
	sink := new(consumertest.TracesSink)
	consume, stop := newTraces(t, cfg, sink)
	consume(td)
	stop()
	_, ok := sink.AllTraces()[0].ResourceSpans().At(0).ScopeSpans().At(0).Spans().At(0).Attributes().Get(contract.AttrDialect)
	assert.False(t, ok)

	cfg.Conditions = []string{`not a condition (`}
	_, err := NewFactory().CreateTraces(context.Background(), processortest.NewNopSettings(metadata.Type), cfg, consumertest.NewNop())
	require.Error(t, err)
}

// TestBadInputPassesThrough: malformed spans are never dropped and never
// panic; what can be computed is written.
func TestBadInputPassesThrough(t *testing.T) {
	td := ptrace.NewTraces()
	spans := td.ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty().Spans()
	s := spans.AppendEmpty()
	s.Attributes().PutStr("gen_ai.operation.name", "chat")
	s.Attributes().PutStr("gen_ai.request.model", "gpt-4o")
	s.Attributes().PutBool("gen_ai.usage.input_tokens", true)
	s.Attributes().PutStr("gen_ai.input.messages", "[{not json")
	s.Attributes().PutStr("gen_ai.output.messages", strings.Repeat("x", 5<<20))
	s.Attributes().PutStr("gen_ai.prompt.0.content", "\xff\xfe\xfd")
	spans.AppendEmpty() // empty span
	sink := new(consumertest.TracesSink)
	consume, stop := newTraces(t, createDefaultConfig(), sink)
	consume(td)
	stop()
	require.Equal(t, 2, sink.SpanCount())
	a := sink.AllTraces()[0].ResourceSpans().At(0).ScopeSpans().At(0).Spans().At(0).Attributes()
	v, _ := a.Get(contract.AttrDialect)
	assert.Equal(t, "openllmetry", v.Str())
	orig, _ := a.Get("gen_ai.usage.input_tokens")
	assert.Equal(t, pcommon.ValueTypeBool, orig.Type(), "unreadable originals are left as they were")
}

func TestLogsDetailsEvent(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(testutil.SharedDir(t), "data", "genai-samples", "real-clients", "otel-logs.json"))
	require.NoError(t, err)
	ld, err := (&plog.JSONUnmarshaler{}).UnmarshalLogs(b)
	require.NoError(t, err)
	n := ld.LogRecordCount()
	sink := new(consumertest.LogsSink)
	consume, stop := newLogs(t, createDefaultConfig(), sink)
	consume(ld)
	stop()
	require.Equal(t, n, sink.LogRecordCount())
	lr := sink.AllLogs()[0].ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(0)
	v, ok := lr.Attributes().Get(keyProvider)
	require.True(t, ok)
	assert.Equal(t, "openai", v.Str())
}

func componentHost() component.Host { return componenttestHost{} }

type componenttestHost struct{}

func (componenttestHost) GetExtensions() map[component.ID]component.Component { return nil }

// A span's prompt variables are written in name order: normalizing the
// same span twice gives the same attributes in the same order (a Go map's
// iteration order is not).
func TestPromptVariablesWrittenInNameOrder(t *testing.T) {
	vars := `{"v11":"k","v03":"c","v07":"g","v01":"a","v09":"i","v05":"e","v12":"l","v02":"b","v10":"j","v04":"d","v08":"h","v06":"f"}`
	for range 10 {
		sink := new(consumertest.TracesSink)
		consume, shutdown := newTraces(t, createDefaultConfig(), sink)
		td := ptrace.NewTraces()
		sp := td.ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty().Spans().AppendEmpty()
		sp.SetName("llm")
		sp.Attributes().PutStr("openinference.span.kind", "LLM")
		sp.Attributes().PutStr("llm.prompt_template.template", "{v01} {v02}")
		sp.Attributes().PutStr("llm.prompt_template.variables", vars)
		consume(td)
		shutdown()
		var got []string
		for k := range sink.AllTraces()[0].ResourceSpans().At(0).ScopeSpans().At(0).Spans().At(0).Attributes().All() {
			if name, ok := strings.CutPrefix(k, keyPromptVarPrefix); ok {
				got = append(got, name)
			}
		}
		require.Equal(t, []string{"v01", "v02", "v03", "v04", "v05", "v06", "v07", "v08", "v09", "v10", "v11", "v12"}, got)
	}
}
