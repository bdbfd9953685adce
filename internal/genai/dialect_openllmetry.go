package genai

// OpenLLMetry (Traceloop SDK): traceloop.*, llm.*, flattened
// gen_ai.prompt.<i>.* / gen_ai.completion.<i>.* messages and
// llm.request.functions.<i>.* tool definitions. Two generations of names
// (llm.usage.* then gen_ai.usage.*_tokens) are both read.

var openllmetryKeys = []keySpec{
	{key: "llm.request.type", act: aFunc, mark: mOpenLLMetry, semconv: scOperation,
		h: hLLMRequestType},
	{key: "traceloop.span.kind", act: aFunc, mark: mOpenLLMetry,
		h: hTraceloopKind},
	{key: "llm.vendor", act: aProvider, prio: 6, mark: mOpenLLMetry, semconv: scProvider},
	{key: "llm.request.model", act: aStr, field: uint8(fRequestModel), prio: 5, mark: mOpenLLMetry, semconv: scRequestModel},
	// An explicit response-model key wins over OpenInference's generic llm.model_name.
	{key: "llm.response.model", act: aStr, field: uint8(fResponseModel), prio: 2, semconv: scResponseModel},
	{key: "llm.is_streaming", act: aFunc, h: hStreaming},

	// usage, first generation
	{key: "llm.usage.prompt_tokens", act: aTokens, field: uint8(iInput), prio: 5, mark: mOpenLLMetry, semconv: scInputTokens},
	{key: "llm.usage.completion_tokens", act: aTokens, field: uint8(iOutput), prio: 5, semconv: scOutputTokens},
	{key: "llm.usage.total_tokens", act: aTokens, field: uint8(iTotal), prio: 1, mark: mOpenLLMetry},
	{key: "llm.usage.reasoning_tokens", act: aTokens, field: uint8(iReasoning), prio: 2, mark: mOpenLLMetry, semconv: scReasoning},
	// usage, gen_ai.* generation
	{key: "gen_ai.usage.total_tokens", act: aTokens, field: uint8(iTotal), prio: 0, mark: mOpenLLMetry},
	{key: "gen_ai.usage.cache_read_input_tokens", act: aTokens, field: uint8(iCacheRead), prio: 1, mark: mOpenLLMetry, semconv: scCacheRead},
	{key: "gen_ai.usage.cache_creation_input_tokens", act: aTokens, field: uint8(iCacheWrite), prio: 2, mark: mOpenLLMetry, semconv: scCacheCreation},
	{key: "gen_ai.usage.reasoning_tokens", act: aTokens, field: uint8(iReasoning), prio: 1, semconv: scReasoning},

	// finish reasons
	{key: "llm.finish_reason", act: aFunc, semconv: scFinishReasons, h: hFinishAlt},
	{key: "llm.response.finish_reason", act: aFunc, mark: mOpenLLMetry, semconv: scFinishReasons, h: hFinishAlt},
	{key: "llm.response.stop_reason", act: aFunc, mark: mOpenLLMetry, semconv: scFinishReasons, h: hFinishAlt},

	// association properties, entities
	{key: "traceloop.association.properties.session_id", act: aStr, field: uint8(fConversation), prio: 3},
	{key: "traceloop.association.properties.user_id", act: aStr, field: uint8(fUser), prio: 3},
	{key: "llm.user", act: aStr, field: uint8(fUser), prio: 5},
	{key: "traceloop.entity.name", act: aFunc, h: hEntityName},
	{key: "traceloop.workflow.name", act: aStr, field: uint8(fWorkflow), prio: 1, mark: mOpenLLMetry},
	{key: "traceloop.entity.input", act: aNone, mark: mOpenLLMetry, class: classContent},
	{key: "traceloop.entity.output", act: aNone, mark: mOpenLLMetry, class: classContent},

	// prompt registry
	{key: "traceloop.prompt.key", act: aFunc, mark: mOpenLLMetry, h: hPrompt, field: uint8(fPromptName), prio: 3, src: "traceloop.prompt"},
	{key: "traceloop.prompt.version", act: aFunc, h: hPrompt, field: uint8(fPromptVersion), prio: 3, src: "traceloop.prompt"},
	{key: "traceloop.prompt.version_name", act: aStr, field: uint8(fPromptVersion), prio: 4},
	{key: "traceloop.prompt.version_hash", act: aStr, field: uint8(fPromptVersion), prio: 5},
	{key: "traceloop.prompt.template", act: aFunc, class: classContent, h: hTemplate, prio: 1, src: "traceloop.prompt"},

	// request parameters (the first generation's names; every generation writes the extras)
	{key: "llm.temperature", act: aParam, field: pTemperature, prio: 1, mark: mOpenLLMetry, semconv: scTemperature},
	{key: "llm.top_p", act: aParam, field: pTopP, prio: 1, mark: mOpenLLMetry, semconv: scTopP},
	{key: "llm.top_k", act: aParam, field: pTopK, prio: 1, mark: mOpenLLMetry, semconv: scTopK},
	{key: "llm.frequency_penalty", act: aParam, field: pFrequencyPenalty, prio: 1, mark: mOpenLLMetry, semconv: scFrequencyPenalty},
	{key: "llm.presence_penalty", act: aParam, field: pPresencePenalty, prio: 1, mark: mOpenLLMetry, semconv: scPresencePenalty},
	{key: "llm.request.max_tokens", act: aParam, field: pMaxTokens, prio: 1, mark: mOpenLLMetry, semconv: scMaxTokens},
	{key: "llm.chat.stop_sequences", act: aParam, field: pStopSequences, prio: 1, mark: mOpenLLMetry, semconv: scStopSequences},
}

var openllmetryPrefixes = []prefixSpec{
	// gen_ai.prompt.<i>.{role,content,...}; gen_ai.prompt.variable.<name>
	// is semconv's template variable (not a message, no mark).
	{prefix: "gen_ai.prompt.", class: classContent, semconv: scInputMessages, indexed: true,
		h: pGenAIPrompt},
	{prefix: "gen_ai.completion.", mark: mOpenLLMetry, class: classContent, semconv: scOutputMessages, indexed: true,
		h: pGenAICompletion},
	{prefix: "llm.prompts.", mark: mOpenLLMetry, class: classContent, semconv: scInputMessages,
		h: pLLMPrompts},
	{prefix: "llm.completions.", mark: mOpenLLMetry, class: classContent, semconv: scOutputMessages,
		h: pLLMCompletions},
	{prefix: "llm.request.functions.", mark: mOpenLLMetry, class: classContent, semconv: scToolDefs,
		h: pLLMFunctions},
	{prefix: "traceloop.prompt.template_variables.", class: classContent,
		h: pTemplateVariable},
	{prefix: "traceloop.", mark: mOpenLLMetry},
}
