package genai

import (
	"strconv"
	"strings"

	"go.opentelemetry.io/collector/pdata/pcommon"
)

// PricingExtras are the pricing inputs the GenAI conventions do not (yet)
// define: service tier, batch, cache-write TTL split, audio/image/video
// tokens, web searches, ... read from the provider keys of
// dialect_providers.go (and OpenInference's audio counts). Counts that are
// negative, absurd (above 1e9) or not numbers read as 0: they refine a
// price, they never make a call unpriceable.
type PricingExtras struct {
	ServiceTier   string // lower-cased: flex, priority, batch, default, ...
	Speed         string // lower-cased (Anthropic "fast")
	InferenceGeo  string // lower-cased
	SearchContext string // lower-cased web search context size
	Region        string // lower-cased data-residency region (no default key; genai_cost's configured keys)
	Batch         bool

	CacheWrite5m, CacheWrite1h int64 // cache-write tokens per TTL (Anthropic)
	AudioIn, AudioOut          int64
	CachedAudioIn              int64
	ImageIn, ImageOut, VideoIn int64
	WebSearches                int64
	Images                     int64 // generated images
	Citations                  int64 // Perplexity citation tokens
	AudioMillis                int64 // billed audio duration
}

// extraField names a PricingExtras field in the dialect tables.
type extraField uint8

const (
	xServiceTier extraField = iota
	xBatch
	xSpeed
	xInferenceGeo
	xCacheWrite5m
	xCacheWrite1h
	xAudioIn
	xAudioOut
	xWebSearches
	xSearchContext
	xImages
	xAudioSeconds
	xRegion
	xImageIn
	xVideoIn
	xCachedAudioIn
	xImageOut
	xCitations
)

// Set applies a value to the field named by a pricing input
// name (the genai_cost `attributes:` keys: service_tier, batch, ...); it
// reports false for an unknown name. Components with configured extra keys
// use it so that their values read exactly like the built-in keys.
func (x *PricingExtras) Set(name string, v pcommon.Value) bool {
	f, ok := extraNames[name]
	if ok {
		x.set(f, v)
	}
	return ok
}

var extraNames = map[string]extraField{
	"service_tier": xServiceTier, "batch": xBatch, "speed": xSpeed, "inference_geo": xInferenceGeo,
	"cache_write_5m": xCacheWrite5m, "cache_write_1h": xCacheWrite1h, "audio_input": xAudioIn,
	"audio_output": xAudioOut, "web_searches": xWebSearches, "search_context": xSearchContext,
	"images": xImages, "audio_seconds": xAudioSeconds, "region": xRegion, "image_input": xImageIn,
	"video_input": xVideoIn, "cached_audio_input": xCachedAudioIn, "image_output": xImageOut,
	"citation_tokens": xCitations,
}

// PricingKeys returns the built-in attribute keys of a pricing input (by
// its name, as in PricingExtras.Set), in table order.
func PricingKeys(name string) []string {
	f, ok := extraNames[name]
	if !ok {
		return nil
	}
	var out []string
	for i := range keyTable {
		if keyTable[i].act == aExtra && extraField(keyTable[i].field) == f {
			out = append(out, keyTable[i].key)
		}
	}
	return out
}

// set reads one pricing input; a later key overwrites an earlier one.
func (x *PricingExtras) set(f extraField, v pcommon.Value) {
	switch f {
	case xServiceTier:
		x.ServiceTier = strings.ToLower(v.AsString())
	case xBatch:
		x.Batch = truthy(v)
	case xSpeed:
		x.Speed = strings.ToLower(v.AsString())
	case xInferenceGeo:
		x.InferenceGeo = strings.ToLower(v.AsString())
	case xSearchContext:
		x.SearchContext = strings.ToLower(v.AsString())
	case xRegion:
		x.Region = strings.ToLower(v.AsString())
	case xCacheWrite5m:
		x.CacheWrite5m = extraCount(v)
	case xCacheWrite1h:
		x.CacheWrite1h = extraCount(v)
	case xAudioIn:
		x.AudioIn = extraCount(v)
	case xAudioOut:
		x.AudioOut = extraCount(v)
	case xWebSearches:
		x.WebSearches = extraCount(v)
	case xImages:
		x.Images = extraCount(v)
	case xAudioSeconds:
		x.AudioMillis = extraMillis(v)
	case xImageIn:
		x.ImageIn = extraCount(v)
	case xVideoIn:
		x.VideoIn = extraCount(v)
	case xCachedAudioIn:
		x.CachedAudioIn = extraCount(v)
	case xImageOut:
		x.ImageOut = extraCount(v)
	case xCitations:
		x.Citations = extraCount(v)
	}
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

// extraCount reads a non-negative count; anything else (negative, absurd,
// non-numeric) reads as 0.
func extraCount(v pcommon.Value) int64 {
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

// extraMillis reads a duration in seconds as milliseconds (0 when invalid).
func extraMillis(v pcommon.Value) int64 {
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
