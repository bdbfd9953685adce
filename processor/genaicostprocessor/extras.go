package genaicostprocessor

import (
	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/periscope-otel/periscope/internal/genai"
)

// Pricing inputs beyond token counts (service tier, batch, cache-write
// TTLs, audio/image tokens, web searches, ...) come from the View
// (View.Pricing, read from the built-in keys of internal/genai). The keys
// configured under attributes: are read here, on top of them: a configured
// key wins over a built-in one on the same span.

// keyIndex maps each configured key to its pricing input name (the
// attributes: sub-key, as genai.PricingExtras.Set takes it).
type keyIndex struct {
	keys map[string]string
}

func newKeyIndex(cfg AttributesConfig) *keyIndex {
	ix := &keyIndex{}
	add := func(input string, keys []string) {
		for _, k := range keys {
			if k == "" {
				continue
			}
			if ix.keys == nil {
				ix.keys = map[string]string{}
			}
			ix.keys[k] = input
		}
	}
	add("service_tier", cfg.ServiceTier)
	add("batch", cfg.Batch)
	add("speed", cfg.Speed)
	add("inference_geo", cfg.InferenceGeo)
	add("cache_write_5m", cfg.CacheWrite5m)
	add("cache_write_1h", cfg.CacheWrite1h)
	add("audio_input", cfg.AudioInput)
	add("audio_output", cfg.AudioOutput)
	add("web_searches", cfg.WebSearches)
	add("search_context", cfg.SearchContext)
	add("images", cfg.Images)
	add("audio_seconds", cfg.AudioSeconds)
	add("region", cfg.Region)
	add("image_input", cfg.ImageInput)
	add("video_input", cfg.VideoInput)
	add("cached_audio_input", cfg.CachedAudioInput)
	add("image_output", cfg.ImageOutput)
	add("citation_tokens", cfg.CitationTokens)
	return ix
}

// extras returns the pricing inputs of a call: the View's, overlaid with
// the configured keys found in attrs. Without configured keys the
// attributes are not walked again.
func (ix *keyIndex) extras(v *genai.View, attrs pcommon.Map) genai.PricingExtras {
	x := v.Pricing
	if len(ix.keys) == 0 {
		return x
	}
	for k, val := range attrs.All() {
		if input, ok := ix.keys[k]; ok {
			x.Set(input, val)
		}
	}
	return x
}
