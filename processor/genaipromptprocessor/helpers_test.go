package genaipromptprocessor

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/processor"
	"go.opentelemetry.io/collector/processor/processortest"

	"github.com/periscope-otel/periscope/internal/contract"
	"github.com/periscope-otel/periscope/processor/genaipromptprocessor/internal/metadata"
)

// chatSpan appends a semconv chat span with the given system and user text
// (either may be empty) and extra attributes.
func chatSpan(ss ptrace.ScopeSpans, system, user string, extra map[string]any) ptrace.Span {
	span := ss.Spans().AppendEmpty()
	span.SetName("chat gpt-4o-mini")
	span.SetKind(ptrace.SpanKindClient)
	a := span.Attributes()
	a.PutStr("gen_ai.operation.name", "chat")
	a.PutStr("gen_ai.provider.name", "openai")
	a.PutStr("gen_ai.request.model", "gpt-4o-mini")
	a.PutInt("gen_ai.usage.input_tokens", 120)
	a.PutInt("gen_ai.usage.output_tokens", 40)
	var msgs []map[string]any
	if system != "" {
		msgs = append(msgs, map[string]any{"role": "system", "parts": []map[string]any{{"type": "text", "content": system}}})
	}
	if user != "" {
		msgs = append(msgs, map[string]any{"role": "user", "parts": []map[string]any{{"type": "text", "content": user}}})
	}
	if len(msgs) > 0 {
		b, _ := json.Marshal(msgs)
		a.PutStr("gen_ai.input.messages", string(b))
	}
	for k, v := range extra {
		_ = a.PutEmpty(k).FromRaw(v)
	}
	return span
}

func newTraces(service string) (ptrace.Traces, ptrace.ScopeSpans) {
	td := ptrace.NewTraces()
	rs := td.ResourceSpans().AppendEmpty()
	rs.Resource().Attributes().PutStr("service.name", service)
	return td, rs.ScopeSpans().AppendEmpty()
}

type harness struct {
	proc processor.Traces
	sink *consumertest.TracesSink
	tel  *componenttest.Telemetry
}

func newHarness(t testing.TB, cfg *Config) *harness {
	t.Helper()
	tel := componenttest.NewTelemetry()
	set := processortest.NewNopSettings(metadata.Type)
	set.TelemetrySettings = tel.NewTelemetrySettings()
	sink := new(consumertest.TracesSink)
	p, err := NewFactory().CreateTraces(context.Background(), set, cfg, sink)
	require.NoError(t, err)
	require.NoError(t, p.Start(context.Background(), componenttest.NewNopHost()))
	t.Cleanup(func() {
		require.NoError(t, p.Shutdown(context.Background()))
		_ = tel.Shutdown(context.Background())
	})
	return &harness{proc: p, sink: sink, tel: tel}
}

func defaultCfg() *Config { return createDefaultConfig().(*Config) }

// out is the prompt attributes of one processed span.
type out struct {
	name, version, source, hash string
	isNew                       bool
	template                    string
}

func attrsOf(m pcommon.Map) out {
	get := func(k string) string {
		if v, ok := m.Get(k); ok {
			return v.AsString()
		}
		return ""
	}
	o := out{
		name:     get(contract.AttrPromptName),
		version:  get(contract.AttrPromptVersion),
		source:   get(contract.AttrPromptVersionSource),
		hash:     get(contract.AttrPromptTemplateHash),
		template: get(contract.AttrPromptTemplate),
	}
	if v, ok := m.Get(contract.AttrPromptNewVersion); ok {
		o.isNew = v.Bool()
	}
	return o
}

// run processes td and returns the attributes of every span in order.
func (h *harness) run(t testing.TB, td ptrace.Traces) []out {
	t.Helper()
	h.sink.Reset()
	require.NoError(t, h.proc.ConsumeTraces(context.Background(), td))
	var res []out
	for _, got := range h.sink.AllTraces() {
		rss := got.ResourceSpans()
		for i := 0; i < rss.Len(); i++ {
			sss := rss.At(i).ScopeSpans()
			for j := 0; j < sss.Len(); j++ {
				spans := sss.At(j).Spans()
				for k := 0; k < spans.Len(); k++ {
					res = append(res, attrsOf(spans.At(k).Attributes()))
				}
			}
		}
	}
	return res
}
