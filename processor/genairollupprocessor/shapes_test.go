package genairollupprocessor

import (
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// Synthetic traces in the shapes real agent frameworks emit, with known
// totals. Costs are written the way genai_cost writes them (it runs before
// genai_rollup in every shipped pipeline).

type shape struct {
	name  string
	specs []spec
	// want maps span names to the rollup they must carry; every other span
	// must carry none.
	want map[string]rollup
}

func priced(usd float64, a map[string]any) map[string]any {
	a["gen_ai.usage.cost"] = usd
	a["periscope.cost.source"] = "local"
	a["periscope.cost.price_id"] = "openai/gpt-4.1-mini"
	return a
}

func semconvChat(in, out int64) map[string]any {
	return map[string]any{
		"gen_ai.operation.name": "chat", "gen_ai.provider.name": "openai",
		"gen_ai.request.model": "gpt-4.1-mini", "gen_ai.usage.input_tokens": in, "gen_ai.usage.output_tokens": out,
	}
}

func semconvTool(name, args string) map[string]any {
	a := map[string]any{"gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": name, "gen_ai.tool.type": "function"}
	if args != "" {
		a["gen_ai.tool.call.arguments"] = args
	}
	return a
}

func semconvAgent(name string) map[string]any {
	return map[string]any{"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": name, "gen_ai.provider.name": "openai",
		// Aggregate usage on the agent span (v1.41 recommends it): never added.
		"gen_ai.usage.input_tokens": 99999, "gen_ai.usage.output_tokens": 99999}
}

// semconvShape: an OpenAI Agents SDK run (python-contrib openai-agents):
// invoke_agent > chat, execute_tool, execute_tool (error), chat.
func semconvShape() shape {
	return shape{
		name: "semconv",
		specs: withTrace("semconv", []spec{
			{id: "agent", name: "invoke_agent Railtrip", attrs: semconvAgent("Railtrip")},
			{id: "chat1", parent: "agent", name: "chat gpt-4.1-mini", kind: ptrace.SpanKindClient, attrs: priced(0.000128, semconvChat(196, 27))},
			{id: "tool1", parent: "agent", name: "execute_tool get_train_times", attrs: semconvTool("get_train_times", `{"origin": "Lyon", "destination": "Geneva"}`)},
			{id: "tool2", parent: "agent", name: "execute_tool book_seat", err: true, attrs: semconvTool("book_seat", `{"train": "TGV 9771"}`)},
			{id: "http", parent: "tool1", name: "GET /timetable", kind: ptrace.SpanKindClient, attrs: map[string]any{"http.request.method": "GET"}},
			{id: "chat2", parent: "agent", name: "chat gpt-4.1-mini #2", kind: ptrace.SpanKindClient, attrs: priced(0.0001926, semconvChat(262, 56))},
		}),
		want: map[string]rollup{
			"invoke_agent Railtrip": {Cost: 0.0003206, HasCost: true, In: 458, Out: 83, Model: 2, Tools: 2, ToolErrors: 1},
		},
	}
}

// openInferenceShape: a LangGraph/LangChain agent instrumented by
// OpenInference: CHAIN root > AGENT > LLM, TOOL, CHAIN > LLM; and a
// retriever outside the agent.
func openInferenceShape() shape {
	llm := func(in, out int64, cost float64) map[string]any {
		return map[string]any{"openinference.span.kind": "LLM", "llm.model_name": "gpt-4o-mini", "llm.provider": "openai",
			"llm.token_count.prompt": in, "llm.token_count.completion": out, "llm.token_count.total": in + out, "llm.cost.total": cost}
	}
	return shape{
		name: "openinference",
		specs: withTrace("openinference", []spec{
			{id: "root", name: "LangGraph", kind: ptrace.SpanKindServer, attrs: map[string]any{"openinference.span.kind": "CHAIN", "input.value": "plan my trip"}},
			{id: "retr", parent: "root", name: "VectorStoreRetriever", attrs: map[string]any{"openinference.span.kind": "RETRIEVER"}},
			{id: "agent", parent: "root", name: "AgentExecutor", attrs: map[string]any{"openinference.span.kind": "AGENT", "agent.name": "planner"}},
			{id: "llm1", parent: "agent", name: "ChatOpenAI", attrs: llm(1000, 100, 0.0003)},
			{id: "tool", parent: "agent", name: "search", attrs: map[string]any{"openinference.span.kind": "TOOL", "tool.name": "search", "input.value": `{"q":"lisbon hotels"}`}},
			{id: "chain", parent: "agent", name: "RunnableSequence", attrs: map[string]any{"openinference.span.kind": "CHAIN"}},
			{id: "llm2", parent: "chain", name: "ChatOpenAI #2", attrs: llm(2000, 200, 0.0006)},
			{id: "llm3", parent: "root", name: "ChatOpenAI #3", attrs: llm(500, 50, 0.00015)},
		}),
		want: map[string]rollup{
			"AgentExecutor": {Cost: 0.0009, HasCost: true, In: 3000, Out: 300, Model: 2, Tools: 1},
			"LangGraph":     {Cost: 0.00105, HasCost: true, In: 3500, Out: 350, Model: 3, Tools: 1},
		},
	}
}

// openLLMetryShape: Traceloop SDK decorators: workflow > task > openai.chat,
// workflow > tool.
func openLLMetryShape() shape {
	chat := func(in, out int64, cost float64) map[string]any {
		return priced(cost, map[string]any{"llm.request.type": "chat", "gen_ai.system": "openai", "gen_ai.request.model": "gpt-4o",
			"gen_ai.usage.prompt_tokens": in, "gen_ai.usage.completion_tokens": out, "llm.usage.total_tokens": in + out})
	}
	return shape{
		name: "openllmetry",
		specs: withTrace("openllmetry", []spec{
			{id: "wf", name: "answer_ticket.workflow", attrs: map[string]any{"traceloop.span.kind": "workflow", "traceloop.workflow.name": "answer_ticket", "traceloop.entity.name": "answer_ticket"}},
			{id: "task", parent: "wf", name: "classify.task", attrs: map[string]any{"traceloop.span.kind": "task", "traceloop.entity.name": "classify"}},
			{id: "chat1", parent: "task", name: "openai.chat", kind: ptrace.SpanKindClient, attrs: chat(58, 33, 0.000475)},
			{id: "tool", parent: "wf", name: "lookup_order.tool", attrs: map[string]any{"traceloop.span.kind": "tool", "traceloop.entity.name": "lookup_order",
				"traceloop.entity.input": `{"args":[],"kwargs":{"order_id":"A-1182"}}`}},
			{id: "chat2", parent: "wf", name: "openai.chat #2", kind: ptrace.SpanKindClient, attrs: chat(120, 40, 0.0007)},
		}),
		want: map[string]rollup{
			"answer_ticket.workflow": {Cost: 0.001175, HasCost: true, In: 178, Out: 73, Model: 2, Tools: 1},
		},
	}
}

// vercelShape: AI SDK generateText with two steps and one tool call.
func vercelShape() shape {
	gen := func(in, out int64, cost float64) map[string]any {
		return priced(cost, map[string]any{"ai.operationId": "ai.generateText.doGenerate", "operation.name": "ai.generateText.doGenerate trip-planner",
			"ai.model.id": "gpt-4o-mini", "ai.model.provider": "openai.chat", "gen_ai.system": "openai.chat",
			"ai.usage.promptTokens": in, "ai.usage.completionTokens": out, "gen_ai.usage.input_tokens": in, "gen_ai.usage.output_tokens": out})
	}
	return shape{
		name: "vercel",
		specs: withTrace("vercel", []spec{
			{id: "root", name: "ai.generateText", attrs: map[string]any{"ai.operationId": "ai.generateText", "operation.name": "ai.generateText trip-planner",
				"ai.model.id": "gpt-4o-mini", "ai.usage.promptTokens": 431, "ai.usage.completionTokens": 58}},
			{id: "gen1", parent: "root", name: "ai.generateText.doGenerate", attrs: gen(182, 22, 0.0000405)},
			{id: "tool", parent: "root", name: "ai.toolCall", attrs: map[string]any{"ai.operationId": "ai.toolCall", "ai.toolCall.name": "searchFlights",
				"ai.toolCall.id": "call_1", "ai.toolCall.args": `{"from":"OSL","to":"LIS"}`}},
			{id: "gen2", parent: "root", name: "ai.generateText.doGenerate #2", attrs: gen(249, 36, 0.00005895)},
		}),
		want: map[string]rollup{
			"ai.generateText": {Cost: 0.00009945, HasCost: true, In: 431, Out: 58, Model: 2, Tools: 1},
		},
	}
}

// nestedShape: an orchestrator agent delegating to a sub-agent (semconv),
// with a tool of the sub-agent that calls the same search three times.
func nestedShape() shape {
	return shape{
		name: "nested",
		specs: withTrace("nested", []spec{
			{id: "http", name: "POST /chat", kind: ptrace.SpanKindServer, attrs: map[string]any{"http.request.method": "POST"}},
			{id: "outer", parent: "http", name: "invoke_agent Orchestrator", attrs: semconvAgent("Orchestrator")},
			{id: "c1", parent: "outer", name: "chat 1", attrs: priced(0.1, semconvChat(100, 10))},
			{id: "inner", parent: "outer", name: "invoke_agent Researcher", attrs: semconvAgent("Researcher")},
			{id: "c2", parent: "inner", name: "chat 2", attrs: priced(0.2, semconvChat(200, 20))},
			{id: "t1", parent: "inner", name: "search 1", attrs: semconvTool("search", `{"q": "rail strikes"}`)},
			{id: "t2", parent: "inner", name: "search 2", attrs: semconvTool("search", `{"q":"rail strikes"}`)},
			{id: "t3", parent: "inner", name: "search 3", attrs: semconvTool("search", "{\n  \"q\": \"rail strikes\"\n}")},
			{id: "c3", parent: "outer", name: "chat 3", attrs: priced(0.4, semconvChat(400, 40))},
			{id: "t4", parent: "outer", name: "search 4", attrs: semconvTool("search", `{"q":"rail strikes"}`)},
		}),
		want: map[string]rollup{
			"invoke_agent Researcher":   {Cost: 0.2, HasCost: true, In: 200, Out: 20, Model: 1, Tools: 3, Loop: true, LoopTool: "search"},
			"invoke_agent Orchestrator": {Cost: 0.7, HasCost: true, In: 700, Out: 70, Model: 3, Tools: 4},
			"POST /chat":                {Cost: 0.7, HasCost: true, In: 700, Out: 70, Model: 3, Tools: 4},
		},
	}
}

func allShapes() []shape {
	return []shape{semconvShape(), openInferenceShape(), openLLMetryShape(), vercelShape(), nestedShape()}
}
