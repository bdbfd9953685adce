package genai

// OpenTelemetry GenAI semantic conventions before v1.37: gen_ai.system,
// prompt_tokens/completion_tokens, the gen_ai.prompt / gen_ai.completion
// content attributes (also on gen_ai.content.* span events), the OpenAI
// specific keys, and the per-message span events (events.go reads those;
// their attributes are listed here for content classification).

var semconvLegacyKeys = []keySpec{
	{key: "gen_ai.system", act: aProvider, prio: 1, mark: mSemconvLegacy},
	{key: "gen_ai.openai.api_base", act: aFunc, h: hAPIBase},
	{key: "gen_ai.usage.prompt_tokens", act: aTokens, field: uint8(iInput), prio: 1, semconv: scInputTokens},
	{key: "gen_ai.usage.completion_tokens", act: aTokens, field: uint8(iOutput), prio: 1, semconv: scOutputTokens},
	{key: "gen_ai.openai.request.seed", act: aParam, field: pSeed, prio: 1, semconv: scSeed},
	{key: "gen_ai.prompt", act: aFunc, mark: mSemconvLegacy, class: classContent, semconv: scInputMessages,
		h: hLegacyPrompt},
	{key: "gen_ai.completion", act: aFunc, mark: mSemconvLegacy, class: classContent, semconv: scOutputMessages,
		h: hLegacyCompletion},
	// Per-message span events (v1.28-v1.36) and the DB retrieval event.
	{key: "gen_ai.event.content", act: aNone, class: classContent},
	{key: "db.query.result.document", act: aNone, class: classContent},
}

// gen_ai.prompt.<i>.* / gen_ai.completion.<i>.* are OpenLLMetry's
// (dialect_openllmetry.go); gen_ai.prompt.variable.<name> is semconv's.
var semconvLegacyPrefixes = []prefixSpec(nil)
