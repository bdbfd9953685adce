package genai

// Provider-specific pricing inputs the GenAI conventions do not (yet)
// define (PricingExtras): the spellings instrumentations use today, under
// the provider's namespace or gen_ai.*. A later key overwrites an earlier
// one on the same span. genai_cost adds configured keys (attributes:).

var providerKeys = []keySpec{
	{key: "openai.response.service_tier", act: aExtra, field: uint8(xServiceTier)},
	{key: "openai.request.service_tier", act: aExtra, field: uint8(xServiceTier)},
	{key: "gen_ai.openai.response.service_tier", act: aExtra, field: uint8(xServiceTier)},
	{key: "gen_ai.openai.request.service_tier", act: aExtra, field: uint8(xServiceTier)},
	{key: "gen_ai.request.service_tier", act: aExtra, field: uint8(xServiceTier)},
	{key: "gen_ai.response.service_tier", act: aExtra, field: uint8(xServiceTier)},

	{key: "gen_ai.request.batch", act: aExtra, field: uint8(xBatch)},
	{key: "openai.request.batch", act: aExtra, field: uint8(xBatch)},
	{key: "gen_ai.openai.request.batch", act: aExtra, field: uint8(xBatch)},

	{key: "gen_ai.request.speed", act: aExtra, field: uint8(xSpeed)},
	{key: "anthropic.request.speed", act: aExtra, field: uint8(xSpeed)},
	{key: "gen_ai.anthropic.request.speed", act: aExtra, field: uint8(xSpeed)},

	{key: "gen_ai.usage.inference_geo", act: aExtra, field: uint8(xInferenceGeo)},
	{key: "anthropic.usage.inference_geo", act: aExtra, field: uint8(xInferenceGeo)},
	{key: "gen_ai.anthropic.usage.inference_geo", act: aExtra, field: uint8(xInferenceGeo)},

	{key: "gen_ai.usage.cache_creation.ephemeral_5m_input_tokens", act: aExtra, field: uint8(xCacheWrite5m)},
	{key: "anthropic.usage.cache_creation.ephemeral_5m_input_tokens", act: aExtra, field: uint8(xCacheWrite5m)},
	{key: "gen_ai.usage.cache_creation.ephemeral_1h_input_tokens", act: aExtra, field: uint8(xCacheWrite1h)},
	{key: "anthropic.usage.cache_creation.ephemeral_1h_input_tokens", act: aExtra, field: uint8(xCacheWrite1h)},

	{key: "gen_ai.usage.audio.input_tokens", act: aExtra, field: uint8(xAudioIn)},
	{key: "gen_ai.usage.audio.output_tokens", act: aExtra, field: uint8(xAudioOut)},
	{key: "gen_ai.usage.audio.cache_read.input_tokens", act: aExtra, field: uint8(xCachedAudioIn)},
	{key: "gen_ai.usage.image.input_tokens", act: aExtra, field: uint8(xImageIn)},
	{key: "gen_ai.usage.image.output_tokens", act: aExtra, field: uint8(xImageOut)},
	{key: "gen_ai.usage.video.input_tokens", act: aExtra, field: uint8(xVideoIn)},

	{key: "gen_ai.usage.web_search_requests", act: aExtra, field: uint8(xWebSearches)},
	{key: "anthropic.usage.server_tool_use.web_search_requests", act: aExtra, field: uint8(xWebSearches)},
	{key: "gen_ai.usage.server_tool_use.web_search_requests", act: aExtra, field: uint8(xWebSearches)},
	{key: "gen_ai.request.search_context_size", act: aExtra, field: uint8(xSearchContext)},
	{key: "openai.request.web_search_options.search_context_size", act: aExtra, field: uint8(xSearchContext)},
	{key: "perplexity.request.search_context_size", act: aExtra, field: uint8(xSearchContext)},

	{key: "gen_ai.usage.images", act: aExtra, field: uint8(xImages)},
	{key: "gen_ai.request.image.count", act: aExtra, field: uint8(xImages)},
	{key: "gen_ai.usage.audio.seconds", act: aExtra, field: uint8(xAudioSeconds)},
	{key: "gen_ai.request.audio.duration", act: aExtra, field: uint8(xAudioSeconds)},

	{key: "gen_ai.usage.citation_tokens", act: aExtra, field: uint8(xCitations)},
	{key: "perplexity.usage.citation_tokens", act: aExtra, field: uint8(xCitations)},
}
