package genai

// OpenTelemetry GenAI semantic conventions, current (v1.37+: provider
// name, input/output messages as JSON or structured values, system
// instructions, tool definitions, request parameters). Shared gen_ai.* keys
// carry no dialect mark: other dialects write them too.

// The semconv keys genai_normalize writes in place of dialect keys (the
// semconv column of the tables).
const (
	scOperation      = "gen_ai.operation.name"
	scProvider       = "gen_ai.provider.name"
	scRequestModel   = "gen_ai.request.model"
	scResponseModel  = "gen_ai.response.model"
	scResponseID     = "gen_ai.response.id"
	scInputTokens    = "gen_ai.usage.input_tokens"
	scOutputTokens   = "gen_ai.usage.output_tokens"
	scCacheRead      = "gen_ai.usage.cache_read.input_tokens"
	scCacheCreation  = "gen_ai.usage.cache_creation.input_tokens"
	scReasoning      = "gen_ai.usage.reasoning.output_tokens"
	scFinishReasons  = "gen_ai.response.finish_reasons"
	scInputMessages  = "gen_ai.input.messages"
	scOutputMessages = "gen_ai.output.messages"
	scSystemInstr    = "gen_ai.system_instructions"
	scRetrievalDocs  = "gen_ai.retrieval.documents"
	scToolName       = "gen_ai.tool.name"
	scToolCallID     = "gen_ai.tool.call.id"
	scToolArguments  = "gen_ai.tool.call.arguments"
	scToolResult     = "gen_ai.tool.call.result"
	scToolDesc       = "gen_ai.tool.description"
	scToolDefs       = "gen_ai.tool.definitions"

	scTemperature      = "gen_ai.request.temperature"
	scTopP             = "gen_ai.request.top_p"
	scTopK             = "gen_ai.request.top_k"
	scFrequencyPenalty = "gen_ai.request.frequency_penalty"
	scPresencePenalty  = "gen_ai.request.presence_penalty"
	scMaxTokens        = "gen_ai.request.max_tokens"
	scSeed             = "gen_ai.request.seed"
	scChoiceCount      = "gen_ai.request.choice.count"
	scStopSequences    = "gen_ai.request.stop_sequences"
)

// Request parameter bit indexes (ParamField = 1 << index), for the tables.
const (
	pTemperature uint8 = iota
	pTopP
	pTopK
	pFrequencyPenalty
	pPresencePenalty
	pMaxTokens
	pSeed
	pChoiceCount
	pStopSequences
)

var semconvKeys = []keySpec{
	// identity / category
	{key: scOperation, act: aFunc, h: hOperation},
	{key: scProvider, act: aProvider, prio: 0, mark: mSemconv},
	{key: scRequestModel, act: aStr, field: uint8(fRequestModel), prio: 0},
	{key: scResponseModel, act: aStr, field: uint8(fResponseModel), prio: 0},
	{key: scResponseID, act: aStr, field: uint8(fResponseID), prio: 0},
	{key: "gen_ai.conversation.id", act: aStr, field: uint8(fConversation), prio: 0},
	{key: "gen_ai.request.user", act: aStr, field: uint8(fUser), prio: 5}, // the OpenAI `user` parameter
	{key: "gen_ai.agent.name", act: aStr, field: uint8(fAgent), prio: 0},
	{key: "gen_ai.workflow.name", act: aStr, field: uint8(fWorkflow), prio: 0},

	// streaming
	{key: "gen_ai.response.time_to_first_chunk", act: aFunc, h: hFirstChunkSec},
	{key: "gen_ai.client.operation.time_to_first_chunk", act: aFunc, h: hFirstChunkSec},
	{key: "gen_ai.response.time_per_output_chunk", act: aFunc, h: hPerChunkSec},
	{key: "gen_ai.client.operation.time_per_output_chunk", act: aFunc, h: hPerChunkSec},
	{key: "gen_ai.request.stream", act: aFunc, h: hStreaming},

	// usage (input includes cache, output includes reasoning)
	{key: scInputTokens, act: aTokens, field: uint8(iInput), prio: 0},
	{key: scOutputTokens, act: aTokens, field: uint8(iOutput), prio: 0},
	{key: scCacheRead, act: aTokens, field: uint8(iCacheRead), prio: 0},
	{key: "gen_ai.usage.cache_write.input_tokens", act: aTokens, field: uint8(iCacheWrite), prio: 0},
	{key: scCacheCreation, act: aTokens, field: uint8(iCacheWrite), prio: 1},
	{key: scReasoning, act: aTokens, field: uint8(iReasoning), prio: 0},
	{key: scFinishReasons, act: aFunc, h: hFinishList},

	// reported cost (draft semconv)
	{key: "gen_ai.usage.cost.amount", act: aCost, prio: 0},

	// prompt identity (gen_ai.prompt.version is merged semconv)
	{key: "gen_ai.prompt.name", act: aFunc, h: hPrompt, field: uint8(fPromptName), prio: 0, src: "gen_ai.prompt"},
	{key: "gen_ai.prompt.version", act: aFunc, h: hPrompt, field: uint8(fPromptVersion), prio: 0, src: "gen_ai.prompt"},

	// tools
	{key: scToolName, act: aFunc, h: hToolName, prio: 0},
	{key: scToolCallID, act: aFunc, h: hToolID},
	{key: scToolDesc, act: aFunc, h: hToolDesc},
	{key: scToolDefs, act: aFunc, class: classContent, h: hToolDefs},
	{key: scToolArguments, act: aFunc, class: classContent, h: hToolArgs},
	{key: scToolResult, act: aFunc, class: classContent, h: hToolResult},

	// content
	{key: scSystemInstr, act: aFunc, class: classContent, h: hSystemInstr},
	{key: scInputMessages, act: aFunc, mark: mSemconv, class: classContent, h: hInputMessages},
	{key: scOutputMessages, act: aFunc, mark: mSemconv, class: classContent, h: hOutputMessages},
	{key: scRetrievalDocs, act: aFunc, class: classContent, h: hSemconvDocs},
	{key: "gen_ai.retrieval.query.text", act: aFunc, class: classContent, h: hRetrievalQuery},
	{key: "gen_ai.retrieval.query", act: aFunc, class: classContent, h: hRetrievalQuery},

	// request parameters
	{key: scTemperature, act: aParam, field: pTemperature},
	{key: scTopP, act: aParam, field: pTopP},
	{key: scTopK, act: aParam, field: pTopK},
	{key: scFrequencyPenalty, act: aParam, field: pFrequencyPenalty},
	{key: scPresencePenalty, act: aParam, field: pPresencePenalty},
	{key: scMaxTokens, act: aParam, field: pMaxTokens},
	{key: scSeed, act: aParam, field: pSeed},
	{key: scChoiceCount, act: aParam, field: pChoiceCount},
	{key: scStopSequences, act: aParam, field: pStopSequences},
}

var semconvPrefixes = []prefixSpec(nil)
