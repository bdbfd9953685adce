package genai

import (
	"encoding/json"
	"maps"
	"slices"
	"strings"

	"go.opentelemetry.io/collector/pdata/pcommon"
)

// Attributes whose value is a small JSON object of metadata (usage, cost,
// prompt links). They are parsed even without content reading, within a
// fixed size bound.
const maxMetaJSON = 64 << 10

func (r *reader) metaJSON(k string, v pcommon.Value) (map[string]any, []any, bool) {
	switch v.Type() {
	case pcommon.ValueTypeMap:
		return v.Map().AsRaw(), nil, true
	case pcommon.ValueTypeSlice:
		return nil, v.Slice().AsRaw(), true
	case pcommon.ValueTypeStr:
	default:
		r.problem(k, "wrong_type")
		return nil, nil, false
	}
	s := strings.TrimSpace(v.Str())
	if len(s) > maxMetaJSON {
		r.problem(k, "too_large")
		return nil, nil, false
	}
	// MLflow double-encodes: a JSON string holding JSON.
	if strings.HasPrefix(s, `"`) {
		var inner string
		if json.Unmarshal([]byte(s), &inner) == nil {
			s = strings.TrimSpace(inner)
		}
	}
	x, err := unmarshalAny(s)
	if err != nil {
		r.problem(k, "invalid_json")
		return nil, nil, false
	}
	switch t := x.(type) {
	case map[string]any:
		return t, nil, true
	case []any:
		return nil, t, true
	}
	return nil, nil, false
}

func num(x any) (int64, bool) {
	switch t := x.(type) {
	case float64:
		if t >= 0 && t < 1e15 {
			return int64(t), true
		}
	case int64:
		return t, t >= 0
	case string:
		var f float64
		if json.Unmarshal([]byte(t), &f) == nil && f >= 0 && f < 1e15 {
			return int64(f), true
		}
	}
	return 0, false
}

func fnum(x any) (float64, bool) {
	switch t := x.(type) {
	case float64:
		return t, true
	case int64:
		return float64(t), true
	}
	return 0, false
}

func (r *reader) setIntFrom(f intField, slot int, m map[string]any, keys ...string) {
	r.setIntFirst(f, slot, keys, func(k string) (int64, bool) { return num(m[k]) })
}

// setIntFirst sets f from the first of keys whose member count reads.
func (r *reader) setIntFirst(f intField, slot int, keys []string, count func(string) (int64, bool)) {
	for _, k := range keys {
		if n, ok := count(k); ok {
			r.setIntN(f, slot, n)
			return
		}
	}
}

// langfuseUsage reads usage_details; Langfuse stores input net of cache and
// output net of reasoning, so the totals are rebuilt in resolve.
func (r *reader) langfuseUsage(k string, v pcommon.Value) {
	read, object := r.usageObject(k, v, langfuseUsageKeys)
	if !read {
		r.v.UsageUnreadable = true
		return
	}
	if object {
		r.marks |= mLangfuse
		r.netOfCache, r.netReasoning = true, true
	}
}

func (r *reader) mlflowUsage(k string, v pcommon.Value) {
	if read, _ := r.usageObject(k, v, mlflowUsageKeys); !read {
		r.v.UsageUnreadable = true
	}
}

// rawUsage reads Logfire's gen_ai.usage.raw: the provider's own usage
// object (OpenAI or Anthropic shape).
func (r *reader) rawUsage(k string, v pcommon.Value) {
	m, _, ok := r.metaJSON(k, v)
	if !ok {
		r.v.UsageUnreadable = true
		return
	}
	if m == nil {
		return
	}
	if d := asMap(m["prompt_tokens_details"]); d != nil {
		r.setIntFrom(iCacheRead, 8, d, "cached_tokens")
	}
	if d := asMap(m["input_tokens_details"]); d != nil {
		r.setIntFrom(iCacheRead, 8, d, "cached_tokens")
	}
	if d := asMap(m["completion_tokens_details"]); d != nil {
		r.setIntFrom(iReasoning, 9, d, "reasoning_tokens")
	}
	if d := asMap(m["output_tokens_details"]); d != nil {
		r.setIntFrom(iReasoning, 9, d, "reasoning_tokens")
	}
	r.setIntFrom(iCacheRead, 9, m, "cache_read_input_tokens")
	r.setIntFrom(iCacheWrite, 9, m, "cache_creation_input_tokens")
}

// providerMetadata reads cache/reasoning counts that the Vercel AI SDK only
// reports inside ai.response.providerMetadata.
func (r *reader) providerMetadata(k string, v pcommon.Value) {
	if r.scanProviderMetadata(v) {
		return
	}
	m, _, ok := r.metaJSON(k, v)
	if !ok || m == nil {
		return
	}
	r.marks |= mVercel
	if o := asMap(m["openai"]); o != nil {
		r.setIntFrom(iCacheRead, 7, o, "cachedPromptTokens")
		r.setIntFrom(iReasoning, 7, o, "reasoningTokens")
	}
	if a := asMap(m["anthropic"]); a != nil {
		r.setIntFrom(iCacheWrite, 7, a, "cacheCreationInputTokens")
		if u := asMap(a["usage"]); u != nil {
			r.setIntFrom(iCacheRead, 8, u, "cache_read_input_tokens")
			r.setIntFrom(iCacheWrite, 8, u, "cache_creation_input_tokens")
		}
	}
	if b := asMap(m["bedrock"]); b != nil {
		if u := asMap(b["usage"]); u != nil {
			r.setIntFrom(iCacheRead, 9, u, "cacheReadInputTokens")
			r.setIntFrom(iCacheWrite, 9, u, "cacheWriteInputTokens")
		}
	}
}

func (r *reader) langfuseCost(k string, v pcommon.Value) { r.costFrom(k, v, "total") }

func (r *reader) mlflowCost(k string, v pcommon.Value) { r.costFrom(k, v, "total_cost") }

// costFrom takes the cost object's member key as the call's cost, unless
// a key of higher precedence gave one.
func (r *reader) costFrom(k string, v pcommon.Value, key string) {
	if d, ok := r.costMember(k, v, key); ok && d >= 0 && (r.cost == nil || r.costPrio > costPrioJSON) {
		r.cost, r.costPrio = &Cost{USD: d, Source: k}, costPrioJSON
	}
}

func (r *reader) jsonVariables(k string, v pcommon.Value) {
	m, _, ok := r.metaJSON(k, v)
	if !ok || m == nil {
		return
	}
	// In name order: which variables a view keeps (promptVar's cap) is
	// then the same on every read, not a map iteration's draw.
	for _, name := range slices.Sorted(maps.Keys(m)) {
		val := m[name]
		s, isStr := val.(string)
		if !isStr {
			s = anyText(val)
		}
		r.promptVarText(name, s)
	}
	r.setPromptSource("llm.prompt_template")
}

func (r *reader) langfusePromptMeta(k string, v pcommon.Value) {
	m, _, ok := r.metaJSON(k, v)
	if !ok || m == nil {
		return
	}
	r.setStr(fPromptName, 5, str(m["name"]))
	r.setStr(fPromptVersion, 7, str(m["version"]))
	r.setPromptSource("langfuse.prompt")
}

func (r *reader) mlflowLinkedPrompts(k string, v pcommon.Value) {
	_, list, ok := r.metaJSON(k, v)
	if !ok || len(list) == 0 {
		return
	}
	if m := asMap(list[0]); m != nil {
		r.setStr(fPromptName, 6, str(m["name"]))
		r.setStr(fPromptVersion, 8, str(m["version"]))
		r.setPromptSource("mlflow.linkedPrompts")
	}
}

// mlflowContent decodes mlflow.spanInputs/spanOutputs (JSON, sometimes
// double-encoded).
func (r *reader) mlflowContent(k string, v pcommon.Value) any {
	x := r.lazyContent(k, v)
	if s, ok := x.(string); ok {
		s = strings.TrimSpace(s)
		if s != "" && (s[0] == '{' || s[0] == '[') {
			if r.deferrable(s) {
				return lazyDoc{s}
			}
			if inner, ok := r.decodeJSON(k, s); ok {
				return inner
			}
		}
	}
	return x
}
