// Package loaders reads third-party price tables (the LiteLLM model map and
// Langfuse model definitions) into pricing tables. Both are untrusted input:
// structural errors reject the file with a message naming the file and the
// entry, never a panic.
package loaders

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/periscope-otel/periscope/internal/pricing"
)

// MaxFileBytes bounds a price file.
const MaxFileBytes = 64 << 20

const usdPerToken = 15 // USD → femto-USD

var litellmComponents = map[string]pricing.Component{
	"input_cost_per_token":                      pricing.Input,
	"output_cost_per_token":                     pricing.Output,
	"cache_read_input_token_cost":               pricing.CacheRead,
	"input_cost_per_token_cache_hit":            pricing.CacheRead,
	"cache_creation_input_token_cost":           pricing.CacheWrite,
	"cache_creation_input_token_cost_above_1hr": pricing.CacheWrite1h,
	"output_cost_per_reasoning_token":           pricing.Reasoning,
	"input_cost_per_audio_token":                pricing.AudioIn,
	"output_cost_per_audio_token":               pricing.AudioOut,
	"input_cost_per_image_token":                pricing.ImageIn,
	"output_cost_per_image_token":               pricing.ImageOut,
	"citation_cost_per_token":                   pricing.Citation,
	"cache_read_input_audio_token_cost":         pricing.CacheAudioRead,
}

var litellmKinds = map[string]pricing.Kind{
	"": pricing.KindChat, "chat": pricing.KindChat, "completion": pricing.KindChat, "responses": pricing.KindChat,
	"embedding": pricing.KindEmbedding, "image_generation": pricing.KindImage,
	"audio_transcription": pricing.KindAudio, "audio_speech": pricing.KindAudio, "rerank": pricing.KindRerank,
}

// splitKey parses "<component>[_above_<N>k_tokens][_batches|_flex|_priority]".
func splitKey(k string) (c pricing.Component, threshold int64, mode pricing.Mode, ok bool) {
	mode = pricing.Standard
	for _, s := range [...]struct {
		suf string
		m   pricing.Mode
	}{{"_batches", pricing.Batch}, {"_flex", pricing.Flex}, {"_priority", pricing.Priority}} {
		if rest, found := strings.CutSuffix(k, s.suf); found {
			k, mode = rest, s.m
			break
		}
	}
	if i := strings.LastIndex(k, "_above_"); i > 0 && strings.HasSuffix(k, "k_tokens") {
		num := k[i+len("_above_") : len(k)-len("k_tokens")]
		n, err := strconv.ParseInt(num, 10, 64)
		if err != nil || n <= 0 || n >= 100_000 {
			return 0, 0, 0, false
		}
		c, ok = litellmComponents[k[:i]]
		return c, n * 1000, mode, ok
	}
	c, ok = litellmComponents[k]
	return c, 0, mode, ok
}

// LoadLiteLLM parses a LiteLLM model_prices_and_context_window.json map.
// Entries without any price this engine can apply are skipped (they stay
// unpriced, never $0); entries with a malformed price fail the file.
func LoadLiteLLM(data []byte, name string) (*pricing.Table, error) {
	if len(data) > MaxFileBytes {
		return nil, fmt.Errorf("%s: file larger than %d bytes", name, MaxFileBytes)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var raw map[string]json.RawMessage
	if err := dec.Decode(&raw); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	t := pricing.NewTable(name)
	sum := sha256.Sum256(data)
	t.Hash = hex.EncodeToString(sum[:6])
	keys := make([]string, 0, len(raw))
	for k := range raw {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var errs []error
	for _, key := range keys {
		if key == "sample_spec" {
			continue
		}
		e, warn, err := litellmEntry(key, raw[key])
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: entry %q: %w", name, key, err))
			if len(errs) >= 10 {
				break
			}
			continue
		}
		for _, w := range warn {
			w.Entry = key
			t.Warnings = append(t.Warnings, w)
		}
		if e != nil {
			t.Add(e)
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	t.Warnings = append(t.Warnings, pricing.Validate(t)...)
	return t, nil
}

func litellmEntry(key string, msg json.RawMessage) (*pricing.Entry, []pricing.Warning, error) {
	dec := json.NewDecoder(bytes.NewReader(msg))
	dec.UseNumber()
	var v map[string]any
	if err := dec.Decode(&v); err != nil {
		return nil, nil, fmt.Errorf("want an object: %w", err)
	}
	provider, _ := v["litellm_provider"].(string)
	modeName, _ := v["mode"].(string)
	var warn []pricing.Warning
	if provider == "" || modeName == "" {
		warn = append(warn, pricing.Warning{Kind: pricing.WarnMissingField, Msg: "entry without litellm_provider or mode"})
	}
	rounded := false
	kind, ok := litellmKinds[modeName]
	if !ok {
		kind = pricing.KindOther
	}
	family := pricing.Family(provider)
	name := strings.ToLower(key)
	for _, p := range [...]string{family + "/", strings.ToLower(provider) + "/"} {
		if p != "/" && strings.HasPrefix(name, p) {
			name = name[len(p):]
			break
		}
	}
	if family == "" {
		family, name = "unknown", strings.ToLower(key)
	}

	ver := pricing.Version{}
	tiers := map[pricing.Mode]map[int64]*pricing.Tier{}
	priced := false
	for field, val := range v {
		c, threshold, mode, ok := splitKey(field)
		if !ok {
			continue
		}
		num, isNum := val.(json.Number)
		if !isNum {
			return nil, nil, fmt.Errorf("%s: not a number", field)
		}
		f, err := parseRate(string(num), &rounded)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", field, err)
		}
		priced = true
		var r *pricing.Rates
		switch {
		case threshold > 0:
			m := tiers[mode]
			if m == nil {
				m = map[int64]*pricing.Tier{}
				tiers[mode] = m
			}
			t := m[threshold]
			if t == nil {
				t = &pricing.Tier{Threshold: threshold}
				if family == "xai" {
					t.Boundary = pricing.AtLeast // LiteLLM bills xAI's tier from 128k inclusive
				}
				m[threshold] = t
			}
			r = &t.Rates
		case mode != pricing.Standard:
			if ver.Modes[mode] == nil {
				ver.Modes[mode] = &pricing.ModePrice{}
			}
			r = &ver.Modes[mode].Rates
		default:
			r = &ver.Base
		}
		r.Put(c, f)
	}
	for mode, m := range tiers {
		list := make([]pricing.Tier, 0, len(m))
		for _, t := range m {
			list = append(list, *t)
		}
		sort.Slice(list, func(i, j int) bool { return list[i].Threshold < list[j].Threshold })
		if mode == pricing.Standard {
			ver.Tiers = list
		} else {
			if ver.Modes[mode] == nil {
				ver.Modes[mode] = &pricing.ModePrice{Rates: ver.Base}
			}
			ver.Modes[mode].Tiers = list
		}
	}
	if pse, ok := v["provider_specific_entry"].(map[string]any); ok {
		if f, ok := ppm(pse["fast"]); ok {
			ver.Modes[pricing.Fast] = &pricing.ModePrice{Factor: f}
		}
		if f, ok := ppm(pse["us"]); ok {
			ver.Geo = map[string]uint64{"us": f}
		}
	}
	for _, r := range [...]string{"eu", "us"} {
		if f, ok := ppm(v["regional_processing_uplift_multiplier_"+r]); ok {
			if ver.Residency == nil {
				ver.Residency = map[string]uint64{}
			}
			ver.Residency[r] = f
		}
	}
	if sc, ok := v["search_context_cost_per_query"].(map[string]any); ok {
		fees := map[string]int64{}
		for _, size := range [...]string{"low", "medium", "high"} {
			if n, ok := sc["search_context_size_"+size].(json.Number); ok {
				if f, err := pricing.ParseDecimal(string(n), usdPerToken); err == nil && f > 0 {
					fees[size] = f
				}
			}
		}
		if len(fees) > 0 {
			if family == "perplexity" {
				ver.RequestBySearchContext = fees
			} else {
				ver.PerSearch = fees["medium"]
			}
		}
	}
	unit := func(field string, dst *int64) {
		if n, ok := v[field].(json.Number); ok {
			if f, err := pricing.ParseDecimal(string(n), usdPerToken); err == nil {
				*dst = f
				priced = true
			}
		}
	}
	if kind == pricing.KindImage {
		unit("input_cost_per_image", &ver.PerImage)
		unit("output_cost_per_image", &ver.PerImage)
	}
	if kind == pricing.KindAudio {
		unit("input_cost_per_second", &ver.PerSecond)
	}
	unit("input_cost_per_request", &ver.PerRequest)
	if rounded {
		warn = append(warn, pricing.Warning{Kind: pricing.WarnRateRounded, Msg: "rate with binary-float digits rounded to 1e-15 USD"})
	}
	if !priced {
		return nil, warn, nil
	}
	// A tier or mode without any rate of its own is dropped.
	return &pricing.Entry{Family: family, Name: name, Kind: kind, Versions: []pricing.Version{ver}}, warn, nil
}

func ppm(v any) (uint64, bool) {
	n, ok := v.(json.Number)
	if !ok {
		return 0, false
	}
	f, err := pricing.ParseDecimal(string(n), 6)
	if err != nil || f <= 0 || f > 1000*pricing.PPM {
		return 0, false
	}
	return uint64(f), true
}

func parseRate(s string, rounded *bool) (int64, error) {
	v, r, err := pricing.ParseDecimalRounded(s, usdPerToken)
	if r {
		*rounded = true
	}
	return v, err
}
