package loaders

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/periscope-otel/periscope/internal/pricing"
)

// Langfuse usage keys → components. Langfuse repeats one price under many
// spellings of the same bucket; any of them sets the component.
var langfuseKeys = map[string]pricing.Component{
	"input": pricing.Input, "input_tokens": pricing.Input, "prompt_tokens": pricing.Input, "input_text": pricing.Input,
	"input_text_tokens": pricing.Input, "prompt_token_count": pricing.Input, "prompttokencount": pricing.Input, "input_modality_1": pricing.Input,
	"output": pricing.Output, "output_tokens": pricing.Output, "completion_tokens": pricing.Output, "output_text": pricing.Output,
	"output_text_tokens": pricing.Output, "candidates_token_count": pricing.Output, "candidatestokencount": pricing.Output, "output_modality_1": pricing.Output,
	"input_cached_tokens": pricing.CacheRead, "input_cache_read": pricing.CacheRead, "cache_read_input_tokens": pricing.CacheRead,
	"cached_content_token_count": pricing.CacheRead, "input_cached_text_tokens": pricing.CacheRead,
	"input_cache_creation": pricing.CacheWrite, "cache_creation_input_tokens": pricing.CacheWrite, "cache_write_tokens": pricing.CacheWrite,
	"input_cache_creation_5m": pricing.CacheWrite, "input_cache_creation_1h": pricing.CacheWrite1h,
	"output_reasoning_tokens": pricing.Reasoning, "output_reasoning": pricing.Reasoning, "reasoning_tokens": pricing.Reasoning,
	"thoughts_token_count": pricing.Reasoning, "thoughtstokencount": pricing.Reasoning,
	"input_audio_tokens": pricing.AudioIn, "input_audio": pricing.AudioIn,
	"output_audio_tokens": pricing.AudioOut, "output_audio": pricing.AudioOut,
}

type lfModel struct {
	ID           string   `json:"id"`
	ModelName    string   `json:"modelName"`
	MatchPattern string   `json:"matchPattern"`
	StartDate    *string  `json:"startDate"`
	Tiers        []lfTier `json:"pricingTiers"`
	// Older exports carry flat prices.
	InputPrice  *json.Number `json:"inputPrice"`
	OutputPrice *json.Number `json:"outputPrice"`
	TotalPrice  *json.Number `json:"totalPrice"`
}

type lfTier struct {
	Name       string                 `json:"name"`
	IsDefault  bool                   `json:"isDefault"`
	Priority   int                    `json:"priority"`
	Conditions []lfCondition          `json:"conditions"`
	Prices     map[string]json.Number `json:"prices"`
}

type lfCondition struct {
	UsageDetailPattern string      `json:"usageDetailPattern"`
	Operator           string      `json:"operator"`
	Value              json.Number `json:"value"`
	Source             string      `json:"source"`
	Key                string      `json:"key"`
	Values             []string    `json:"values"`
}

// LoadLangfuse parses Langfuse model definitions (the default-model-prices
// JSON, or an export of project models): a JSON array, each model matched by
// its regular expression. Definitions sharing a model name with different
// start dates become one entry with a price history.
func LoadLangfuse(data []byte, name string) (*pricing.Table, error) {
	if len(data) > MaxFileBytes {
		return nil, fmt.Errorf("%s: file larger than %d bytes", name, MaxFileBytes)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var models []lfModel
	if err := dec.Decode(&models); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	t := pricing.NewTable(name)
	sum := sha256.Sum256(data)
	t.Hash = hex.EncodeToString(sum[:6])

	type dated struct {
		from time.Time
		v    pricing.Version
		re   *regexp.Regexp
	}
	byName := map[string][]dated{}
	var order []string
	var errs []error
	for i, m := range models {
		label := m.ModelName
		if label == "" {
			label = fmt.Sprintf("#%d", i)
		}
		if m.ModelName == "" || m.MatchPattern == "" {
			errs = append(errs, fmt.Errorf("%s: model %s: modelName and matchPattern are required", name, label))
			continue
		}
		re, err := compilePattern(m.MatchPattern)
		if err != nil {
			// RE2 cannot run some PCRE patterns: skip the model, keep the file.
			t.Warnings = append(t.Warnings, pricing.Warning{Kind: pricing.WarnBadEntry, Entry: m.ModelName, Msg: "matchPattern: " + err.Error()})
			continue
		}
		v, err := langfuseVersion(m)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: model %s: %w", name, label, err))
			continue
		}
		var from time.Time
		if m.StartDate != nil && *m.StartDate != "" {
			from, err = time.Parse(time.RFC3339, *m.StartDate)
			if err != nil {
				if from, err = time.Parse("2006-01-02", *m.StartDate); err != nil {
					errs = append(errs, fmt.Errorf("%s: model %s: startDate: %w", name, label, err))
					continue
				}
			}
		}
		key := strings.ToLower(m.ModelName)
		if _, seen := byName[key]; !seen {
			order = append(order, key)
		}
		byName[key] = append(byName[key], dated{from.UTC(), v, re})
		if len(errs) >= 10 {
			break
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	for _, key := range order {
		list := byName[key]
		sort.SliceStable(list, func(i, j int) bool { return list[i].from.Before(list[j].from) })
		e := &pricing.Entry{ID: key, Name: key, Kind: pricing.KindChat}
		for _, d := range list {
			d.v.From = d.from
			e.Versions = append(e.Versions, d.v)
		}
		t.AddPattern(pricing.Pattern{Re: list[len(list)-1].re, Entry: e})
		t.Add(&pricing.Entry{ID: key, Family: "langfuse", Name: key, Kind: pricing.KindChat, Versions: e.Versions})
	}
	t.Warnings = append(t.Warnings, pricing.Validate(t)...)
	return t, nil
}

// compilePattern compiles a Langfuse pattern and anchors it so that it can
// only match the whole model name (never a substring).
func compilePattern(p string) (*regexp.Regexp, error) {
	if len(p) > 4096 {
		return nil, errors.New("pattern too long")
	}
	return regexp.Compile(`^(?:` + p + `)$`)
}

func langfuseVersion(m lfModel) (pricing.Version, error) {
	var v pricing.Version
	if len(m.Tiers) == 0 {
		for _, x := range []struct {
			n *json.Number
			c []pricing.Component
		}{{m.InputPrice, []pricing.Component{pricing.Input}}, {m.OutputPrice, []pricing.Component{pricing.Output}}, {m.TotalPrice, []pricing.Component{pricing.Input, pricing.Output}}} {
			if x.n == nil {
				continue
			}
			f, err := pricing.ParseDecimal(string(*x.n), usdPerToken)
			if err != nil {
				return v, err
			}
			for _, c := range x.c {
				if !v.Base.Has(c) {
					v.Base.Put(c, f)
				}
			}
		}
		if v.Base.Set == 0 {
			return v, errors.New("no pricing tiers")
		}
		return v, nil
	}
	tiers := append([]lfTier(nil), m.Tiers...)
	sort.SliceStable(tiers, func(i, j int) bool { return tiers[i].Priority < tiers[j].Priority })
	hasDefault := false
	for _, t := range tiers {
		if t.IsDefault || len(t.Conditions) == 0 {
			if err := langfuseRates(t.Prices, &v.Base, &v); err != nil {
				return v, fmt.Errorf("tier %q: %w", t.Name, err)
			}
			hasDefault = true
			break
		}
	}
	if !hasDefault {
		return v, errors.New("no default pricing tier")
	}
	for _, t := range tiers {
		if t.IsDefault || len(t.Conditions) == 0 {
			continue
		}
		var r pricing.Rates
		if err := langfuseRates(t.Prices, &r, nil); err != nil {
			return v, fmt.Errorf("tier %q: %w", t.Name, err)
		}
		for _, c := range t.Conditions {
			switch {
			case c.UsageDetailPattern != "":
				n, err := c.Value.Int64()
				if err != nil || n <= 0 {
					continue
				}
				b := pricing.Above
				if c.Operator == "gte" {
					b = pricing.AtLeast
				} else if c.Operator != "gt" {
					continue
				}
				v.Tiers = append(v.Tiers, pricing.Tier{Threshold: n, Boundary: b, Rates: r})
			case c.Key == "service_tier" || c.Key == "speed":
				for _, val := range c.Values {
					mode, ok := pricing.ModeByName(strings.ToLower(val))
					if !ok || mode == pricing.Standard || v.Modes[mode] != nil {
						continue
					}
					v.Modes[mode] = &pricing.ModePrice{Rates: r}
				}
			}
		}
	}
	sort.SliceStable(v.Tiers, func(i, j int) bool { return v.Tiers[i].Threshold < v.Tiers[j].Threshold })
	return v, nil
}

func langfuseRates(prices map[string]json.Number, r *pricing.Rates, v *pricing.Version) error {
	keys := make([]string, 0, len(prices))
	for k := range prices {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		f, err := pricing.ParseDecimal(string(prices[k]), usdPerToken)
		if err != nil {
			return fmt.Errorf("%s: %w", k, err)
		}
		lk := strings.ToLower(k)
		if c, ok := langfuseKeys[lk]; ok {
			if !r.Has(c) {
				r.Put(c, f)
			}
			continue
		}
		switch lk {
		case "total":
			for _, c := range [...]pricing.Component{pricing.Input, pricing.Output} {
				if !r.Has(c) {
					r.Put(c, f)
				}
			}
		case "grounding_queries", "groundingqueries", "web_search_queries", "websearchqueries":
			if v != nil {
				v.PerSearch = f
			}
		}
	}
	return nil
}
