// Package catalog holds the embedded price catalog and the parser of the
// project's own price format, shared by the embedded file, extra table
// files in that format and inline `models:` prices in collector YAML.
package catalog

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/periscope-otel/periscope/internal/pricing"
)

// Spec is one entry in the catalog format, as a generic map (decoded from
// YAML with literal numbers kept as text, or from collector config).
type Spec = map[string]any

var rateKeys = map[string]pricing.Component{
	"in": pricing.Input, "input": pricing.Input,
	"out": pricing.Output, "output": pricing.Output,
	"cache_read":       pricing.CacheRead,
	"cache_write":      pricing.CacheWrite,
	"cache_write_1h":   pricing.CacheWrite1h,
	"reasoning":        pricing.Reasoning,
	"audio_in":         pricing.AudioIn,
	"audio_out":        pricing.AudioOut,
	"image_in":         pricing.ImageIn,
	"video_in":         pricing.VideoIn,
	"cache_audio_read": pricing.CacheAudioRead,
	"image_out":        pricing.ImageOut,
	"citation":         pricing.Citation,
}

var kinds = map[string]pricing.Kind{
	"": pricing.KindChat, "chat": pricing.KindChat, "embedding": pricing.KindEmbedding,
	"image": pricing.KindImage, "audio": pricing.KindAudio, "rerank": pricing.KindRerank,
}

// Scales of the format: token rates are USD per million tokens, fees USD
// per unit, expressed in femto-USD.
const (
	perMillionScale = 9  // USD/1M tokens → femto-USD/token
	perUnitScale    = 15 // USD/unit → femto-USD/unit
)

// numText renders a scalar as decimal text without losing digits.
func numText(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return strings.TrimSpace(x), true
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64), true
	case float32:
		return strconv.FormatFloat(float64(x), 'g', -1, 32), true
	case int:
		return strconv.Itoa(x), true
	case int64:
		return strconv.FormatInt(x, 10), true
	case uint64:
		return strconv.FormatUint(x, 10), true
	}
	return "", false
}

func parseNum(key string, v any, scale int) (int64, error) {
	s, ok := numText(v)
	if !ok {
		return 0, fmt.Errorf("%s: not a number", key)
	}
	n, err := pricing.ParseDecimal(s, scale)
	if err != nil {
		return 0, fmt.Errorf("%s: %q: %w", key, s, err)
	}
	return n, nil
}

func parsePPM(key string, v any) (uint64, error) {
	n, err := parseNum(key, v, 6)
	if err != nil {
		return 0, err
	}
	if n <= 0 || n > 1000*pricing.PPM {
		return 0, fmt.Errorf("%s: factor out of range", key)
	}
	return uint64(n), nil
}

// BuildEntry turns a spec into an entry of family. Unknown keys are errors
// so that a typo never silently prices a component at zero.
func BuildEntry(family string, s Spec) (*pricing.Entry, error) {
	name, _ := s["name"].(string)
	if name == "" {
		return nil, fmt.Errorf("entry without name")
	}
	e := &pricing.Entry{Family: family, Name: strings.ToLower(name)}
	if k, ok := s["kind"]; ok {
		ks, _ := k.(string)
		kind, ok := kinds[ks]
		if !ok {
			return nil, fmt.Errorf("%s: unknown kind %q", name, ks)
		}
		e.Kind = kind
	}
	cur, err := buildVersion(s)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if h, ok := s["history"]; ok {
		list, ok := h.([]any)
		if !ok {
			return nil, fmt.Errorf("%s: history: want a list", name)
		}
		var prev time.Time
		for i, item := range list {
			hs, ok := asSpec(item)
			if !ok {
				return nil, fmt.Errorf("%s: history[%d]: want a map", name, i)
			}
			until, err := parseDate(hs["until"])
			if err != nil {
				return nil, fmt.Errorf("%s: history[%d].until: %w", name, i, err)
			}
			if !prev.IsZero() && !until.After(prev) {
				return nil, fmt.Errorf("%s: history[%d].until: dates must ascend", name, i)
			}
			v, err := buildVersion(hs)
			if err != nil {
				return nil, fmt.Errorf("%s: history[%d]: %w", name, i, err)
			}
			v.From = prev
			e.Versions = append(e.Versions, *v)
			prev = until
		}
		cur.From = prev
	}
	e.Versions = append(e.Versions, *cur)
	return e, nil
}

func parseDate(v any) (time.Time, error) {
	switch x := v.(type) {
	case time.Time:
		return x.UTC(), nil
	case string:
		for _, layout := range []string{"2006-01-02", time.RFC3339} {
			if t, err := time.Parse(layout, x); err == nil {
				return t.UTC(), nil
			}
		}
	}
	return time.Time{}, fmt.Errorf("want a date YYYY-MM-DD")
}

func asSpec(v any) (Spec, bool) {
	switch x := v.(type) {
	case map[string]any:
		return x, true
	case map[any]any:
		out := make(Spec, len(x))
		for k, val := range x {
			ks, ok := k.(string)
			if !ok {
				return nil, false
			}
			out[ks] = val
		}
		return out, true
	}
	return nil, false
}

func buildRates(s Spec, r *pricing.Rates, allowed func(string) bool) error {
	keys := make([]string, 0, len(s))
	for k := range s {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if c, ok := rateKeys[k]; ok {
			n, err := parseNum(k, s[k], perMillionScale)
			if err != nil {
				return err
			}
			r.Put(c, n)
			continue
		}
		if !allowed(k) {
			return fmt.Errorf("unknown key %q", k)
		}
	}
	return nil
}

func buildTiers(v any) ([]pricing.Tier, error) {
	list, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("tiers: want a list")
	}
	var out []pricing.Tier
	for i, item := range list {
		ts, ok := asSpec(item)
		if !ok {
			return nil, fmt.Errorf("tiers[%d]: want a map", i)
		}
		var t pricing.Tier
		found := false
		for _, b := range []struct {
			key string
			bd  pricing.Boundary
		}{{"above", pricing.Above}, {"at_least", pricing.AtLeast}} {
			if x, ok := ts[b.key]; ok {
				n, err := parseNum(b.key, x, 0)
				if err != nil {
					return nil, fmt.Errorf("tiers[%d]: %w", i, err)
				}
				t.Threshold, t.Boundary, found = n, b.bd, true
			}
		}
		if !found {
			return nil, fmt.Errorf("tiers[%d]: needs above or at_least", i)
		}
		if err := buildRates(ts, &t.Rates, func(k string) bool { return k == "above" || k == "at_least" }); err != nil {
			return nil, fmt.Errorf("tiers[%d]: %w", i, err)
		}
		out = append(out, t)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Threshold < out[j].Threshold })
	return out, nil
}

var versionKeys = map[string]bool{
	"name": true, "kind": true, "history": true, "until": true, "tiers": true,
	"batch": true, "flex": true, "priority": true, "fast": true,
	"residency": true, "geo": true, "search": true, "request_fee": true, "image": true, "second": true, "per_request": true,
	"thinking_output": true,
}

func buildVersion(s Spec) (*pricing.Version, error) {
	v := &pricing.Version{}
	if err := buildRates(s, &v.Base, func(k string) bool { return versionKeys[k] }); err != nil {
		return nil, err
	}
	if t, ok := s["tiers"]; ok {
		tiers, err := buildTiers(t)
		if err != nil {
			return nil, err
		}
		v.Tiers = tiers
	}
	for _, m := range []pricing.Mode{pricing.Batch, pricing.Flex, pricing.Priority, pricing.Fast} {
		raw, ok := s[m.String()]
		if !ok {
			continue
		}
		ms, ok := asSpec(raw)
		if !ok {
			return nil, fmt.Errorf("%s: want a map", m)
		}
		mp := &pricing.ModePrice{}
		if f, ok := ms["factor"]; ok {
			n, err := parsePPM(m.String()+".factor", f)
			if err != nil {
				return nil, err
			}
			mp.Factor = n
		}
		if err := buildRates(ms, &mp.Rates, func(k string) bool { return k == "factor" || k == "tiers" }); err != nil {
			return nil, fmt.Errorf("%s: %w", m, err)
		}
		if t, ok := ms["tiers"]; ok {
			tiers, err := buildTiers(t)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", m, err)
			}
			mp.Tiers = tiers
		}
		if mp.Factor == 0 && mp.Rates.Set == 0 {
			return nil, fmt.Errorf("%s: needs rates or a factor", m)
		}
		v.Modes[m] = mp
	}
	for _, key := range []string{"residency", "geo"} {
		raw, ok := s[key]
		if !ok {
			continue
		}
		ms, ok := asSpec(raw)
		if !ok {
			return nil, fmt.Errorf("%s: want a map", key)
		}
		out := map[string]uint64{}
		for k, x := range ms {
			n, err := parsePPM(key+"."+k, x)
			if err != nil {
				return nil, err
			}
			out[strings.ToLower(k)] = n
		}
		if key == "residency" {
			v.Residency = out
		} else {
			v.Geo = out
		}
	}
	fees := []struct {
		key string
		dst *int64
	}{{"search", &v.PerSearch}, {"image", &v.PerImage}, {"second", &v.PerSecond}, {"per_request", &v.PerRequest}}
	for _, f := range fees {
		if x, ok := s[f.key]; ok {
			n, err := parseNum(f.key, x, perUnitScale)
			if err != nil {
				return nil, err
			}
			*f.dst = n
		}
	}
	if raw, ok := s["thinking_output"]; ok {
		switch raw {
		case "true", true:
			v.ThinkingOutput = true
		case "false", false:
		default:
			return nil, fmt.Errorf("thinking_output: want true or false")
		}
	}
	if raw, ok := s["request_fee"]; ok {
		ms, ok := asSpec(raw)
		if !ok {
			return nil, fmt.Errorf("request_fee: want a map")
		}
		v.RequestBySearchContext = map[string]int64{}
		for k, x := range ms {
			n, err := parseNum("request_fee."+k, x, perUnitScale)
			if err != nil {
				return nil, err
			}
			v.RequestBySearchContext[k] = n
		}
	}
	return v, nil
}
