package genai

import "strings"

// OpenInference (Arize Phoenix instrumentations): openinference.span.kind,
// llm.*, flattened llm.input_messages.<i>.message.* / llm.output_messages,
// input.value / output.value, retrieval.documents.<i>.document.*, tool.*,
// embedding.* and reranker.*. session.id and user.id are in dialect_otel.go
// (Langfuse and MLflow write them too).

var openinferenceKeys = []keySpec{
	{key: "openinference.span.kind", act: aFunc, mark: mOpenInference,
		h: hOIKind},
	{key: "llm.provider", act: aProvider, prio: 2, mark: mOpenInference, semconv: scProvider},
	{key: "llm.system", act: aProvider, prio: 3, mark: mOpenInference, semconv: scProvider},
	{key: "llm.request.model_name", act: aStr, field: uint8(fRequestModel), prio: 1},
	{key: "embedding.model_name", act: aStr, field: uint8(fRequestModel), prio: 7, mark: mOpenInference},
	{key: "reranker.model_name", act: aStr, field: uint8(fRequestModel), prio: 8},
	{key: "llm.response.model_name", act: aStr, field: uint8(fResponseModel), prio: 1},
	// llm.model_name is the only model most OpenInference spans carry (it is
	// also the request model when none is given, see resolve).
	{key: "llm.model_name", act: aStr, field: uint8(fResponseModel), prio: 6, mark: mOpenInference, semconv: scResponseModel},
	{key: "llm.invocation_parameters", act: aFunc, mark: mOpenInference,
		h: hInvocationParams},

	// usage
	{key: "llm.token_count.prompt", act: aTokens, field: uint8(iInput), prio: 2, mark: mOpenInference, semconv: scInputTokens},
	{key: "llm.token_count.completion", act: aTokens, field: uint8(iOutput), prio: 2, semconv: scOutputTokens},
	{key: "llm.token_count.total", act: aTokens, field: uint8(iTotal), prio: 2},
	{key: "llm.token_count.prompt_details.cache_read", act: aTokens, field: uint8(iCacheRead), prio: 2, semconv: scCacheRead},
	{key: "llm.token_count.prompt_details.cache_write", act: aTokens, field: uint8(iCacheWrite), prio: 3, semconv: scCacheCreation},
	{key: "llm.token_count.completion_details.reasoning", act: aTokens, field: uint8(iReasoning), prio: 3, semconv: scReasoning},
	{key: "llm.token_count.prompt_details.audio", act: aExtra, field: uint8(xAudioIn), mark: mOpenInference},
	{key: "llm.token_count.completion_details.audio", act: aExtra, field: uint8(xAudioOut), mark: mOpenInference},
	{key: "llm.cost.total", act: aCost, prio: 2},

	// agents, tools
	{key: "agent.name", act: aStr, field: uint8(fAgent), prio: 1},
	{key: "tool.name", act: aFunc, h: hToolName, prio: 2},
	{key: "tool.id", act: aFunc, h: hToolID},
	{key: "tool.description", act: aFunc, semconv: scToolDesc, h: hToolDesc},
	{key: "tool.parameters", act: aNone, class: classContent},

	// prompt templates
	{key: "llm.prompt_template.template", act: aFunc, class: classContent, h: hTemplate, prio: 0, src: "llm.prompt_template"},
	{key: "llm.prompt_template.version", act: aFunc, h: hPrompt, field: uint8(fPromptVersion), prio: 6, src: "llm.prompt_template"},
	{key: "llm.prompt_template.variables", act: aFunc, class: classContent, h: hTemplateVariables},

	// content
	{key: "input.value", act: aFunc, class: classContent, h: hInputValue},
	{key: "output.value", act: aFunc, class: classContent, h: hOutputValue},
	{key: "reranker.query", act: aFunc, class: classContent, h: hRetrievalQuery},
	{key: "metadata", act: aNone, class: classContent}, // free-form JSON
}

var openinferencePrefixes = []prefixSpec{
	{prefix: "llm.choices.", class: classContent, semconv: scOutputMessages,
		h: pLLMChoices},
	// llm.tools.<i>.tool.json_schema: one OpenAI tool object as JSON text
	{prefix: "llm.tools.", mark: mOpenInference, class: classContent,
		h: pLLMTools},
	{prefix: "llm.input_messages.", mark: mOpenInference, class: classContent, semconv: scInputMessages,
		h: pOIInput},
	{prefix: "llm.output_messages.", mark: mOpenInference, class: classContent, semconv: scOutputMessages,
		h: pOIOutput},
	{prefix: "retrieval.documents.", mark: mOpenInference, class: classContent, semconv: scRetrievalDocs,
		h: pDocuments},
	{prefix: "reranker.output_documents.", class: classContent,
		h: pDocuments},
	{prefix: "reranker.input_documents.", class: classContent},
	{prefix: "embedding.embeddings.", class: classContent}, // embedding.embeddings.<i>.embedding.text
	{prefix: "llm.token_count.", mark: mOpenInference},
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
