package genai

// OpenLIT: semconv-like gen_ai.* keys plus its own (token usage total,
// server-side latencies as span attributes, OpenAI usage details, its cost
// as gen_ai.usage.cost); recognised by telemetry.sdk.name=openlit on the
// span or the resource.

var openlitKeys = []keySpec{
	{key: "telemetry.sdk.name", act: aFunc, h: hSDKName},
	{key: "gen_ai.client.token.usage", act: aFunc, h: hClientTokenUsage},
	{key: "gen_ai.server.time_to_first_token", act: aFunc, h: hFirstChunkSec},
	{key: "gen_ai.server.time_per_output_token", act: aFunc, h: hPerChunkSec},
	{key: "gen_ai.request.is_stream", act: aFunc, h: hStreaming},
	{key: "gen_ai.usage.prompt_tokens_details.cached_tokens", act: aTokens, field: uint8(iCacheRead), prio: 5},
	{key: "gen_ai.usage.prompt_tokens_details.cache_creation_tokens", act: aTokens, field: uint8(iCacheWrite), prio: 5},
	{key: "gen_ai.usage.completion_tokens_details.reasoning_tokens", act: aTokens, field: uint8(iReasoning), prio: 6},
	{key: "gen_ai.tool.args", act: aFunc, class: classContent, h: hToolArgs},
	// The de facto cost key (Grafana's GenAI dashboards); genai_cost writes
	// it too (contract.AttrCost), which costIsOurs tells apart.
	{key: costKey, act: aCost, prio: 1},
}
