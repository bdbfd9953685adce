package genainormalizeprocessor

import (
	"context"
	"testing"

	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/processor/processortest"

	"github.com/periscope-otel/periscope/processor/genainormalizeprocessor/internal/metadata"
)

// FuzzNormalize: any key/value pair on a GenAI span goes through the
// processor without panic and without losing the span.
func FuzzNormalize(f *testing.F) {
	f.Add("gen_ai.input.messages", `[{"role":"user","parts":[{"type":"text","content":"x"}]}]`)
	f.Add("gen_ai.prompt.3.tool_calls.1.arguments", `{"a":`)
	f.Add("llm.input_messages.0.message.contents.2.message_content.text", "\xff")
	f.Add("ai.prompt", `{"system":1,"messages":[null]}`)
	f.Add("langfuse.observation.usage_details", `{"input":-5,"output":"x"}`)
	cfg := createDefaultConfig()
	cfg.RemoveOriginals = true
	cfg.MaxContentBytes = 2048
	p, err := NewFactory().CreateTraces(context.Background(), processortest.NewNopSettings(metadata.Type), cfg, consumertest.NewNop())
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, key, value string) {
		td := ptrace.NewTraces()
		s := td.ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty().Spans().AppendEmpty()
		s.Attributes().PutStr("gen_ai.operation.name", "chat")
		s.Attributes().PutStr(key, value)
		if err := p.ConsumeTraces(context.Background(), td); err != nil {
			t.Fatal(err)
		}
		if td.SpanCount() != 1 {
			t.Fatal("span lost")
		}
	})
}
