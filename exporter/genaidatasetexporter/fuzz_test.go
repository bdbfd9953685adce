package genaidatasetexporter

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/periscope-otel/periscope/internal/genai"
)

// FuzzRowBuilder: arbitrary attributes (content keys with arbitrary
// values, evaluation and cost keys of any type) never panic the reader or
// the row builder, and every row written is valid JSON of the v1 schema.
func FuzzRowBuilder(f *testing.F) {
	f.Add("gen_ai.input.messages", `[{"role":"user","parts":[{"type":"text","content":"hi"}]}]`, "gen_ai.output.messages", `[{"role":"assistant","parts":[{"type":"tool_call","name":"f","arguments":{"a":1}}]}]`, 0.7, int64(3))
	f.Add("gen_ai.prompt.0.content", "\xff\xfe", "gen_ai.completion.0.content", `{"x":`, -1.0, int64(-5))
	f.Add("llm.input_messages.0.message.role", "user", "periscope.eval.failed", "pii", 2.0, int64(1<<62))
	f.Add("gen_ai.tool.definitions", `[{"type":"function","name":"f","parameters":"nope"}]`, "gen_ai.system_instructions", `[{"type":"blob","content":"AAAA"}]`, 0.0, int64(0))
	var schema *jsonschema.Schema
	f.Fuzz(func(t *testing.T, k1, v1, k2, v2 string, score float64, n int64) {
		if schema == nil {
			schema = rowSchema(t)
		}
		span := ptrace.NewSpan()
		span.SetTraceID(pcommon.TraceID{1})
		span.SetSpanID(pcommon.SpanID{2})
		a := span.Attributes()
		a.PutStr("gen_ai.operation.name", "chat")
		a.PutStr(k1, v1)
		a.PutStr(k2, v2)
		a.PutDouble("periscope.eval."+k1, score)
		a.PutInt("gen_ai.usage.input_tokens", n)
		a.PutStr("gen_ai.input.messages", v1)
		a.PutDouble("gen_ai.usage.cost", score)
		ev := span.Events().AppendEmpty()
		ev.SetName("gen_ai.evaluation.result")
		ev.Attributes().PutStr("gen_ai.evaluation.name", k2)
		ev.Attributes().PutStr("gen_ai.evaluation.score.label", v2)
		ev.Attributes().PutDouble("gen_ai.evaluation.score.value", score)
		v := genai.ReadSpan(span, pcommon.NewResource(), genai.Options{Content: true, MaxContentBytes: 1 << 16})
		c := call{trace: span.TraceID(), span: span.SpanID(), source: "span", view: &v}
		c.ann.readAttrs(span.Attributes())
		c.ann.readResult(ev.Attributes())
		var buf bytes.Buffer
		if err := appendRow(&buf, &c); err != nil {
			return // NaN/Inf scores are refused by encoding/json: skipped, never a panic
		}
		if !json.Valid(buf.Bytes()) {
			t.Fatalf("invalid JSON: %q", buf.String())
		}
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(buf.Bytes()))
		if err != nil {
			t.Fatal(err)
		}
		if err := schema.Validate(doc); err != nil {
			t.Fatalf("%v\n%s", err, buf.String())
		}
	})
}
