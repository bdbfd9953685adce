package catalogen

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/periscope-otel/periscope/internal/pricing"
)

var tieredComponents = map[string]pricing.Component{
	"input_cost_per_token":            pricing.Input,
	"output_cost_per_token":           pricing.Output,
	"output_cost_per_reasoning_token": pricing.Reasoning,
	"cache_read_input_token_cost":     pricing.CacheRead,
	"cache_creation_input_token_cost": pricing.CacheWrite,
	"input_cost_per_audio_token":      pricing.AudioIn,
	"output_cost_per_audio_token":     pricing.AudioOut,
}

// liteLLMTiered reads the rows LiteLLM prices with "tiered_pricing" (Alibaba
// DashScope's Qwen models: whole-request rates by prompt length, with
// distinct thinking-output rates), which the table loader leaves unpriced.
// Each range after the first becomes a tier above its lower bound
// ("256K < tokens ≤ 1M" is above 256000).
func liteLLMTiered(data []byte) ([]*pricing.Entry, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var raw map[string]map[string]any
	if err := dec.Decode(&raw); err != nil {
		// sample_spec and friends are objects too; a decode error here is a
		// real structural problem.
		return nil, fmt.Errorf("litellm: %w", err)
	}
	var out []*pricing.Entry
	for _, key := range sortedKeys(raw) {
		v := raw[key]
		list, ok := v["tiered_pricing"].([]any)
		if !ok || len(list) == 0 {
			continue
		}
		provider, _ := v["litellm_provider"].(string)
		mode, _ := v["mode"].(string)
		family := pricing.Family(provider)
		if !liteLLMFamilies[family] || (mode != "chat" && mode != "") {
			continue
		}
		name := strings.TrimPrefix(strings.ToLower(key), family+"/")
		type rng struct {
			lo int64
			r  pricing.Rates
		}
		var ranges []rng
		for i, item := range list {
			m, ok := item.(map[string]any)
			if !ok {
				return nil, fmt.Errorf("litellm: %s: tiered_pricing[%d]: want an object", key, i)
			}
			var x rng
			if bounds, ok := m["range"].([]any); ok && len(bounds) == 2 {
				if n, ok := bounds[0].(json.Number); ok {
					f, err := n.Float64()
					if err != nil {
						return nil, fmt.Errorf("litellm: %s: range: %w", key, err)
					}
					x.lo = int64(f)
				}
			}
			for _, k := range sortedKeys(m) {
				c, ok := tieredComponents[k]
				if !ok {
					continue
				}
				n, ok := m[k].(json.Number)
				if !ok {
					return nil, fmt.Errorf("litellm: %s: %s: not a number", key, k)
				}
				f, _, err := pricing.ParseDecimalRounded(string(n), 15)
				if err != nil {
					return nil, fmt.Errorf("litellm: %s: %s: %w", key, k, err)
				}
				x.r.Put(c, f)
			}
			ranges = append(ranges, x)
		}
		sort.SliceStable(ranges, func(i, j int) bool { return ranges[i].lo < ranges[j].lo })
		if !ranges[0].r.Has(pricing.Input) || !ranges[0].r.Has(pricing.Output) {
			continue
		}
		ver := pricing.Version{Base: ranges[0].r}
		for _, x := range ranges[1:] {
			ver.Tiers = append(ver.Tiers, pricing.Tier{Threshold: x.lo, Boundary: pricing.Above, Rates: x.r})
		}
		out = append(out, &pricing.Entry{Family: family, Name: name, Versions: []pricing.Version{ver}})
	}
	return out, nil
}
