package catalogen

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/periscope-otel/periscope/internal/pricing"
)

// gpFamilies maps a @pydantic/genai-prices provider id onto a catalog
// family. Providers not listed are not imported (GitHub Copilot bills in
// credits, Cursor in plan requests; resellers without a span dialect).
var gpFamilies = map[string]string{
	"anthropic": "anthropic", "aws": "bedrock", "azure": "azure", "cerebras": "cerebras",
	"cohere": "cohere", "deepseek": "deepseek", "fireworks": "fireworks_ai", "google": "gemini",
	"groq": "groq", "mistral": "mistral", "modal": "modal", "moonshotai": "moonshot",
	"openai": "openai", "openrouter": "openrouter", "perplexity": "perplexity",
	"together": "together_ai", "x-ai": "xai", "zai": "zai", "zhipuai": "zhipuai",
	"novita": "novita", "baseten": "baseten", "minimax": "minimax", "voyageai": "voyage",
	"cloudflare": "cloudflare", "ovhcloud": "ovhcloud",
}

type gpProvider struct {
	ID     string    `json:"id"`
	Models []gpModel `json:"models"`
}

type gpModel struct {
	ID         string          `json:"id"`
	Match      json.RawMessage `json:"match"`
	Prices     json.RawMessage `json:"prices"`
	Deprecated bool            `json:"deprecated"`
}

type gpConditional struct {
	Constraint *struct {
		Type      string `json:"type"`
		StartDate string `json:"start_date"`
	} `json:"constraint"`
	Prices map[string]json.RawMessage `json:"prices"`
}

// gpEntry is one imported model with the extra names its match rule lists.
type gpEntry struct {
	e       *pricing.Entry
	aliases []string
}

// loadGenAIPrices reads the provider array of @pydantic/genai-prices (as
// dumped by sources/dump.mjs) into entries keyed family/name. Unsupported
// price keys are dropped and reported in skipped.
func loadGenAIPrices(data []byte) (map[string][]gpEntry, map[string]int, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var provs []gpProvider
	if err := dec.Decode(&provs); err != nil {
		return nil, nil, fmt.Errorf("genai-prices: %w", err)
	}
	out := map[string][]gpEntry{}
	skipped := map[string]int{}
	for _, p := range provs {
		family := gpFamilies[p.ID]
		sub := ""
		if s, ok := strings.CutPrefix(p.ID, "huggingface_"); ok {
			family, sub = "huggingface", s
		}
		if family == "" {
			skipped["provider "+p.ID]++
			continue
		}
		for _, m := range p.Models {
			e, err := gpModelEntry(family, m, skipped)
			if err != nil {
				return nil, nil, fmt.Errorf("genai-prices: %s/%s: %w", p.ID, m.ID, err)
			}
			if e == nil {
				continue
			}
			ge := gpEntry{e: e}
			if sub == "" {
				ge.aliases = equalsNames(m.Match)
			} else {
				// Hugging Face router: "<model>:<provider>" selects the host.
				e.Name = e.Name + ":" + sub
			}
			out[family] = append(out[family], ge)
		}
	}
	return out, skipped, nil
}

func gpModelEntry(family string, m gpModel, skipped map[string]int) (*pricing.Entry, error) {
	var conds []gpConditional
	trimmed := bytes.TrimSpace(m.Prices)
	if len(trimmed) > 0 && trimmed[0] == '[' {
		dec := json.NewDecoder(bytes.NewReader(trimmed))
		dec.UseNumber()
		if err := dec.Decode(&conds); err != nil {
			return nil, err
		}
	} else {
		var p map[string]json.RawMessage
		if err := json.Unmarshal(trimmed, &p); err != nil {
			return nil, err
		}
		conds = []gpConditional{{Prices: p}}
	}
	name := strings.ToLower(m.ID)
	e := &pricing.Entry{Family: family, Name: name}
	type dated struct {
		from time.Time
		v    pricing.Version
	}
	var list []dated
	for _, c := range conds {
		var from time.Time
		if c.Constraint != nil {
			if c.Constraint.Type != "start_date" {
				skipped["constraint "+c.Constraint.Type]++
				continue // time-of-day discounts are not modelled
			}
			t, err := time.Parse("2006-01-02", c.Constraint.StartDate)
			if err != nil {
				if t, err = time.Parse(time.RFC3339, c.Constraint.StartDate); err != nil {
					return nil, fmt.Errorf("start_date: %w", err)
				}
			}
			from = t.UTC()
		}
		v, ok, err := gpVersion(c.Prices, strings.HasSuffix(name, ":free"), skipped)
		if err != nil {
			return nil, err
		}
		if !ok {
			continue
		}
		v.From = from
		list = append(list, dated{from, v})
	}
	if len(list) == 0 {
		return nil, nil
	}
	sort.SliceStable(list, func(i, j int) bool { return list[i].from.Before(list[j].from) })
	for i, d := range list {
		if i > 0 && !d.from.After(list[i-1].from) {
			continue
		}
		e.Versions = append(e.Versions, d.v)
	}
	e.Versions[0].From = time.Time{}
	if strings.Contains(name, "embed") {
		e.Kind = pricing.KindEmbedding
	}
	return e, nil
}

var gpRate = map[string]pricing.Component{
	"input_mtok": pricing.Input, "output_mtok": pricing.Output,
	"cache_read_mtok": pricing.CacheRead, "cache_write_mtok": pricing.CacheWrite,
	"cache_write_1h_mtok": pricing.CacheWrite1h, "output_reasoning_mtok": pricing.Reasoning,
	"input_audio_mtok": pricing.AudioIn, "output_audio_mtok": pricing.AudioOut,
	"input_image_mtok": pricing.ImageIn, "input_video_mtok": pricing.VideoIn,
	"cache_audio_read_mtok": pricing.CacheAudioRead, "output_image_mtok": pricing.ImageOut,
}

// gpVersion converts one price set. Tiered prices ({base, tiers[{start,
// price}]}) apply to the whole request once input tokens exceed start,
// which is the catalog's "above" tier.
func gpVersion(p map[string]json.RawMessage, free bool, skipped map[string]int) (pricing.Version, bool, error) {
	var v pricing.Version
	type step struct {
		c     pricing.Component
		start int64
		rate  int64
	}
	var steps []step
	keys := make([]string, 0, len(p))
	for k := range p {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	priced := false
	for _, k := range keys {
		raw := p[k]
		switch k {
		case "web_searches_kcount", "requests_kcount":
			var n json.Number
			if err := json.Unmarshal(raw, &n); err != nil {
				return v, false, fmt.Errorf("%s: %w", k, err)
			}
			f, err := pricing.ParseDecimal(string(n), feeScale)
			if err != nil {
				return v, false, fmt.Errorf("%s: %w", k, err)
			}
			if k == "web_searches_kcount" {
				v.PerSearch = f / 1000
			} else {
				v.PerRequest = f / 1000
				priced = true
			}
			continue
		}
		c, ok := gpRate[k]
		if !ok {
			skipped["price key "+k]++
			continue
		}
		trimmed := bytes.TrimSpace(raw)
		if len(trimmed) > 0 && trimmed[0] == '{' {
			var tp struct {
				Base  json.Number `json:"base"`
				Tiers []struct {
					Start int64       `json:"start"`
					Price json.Number `json:"price"`
				} `json:"tiers"`
			}
			if err := json.Unmarshal(trimmed, &tp); err != nil {
				return v, false, fmt.Errorf("%s: %w", k, err)
			}
			b, err := gpRateDec(string(tp.Base), skipped)
			if err != nil {
				return v, false, fmt.Errorf("%s.base: %w", k, err)
			}
			v.Base.Put(c, b)
			for _, t := range tp.Tiers {
				r, err := gpRateDec(string(t.Price), skipped)
				if err != nil {
					return v, false, fmt.Errorf("%s.tiers: %w", k, err)
				}
				steps = append(steps, step{c, t.Start, r})
			}
		} else {
			var n json.Number
			if err := json.Unmarshal(trimmed, &n); err != nil {
				return v, false, fmt.Errorf("%s: %w", k, err)
			}
			r, err := gpRateDec(string(n), skipped)
			if err != nil {
				return v, false, fmt.Errorf("%s: %w", k, err)
			}
			v.Base.Put(c, r)
		}
		if c == pricing.Input || c == pricing.Output {
			priced = true
		}
	}
	if !priced && free && v.Base.Set == 0 {
		// OpenRouter ":free" variants carry no price: they cost nothing.
		v.Base.Put(pricing.Input, 0)
		v.Base.Put(pricing.Output, 0)
		priced = true
	}
	if !priced {
		return v, false, nil
	}
	if len(steps) > 0 {
		starts := map[int64]bool{}
		for _, s := range steps {
			starts[s.start] = true
		}
		list := make([]int64, 0, len(starts))
		for s := range starts {
			list = append(list, s)
		}
		sort.Slice(list, func(i, j int) bool { return list[i] < list[j] })
		for _, th := range list {
			t := pricing.Tier{Threshold: th, Boundary: pricing.Above}
			if (th+1)%1000 == 0 {
				// "start: 271999" is "at least 272k": say it that way.
				t.Threshold, t.Boundary = th+1, pricing.AtLeast
			}
			// Each component's rate at this threshold: its highest tier
			// starting at or below it.
			best := map[pricing.Component]step{}
			for _, s := range steps {
				if s.start <= th {
					if b, ok := best[s.c]; !ok || s.start >= b.start {
						best[s.c] = s
					}
				}
			}
			for _, x := range rateOrder {
				if s, ok := best[x.c]; ok {
					t.Rates.Put(x.c, s.rate)
				}
			}
			v.Tiers = append(v.Tiers, t)
		}
	}
	return v, true, nil
}

// equalsNames lists the exact names a match rule accepts ({equals} at the
// top level or inside {or}); prefix and regex rules are left to the
// matcher's own spelling rules.
func equalsNames(raw json.RawMessage) []string {
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil {
		return nil
	}
	var out []string
	if eq, ok := m["equals"]; ok {
		var s string
		if json.Unmarshal(eq, &s) == nil {
			out = append(out, strings.ToLower(s))
		}
	}
	if or, ok := m["or"]; ok {
		var list []json.RawMessage
		if json.Unmarshal(or, &list) == nil {
			for _, x := range list {
				out = append(out, equalsNames(x)...)
			}
		}
	}
	return out
}

// gpRateDec parses a USD/MTok rate; binary-float noise beyond 1e-15 USD per
// token (0.18000000000000002) is rounded and counted.
func gpRateDec(s string, skipped map[string]int) (int64, error) {
	v, rounded, err := pricing.ParseDecimalRounded(s, rateScale)
	if rounded {
		skipped["rates rounded to 1e-15 USD/token"]++
	}
	return v, err
}
