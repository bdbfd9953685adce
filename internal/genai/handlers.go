package genai

import (
	"strings"

	"go.opentelemetry.io/collector/pdata/pcommon"
)

// Handlers of the dialect tables (act aFunc). They are named, not function
// values, so that the reader stays on the caller's stack: an indirect call
// would move it (several KB) to the heap for every span.

type hnd uint8

const (
	hNone hnd = iota
	// shared by several dialects
	hFirstChunkSec // time to first chunk in seconds
	hFirstChunkMs  // ... in milliseconds
	hPerChunkSec   // time per output chunk (or token) in seconds
	hStreaming
	hFinishAlt // a single finish reason
	hPrompt    // prompt name or version (field, prio) from family src
	hTemplate  // prompt template (prio) from family src
	hToolName  // tool span's tool name (prio = rank)
	hToolID
	hToolDesc
	hToolDefs
	hToolArgs
	hToolResult
	hRetrievalQuery
	// semconv
	hOperation
	hFinishList
	hSystemInstr
	hInputMessages
	hOutputMessages
	hSemconvDocs
	hLegacyPrompt
	hLegacyCompletion
	hAPIBase
	// general
	hServerAddress
	hErrorType
	hOwnCost
	// OpenLLMetry
	hLLMRequestType
	hTraceloopKind
	hEntityName
	// OpenInference
	hOIKind
	hInvocationParams
	hTemplateVariables
	hInputValue
	hOutputValue
	// Vercel AI SDK
	hAIOperationID
	hMsToFinish
	hProviderMetadata
	hLangfusePromptMeta
	hVercelPrompt
	hVercelMessages
	hVercelText
	hVercelToolCalls
	// Langfuse
	hLFType
	hLFModel
	hLFParams
	hLFUsage
	hLFCost
	hLFCompletionStart
	hLFInput
	hLFOutput
	// Logfire
	hLogfireRequest
	hLogfireResponse
	hRawUsage
	// MLflow
	hMLType
	hMLUsage
	hMLCost
	hMLLinkedPrompts
	hMLInputs
	hMLOutputs
	// OpenLIT
	hSDKName
	hClientTokenUsage
)

func (r *reader) handle(s *keySpec, k string, v pcommon.Value) {
	switch s.h {
	case hFirstChunkSec:
		r.firstChunk(k, v, 1)
	case hFirstChunkMs:
		r.firstChunk(k, v, 1e-3)
	case hPerChunkSec:
		r.perChunk(k, v, 1)
	case hStreaming:
		if v.Type() == pcommon.ValueTypeBool {
			r.v.Streaming = v.Bool()
		} else {
			r.v.Streaming = strings.EqualFold(strVal(v), "true")
		}
	case hFinishAlt:
		r.finishAlt = strVal(v)
	case hPrompt:
		r.setStr(strField(s.field), int(s.prio), strVal(v))
		r.setPromptSource(s.src)
	case hTemplate:
		r.setStr(fPromptTemplate, int(s.prio), r.promptText(strVal(v)))
		r.setPromptSource(s.src)
	case hToolName:
		r.toolName = strVal(v)
		r.setStr(fTool, int(s.prio), r.toolName)
	case hToolID:
		r.toolID = strVal(v)
	case hToolDesc:
		r.toolDesc = strVal(v)
	case hToolDefs:
		if r.opts.Content && !r.opts.SkipToolDefinitions {
			r.toolDefs = append(r.toolDefs, r.toolList(k, v)...)
		}
	case hToolArgs:
		if r.opts.Content {
			r.toolArgs = r.toolText(v)
		}
	case hToolResult:
		if r.opts.Content {
			r.toolResult = r.toolText(v)
		}
	case hRetrievalQuery:
		if r.opts.Content {
			r.v.RetrievalQuery = r.b.take(strVal(v))
		}

	case hOperation:
		r.opName = lower(strVal(v))
	case hFinishList:
		r.finish = appendFinish(r.finish[:0], v)
	case hSystemInstr:
		r.systemInstructions(k, v)
	case hInputMessages:
		r.inRead, r.inMsgs = r.semconvMessages(k, v, "user")
	case hOutputMessages:
		if !r.opts.SkipOutputMessages {
			r.outRead, r.outMsgs = r.semconvMessages(k, v, "assistant")
		}
	case hSemconvDocs:
		r.semconvDocs = r.content(k, v)
	case hLegacyPrompt:
		r.legacyPrompt = r.lazyContent(k, v)
	case hLegacyCompletion:
		r.legacyCompl = r.lazyContent(k, v)
	case hAPIBase:
		r.provFromHost = providerFromHost(strVal(v))

	case hServerAddress:
		r.v.ServerAddress = strVal(v)
		if r.provFromHost == "" {
			r.provFromHost = providerFromHost(r.v.ServerAddress)
		}
	case hErrorType:
		r.v.ErrorType = strVal(v)
	case hOwnCost:
		r.costIsOurs = true

	case hLLMRequestType:
		r.llmReqType = lower(strVal(v))
	case hTraceloopKind:
		r.tlKind = lower(strVal(v))
	case hEntityName:
		r.entityName(strVal(v))

	case hOIKind:
		r.oiKind = strings.ToUpper(strVal(v))
	case hInvocationParams:
		r.invocationParams = strVal(v)
	case hTemplateVariables:
		r.jsonVariables(k, v)
	case hInputValue:
		if r.opts.Content {
			r.oiInputValue = strVal(v)
		}
	case hOutputValue:
		if r.opts.Content {
			r.oiOutputVal = strVal(v)
		}

	case hAIOperationID:
		r.aiOpID = strVal(v)
	case hMsToFinish:
		r.msToFinish(k, v)
	case hProviderMetadata:
		r.providerMetadata(k, v)
	case hLangfusePromptMeta:
		r.langfusePromptMeta(k, v)
	case hVercelPrompt:
		r.vercelPrompt = r.lazyContent(k, v)
	case hVercelMessages:
		r.vercelMsgs = r.lazyContent(k, v)
	case hVercelText:
		if r.opts.Content {
			r.vercelText = strVal(v)
		}
	case hVercelToolCalls:
		if r.opts.Content {
			r.vercelTools = strVal(v)
		}

	case hLFType:
		r.lfType = lower(strVal(v))
	case hLFModel:
		r.setStr(fRequestModel, 3, strVal(v))
		r.setStr(fResponseModel, 4, strVal(v))
	case hLFParams:
		r.lfParams = strVal(v)
	case hLFUsage:
		r.langfuseUsage(k, v)
	case hLFCost:
		r.langfuseCost(k, v)
	case hLFCompletionStart:
		r.langfuseCompletionStart(k, v)
	case hLFInput:
		r.lfInput = r.lazyContent(k, v)
	case hLFOutput:
		r.lfOutput = r.lazyContent(k, v)

	case hLogfireRequest:
		r.logfireReq = r.lazyContent(k, v)
	case hLogfireResponse:
		r.logfireResp = r.lazyContent(k, v)
	case hRawUsage:
		r.rawUsage(k, v)

	case hMLType:
		r.mlType = strings.ToUpper(unquote(strVal(v)))
	case hMLUsage:
		r.mlflowUsage(k, v)
	case hMLCost:
		r.mlflowCost(k, v)
	case hMLLinkedPrompts:
		r.mlflowLinkedPrompts(k, v)
	case hMLInputs:
		r.mlInputs = r.mlflowContent(k, v)
	case hMLOutputs:
		r.mlOutputs = r.mlflowContent(k, v)

	case hSDKName:
		if strings.EqualFold(strVal(v), "openlit") {
			r.marks |= mOpenLIT
		}
	case hClientTokenUsage:
		// OpenLIT's total; its metric of the same name is a histogram.
		if v.Type() == pcommon.ValueTypeInt || v.Type() == pcommon.ValueTypeDouble {
			r.setInt(iTotal, 4, k, v)
			r.marks |= mOpenLIT
		}
	}
}

// phnd is the handler of a prefix family (rest: the key after the prefix).
type phnd uint8

const (
	pNone phnd = iota
	pGenAIPrompt
	pGenAICompletion
	pLLMPrompts
	pLLMCompletions
	pLLMChoices
	pLLMFunctions
	pLLMTools
	pTemplateVariable
	pOIInput
	pOIOutput
	pDocuments
)

func (r *reader) handlePrefix(h phnd, k, rest string, v pcommon.Value) {
	switch h {
	case pGenAIPrompt:
		// gen_ai.prompt.variable.<name> is semconv's template variable
		// (not a message, no OpenLLMetry mark).
		if name, ok := strings.CutPrefix(rest, "variable."); ok {
			r.promptVar(name, v)
			r.setPromptSource("gen_ai.prompt")
			return
		}
		r.marks |= mOpenLLMetry
		if r.opts.Content {
			r.flatIn.set(r, rest, v)
		}
	case pTemplateVariable:
		r.promptVar(rest, v)
		r.setPromptSource("traceloop.prompt")
	}
	if !r.opts.Content {
		return
	}
	switch h {
	case pGenAICompletion, pLLMCompletions:
		r.flatOut.set(r, rest, v)
	case pLLMPrompts:
		// OpenInference legacy completions: llm.prompts.N.prompt.text
		r.flatIn.set(r, strings.Replace(rest, ".prompt.text", ".content", 1), v)
	case pLLMChoices:
		r.flatOut.set(r, strings.Replace(rest, ".completion.text", ".content", 1), v)
	case pLLMFunctions:
		r.flatTools.set(rest, v)
	case pLLMTools:
		// llm.tools.<i>.tool.json_schema: one OpenAI tool object as JSON text
		if strings.HasSuffix(k, ".tool.json_schema") && len(r.toolDefs) < maxFlatIndex {
			r.toolDefs = append(r.toolDefs, strVal(v))
		}
	case pOIInput:
		r.oiIn.set(r, oiMessageKey(rest), v)
	case pOIOutput:
		r.oiOut.set(r, oiMessageKey(rest), v)
	case pDocuments:
		r.docs.set(r, rest, v)
	}
}

// entityName reads traceloop.entity.name: the agent's name on an agent
// span, the workflow's on a workflow span (resolve applies it by the span
// kind) and the tool's on a @tool span.
func (r *reader) entityName(s string) {
	if r.entity == "" {
		r.entity = s
	}
	r.setStr(fTool, 5, s)
}

// msToFinish reads Vercel's ai.response.msToFinish (the streamed call's
// duration).
func (r *reader) msToFinish(k string, v pcommon.Value) {
	if d, ok := toFloat(v); ok && d >= 0 {
		r.streamSeconds = d * 1e-3
		return
	}
	r.problem(k, "wrong_type")
}

func (r *reader) systemInstructions(k string, v pcommon.Value) {
	if r.opts.Content && v.Type() == pcommon.ValueTypeStr {
		if parts, ok := r.scanPartList(v.Str()); ok {
			r.sysParts = parts
			return
		}
		if parts, ok := r.fastPartList(v.Str()); ok {
			r.sysParts = parts
			return
		}
	}
	r.sysInstr = r.content(k, v)
}

// semconvMessages reads gen_ai.input/output.messages: the single-pass
// scanner first, the generic decoder for shapes it does not take. The
// messages (never nil) when a semconv reader took the text, else the
// decoded value.
func (r *reader) semconvMessages(k string, v pcommon.Value, role string) ([]Message, any) {
	if r.opts.Content && v.Type() == pcommon.ValueTypeStr {
		if msgs, ok := r.scanMessages(v.Str(), role); ok {
			return msgs, nil
		}
		if msgs, ok := r.fastMessages(v.Str(), role); ok {
			return msgs, nil
		}
	}
	return nil, r.content(k, v)
}
