package genaicostprocessor

import (
	"strconv"
	"strings"

	"go.opentelemetry.io/collector/pdata/pcommon"
)

// slot is a pricing input read from an attribute the GenAI conventions do
// not (yet) define; the reader in internal/genai does not expose them.
type slot uint8

const (
	slotServiceTier slot = iota + 1
	slotBatch
	slotSpeed
	slotInferenceGeo
	slotCacheWrite5m
	slotCacheWrite1h
	slotAudioIn
	slotAudioOut
	slotWebSearches
	slotSearchContext
	slotImages
	slotAudioSeconds
	slotRegion
	slotImageIn
	slotVideoIn
	slotCachedAudioIn
	slotImageOut
	slotCitations
)

// defaultKeys are the attribute spellings instrumentations use today.
var defaultKeys = map[slot][]string{
	slotServiceTier: {"openai.response.service_tier", "openai.request.service_tier", "gen_ai.openai.response.service_tier",
		"gen_ai.openai.request.service_tier", "gen_ai.request.service_tier", "gen_ai.response.service_tier"},
	slotBatch:         {"gen_ai.request.batch", "openai.request.batch", "gen_ai.openai.request.batch"},
	slotSpeed:         {"gen_ai.request.speed", "anthropic.request.speed", "gen_ai.anthropic.request.speed"},
	slotInferenceGeo:  {"gen_ai.usage.inference_geo", "anthropic.usage.inference_geo", "gen_ai.anthropic.usage.inference_geo"},
	slotCacheWrite5m:  {"gen_ai.usage.cache_creation.ephemeral_5m_input_tokens", "anthropic.usage.cache_creation.ephemeral_5m_input_tokens"},
	slotCacheWrite1h:  {"gen_ai.usage.cache_creation.ephemeral_1h_input_tokens", "anthropic.usage.cache_creation.ephemeral_1h_input_tokens"},
	slotAudioIn:       {"gen_ai.usage.audio.input_tokens", "llm.token_count.prompt_details.audio"},
	slotAudioOut:      {"gen_ai.usage.audio.output_tokens", "llm.token_count.completion_details.audio"},
	slotWebSearches:   {"gen_ai.usage.web_search_requests", "anthropic.usage.server_tool_use.web_search_requests", "gen_ai.usage.server_tool_use.web_search_requests"},
	slotSearchContext: {"gen_ai.request.search_context_size", "openai.request.web_search_options.search_context_size", "perplexity.request.search_context_size"},
	slotImages:        {"gen_ai.usage.images", "gen_ai.request.image.count"},
	slotAudioSeconds:  {"gen_ai.usage.audio.seconds", "gen_ai.request.audio.duration"},
	slotImageIn:       {"gen_ai.usage.image.input_tokens"},
	slotVideoIn:       {"gen_ai.usage.video.input_tokens"},
	slotCachedAudioIn: {"gen_ai.usage.audio.cache_read.input_tokens"},
	slotImageOut:      {"gen_ai.usage.image.output_tokens"},
	slotCitations:     {"gen_ai.usage.citation_tokens", "perplexity.usage.citation_tokens"},
}

// builtinSlot maps the built-in keys with a string switch (compiled to a
// length-then-value search): no hashing for the attributes of every span.
func builtinSlot(k string) slot {
	switch k {
	case "openai.response.service_tier", "openai.request.service_tier", "gen_ai.openai.response.service_tier", "gen_ai.openai.request.service_tier", "gen_ai.request.service_tier", "gen_ai.response.service_tier":
		return slotServiceTier
	case "gen_ai.request.batch", "openai.request.batch", "gen_ai.openai.request.batch":
		return slotBatch
	case "gen_ai.request.speed", "anthropic.request.speed", "gen_ai.anthropic.request.speed":
		return slotSpeed
	case "gen_ai.usage.inference_geo", "anthropic.usage.inference_geo", "gen_ai.anthropic.usage.inference_geo":
		return slotInferenceGeo
	case "gen_ai.usage.cache_creation.ephemeral_5m_input_tokens", "anthropic.usage.cache_creation.ephemeral_5m_input_tokens":
		return slotCacheWrite5m
	case "gen_ai.usage.cache_creation.ephemeral_1h_input_tokens", "anthropic.usage.cache_creation.ephemeral_1h_input_tokens":
		return slotCacheWrite1h
	case "gen_ai.usage.audio.input_tokens", "llm.token_count.prompt_details.audio":
		return slotAudioIn
	case "gen_ai.usage.audio.output_tokens", "llm.token_count.completion_details.audio":
		return slotAudioOut
	case "gen_ai.usage.web_search_requests", "anthropic.usage.server_tool_use.web_search_requests", "gen_ai.usage.server_tool_use.web_search_requests":
		return slotWebSearches
	case "gen_ai.request.search_context_size", "openai.request.web_search_options.search_context_size", "perplexity.request.search_context_size":
		return slotSearchContext
	case "gen_ai.usage.images", "gen_ai.request.image.count":
		return slotImages
	case "gen_ai.usage.audio.seconds", "gen_ai.request.audio.duration":
		return slotAudioSeconds
	case "gen_ai.usage.image.input_tokens":
		return slotImageIn
	case "gen_ai.usage.video.input_tokens":
		return slotVideoIn
	case "gen_ai.usage.audio.cache_read.input_tokens":
		return slotCachedAudioIn
	case "gen_ai.usage.image.output_tokens":
		return slotImageOut
	case "gen_ai.usage.citation_tokens", "perplexity.usage.citation_tokens":
		return slotCitations
	}
	return 0
}

// keyIndex finds the slot of an attribute key: the built-in keys through
// builtinSlot, configured extra keys through a map behind a length and
// last-byte filter.
type keyIndex struct {
	lens [8]uint64   // bit per key length (0..511)
	tail [256]uint64 // per last byte: bit per key length mod 64
	keys map[string]slot
}

func newKeyIndex(cfg AttributesConfig) *keyIndex {
	ix := &keyIndex{keys: map[string]slot{}}
	add := func(s slot, keys []string) {
		for _, k := range keys {
			if k == "" || len(k) > 511 {
				continue
			}
			ix.keys[k] = s
			ix.lens[len(k)>>6] |= 1 << (len(k) & 63)
			ix.tail[k[len(k)-1]] |= 1 << (len(k) & 63)
		}
	}
	add(slotServiceTier, cfg.ServiceTier)
	add(slotBatch, cfg.Batch)
	add(slotSpeed, cfg.Speed)
	add(slotInferenceGeo, cfg.InferenceGeo)
	add(slotCacheWrite5m, cfg.CacheWrite5m)
	add(slotCacheWrite1h, cfg.CacheWrite1h)
	add(slotAudioIn, cfg.AudioInput)
	add(slotAudioOut, cfg.AudioOutput)
	add(slotWebSearches, cfg.WebSearches)
	add(slotSearchContext, cfg.SearchContext)
	add(slotImages, cfg.Images)
	add(slotAudioSeconds, cfg.AudioSeconds)
	add(slotRegion, cfg.Region)
	add(slotImageIn, cfg.ImageInput)
	add(slotVideoIn, cfg.VideoInput)
	add(slotCachedAudioIn, cfg.CachedAudioInput)
	add(slotImageOut, cfg.ImageOutput)
	add(slotCitations, cfg.CitationTokens)
	return ix
}

func (ix *keyIndex) slot(k string) slot {
	if s := builtinSlot(k); s != 0 {
		return s
	}
	if len(ix.keys) == 0 {
		return 0
	}
	n := len(k)
	if n == 0 || n > 511 || ix.lens[n>>6]&(1<<(n&63)) == 0 || ix.tail[k[n-1]]&(1<<(n&63)) == 0 {
		return 0
	}
	return ix.keys[k]
}

// extras are the pricing inputs read beside the View.
type extras struct {
	serviceTier, speed, geo, searchContext, region  string
	batch                                           bool
	cw5m, cw1h, audioIn, audioOut, searches, images int64
	millis                                          int64
	imageIn, videoIn, cachedAudioIn, imageOut       int64
	citations                                       int64
}

func (ix *keyIndex) read(attrs pcommon.Map, x *extras) {
	attrs.Range(func(k string, v pcommon.Value) bool {
		switch ix.slot(k) {
		case 0:
		case slotServiceTier:
			x.serviceTier = strings.ToLower(v.AsString())
		case slotBatch:
			x.batch = truthy(v)
		case slotSpeed:
			x.speed = strings.ToLower(v.AsString())
		case slotInferenceGeo:
			x.geo = strings.ToLower(v.AsString())
		case slotSearchContext:
			x.searchContext = strings.ToLower(v.AsString())
		case slotRegion:
			x.region = strings.ToLower(v.AsString())
		case slotCacheWrite5m:
			x.cw5m = count(v)
		case slotCacheWrite1h:
			x.cw1h = count(v)
		case slotAudioIn:
			x.audioIn = count(v)
		case slotAudioOut:
			x.audioOut = count(v)
		case slotWebSearches:
			x.searches = count(v)
		case slotImages:
			x.images = count(v)
		case slotAudioSeconds:
			x.millis = millis(v)
		case slotImageIn:
			x.imageIn = count(v)
		case slotVideoIn:
			x.videoIn = count(v)
		case slotCachedAudioIn:
			x.cachedAudioIn = count(v)
		case slotImageOut:
			x.imageOut = count(v)
		case slotCitations:
			x.citations = count(v)
		}
		return true
	})
}

func truthy(v pcommon.Value) bool {
	switch v.Type() {
	case pcommon.ValueTypeBool:
		return v.Bool()
	case pcommon.ValueTypeInt:
		return v.Int() != 0
	case pcommon.ValueTypeStr:
		s := strings.ToLower(v.Str())
		return s != "" && s != "false" && s != "0"
	}
	return false
}

// count reads a non-negative count; anything else (negative, absurd,
// non-numeric) reads as 0.
func count(v pcommon.Value) int64 {
	var n int64
	switch v.Type() {
	case pcommon.ValueTypeInt:
		n = v.Int()
	case pcommon.ValueTypeDouble:
		f := v.Double()
		if f != f || f < 0 || f > 1e9 {
			return 0
		}
		n = int64(f)
	case pcommon.ValueTypeStr:
		p, err := strconv.ParseInt(strings.TrimSpace(v.Str()), 10, 64)
		if err != nil {
			return 0
		}
		n = p
	}
	if n < 0 || n > 1_000_000_000 {
		return 0
	}
	return n
}

func millis(v pcommon.Value) int64 {
	var f float64
	switch v.Type() {
	case pcommon.ValueTypeInt:
		f = float64(v.Int())
	case pcommon.ValueTypeDouble:
		f = v.Double()
	case pcommon.ValueTypeStr:
		p, err := strconv.ParseFloat(strings.TrimSpace(v.Str()), 64)
		if err != nil {
			return 0
		}
		f = p
	}
	if f != f || f <= 0 || f > 1e7 {
		return 0
	}
	return int64(f*1000 + 0.5)
}
