package smoke

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"net/http"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/plog/plogotlp"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"

	"github.com/periscope-otel/periscope/internal/testutil"
)

// plant is one content location's set of planted PII and secrets, all
// distinct per location so a leak names its location.
type plant struct {
	loc     string
	text    string   // the content carrying every value
	needles []needle // what must not appear anywhere downstream
}

type needle struct{ kind, value string }

// plants hands out a fresh plant per location.
type plants struct {
	all []*plant
}

func (ps *plants) next(loc string) string {
	i := len(ps.all) + 1
	email := fmt.Sprintf("maria.gonzalez%02d@contoso-mail.com", i)
	card := luhn(fmt.Sprintf("411111%09d", 100000+i))
	if i%2 == 0 {
		card = card[0:4] + " " + card[4:8] + " " + card[8:12] + " " + card[12:]
	}
	phone := fmt.Sprintf("+1 415-555-%04d", 100+i)
	ssn := fmt.Sprintf("5%02d-47-%04d", 10+i, 3100+i)
	iban := ibanDE(fmt.Sprintf("37040044%010d", 532013000+i))
	if i%2 == 1 {
		var b strings.Builder
		for j := 0; j < len(iban); j += 4 {
			if j > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(iban[j:min(j+4, len(iban))])
		}
		iban = b.String()
	}
	openai := "sk-proj-" + pseudo(i, 1, 74) + "T3BlbkFJ" + pseudo(i, 2, 74)
	aws := "AKIA" + strings.ToUpper(pseudoAlpha(i, 3, 16, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"))
	github := "ghp_" + pseudo(i, 4, 36)
	key := pemKey()

	var text string
	if i%2 == 0 {
		// One line, words around the values.
		text = fmt.Sprintf("Customer %s (call %s) paid with card %s, SSN %s, refund to IBAN %s. "+
			"Found in the repo: OPENAI_API_KEY=%s AWS_ACCESS_KEY_ID=%s GITHUB_TOKEN=%s and the deploy key %s",
			email, phone, card, ssn, iban, openai, aws, github, key)
	} else {
		// A multi-line prompt: every value at the start of a line, as a
		// JSON encoding turns into \n escapes right before it.
		text = fmt.Sprintf("Customer record:\n%s\nphone:\n%s\n%s\n%s\n%s\nsecrets:\n%s\n%s\n%s\n%s\n",
			email, phone, card, ssn, iban, openai, aws, github, key)
	}
	p := &plant{loc: loc, text: text}
	p.needles = []needle{{"email", email}, {"phone", phone}, {"credit card", card}, {"SSN", ssn}, {"IBAN", iban},
		{"OpenAI key", openai}, {"AWS key", aws}, {"GitHub token", github},
		// Secrets: a partial mask that leaves the random part is a leak too.
		{"OpenAI key (head)", openai[8:40]}, {"OpenAI key (tail)", openai[len(openai)-32:]},
		{"GitHub token (body)", github[4:24]}, {"AWS key (body)", aws[4:]}}
	for _, l := range strings.Split(key, "\n") {
		if !strings.HasPrefix(l, "-----") && len(l) >= 16 {
			p.needles = append(p.needles, needle{"private key", l})
		}
	}
	ps.all = append(ps.all, p)
	return text
}

// luhn appends the check digit.
func luhn(digits string) string {
	sum := 0
	for i := len(digits) - 1; i >= 0; i-- {
		d := int(digits[i] - '0')
		if (len(digits)-i)%2 == 1 {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return digits + string(rune('0'+(10-sum%10)%10))
}

// ibanDE builds a German IBAN with valid check digits for an 18-digit BBAN.
func ibanDE(bban string) string {
	n, _ := new(big.Int).SetString(bban+"131400", 10) // D=13 E=14, check 00
	check := 98 - new(big.Int).Mod(n, big.NewInt(97)).Int64()
	return fmt.Sprintf("DE%02d%s", check, bban)
}

// pseudo is a deterministic high-entropy alphanumeric string.
func pseudo(i, salt, n int) string {
	return pseudoAlpha(i, salt, n, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
}

func pseudoAlpha(i, salt, n int, alphabet string) string {
	x := uint64(i*7919+salt*104729) | 1
	b := make([]byte, n)
	for j := range b {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		b[j] = alphabet[x%uint64(len(alphabet))]
	}
	return string(b)
}

// pemKey is a fresh EC private key in PEM.
func pemKey() string {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic(err)
	}
	der, err := x509.MarshalECPrivateKey(k)
	if err != nil {
		panic(err)
	}
	return strings.TrimSpace(string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der})))
}

func jsonString(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// piiInput builds spans in every dialect and log records in the official
// instrumentations' shapes, each content location with its own plant.
func piiInput(ps *plants) (ptrace.Traces, plog.Logs, map[spanKey]bool) {
	td := ptrace.NewTraces()
	rs := td.ResourceSpans().AppendEmpty()
	rs.Resource().Attributes().PutStr("service.name", "pii-test")
	spans := rs.ScopeSpans().AppendEmpty().Spans()
	ids := map[spanKey]bool{}
	now := time.Now()
	newSpan := func(name string) (ptrace.Span, pcommon.Map) {
		sp := spans.AppendEmpty()
		var tid [16]byte
		var sid [8]byte
		_, _ = rand.Read(tid[:])
		_, _ = rand.Read(sid[:])
		sp.SetTraceID(tid)
		sp.SetSpanID(sid)
		sp.SetName(name)
		sp.SetKind(ptrace.SpanKindClient)
		sp.SetStartTimestamp(pcommon.NewTimestampFromTime(now.Add(-2 * time.Second)))
		sp.SetEndTimestamp(pcommon.NewTimestampFromTime(now))
		ids[spanKey{sp.TraceID(), sp.SpanID()}] = true
		return sp, sp.Attributes()
	}
	model := func(a pcommon.Map) {
		a.PutStr("gen_ai.request.model", "gpt-4o-mini")
		a.PutInt("gen_ai.usage.input_tokens", 120)
		a.PutInt("gen_ai.usage.output_tokens", 40)
	}

	// Semantic conventions (v1.37+): JSON messages, tool calls inside them.
	_, a := newSpan("chat gpt-4o-mini")
	a.PutStr("gen_ai.operation.name", "chat")
	a.PutStr("gen_ai.provider.name", "openai")
	model(a)
	a.PutStr("gen_ai.system_instructions", jsonString([]any{map[string]any{"type": "text", "content": ps.next("semconv gen_ai.system_instructions")}}))
	a.PutStr("gen_ai.input.messages", jsonString([]any{
		map[string]any{"role": "user", "parts": []any{map[string]any{"type": "text", "content": ps.next("semconv gen_ai.input.messages text")}}},
		map[string]any{"role": "tool", "parts": []any{map[string]any{"type": "tool_call_response", "id": "call_1", "response": ps.next("semconv gen_ai.input.messages tool_call_response")}}},
	}))
	a.PutStr("gen_ai.output.messages", jsonString([]any{map[string]any{"role": "assistant", "finish_reason": "tool_call", "parts": []any{
		map[string]any{"type": "text", "content": ps.next("semconv gen_ai.output.messages text")},
		map[string]any{"type": "tool_call", "id": "call_2", "name": "lookup_customer", "arguments": map[string]any{"query": ps.next("semconv gen_ai.output.messages tool_call arguments")}},
	}}}))

	// Semantic conventions tool execution span.
	_, a = newSpan("execute_tool lookup_customer")
	a.PutStr("gen_ai.operation.name", "execute_tool")
	a.PutStr("gen_ai.tool.name", "lookup_customer")
	a.PutStr("gen_ai.tool.call.id", "call_2")
	a.PutStr("gen_ai.tool.call.arguments", jsonString(map[string]any{"query": ps.next("semconv gen_ai.tool.call.arguments")}))
	a.PutStr("gen_ai.tool.call.result", ps.next("semconv gen_ai.tool.call.result"))

	// Older semantic conventions: content in span events.
	sp, a := newSpan("chat gpt-4o")
	a.PutStr("gen_ai.system", "openai")
	a.PutStr("gen_ai.operation.name", "chat")
	model(a)
	ev := sp.Events().AppendEmpty()
	ev.SetName("gen_ai.content.prompt")
	ev.Attributes().PutStr("gen_ai.prompt", jsonString([]any{map[string]any{"role": "user", "content": ps.next("span event gen_ai.content.prompt")}}))
	ev = sp.Events().AppendEmpty()
	ev.SetName("gen_ai.content.completion")
	ev.Attributes().PutStr("gen_ai.completion", jsonString([]any{map[string]any{"role": "assistant", "content": ps.next("span event gen_ai.content.completion")}}))
	// Azure / Semantic Kernel (v1.28-style events).
	sp, a = newSpan("chat gpt-4o")
	a.PutStr("gen_ai.system", "az.ai.inference")
	a.PutStr("gen_ai.operation.name", "chat")
	model(a)
	ev = sp.Events().AppendEmpty()
	ev.SetName("gen_ai.user.message")
	ev.Attributes().PutStr("gen_ai.system", "az.ai.inference")
	ev.Attributes().PutStr("gen_ai.event.content", jsonString(map[string]any{"role": "user", "content": ps.next("span event gen_ai.user.message gen_ai.event.content")}))
	ev = sp.Events().AppendEmpty()
	ev.SetName("gen_ai.choice")
	ev.Attributes().PutStr("gen_ai.event.content", jsonString(map[string]any{"finish_reason": "stop", "index": 0,
		"message": map[string]any{"content": ps.next("span event gen_ai.choice gen_ai.event.content")}}))

	// OpenLLMetry: flattened prompts and completions, tool calls.
	_, a = newSpan("openai.chat")
	a.PutStr("gen_ai.system", "openai")
	a.PutStr("llm.request.type", "chat")
	model(a)
	a.PutStr("gen_ai.prompt.0.role", "system")
	a.PutStr("gen_ai.prompt.0.content", ps.next("openllmetry gen_ai.prompt.0.content"))
	a.PutStr("gen_ai.prompt.1.role", "user")
	a.PutStr("gen_ai.prompt.1.content", ps.next("openllmetry gen_ai.prompt.1.content"))
	a.PutStr("gen_ai.completion.0.role", "assistant")
	a.PutStr("gen_ai.completion.0.content", ps.next("openllmetry gen_ai.completion.0.content"))
	a.PutStr("gen_ai.completion.0.finish_reason", "tool_calls")
	a.PutStr("gen_ai.completion.0.tool_calls.0.name", "lookup_customer")
	a.PutStr("gen_ai.completion.0.tool_calls.0.arguments", jsonString(map[string]any{"query": ps.next("openllmetry gen_ai.completion.0.tool_calls.0.arguments")}))
	// OpenLLMetry tool span (traceloop entity input/output).
	_, a = newSpan("lookup_customer.tool")
	a.PutStr("traceloop.span.kind", "tool")
	a.PutStr("traceloop.entity.name", "lookup_customer")
	a.PutStr("traceloop.entity.input", jsonString(map[string]any{"args": []any{ps.next("openllmetry traceloop.entity.input")}}))
	a.PutStr("traceloop.entity.output", jsonString(ps.next("openllmetry traceloop.entity.output")))

	// OpenInference: LLM messages, input/output values, retrieval documents.
	_, a = newSpan("ChatCompletion")
	a.PutStr("openinference.span.kind", "LLM")
	a.PutStr("llm.provider", "openai")
	a.PutStr("llm.model_name", "gpt-4o-mini")
	a.PutInt("llm.token_count.prompt", 120)
	a.PutInt("llm.token_count.completion", 40)
	a.PutStr("llm.input_messages.0.message.role", "user")
	a.PutStr("llm.input_messages.0.message.content", ps.next("openinference llm.input_messages.0.message.content"))
	a.PutStr("llm.output_messages.0.message.role", "assistant")
	a.PutStr("llm.output_messages.0.message.content", ps.next("openinference llm.output_messages.0.message.content"))
	a.PutStr("llm.output_messages.0.message.tool_calls.0.tool_call.function.name", "lookup_customer")
	a.PutStr("llm.output_messages.0.message.tool_calls.0.tool_call.function.arguments", jsonString(map[string]any{"query": ps.next("openinference tool_call.function.arguments")}))
	a.PutStr("input.value", jsonString(map[string]any{"messages": []any{map[string]any{"role": "user", "content": ps.next("openinference input.value")}}}))
	a.PutStr("input.mime_type", "application/json")
	a.PutStr("output.value", ps.next("openinference output.value"))
	_, a = newSpan("retrieve")
	a.PutStr("openinference.span.kind", "RETRIEVER")
	a.PutStr("input.value", ps.next("openinference retriever input.value"))
	a.PutStr("retrieval.documents.0.document.id", "doc-1")
	a.PutStr("retrieval.documents.0.document.content", ps.next("openinference retrieval.documents.0.document.content"))
	a.PutStr("retrieval.documents.1.document.content", ps.next("openinference retrieval.documents.1.document.content"))
	_, a = newSpan("lookup_customer")
	a.PutStr("openinference.span.kind", "TOOL")
	a.PutStr("tool.name", "lookup_customer")
	a.PutStr("tool.parameters", jsonString(map[string]any{"query": ps.next("openinference tool.parameters")}))
	a.PutStr("output.value", ps.next("openinference tool output.value"))

	_, a = newSpan("rag-pipeline")
	a.PutStr("openinference.span.kind", "CHAIN")
	a.PutStr("input.value", ps.next("openinference CHAIN input.value"))
	a.PutStr("output.value", jsonString(map[string]any{"answer": ps.next("openinference CHAIN output.value")}))
	a.PutStr("llm.prompt_template.variables", jsonString(map[string]any{"question": ps.next("openinference llm.prompt_template.variables")}))

	// Langfuse SDK.
	_, a = newSpan("summarise")
	a.PutStr("langfuse.observation.type", "generation")
	a.PutStr("gen_ai.request.model", "gpt-4o-mini")
	a.PutStr("langfuse.observation.input", jsonString([]any{map[string]any{"role": "user", "content": ps.next("langfuse langfuse.observation.input")}}))
	a.PutStr("langfuse.observation.output", jsonString(ps.next("langfuse langfuse.observation.output")))
	a.PutStr("langfuse.observation.metadata.customer", ps.next("langfuse langfuse.observation.metadata.customer"))
	a.PutStr("langfuse.trace.metadata.customer", ps.next("langfuse langfuse.trace.metadata.customer"))

	// Vercel AI SDK.
	_, a = newSpan("ai.generateText")
	a.PutStr("ai.operationId", "ai.generateText")
	a.PutStr("operation.name", "ai.generateText support-bot")
	a.PutStr("ai.model.provider", "openai.chat")
	a.PutStr("ai.model.id", "gpt-4o-mini")
	a.PutStr("ai.prompt", jsonString(map[string]any{"system": ps.next("vercel ai.prompt system"), "prompt": ps.next("vercel ai.prompt prompt")}))
	a.PutStr("ai.response.text", ps.next("vercel ai.response.text"))
	a.PutStr("ai.telemetry.metadata.customer", ps.next("vercel ai.telemetry.metadata.customer"))
	_, a = newSpan("ai.generateText.doGenerate")
	a.PutStr("ai.operationId", "ai.generateText.doGenerate")
	a.PutStr("operation.name", "ai.generateText.doGenerate support-bot")
	a.PutStr("ai.model.provider", "openai.chat")
	a.PutStr("ai.model.id", "gpt-4o-mini")
	a.PutStr("gen_ai.system", "openai.chat")
	a.PutStr("gen_ai.request.model", "gpt-4o-mini")
	a.PutInt("ai.usage.promptTokens", 120)
	a.PutInt("ai.usage.completionTokens", 40)
	a.PutStr("ai.prompt.messages", jsonString([]any{map[string]any{"role": "user", "content": []any{map[string]any{"type": "text", "text": ps.next("vercel ai.prompt.messages")}}}}))
	a.PutStr("ai.response.text", ps.next("vercel doGenerate ai.response.text"))
	a.PutStr("ai.response.toolCalls", jsonString([]any{map[string]any{"toolCallId": "call_f1", "toolName": "lookup_customer",
		"input": jsonString(map[string]any{"query": ps.next("vercel ai.response.toolCalls input")})}}))
	_, a = newSpan("ai.toolCall")
	a.PutStr("ai.operationId", "ai.toolCall")
	a.PutStr("operation.name", "ai.toolCall support-bot")
	a.PutStr("ai.toolCall.name", "lookup_customer")
	a.PutStr("ai.toolCall.id", "call_f1")
	a.PutStr("ai.toolCall.args", jsonString(map[string]any{"query": ps.next("vercel ai.toolCall.args")}))
	a.PutStr("ai.toolCall.result", jsonString(map[string]any{"record": ps.next("vercel ai.toolCall.result")}))

	// Logs: the official instrumentations (openai-v2 events, one record per
	// message, content in the body), each call with its span.
	ld := plog.NewLogs()
	rl := ld.ResourceLogs().AppendEmpty()
	rl.Resource().Attributes().PutStr("service.name", "pii-test")
	lrs := rl.ScopeLogs().AppendEmpty().LogRecords()
	callSpan, a := newSpan("chat gpt-4o-mini")
	a.PutStr("gen_ai.operation.name", "chat")
	a.PutStr("gen_ai.system", "openai")
	model(a)
	record := func(event string) plog.LogRecord {
		lr := lrs.AppendEmpty()
		lr.SetTimestamp(pcommon.NewTimestampFromTime(now))
		lr.SetTraceID(callSpan.TraceID())
		lr.SetSpanID(callSpan.SpanID())
		lr.Attributes().PutStr("event.name", event)
		lr.Attributes().PutStr("gen_ai.system", "openai")
		return lr
	}
	record("gen_ai.system.message").Body().SetEmptyMap().PutStr("content", ps.next("log gen_ai.system.message body.content"))
	record("gen_ai.user.message").Body().SetEmptyMap().PutStr("content", ps.next("log gen_ai.user.message body.content"))
	tm := record("gen_ai.tool.message").Body().SetEmptyMap()
	tm.PutStr("id", "call_3")
	tm.PutStr("content", ps.next("log gen_ai.tool.message body.content"))
	ch := record("gen_ai.choice").Body().SetEmptyMap()
	ch.PutInt("index", 0)
	ch.PutStr("finish_reason", "tool_calls")
	msg := ch.PutEmptyMap("message")
	msg.PutStr("role", "assistant")
	msg.PutStr("content", ps.next("log gen_ai.choice body.message.content"))
	tc := msg.PutEmptySlice("tool_calls").AppendEmpty().SetEmptyMap()
	tc.PutStr("id", "call_3")
	tc.PutStr("type", "function")
	fn := tc.PutEmptyMap("function")
	fn.PutStr("name", "lookup_customer")
	fn.PutStr("arguments", jsonString(map[string]any{"query": ps.next("log gen_ai.choice body tool_calls arguments")}))
	// A plain string body.
	record("gen_ai.user.message").Body().SetStr(ps.next("log string body"))

	// Semantic conventions v1.37+: one event per call, content in attributes
	// (structured, not JSON strings).
	detailSpan, a := newSpan("chat gpt-4o-mini")
	a.PutStr("gen_ai.operation.name", "chat")
	a.PutStr("gen_ai.provider.name", "openai")
	model(a)
	lr := lrs.AppendEmpty()
	lr.SetTimestamp(pcommon.NewTimestampFromTime(now))
	lr.SetTraceID(detailSpan.TraceID())
	lr.SetSpanID(detailSpan.SpanID())
	lr.SetEventName("gen_ai.client.inference.operation.details")
	la := lr.Attributes()
	la.PutStr("gen_ai.operation.name", "chat")
	la.PutStr("gen_ai.provider.name", "openai")
	la.PutStr("gen_ai.request.model", "gpt-4o-mini")
	si := la.PutEmptySlice("gen_ai.system_instructions").AppendEmpty().SetEmptyMap()
	si.PutStr("type", "text")
	si.PutStr("content", ps.next("log attribute gen_ai.system_instructions"))
	in := la.PutEmptySlice("gen_ai.input.messages").AppendEmpty().SetEmptyMap()
	in.PutStr("role", "user")
	part := in.PutEmptySlice("parts").AppendEmpty().SetEmptyMap()
	part.PutStr("type", "text")
	part.PutStr("content", ps.next("log attribute gen_ai.input.messages"))
	out := la.PutEmptySlice("gen_ai.output.messages").AppendEmpty().SetEmptyMap()
	out.PutStr("role", "assistant")
	out.PutStr("finish_reason", "stop")
	part = out.PutEmptySlice("parts").AppendEmpty().SetEmptyMap()
	part.PutStr("type", "text")
	part.PutStr("content", ps.next("log attribute gen_ai.output.messages"))
	// The same attributes as JSON strings.
	lr = lrs.AppendEmpty()
	lr.SetTimestamp(pcommon.NewTimestampFromTime(now))
	lr.SetTraceID(detailSpan.TraceID())
	lr.SetSpanID(detailSpan.SpanID())
	lr.SetEventName("gen_ai.client.inference.operation.details")
	lr.Attributes().PutStr("gen_ai.provider.name", "openai")
	lr.Attributes().PutStr("gen_ai.input.messages", jsonString([]any{map[string]any{"role": "user", "parts": []any{map[string]any{"type": "text", "content": ps.next("log attribute gen_ai.input.messages (JSON string)")}}}}))
	lr.Attributes().PutStr("gen_ai.tool.call.arguments", jsonString(map[string]any{"query": ps.next("log attribute gen_ai.tool.call.arguments")}))
	lr.Attributes().PutStr("gen_ai.tool.call.result", ps.next("log attribute gen_ai.tool.call.result"))
	return td, ld, ids
}

// TestAgentRedactsPlantedPII sends planted e-mails, cards, phones, IBANs,
// SSNs, API keys (OpenAI, AWS, GitHub) and PEM private keys in every dialect
// and content location through config/agent.yaml, with the agent logging at
// debug level, to an in-process OTLP/gRPC backend standing in for the
// gateway, and checks that no planted value appears in plaintext in anything
// the agent exported (raw protobuf and every string, JSON-decoded where it is
// JSON) or in the agent's own log.
func TestAgentRedactsPlantedPII(t *testing.T) {
	bin := periscopeBin(t)
	t.Parallel()
	start := time.Now()
	root := testutil.RepoRoot(t)
	sink := startSink(t, nil)
	ports := testutil.FreePorts(t, 4)
	addr := func(p int) string { return fmt.Sprintf("127.0.0.1:%d", p) }
	agent := &collector{health: "http://" + addr(ports[2]) + "/", httpURL: "http://" + addr(ports[1])}
	agent.runConfigs(t, "agent", bin, []string{
		filepath.Join(root, "config", "agent.yaml"),
		"yaml:service::telemetry::logs::level: debug",
	}, t.TempDir(), []string{
		"PERISCOPE_OTLP_GRPC_ENDPOINT=" + addr(ports[0]),
		"PERISCOPE_OTLP_HTTP_ENDPOINT=" + addr(ports[1]),
		"PERISCOPE_HEALTH_ENDPOINT=" + addr(ports[2]),
		"PERISCOPE_TELEMETRY_HOST=127.0.0.1",
		fmt.Sprintf("PERISCOPE_TELEMETRY_PORT=%d", ports[3]),
		"PERISCOPE_GATEWAY_ENDPOINT=" + sink.addr,
	})

	ps := &plants{}
	td, ld, ids := piiInput(ps)
	nLogs := ld.LogRecordCount()
	// The planted values are really in the input: the check below is not vacuous.
	inTraces, _ := ptraceotlp.NewExportRequestFromTraces(td).MarshalProto()
	inLogs, _ := plogotlp.NewExportRequestFromLogs(ld).MarshalProto()
	for _, p := range ps.all {
		if !bytes.Contains(inTraces, []byte(p.needles[0].value)) && !bytes.Contains(inLogs, []byte(p.needles[0].value)) {
			t.Fatalf("%s: planted e-mail not in the input", p.loc)
		}
	}
	postProto(t, agent.httpURL+"/v1/traces", inTraces)
	postProto(t, agent.httpURL+"/v1/logs", inLogs)

	if missing := sink.waitSpans(ids, 30*time.Second); missing > 0 {
		t.Errorf("%d of %d spans did not arrive", missing, len(ids))
	}
	deadline := time.Now().Add(30 * time.Second)
	for sink.logCount() < nLogs && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	if n := sink.logCount(); n < nLogs {
		t.Errorf("%d of %d log records arrived", n, nLogs)
	}
	// Stop the agent so its log is complete (shutdown logs at debug too).
	if err := agent.stop(t); err != nil {
		t.Errorf("agent exit after SIGTERM: %v", err)
	}
	t.Logf("%d locations x %d values planted; %d spans and %d log records delivered (%v); agent log %d bytes",
		len(ps.all), len(ps.all[0].needles), len(sink.spanIDs()), sink.logCount(), time.Since(start).Round(time.Millisecond), len(agent.out.String()))

	if !strings.Contains(agent.out.String(), "\tdebug\t") {
		t.Error("the agent logged no debug line: its log level was not debug")
	}

	// Everything exported: the raw requests and every string in them,
	// JSON-decoded where a string holds JSON.
	sink.mu.Lock()
	haystacks := map[string][]string{}
	for _, raw := range sink.raw {
		haystacks["exported request"] = append(haystacks["exported request"], string(raw))
	}
	for _, td := range sink.traces {
		for _, rs := range td.ResourceSpans().All() {
			collectStrings(rs.Resource().Attributes(), "resource", haystacks)
			for _, ss := range rs.ScopeSpans().All() {
				for _, sp := range ss.Spans().All() {
					haystacks["span name"] = append(haystacks["span name"], sp.Name())
					collectStrings(sp.Attributes(), "span "+sp.Name(), haystacks)
					for _, ev := range sp.Events().All() {
						collectStrings(ev.Attributes(), "span "+sp.Name()+" event "+ev.Name(), haystacks)
					}
				}
			}
		}
	}
	for _, ld := range sink.logs {
		for _, rl := range ld.ResourceLogs().All() {
			for _, sl := range rl.ScopeLogs().All() {
				for _, lr := range sl.LogRecords().All() {
					collectValue(lr.Body(), "log body", haystacks)
					collectStrings(lr.Attributes(), "log", haystacks)
				}
			}
		}
	}
	sink.mu.Unlock()
	haystacks["agent log (debug)"] = []string{agent.out.String()}

	reportLeaks(t, ps, haystacks)
}

// reportLeaks fails the test for every planted value found in any haystack
// and names where it was planted and where it turned up.
func reportLeaks(t *testing.T, ps *plants, haystacks map[string][]string) {
	t.Helper()
	leaks := 0
	for _, p := range ps.all {
		var kinds []string
		where := map[string]bool{}
		for _, n := range p.needles {
			found := false
			for w, hs := range haystacks {
				for _, h := range hs {
					if strings.Contains(h, n.value) {
						found = true
						if !strings.HasSuffix(w, "(JSON)") && w != "exported request" {
							where[w] = true
						}
						break
					}
				}
			}
			if found {
				leaks++
				if len(kinds) == 0 || kinds[len(kinds)-1] != n.kind {
					kinds = append(kinds, n.kind)
				}
			}
		}
		if len(kinds) > 0 {
			ws := make([]string, 0, len(where))
			for w := range where {
				ws = append(ws, w)
			}
			sort.Strings(ws)
			t.Errorf("planted in %s: %s leaked, into %s", p.loc, strings.Join(kinds, ", "), strings.Join(ws, "; "))
		}
	}
	if leaks > 0 {
		t.Errorf("%d planted values of %d leaked", leaks, len(ps.all)*len(ps.all[0].needles))
	}
}

func postProto(t *testing.T, url string, body []byte) {
	t.Helper()
	resp, err := http.Post(url, "application/x-protobuf", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("POST %s: %s", url, resp.Status)
	}
}

// collectStrings adds every string under m to out[where key], plus the
// string leaves of JSON-encoded values.
func collectStrings(m pcommon.Map, where string, out map[string][]string) {
	for k, v := range m.All() {
		collectValue(v, where+" "+k, out)
	}
}

func collectValue(v pcommon.Value, where string, out map[string][]string) {
	switch v.Type() {
	case pcommon.ValueTypeStr:
		s := v.Str()
		out[where] = append(out[where], s)
		if t := strings.TrimSpace(s); strings.HasPrefix(t, "{") || strings.HasPrefix(t, "[") || strings.HasPrefix(t, `"`) {
			var x any
			if json.Unmarshal([]byte(t), &x) == nil {
				collectJSON(x, where+" (JSON)", out)
			}
		}
	case pcommon.ValueTypeMap:
		collectStrings(v.Map(), where, out)
	case pcommon.ValueTypeSlice:
		for _, x := range v.Slice().All() {
			collectValue(x, where+"[]", out)
		}
	case pcommon.ValueTypeBytes:
		out[where] = append(out[where], string(v.Bytes().AsRaw()))
	}
}

func collectJSON(x any, where string, out map[string][]string) {
	switch x := x.(type) {
	case string:
		out[where] = append(out[where], x)
		var y any
		if t := strings.TrimSpace(x); (strings.HasPrefix(t, "{") || strings.HasPrefix(t, "[")) && json.Unmarshal([]byte(t), &y) == nil {
			collectJSON(y, where, out)
		}
	case map[string]any:
		for _, v := range x {
			collectJSON(v, where, out)
		}
	case []any:
		for _, v := range x {
			collectJSON(v, where, out)
		}
	}
}
