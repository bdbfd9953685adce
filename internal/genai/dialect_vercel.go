package genai

import "go.opentelemetry.io/collector/pdata/pcommon"

// Vercel AI SDK (experimental_telemetry): ai.* on the outer call span
// (ai.generateText, ai.streamText, ...), its provider calls (*.doGenerate,
// *.doStream) and tool calls (ai.toolCall). Key names changed across SDK
// versions (promptTokens -> inputTokens, args -> input, ...): all are read.

var vercelKeys = []keySpec{
	{key: "ai.operationId", act: aFunc, mark: mVercel, h: hAIOperationID},
	{key: "ai.model.provider", act: aProvider, prio: 4, mark: mVercel, semconv: scProvider},
	{key: "ai.model.id", act: aStr, field: uint8(fRequestModel), prio: 2, mark: mVercel, semconv: scRequestModel},
	{key: "ai.response.model", act: aStr, field: uint8(fResponseModel), prio: 3, semconv: scResponseModel},
	{key: "ai.response.id", act: aStr, field: uint8(fResponseID), prio: 1, semconv: scResponseID},

	// streaming: milliseconds (v3-v6; v7 writes the semconv seconds key)
	{key: "ai.response.msToFirstChunk", act: aFunc, h: hFirstChunkMs},
	{key: "ai.stream.msToFirstChunk", act: aFunc, h: hFirstChunkMs},
	{key: "ai.response.msToFinish", act: aFunc, mark: mVercel, h: hMsToFinish},

	// usage
	{key: "ai.usage.inputTokens", act: aTokens, field: uint8(iInput), prio: 3, semconv: scInputTokens},
	{key: "ai.usage.promptTokens", act: aTokens, field: uint8(iInput), prio: 4, semconv: scInputTokens},
	{key: "ai.usage.tokens", act: aTokens, field: uint8(iInput), prio: 8}, // embeddings
	{key: "ai.usage.outputTokens", act: aTokens, field: uint8(iOutput), prio: 3, semconv: scOutputTokens},
	{key: "ai.usage.completionTokens", act: aTokens, field: uint8(iOutput), prio: 4, semconv: scOutputTokens},
	{key: "ai.usage.totalTokens", act: aTokens, field: uint8(iTotal), prio: 3},
	{key: "ai.usage.cachedInputTokens", act: aTokens, field: uint8(iCacheRead), prio: 3, semconv: scCacheRead},
	{key: "ai.usage.inputTokenDetails.cacheReadTokens", act: aTokens, field: uint8(iCacheRead), prio: 4},
	{key: "ai.usage.inputTokenDetails.cacheWriteTokens", act: aTokens, field: uint8(iCacheWrite), prio: 4},
	{key: "ai.usage.reasoningTokens", act: aTokens, field: uint8(iReasoning), prio: 4, semconv: scReasoning},
	{key: "ai.usage.outputTokenDetails.reasoningTokens", act: aTokens, field: uint8(iReasoning), prio: 5},
	// cache and reasoning counts some providers report only here
	{key: "ai.response.providerMetadata", act: aFunc, h: hProviderMetadata},

	{key: "ai.response.finishReason", act: aFunc, semconv: scFinishReasons, h: hFinishAlt},
	{key: "ai.finishReason", act: aFunc, h: hFinishAlt},

	// telemetry metadata: free-form, Langfuse reads sessionId, userId and the prompt link
	{key: "ai.telemetry.metadata.sessionId", act: aStr, field: uint8(fConversation), prio: 4, class: classContent},
	{key: "ai.telemetry.metadata.userId", act: aStr, field: uint8(fUser), prio: 4, class: classContent},
	{key: "ai.telemetry.functionId", act: aStr, field: uint8(fWorkflow), prio: 2},
	{key: "ai.telemetry.metadata.langfusePrompt", act: aFunc, class: classContent, h: hLangfusePromptMeta},

	// tool calls
	{key: "ai.toolCall.name", act: aFunc, semconv: scToolName, h: hToolName, prio: 1},
	{key: "ai.toolCall.id", act: aFunc, semconv: scToolCallID, h: hToolID},
	{key: "ai.prompt.tools", act: aFunc, class: classContent, semconv: scToolDefs, h: hToolDefs},
	{key: "ai.toolCall.args", act: aFunc, class: classContent, semconv: scToolArguments, h: hToolArgs}, // v4
	{key: "ai.toolCall.input", act: aFunc, class: classContent, h: hToolArgs},                          // v5+
	{key: "ai.toolCall.result", act: aFunc, class: classContent, semconv: scToolResult, h: hToolResult},
	{key: "ai.toolCall.output", act: aFunc, class: classContent, h: hToolResult},

	// content
	{key: "ai.prompt", act: aFunc, class: classContent, h: hVercelPrompt},
	{key: "ai.prompt.messages", act: aFunc, class: classContent, semconv: scInputMessages,
		h: hVercelMessages},
	{key: "ai.response.text", act: aFunc, class: classContent, semconv: scOutputMessages, h: hVercelText},
	{key: "ai.result.text", act: aFunc, class: classContent, h: hVercelText},
	{key: "ai.response.toolCalls", act: aFunc, class: classContent, semconv: scOutputMessages, h: hVercelToolCalls},
	{key: "ai.result.toolCalls", act: aFunc, class: classContent, h: hVercelToolCalls},

	// request parameters
	{key: "ai.settings.temperature", act: aParam, field: pTemperature, prio: 2, mark: mVercel, semconv: scTemperature},
	{key: "ai.settings.topP", act: aParam, field: pTopP, prio: 2, mark: mVercel, semconv: scTopP},
	{key: "ai.settings.topK", act: aParam, field: pTopK, prio: 2, mark: mVercel, semconv: scTopK},
	{key: "ai.settings.frequencyPenalty", act: aParam, field: pFrequencyPenalty, prio: 2, mark: mVercel, semconv: scFrequencyPenalty},
	{key: "ai.settings.presencePenalty", act: aParam, field: pPresencePenalty, prio: 2, mark: mVercel, semconv: scPresencePenalty},
	{key: "ai.settings.maxOutputTokens", act: aParam, field: pMaxTokens, prio: 2, mark: mVercel, semconv: scMaxTokens},
	{key: "ai.settings.maxTokens", act: aParam, field: pMaxTokens, prio: 2, mark: mVercel, semconv: scMaxTokens},
	{key: "ai.settings.seed", act: aParam, field: pSeed, prio: 2, mark: mVercel, semconv: scSeed},
	{key: "ai.settings.stopSequences", act: aParam, field: pStopSequences, prio: 2, mark: mVercel, semconv: scStopSequences},
}

var vercelPrefixes = []prefixSpec{
	{prefix: "ai.usage.", mark: mVercel},
	{prefix: "ai.telemetry.", mark: mVercel},
	{prefix: "ai.response.", mark: mVercel},
	{prefix: "ai.settings.", mark: mVercel},
}

func vercelTextKey(r *reader, _ string, v pcommon.Value) {
	if r.opts.Content {
		r.vercelText = strVal(v)
	}
}

func vercelToolsKey(r *reader, _ string, v pcommon.Value) {
	if r.opts.Content {
		r.vercelTools = strVal(v)
	}
}

// vercelToolCalls appends the calls of ai.response.toolCalls to dst.
func (r *reader) vercelToolCalls(dst []Part) []Part {
	if parts, ok := r.scanToolCalls(r.vercelTools, dst); ok {
		return parts
	}
	x, ok := r.decodeJSON("ai.response.toolCalls", r.vercelTools)
	list, isList := x.([]any)
	if !ok || !isList {
		return dst
	}
	for _, e := range list {
		if m := asMap(e); m != nil {
			p := Part{Type: PartToolCall, ID: firstStr(m, "toolCallId", "id"), Name: firstStr(m, "toolName", "name")}
			p.Arguments = r.b.take(anyText(firstAny(m, "input", "args")))
			dst = append(dst, p)
		}
	}
	return dst
}
