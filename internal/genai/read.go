package genai

import (
	"math"
	"math/bits"
	"strconv"
	"strings"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// Canonical string fields, each read from several source keys in priority
// order (genai-span-formats.md §3.2). A slot index is the priority.
type strField uint8

const (
	fOperation strField = iota
	fProvider
	fRequestModel
	fResponseModel
	fResponseID
	fConversation
	fUser
	fAgent
	fWorkflow
	fTool
	fPromptName
	fPromptVersion
	fPromptTemplate
	numStrFields
)

const slotsPerField = 10

// Token counts, same scheme.
type intField uint8

const (
	iInput intField = iota
	iOutput
	iTotal
	iCacheRead
	iCacheWrite
	iReasoning
	numIntFields
)

// Dialect marks seen while scanning; the strongest wins (see dialect()).
type mark uint16

const (
	mSemconv mark = 1 << iota
	mSemconvLegacy
	mOpenLLMetry
	mOpenInference
	mOpenLIT
	mVercel
	mLangfuse
	mLogfire
	mMLflow
)

// reader accumulates what one span (or one group of log records) says.
type reader struct {
	opts  Options
	b     budget
	v     View // the result, filled in place (a field, so nothing escapes)
	marks mark

	strs   [numStrFields][slotsPerField]string
	strSet [numStrFields]uint16 // bit per non-empty slot
	ints   [numIntFields][slotsPerField]int64
	intSet [numIntFields]uint16 // bit per slot

	// Category markers in priority order.
	opName, oiKind, lfType, mlType, llmReqType, tlKind, aiOpID string

	provFromHost string
	finish       []string // from gen_ai.response.finish_reasons or equivalents
	finishAlt    string   // llm.finish_reason, ai.response.finishReason
	netOfCache   bool     // dialect reports input net of cache (Langfuse)
	netReasoning bool     // dialect reports output net of reasoning (Langfuse)

	cost       *Cost
	costIsOurs bool

	// Tool-call spans: name, id, arguments, result.
	toolName, toolID, toolArgs, toolResult string

	// Content candidates, by family; resolved in priority order.
	sysInstr                   any
	inMsgs, outMsgs            any
	legacyPrompt, legacyCompl  any
	vercelPrompt, vercelMsgs   any
	vercelText, vercelTools    string
	lfInput, lfOutput          any
	mlInputs, mlOutputs        any
	logfireReq, logfireResp    any
	oiInputValue, oiOutputVal  string
	flatIn, flatOut            flatMessages // OpenLLMetry gen_ai.prompt.N / llm.prompts.N
	oiIn, oiOut                flatMessages // OpenInference llm.input_messages.N
	docs                       flatDocs     // retrieval.documents.N
	semconvDocs                any
	eventIn, eventOut          []Message // from span events / log records
	eventFinish                []string
	promptVars                 map[string]string
	invocationParams, lfParams string

	params    RequestParams
	paramPrio [numParams]uint8
	// Tool definitions: semconv / OpenInference / Vercel lists, OpenLLMetry flattened.
	toolDefs  []any
	flatTools flatTools
	toolDesc  string
}

// init prepares a reader; readers live on the caller's stack (a reader per
// span must not cost a heap allocation on the pass-through path).
func (r *reader) init(opts Options) {
	r.opts, r.b = opts, budget{remaining: opts.budget()}
}

func (r *reader) problem(key, kind string) {
	if len(r.v.Problems) < 16 {
		r.v.Problems = append(r.v.Problems, Problem{Key: key, Kind: kind})
	}
}

func (r *reader) setStr(f strField, slot int, s string) {
	if s != "" && r.strs[f][slot] == "" {
		r.strs[f][slot] = s
		r.strSet[f] |= 1 << slot
	}
}

// clearStr forgets one candidate (used when a key turns out not to apply).
func (r *reader) clearStr(f strField, slot int) {
	r.strs[f][slot] = ""
	r.strSet[f] &^= 1 << slot
}

// first returns the highest-priority candidate of f.
func (r *reader) first(f strField) string {
	if r.strSet[f] == 0 {
		return ""
	}
	return r.strs[f][bits.TrailingZeros16(r.strSet[f])]
}

func (r *reader) setInt(f intField, slot int, key string, v pcommon.Value) {
	n, ok := toInt(v)
	switch {
	case !ok:
		r.problem(key, "wrong_type")
	case n < 0:
		r.problem(key, "negative")
	default:
		r.setIntN(f, slot, n)
	}
}

func (r *reader) setIntN(f intField, slot int, n int64) {
	if n < 0 || r.intSet[f]&(1<<slot) != 0 {
		return
	}
	r.ints[f][slot] = n
	r.intSet[f] |= 1 << slot
}

func (r *reader) firstInt(f intField) (int64, bool) {
	if r.intSet[f] == 0 {
		return 0, false
	}
	return r.ints[f][bits.TrailingZeros16(r.intSet[f])], true
}

// toInt accepts ints, integral doubles and numeric strings (MLflow and some
// SDKs send numbers as strings).
func toInt(v pcommon.Value) (int64, bool) {
	switch v.Type() {
	case pcommon.ValueTypeInt:
		return v.Int(), true
	case pcommon.ValueTypeDouble:
		// A count is a whole number: 3.14 tokens is invalid, not 3.
		d := v.Double()
		if math.IsNaN(d) || math.IsInf(d, 0) || d > 1e15 || d < -1e15 || d != math.Trunc(d) {
			return 0, false
		}
		return int64(d), true
	case pcommon.ValueTypeStr:
		s := strings.Trim(strings.TrimSpace(v.Str()), `"`)
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			return n, true
		}
		if d, err := strconv.ParseFloat(s, 64); err == nil && d > -1e15 && d < 1e15 && d == math.Trunc(d) {
			return int64(d), true
		}
	}
	return 0, false
}

func toFloat(v pcommon.Value) (float64, bool) {
	switch v.Type() {
	case pcommon.ValueTypeDouble:
		d := v.Double()
		return d, !math.IsNaN(d) && !math.IsInf(d, 0)
	case pcommon.ValueTypeInt:
		return float64(v.Int()), true
	case pcommon.ValueTypeStr:
		d, err := strconv.ParseFloat(strings.TrimSpace(v.Str()), 64)
		return d, err == nil && !math.IsNaN(d) && !math.IsInf(d, 0)
	}
	return 0, false
}

// strVal returns a string attribute, or the text form of a scalar one.
// MLflow's JSON-encoded strings are decoded by the callers (unquote).
func strVal(v pcommon.Value) string {
	switch v.Type() {
	case pcommon.ValueTypeStr:
		return v.Str()
	case pcommon.ValueTypeInt, pcommon.ValueTypeDouble, pcommon.ValueTypeBool:
		return v.AsString()
	}
	return ""
}

func unquote(s string) string {
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		if u, err := strconv.Unquote(s); err == nil {
			return u
		}
	}
	return s
}

// ReadSpan reads one span (its attributes, and span events for dialects that
// carry content in events). res is the span's resource (used for dialect
// hints such as telemetry.sdk.name); it may be an empty pcommon.NewResource().
func ReadSpan(span ptrace.Span, res pcommon.Resource, opts Options) View {
	if !mayBeGenAI(span) {
		return View{}
	}
	var r reader
	r.init(opts)
	if sdk, ok := res.Attributes().Get("telemetry.sdk.name"); ok && sdk.Type() == pcommon.ValueTypeStr && strings.EqualFold(sdk.Str(), "openlit") {
		r.marks |= mOpenLIT
	}
	for k, val := range span.Attributes().All() {
		r.attr(k, val)
	}
	if span.Events().Len() > 0 {
		r.spanEvents(span.Events())
	}
	if r.aiOpID == "" && r.marks&mVercel != 0 {
		r.aiOpID = span.Name()
	}
	if span.Status().Code() == ptrace.StatusCodeError && r.v.ErrorType == "" {
		r.v.ErrorType = "_OTHER"
	}
	r.resolve(span.Name())
	return r.v
}

// genAIKey reports whether k belongs to a namespace of a dialect the reader
// knows. Switching on the first byte keeps the common non-GenAI key (http.*,
// db.*, net.*) to one comparison.
func genAIKey(k string) bool {
	if len(k) < 3 {
		return false
	}
	switch k[0] {
	case 'g':
		return strings.HasPrefix(k, "gen_ai.")
	case 'l':
		return strings.HasPrefix(k, "llm.") || strings.HasPrefix(k, "langfuse.") || strings.HasPrefix(k, "logfire.")
	case 'a':
		return strings.HasPrefix(k, "ai.")
	case 'm':
		return strings.HasPrefix(k, "mlflow.")
	case 't':
		return strings.HasPrefix(k, "traceloop.") || strings.HasPrefix(k, "tool.")
	case 'o':
		return strings.HasPrefix(k, "openinference.") || k == "operation.cost"
	case 'e':
		return strings.HasPrefix(k, "embedding.")
	case 'r':
		return strings.HasPrefix(k, "retrieval.") || strings.HasPrefix(k, "reranker.") || k == "request_data" || k == "response_data"
	case 'p':
		return strings.HasPrefix(k, "prompt.")
	}
	return false
}

// mayBeGenAI is the pass-through fast path: a span with no key of a GenAI
// namespace and no GenAI event is not read at all (no allocation).
func mayBeGenAI(span ptrace.Span) bool {
	found := false
	span.Attributes().Range(func(k string, _ pcommon.Value) bool {
		found = genAIKey(k)
		return !found
	})
	if found {
		return true
	}
	evs := span.Events()
	for i := 0; i < evs.Len() && i < maxEvents; i++ {
		name := evs.At(i).Name()
		if strings.HasPrefix(name, "gen_ai.") || name == eventDBQueryResult {
			return true
		}
	}
	return false
}

// attr dispatches one attribute. Keys are matched exactly where possible and
// by prefix for flattened families.
func (r *reader) attr(k string, v pcommon.Value) {
	switch k {
	// --- identity / category ---------------------------------------------
	case "gen_ai.operation.name":
		r.opName = strings.ToLower(strVal(v))
	case "openinference.span.kind":
		r.oiKind = strings.ToUpper(strVal(v))
		r.marks |= mOpenInference
	case "langfuse.observation.type":
		r.lfType = strings.ToLower(strVal(v))
		r.marks |= mLangfuse
	case "mlflow.spanType":
		r.mlType = strings.ToUpper(unquote(strVal(v)))
		r.marks |= mMLflow
	case "llm.request.type":
		r.llmReqType = strings.ToLower(strVal(v))
		r.marks |= mOpenLLMetry
	case "traceloop.span.kind":
		r.tlKind = strings.ToLower(strVal(v))
		r.marks |= mOpenLLMetry
	case "ai.operationId":
		r.aiOpID = strVal(v)
		r.marks |= mVercel
	case "telemetry.sdk.name":
		if strings.EqualFold(strVal(v), "openlit") {
			r.marks |= mOpenLIT
		}
	case "logfire.span_type", "logfire.msg_template", "logfire.msg", "logfire.json_schema":
		r.marks |= mLogfire

	// --- provider --------------------------------------------------------
	case "gen_ai.provider.name":
		r.setStr(fProvider, 0, NormalizeProvider(strVal(v)))
		r.marks |= mSemconv
	case "gen_ai.system":
		r.setStr(fProvider, 1, NormalizeProvider(strVal(v)))
		r.marks |= mSemconvLegacy
	case "llm.provider":
		r.setStr(fProvider, 2, NormalizeProvider(strVal(v)))
		r.marks |= mOpenInference
	case "llm.system":
		r.setStr(fProvider, 3, NormalizeProvider(strVal(v)))
		r.marks |= mOpenInference
	case "ai.model.provider":
		r.setStr(fProvider, 4, NormalizeProvider(strVal(v)))
		r.marks |= mVercel
	case "mlflow.llm.provider":
		r.setStr(fProvider, 5, NormalizeProvider(unquote(strVal(v))))
		r.marks |= mMLflow
	case "llm.vendor":
		r.setStr(fProvider, 6, NormalizeProvider(strVal(v)))
		r.marks |= mOpenLLMetry
	case "server.address":
		r.v.ServerAddress = strVal(v)
		if r.provFromHost == "" {
			r.provFromHost = providerFromHost(r.v.ServerAddress)
		}
	case "gen_ai.openai.api_base":
		r.provFromHost = providerFromHost(strVal(v))

	// --- models ----------------------------------------------------------
	case "gen_ai.request.model":
		r.setStr(fRequestModel, 0, strVal(v))
	case "llm.request.model_name":
		r.setStr(fRequestModel, 1, strVal(v))
	case "ai.model.id":
		r.setStr(fRequestModel, 2, strVal(v))
		r.marks |= mVercel
	case "langfuse.observation.model.name":
		r.setStr(fRequestModel, 3, strVal(v))
		r.setStr(fResponseModel, 4, strVal(v))
	case "mlflow.llm.model":
		r.setStr(fRequestModel, 4, unquote(strVal(v)))
	case "llm.request.model":
		r.setStr(fRequestModel, 5, strVal(v))
		r.marks |= mOpenLLMetry
	case "embedding.model_name":
		r.setStr(fRequestModel, 7, strVal(v))
		r.marks |= mOpenInference
	case "reranker.model_name":
		r.setStr(fRequestModel, 8, strVal(v))
	case "llm.invocation_parameters":
		r.invocationParams = strVal(v)
		r.marks |= mOpenInference
	case "langfuse.observation.model.parameters":
		r.lfParams = strVal(v)
	case "gen_ai.response.model":
		r.setStr(fResponseModel, 0, strVal(v))
	case "llm.response.model_name":
		r.setStr(fResponseModel, 1, strVal(v))
	case "llm.response.model":
		// An explicit response-model key wins over the generic llm.model_name.
		r.setStr(fResponseModel, 2, strVal(v))
	case "ai.response.model":
		r.setStr(fResponseModel, 3, strVal(v))
	case "llm.model_name":
		r.setStr(fResponseModel, 6, strVal(v))
		r.marks |= mOpenInference

	case "gen_ai.response.id":
		r.setStr(fResponseID, 0, strVal(v))
	case "ai.response.id":
		r.setStr(fResponseID, 1, strVal(v))
	case "error.type":
		r.v.ErrorType = strVal(v)
	case "gen_ai.response.time_to_first_chunk", "gen_ai.client.operation.time_to_first_chunk", "gen_ai.server.time_to_first_token":
		r.firstChunk(k, v, 1) // seconds (semconv; Vercel v7; OpenLIT)
	case "ai.response.msToFirstChunk", "ai.stream.msToFirstChunk":
		r.firstChunk(k, v, 1e-3) // milliseconds (Vercel AI SDK v3-v6)
	case "gen_ai.request.stream", "llm.is_streaming", "gen_ai.request.is_stream":
		if v.Type() == pcommon.ValueTypeBool {
			r.v.Streaming = v.Bool()
		} else {
			r.v.Streaming = strings.EqualFold(strVal(v), "true")
		}

	// --- usage -----------------------------------------------------------
	case "gen_ai.usage.input_tokens":
		r.setInt(iInput, 0, k, v)
	case "gen_ai.usage.prompt_tokens":
		r.setInt(iInput, 1, k, v)
	case "llm.token_count.prompt":
		r.setInt(iInput, 2, k, v)
		r.marks |= mOpenInference
	case "ai.usage.inputTokens":
		r.setInt(iInput, 3, k, v)
	case "ai.usage.promptTokens":
		r.setInt(iInput, 4, k, v)
	case "llm.usage.prompt_tokens":
		r.setInt(iInput, 5, k, v)
		r.marks |= mOpenLLMetry
	case "ai.usage.tokens":
		r.setInt(iInput, 8, k, v)
	case "gen_ai.usage.output_tokens":
		r.setInt(iOutput, 0, k, v)
	case "gen_ai.usage.completion_tokens":
		r.setInt(iOutput, 1, k, v)
	case "llm.token_count.completion":
		r.setInt(iOutput, 2, k, v)
	case "ai.usage.outputTokens":
		r.setInt(iOutput, 3, k, v)
	case "ai.usage.completionTokens":
		r.setInt(iOutput, 4, k, v)
	case "llm.usage.completion_tokens":
		r.setInt(iOutput, 5, k, v)
	case "gen_ai.usage.total_tokens":
		r.setInt(iTotal, 0, k, v)
		r.marks |= mOpenLLMetry
	case "llm.usage.total_tokens":
		r.setInt(iTotal, 1, k, v)
		r.marks |= mOpenLLMetry
	case "llm.token_count.total":
		r.setInt(iTotal, 2, k, v)
	case "ai.usage.totalTokens":
		r.setInt(iTotal, 3, k, v)
	case "gen_ai.client.token.usage":
		if v.Type() == pcommon.ValueTypeInt || v.Type() == pcommon.ValueTypeDouble {
			r.setInt(iTotal, 4, k, v)
			r.marks |= mOpenLIT
		}
	case "gen_ai.usage.cache_read.input_tokens":
		r.setInt(iCacheRead, 0, k, v)
	case "gen_ai.usage.cache_read_input_tokens":
		r.setInt(iCacheRead, 1, k, v)
		r.marks |= mOpenLLMetry
	case "llm.token_count.prompt_details.cache_read":
		r.setInt(iCacheRead, 2, k, v)
	case "ai.usage.cachedInputTokens":
		r.setInt(iCacheRead, 3, k, v)
	case "ai.usage.inputTokenDetails.cacheReadTokens":
		r.setInt(iCacheRead, 4, k, v)
	case "gen_ai.usage.prompt_tokens_details.cached_tokens":
		r.setInt(iCacheRead, 5, k, v)
	case "gen_ai.usage.cache_write.input_tokens":
		r.setInt(iCacheWrite, 0, k, v)
	case "gen_ai.usage.cache_creation.input_tokens":
		r.setInt(iCacheWrite, 1, k, v)
	case "gen_ai.usage.cache_creation_input_tokens":
		r.setInt(iCacheWrite, 2, k, v)
		r.marks |= mOpenLLMetry
	case "llm.token_count.prompt_details.cache_write":
		r.setInt(iCacheWrite, 3, k, v)
	case "ai.usage.inputTokenDetails.cacheWriteTokens":
		r.setInt(iCacheWrite, 4, k, v)
	case "gen_ai.usage.prompt_tokens_details.cache_creation_tokens":
		r.setInt(iCacheWrite, 5, k, v)
	case "gen_ai.usage.reasoning.output_tokens":
		r.setInt(iReasoning, 0, k, v)
	case "gen_ai.usage.reasoning_tokens":
		r.setInt(iReasoning, 1, k, v)
	case "llm.usage.reasoning_tokens":
		r.setInt(iReasoning, 2, k, v)
		r.marks |= mOpenLLMetry
	case "llm.token_count.completion_details.reasoning":
		r.setInt(iReasoning, 3, k, v)
	case "ai.usage.reasoningTokens":
		r.setInt(iReasoning, 4, k, v)
	case "ai.usage.outputTokenDetails.reasoningTokens":
		r.setInt(iReasoning, 5, k, v)
	case "gen_ai.usage.completion_tokens_details.reasoning_tokens":
		r.setInt(iReasoning, 6, k, v)
	case "langfuse.observation.usage_details":
		r.langfuseUsage(k, v)
	case "mlflow.chat.tokenUsage":
		r.mlflowUsage(k, v)
		r.marks |= mMLflow
	case "gen_ai.usage.raw":
		r.rawUsage(k, v)
	case "ai.response.providerMetadata":
		r.providerMetadata(k, v)

	// --- finish reasons ----------------------------------------------------
	case "gen_ai.response.finish_reasons":
		r.finish = appendFinish(r.finish[:0], v)
	case "llm.finish_reason", "ai.response.finishReason", "ai.finishReason":
		r.finishAlt = strVal(v)
	case "llm.response.finish_reason", "llm.response.stop_reason":
		r.finishAlt = strVal(v)
		r.marks |= mOpenLLMetry

	// --- reported cost ---------------------------------------------------
	case "gen_ai.usage.cost.amount":
		r.setCost(k, v, 0)
	case "gen_ai.usage.cost":
		r.setCost(k, v, 1)
	case "llm.cost.total":
		r.setCost(k, v, 2)
	case "operation.cost":
		r.setCost(k, v, 3)
	case "langfuse.observation.cost_details":
		r.langfuseCost(k, v)
	case "mlflow.llm.cost":
		r.mlflowCost(k, v)
	case "periscope.cost.price_id", "periscope.cost.unpriced":
		r.costIsOurs = true

	// --- conversation / user / agent / workflow ----------------------------
	case "gen_ai.conversation.id":
		r.setStr(fConversation, 0, strVal(v))
	case "session.id":
		r.setStr(fConversation, 1, unquote(strVal(v)))
	case "langfuse.session.id":
		r.setStr(fConversation, 2, strVal(v))
	case "traceloop.association.properties.session_id":
		r.setStr(fConversation, 3, strVal(v))
	case "ai.telemetry.metadata.sessionId":
		r.setStr(fConversation, 4, strVal(v))
	case "user.id":
		r.setStr(fUser, 0, unquote(strVal(v)))
	case "langfuse.user.id":
		r.setStr(fUser, 1, strVal(v))
	case "traceloop.association.properties.user_id":
		r.setStr(fUser, 2, strVal(v))
	case "ai.telemetry.metadata.userId":
		r.setStr(fUser, 3, strVal(v))
	case "gen_ai.request.user", "llm.user":
		r.setStr(fUser, 4, strVal(v))
	case "gen_ai.agent.name":
		r.setStr(fAgent, 0, strVal(v))
	case "agent.name", "agent_name":
		r.setStr(fAgent, 1, strVal(v))
	case "traceloop.entity.name":
		r.setStr(fAgent, 5, strVal(v)) // used only when traceloop.span.kind=agent (see finish)
		r.setStr(fWorkflow, 5, strVal(v))
		r.setStr(fTool, 5, strVal(v)) // the tool's name on a @tool span
	case "gen_ai.workflow.name":
		r.setStr(fWorkflow, 0, strVal(v))
	case "traceloop.workflow.name":
		r.setStr(fWorkflow, 1, strVal(v))
		r.marks |= mOpenLLMetry
	case "ai.telemetry.functionId":
		r.setStr(fWorkflow, 2, strVal(v))
	case "langfuse.trace.name":
		r.setStr(fWorkflow, 3, strVal(v))

	// --- prompt identity -------------------------------------------------
	case "gen_ai.prompt.name":
		r.setStr(fPromptName, 0, strVal(v))
		r.setPromptSource("gen_ai.prompt")
	case "gen_ai.prompt.version":
		r.setStr(fPromptVersion, 0, strVal(v))
		r.setPromptSource("gen_ai.prompt")
	case "langfuse.observation.prompt.name":
		r.setStr(fPromptName, 1, strVal(v))
		r.setPromptSource("langfuse.observation.prompt")
	case "langfuse.observation.prompt.version":
		r.setStr(fPromptVersion, 1, strVal(v))
	case "langfuse.prompt.name":
		r.setStr(fPromptName, 2, strVal(v))
		r.setPromptSource("langfuse.prompt")
	case "langfuse.prompt.version":
		r.setStr(fPromptVersion, 2, strVal(v))
	case "traceloop.prompt.key":
		r.setStr(fPromptName, 3, strVal(v))
		r.setPromptSource("traceloop.prompt")
		r.marks |= mOpenLLMetry
	case "traceloop.prompt.version":
		r.setStr(fPromptVersion, 3, strVal(v))
		r.setPromptSource("traceloop.prompt")
	case "traceloop.prompt.version_name":
		r.setStr(fPromptVersion, 4, strVal(v))
	case "traceloop.prompt.version_hash":
		r.setStr(fPromptVersion, 5, strVal(v))
	case "traceloop.prompt.template":
		r.setStr(fPromptTemplate, 1, r.promptText(strVal(v)))
		r.setPromptSource("traceloop.prompt")
	case "llm.prompt_template.template":
		r.setStr(fPromptTemplate, 0, r.promptText(strVal(v)))
		r.setPromptSource("llm.prompt_template")
	case "llm.prompt_template.version":
		r.setStr(fPromptVersion, 6, strVal(v))
		r.setPromptSource("llm.prompt_template")
	case "llm.prompt_template.variables":
		r.jsonVariables(k, v)
	case "prompt.id":
		r.setStr(fPromptName, 4, strVal(v))
		r.setPromptSource("prompt.id")
	case "ai.telemetry.metadata.langfusePrompt":
		r.langfusePromptMeta(k, v)
	case "mlflow.linkedPrompts":
		r.mlflowLinkedPrompts(k, v)
		r.marks |= mMLflow

	// --- tool-call spans ----------------------------------------------------
	case "gen_ai.tool.name", "ai.toolCall.name", "tool.name":
		r.toolName = strVal(v)
		r.setStr(fTool, toolNameRank(k), r.toolName)
	case "gen_ai.tool.call.id", "ai.toolCall.id", "tool.id":
		r.toolID = strVal(v)
	case "gen_ai.tool.description", "tool.description":
		r.toolDesc = strVal(v)
	case "gen_ai.tool.definitions", "ai.prompt.tools":
		if r.opts.Content && !r.opts.SkipToolDefinitions {
			r.toolDefs = append(r.toolDefs, r.toolList(k, v)...)
		}
	case "gen_ai.tool.call.arguments", "ai.toolCall.args", "ai.toolCall.input", "gen_ai.tool.args":
		if r.opts.Content {
			r.toolArgs = r.toolText(v)
		}
	case "gen_ai.tool.call.result", "ai.toolCall.result", "ai.toolCall.output":
		if r.opts.Content {
			r.toolResult = r.toolText(v)
		}

	// --- content -----------------------------------------------------------
	case "gen_ai.system_instructions":
		if r.opts.Content && v.Type() == pcommon.ValueTypeStr {
			if parts, ok := r.scanPartList(v.Str()); ok {
				r.sysInstr = parts
				return
			}
			if parts, ok := r.fastPartList(v.Str()); ok {
				r.sysInstr = parts
				return
			}
		}
		r.sysInstr = r.content(k, v)
	case "gen_ai.input.messages":
		r.marks |= mSemconv
		if r.opts.Content && v.Type() == pcommon.ValueTypeStr {
			if msgs, ok := r.scanMessages(v.Str(), "user"); ok {
				r.inMsgs = msgs
				return
			}
			if msgs, ok := r.fastMessages(v.Str(), "user"); ok {
				r.inMsgs = msgs
				return
			}
		}
		r.inMsgs = r.content(k, v)
	case "gen_ai.output.messages":
		r.marks |= mSemconv
		if r.opts.Content && v.Type() == pcommon.ValueTypeStr {
			if msgs, ok := r.scanMessages(v.Str(), "assistant"); ok {
				r.outMsgs = msgs
				return
			}
			if msgs, ok := r.fastMessages(v.Str(), "assistant"); ok {
				r.outMsgs = msgs
				return
			}
		}
		r.outMsgs = r.content(k, v)
	case "gen_ai.prompt":
		r.legacyPrompt = r.lazyContent(k, v)
		r.marks |= mSemconvLegacy
	case "gen_ai.completion":
		r.legacyCompl = r.lazyContent(k, v)
		r.marks |= mSemconvLegacy
	case "ai.prompt":
		r.vercelPrompt = r.lazyContent(k, v)
	case "ai.prompt.messages":
		r.vercelMsgs = r.lazyContent(k, v)
	case "ai.response.text", "ai.result.text":
		if r.opts.Content {
			r.vercelText = strVal(v)
		}
	case "ai.response.toolCalls", "ai.result.toolCalls":
		if r.opts.Content {
			r.vercelTools = strVal(v)
		}
	case "langfuse.observation.input":
		r.lfInput = r.lazyContent(k, v)
	case "langfuse.observation.output":
		r.lfOutput = r.lazyContent(k, v)
	case "mlflow.spanInputs":
		r.mlInputs = r.mlflowContent(k, v)
		r.marks |= mMLflow
	case "mlflow.spanOutputs":
		r.mlOutputs = r.mlflowContent(k, v)
		r.marks |= mMLflow
	case "request_data":
		r.logfireReq = r.lazyContent(k, v)
	case "response_data":
		r.logfireResp = r.lazyContent(k, v)
	case "input.value":
		if r.opts.Content {
			r.oiInputValue = strVal(v)
		}
	case "output.value":
		if r.opts.Content {
			r.oiOutputVal = strVal(v)
		}
	case "gen_ai.retrieval.documents":
		r.semconvDocs = r.content(k, v)
	case "gen_ai.retrieval.query.text", "gen_ai.retrieval.query", "reranker.query":
		if r.opts.Content {
			r.v.RetrievalQuery = r.b.take(strVal(v))
		}
	default:
		if !r.param(k, v) {
			r.prefixed(k, v)
		}
	}
}

// toolText renders a tool argument/result attribute (string or structured)
// as text within the budget.
func (r *reader) toolText(v pcommon.Value) string {
	switch v.Type() {
	case pcommon.ValueTypeStr:
		return r.b.take(v.Str())
	case pcommon.ValueTypeMap, pcommon.ValueTypeSlice:
		return r.b.take(anyText(v.AsRaw()))
	}
	return r.b.take(v.AsString())
}

func (r *reader) setPromptSource(src string) {
	if r.v.Prompt.Source == "" {
		r.v.Prompt.Source = src
	}
}

// content returns a content attribute's decoded value when content reading
// is enabled.
func (r *reader) content(k string, v pcommon.Value) any {
	if !r.opts.Content {
		return nil
	}
	x, _ := r.contentValue(k, v)
	return x
}

// prefixed handles flattened families keyed by index or variable name.
func (r *reader) prefixed(k string, v pcommon.Value) {
	// Most unmatched keys are request parameters (gen_ai.request.*) or
	// generic ones (server.port): leave early on those.
	if len(k) < 4 {
		return
	}
	switch k[0] {
	case 'g':
		if !strings.HasPrefix(k, "gen_ai.prompt.") && !strings.HasPrefix(k, "gen_ai.completion.") {
			return
		}
	case 'l', 'r', 't', 'a', 'm':
	default:
		return
	}
	switch {
	case strings.HasPrefix(k, "gen_ai.prompt."):
		rest := k[len("gen_ai.prompt."):]
		if strings.HasPrefix(rest, "variable.") {
			r.promptVar(rest[len("variable."):], v)
			r.setPromptSource("gen_ai.prompt")
			return
		}
		r.marks |= mOpenLLMetry
		if r.opts.Content {
			r.flatIn.set(r, rest, v)
		}
	case strings.HasPrefix(k, "gen_ai.completion."):
		r.marks |= mOpenLLMetry
		if r.opts.Content {
			r.flatOut.set(r, k[len("gen_ai.completion."):], v)
		}
	case strings.HasPrefix(k, "llm.prompts."):
		r.marks |= mOpenLLMetry
		if r.opts.Content {
			rest := k[len("llm.prompts."):]
			// OpenInference legacy completions: llm.prompts.N.prompt.text
			rest = strings.Replace(rest, ".prompt.text", ".content", 1)
			r.flatIn.set(r, rest, v)
		}
	case strings.HasPrefix(k, "llm.completions."):
		r.marks |= mOpenLLMetry
		if r.opts.Content {
			r.flatOut.set(r, k[len("llm.completions."):], v)
		}
	case strings.HasPrefix(k, "llm.choices."):
		if r.opts.Content {
			r.flatOut.set(r, strings.Replace(k[len("llm.choices."):], ".completion.text", ".content", 1), v)
		}
	case strings.HasPrefix(k, "llm.request.functions."):
		r.marks |= mOpenLLMetry
		if r.opts.Content {
			r.flatTools.set(k[len("llm.request.functions."):], v)
		}
	case strings.HasPrefix(k, "llm.tools."):
		// llm.tools.<i>.tool.json_schema: one OpenAI tool object as JSON text
		r.marks |= mOpenInference
		if r.opts.Content && strings.HasSuffix(k, ".tool.json_schema") && len(r.toolDefs) < maxFlatIndex {
			r.toolDefs = append(r.toolDefs, strVal(v))
		}
	case strings.HasPrefix(k, "llm.input_messages."):
		r.marks |= mOpenInference
		if r.opts.Content {
			r.oiIn.set(r, oiMessageKey(k[len("llm.input_messages."):]), v)
		}
	case strings.HasPrefix(k, "llm.output_messages."):
		r.marks |= mOpenInference
		if r.opts.Content {
			r.oiOut.set(r, oiMessageKey(k[len("llm.output_messages."):]), v)
		}
	case strings.HasPrefix(k, "retrieval.documents."):
		r.marks |= mOpenInference
		if r.opts.Content {
			r.docs.set(r, k[len("retrieval.documents."):], v)
		}
	case strings.HasPrefix(k, "reranker.output_documents."):
		if r.opts.Content {
			r.docs.set(r, k[len("reranker.output_documents."):], v)
		}
	case strings.HasPrefix(k, "traceloop.prompt.template_variables."):
		r.promptVar(k[len("traceloop.prompt.template_variables."):], v)
		r.setPromptSource("traceloop.prompt")
	case strings.HasPrefix(k, "traceloop."):
		r.marks |= mOpenLLMetry
	case strings.HasPrefix(k, "ai.usage."), strings.HasPrefix(k, "ai.telemetry."), strings.HasPrefix(k, "ai.response."), strings.HasPrefix(k, "ai.settings."):
		r.marks |= mVercel
	case strings.HasPrefix(k, "langfuse."):
		r.marks |= mLangfuse
	case strings.HasPrefix(k, "mlflow."):
		r.marks |= mMLflow
	case strings.HasPrefix(k, "logfire."):
		r.marks |= mLogfire
	case strings.HasPrefix(k, "llm.token_count."):
		r.marks |= mOpenInference
	}
}

func (r *reader) promptVar(name string, v pcommon.Value) {
	if name == "" {
		return
	}
	if r.promptVars == nil {
		r.promptVars = make(map[string]string)
	}
	if len(r.promptVars) < 64 {
		r.promptVars[name] = r.promptText(strVal(v))
	}
}

// promptText bounds prompt-identity strings (templates, variable values)
// that are read even without content reading.
func (r *reader) promptText(s string) string {
	const maxIdentity = 16 << 10
	if len(s) > maxIdentity {
		r.v.Truncated = true
		s = s[:maxIdentity]
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}

// oiMessageKey turns OpenInference "N.message.role" into "N.role",
// "N.message.contents.J.message_content.text" into "N.contents.J.text" and
// "N.message.tool_calls.J.tool_call.function.name" into
// "N.tool_calls.J.name".
func oiMessageKey(rest string) string {
	rest = strings.Replace(rest, ".message.", ".", 1)
	rest = strings.Replace(rest, ".message_content.", ".", 1)
	rest = strings.Replace(rest, ".tool_call.function.", ".", 1)
	rest = strings.Replace(rest, ".tool_call.", ".", 1)
	return rest
}

func appendFinish(dst []string, v pcommon.Value) []string {
	switch v.Type() {
	case pcommon.ValueTypeSlice:
		s := v.Slice()
		for i := 0; i < s.Len() && i < 64; i++ {
			if f := NormalizeFinishReason(strVal(s.At(i))); f != "" {
				dst = append(dst, f)
			}
		}
	case pcommon.ValueTypeStr:
		raw := strings.TrimSpace(v.Str())
		if strings.HasPrefix(raw, "[") { // JSON-encoded list
			raw = strings.Trim(raw, "[]")
			for _, p := range strings.Split(raw, ",") {
				if f := NormalizeFinishReason(strings.Trim(strings.TrimSpace(p), `"'`)); f != "" {
					dst = append(dst, f)
				}
			}
		} else if f := NormalizeFinishReason(raw); f != "" {
			dst = append(dst, f)
		}
	}
	return dst
}

// firstChunk records the time to the first streamed chunk, in seconds; a
// negative or non-numeric value is a read problem.
func (r *reader) firstChunk(k string, v pcommon.Value, scale float64) {
	d, ok := toFloat(v)
	if !ok || d < 0 {
		r.problem(k, "wrong_type")
		return
	}
	if !r.v.HasTimeToFirstChunk {
		r.v.TimeToFirstChunk, r.v.HasTimeToFirstChunk = d*scale, true
	}
}

func (r *reader) setCost(k string, v pcommon.Value, prio int) {
	d, ok := toFloat(v)
	if !ok || d < 0 {
		r.problem(k, "wrong_type")
		return
	}
	// OpenLIT reports 0 for models it cannot price: that is not a cost.
	if k == "gen_ai.usage.cost" && d == 0 {
		return
	}
	if r.cost == nil || prio < costPrio(r.cost.Source) {
		r.cost = &Cost{USD: d, Source: k}
	}
}

func costPrio(src string) int {
	switch src {
	case "gen_ai.usage.cost.amount":
		return 0
	case "gen_ai.usage.cost":
		return 1
	case "llm.cost.total":
		return 2
	case "operation.cost":
		return 3
	}
	return 4
}

// toolNameRank orders the tool-name keys: semconv first.
func toolNameRank(k string) int {
	switch k {
	case "gen_ai.tool.name":
		return 0
	case "ai.toolCall.name":
		return 1
	}
	return 2
}
