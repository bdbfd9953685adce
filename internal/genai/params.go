package genai

import (
	"encoding/json"
	"math"
	"strings"

	"go.opentelemetry.io/collector/pdata/pcommon"
)

// RequestParams are the sampling parameters a call was made with, from
// whichever dialect carried them (semconv gen_ai.request.*, OpenLLMetry
// llm.*, OpenInference llm.invocation_parameters, Vercel ai.settings.*,
// Langfuse model parameters). Has says which are present.
type RequestParams struct {
	Temperature, TopP, TopK, FrequencyPenalty, PresencePenalty float64
	MaxTokens, Seed, ChoiceCount                               int64
	StopSequences                                              []string
	Has                                                        ParamField
}

// ParamField is a bit per request parameter.
type ParamField uint16

// Request parameter bits; the order is the index of a parameter's priority slot.
const (
	HasTemperature ParamField = 1 << iota
	HasTopP
	HasTopK
	HasFrequencyPenalty
	HasPresencePenalty
	HasMaxTokens
	HasSeed
	HasChoiceCount
	HasStopSequences
	numParams = iota
)

// ToolDefinition is one tool offered to the model (semconv
// gen_ai.tool.definitions item). Parameters is the JSON schema as JSON text.
type ToolDefinition struct {
	Type, Name, Description, Parameters string
}

// jsonParamKeys are the keys of a JSON parameter object (OpenInference
// llm.invocation_parameters, Langfuse model parameters: the provider's
// request body names) and their fields. Two keys naming one field (a body
// with both max_tokens and max_completion_tokens) are settled by this order,
// the first present wins: the object is read in this order, not in the
// order of a Go map, so every read of a span gives the same view.
var jsonParamKeys = [...]struct {
	key string
	f   ParamField
}{
	{"temperature", HasTemperature}, {"top_p", HasTopP}, {"topP", HasTopP}, {"top_k", HasTopK}, {"topK", HasTopK},
	{"frequency_penalty", HasFrequencyPenalty}, {"presence_penalty", HasPresencePenalty},
	{"max_completion_tokens", HasMaxTokens}, {"max_tokens", HasMaxTokens}, {"max_output_tokens", HasMaxTokens},
	{"maxOutputTokens", HasMaxTokens}, {"seed", HasSeed}, {"n", HasChoiceCount}, {"stop", HasStopSequences},
	{"stop_sequences", HasStopSequences},
}

// jsonParamIndex is the index of k in jsonParamKeys, or -1.
func jsonParamIndex(k string) int {
	for i := range jsonParamKeys {
		if jsonParamKeys[i].key == k {
			return i
		}
	}
	return -1
}

// paramPrioJSON is the priority of parameters read from a JSON object.
const paramPrioJSON = 3

// setParam stores a numeric parameter; integer fields refuse fractions and
// a value of the wrong type is a read problem, never a guess.
func (r *reader) setParam(key string, f ParamField, prio uint8, x any) {
	if r.params.Has&f != 0 && r.paramPrio[paramSlot(f)] <= prio {
		return
	}
	d, ok := number(x)
	r.setParamNumber(key, f, prio, d, ok)
}

// setParamValue is setParam of an attribute's value: a number is read
// without boxing it (v.AsRaw() allocates for most).
func (r *reader) setParamValue(key string, f ParamField, prio uint8, v pcommon.Value) {
	if r.params.Has&f != 0 && r.paramPrio[paramSlot(f)] <= prio {
		return
	}
	var d float64
	var ok bool
	switch v.Type() {
	case pcommon.ValueTypeDouble:
		d = v.Double()
		ok = !math.IsNaN(d) && !math.IsInf(d, 0)
	case pcommon.ValueTypeInt:
		d, ok = float64(v.Int()), true
	default:
		d, ok = number(v.AsRaw())
	}
	r.setParamNumber(key, f, prio, d, ok)
}

// setParamNumber is setParam once the value is read (ok: it is a number).
func (r *reader) setParamNumber(key string, f ParamField, prio uint8, d float64, ok bool) {
	slot := paramSlot(f)
	if !ok {
		r.problem(key, "wrong_type")
		return
	}
	p := &r.params
	switch f {
	case HasMaxTokens, HasSeed, HasChoiceCount:
		if d != math.Trunc(d) || math.Abs(d) > 1<<53 {
			r.problem(key, "wrong_type")
			return
		}
		n := int64(d)
		switch f {
		case HasMaxTokens:
			p.MaxTokens = n
		case HasSeed:
			p.Seed = n
		default:
			p.ChoiceCount = n
		}
	case HasTemperature:
		p.Temperature = d
	case HasTopP:
		p.TopP = d
	case HasTopK:
		p.TopK = d
	case HasFrequencyPenalty:
		p.FrequencyPenalty = d
	case HasPresencePenalty:
		p.PresencePenalty = d
	}
	p.Has |= f
	r.paramPrio[slot] = prio
}

func (r *reader) setStops(prio uint8, stops []string) {
	slot := paramSlot(HasStopSequences)
	if stops == nil || (r.params.Has&HasStopSequences != 0 && r.paramPrio[slot] <= prio) {
		return
	}
	r.params.StopSequences = stops
	r.params.Has |= HasStopSequences
	r.paramPrio[slot] = prio
}

func paramSlot(f ParamField) int {
	n := 0
	for f > 1 {
		f >>= 1
		n++
	}
	return n
}

// number accepts JSON/pdata numbers and numeric strings.
func number(x any) (float64, bool) {
	switch t := x.(type) {
	case float64:
		return t, !math.IsNaN(t) && !math.IsInf(t, 0)
	case int64:
		return float64(t), true
	case int:
		return float64(t), true
	case json.Number:
		d, err := t.Float64()
		return d, err == nil
	case string:
		var d float64
		if err := json.Unmarshal([]byte(strings.TrimSpace(t)), &d); err == nil && !math.IsNaN(d) && !math.IsInf(d, 0) {
			return d, true
		}
	}
	return 0, false
}

// stopsOf reads stop sequences: a list, one string, or a JSON-encoded list.
func stopsOf(x any) []string {
	switch t := x.(type) {
	case []any:
		out := make([]string, 0, len(t))
		for _, e := range t {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	case string:
		if s := strings.TrimSpace(t); strings.HasPrefix(s, "[") {
			var list []string
			if json.Unmarshal([]byte(s), &list) == nil {
				return list
			}
		}
		if t != "" {
			return []string{t}
		}
	}
	return nil
}

// paramsFromJSON reads the parameters of a JSON object attribute.
func (r *reader) paramsFromJSON(key, s string) {
	if s == "" || len(s) > maxMetaJSON {
		return
	}
	var vals [len(jsonParamKeys)]any
	if !scanParams(s, &vals) {
		var m map[string]any
		if json.Unmarshal([]byte(s), &m) != nil {
			return // the model name is still read from it (modelFromParams)
		}
		for i := range jsonParamKeys {
			vals[i] = m[jsonParamKeys[i].key]
		}
	}
	for i, x := range vals {
		if x == nil {
			continue
		}
		if f := jsonParamKeys[i].f; f == HasStopSequences {
			r.setStops(paramPrioJSON, stopsOf(x))
		} else {
			r.setParam(key, f, paramPrioJSON, x)
		}
	}
}

// scanParams reads the values of the parameter keys of the JSON object s
// into vals (a repeated key: its last value, as a decoded map holds it),
// passing over the other values without building them. false when s is not
// an object the scanner reads as encoding/json does (the caller then asks
// encoding/json).
func scanParams(s string, vals *[len(jsonParamKeys)]any) bool {
	sc := jscan{s: s}
	sc.ws()
	if !sc.eat('{') {
		return false
	}
	sc.ws()
	if sc.eat('}') {
		return sc.end()
	}
	for {
		sc.ws()
		k, ok := sc.str()
		if !ok {
			return false
		}
		sc.ws()
		if !sc.eat(':') {
			return false
		}
		sc.ws()
		if i := jsonParamIndex(k); i >= 0 {
			var x any
			if x, ok = sc.anyValue(1); !ok {
				return false
			}
			vals[i] = x
		} else if !sc.valid(1) {
			return false
		}
		sc.ws()
		if sc.eat(',') {
			continue
		}
		return sc.eat('}') && sc.end()
	}
}

// Tool definitions ----------------------------------------------------------

// flatTools reassembles llm.request.functions.<i>.{name,description,parameters}.
type flatTools struct {
	defs []ToolDefinition
}

func (f *flatTools) set(rest string, v pcommon.Value) {
	i, field, ok := splitIndex(rest)
	if !ok {
		return
	}
	for len(f.defs) <= i {
		f.defs = append(f.defs, ToolDefinition{Type: "function"})
	}
	d := &f.defs[i]
	switch field {
	case "name":
		d.Name = strVal(v)
	case "description":
		d.Description = strVal(v)
	case "parameters":
		d.Parameters = jsonText(v)
	}
}

// toolDefinitions turns a list of tool objects (semconv items, OpenAI
// {"type":"function","function":{...}}, Vercel {"name","inputSchema"}) into
// definitions; items without a name are skipped.
func toolDefinitions(items []any) []ToolDefinition {
	var out []ToolDefinition
	for _, it := range items {
		m := asMap(it)
		if s, ok := it.(string); ok { // Vercel ai.prompt.tools: a list of JSON strings
			if d, keep, ok := scanToolDef(s); ok {
				if keep {
					out = append(out, d)
				}
				continue
			}
			if x, err := unmarshalAny(s); err == nil {
				m = asMap(x)
			}
		}
		if m == nil {
			continue
		}
		d := ToolDefinition{Type: str(m["type"])}
		src := m
		if fn := asMap(m["function"]); fn != nil {
			src = fn
		}
		d.Name, d.Description = str(src["name"]), str(src["description"])
		if p := firstAny(src, "parameters", "inputSchema", "input_schema"); p != nil {
			if b, err := marshalAny(p); err == nil {
				d.Parameters = b
			}
		}
		if d.Type == "" {
			d.Type = "function"
		}
		if d.Name != "" {
			out = append(out, d)
		}
	}
	return out
}

// toolList reads a list-valued tool attribute (JSON string, or slice).
func (r *reader) toolList(key string, v pcommon.Value) []any {
	switch v.Type() {
	case pcommon.ValueTypeSlice:
		return v.Slice().AsRaw()
	case pcommon.ValueTypeStr:
		s := v.Str()
		if len(s) > maxMetaJSON {
			r.problem(key, "too_large")
			return nil
		}
		// A list is kept as the JSON text of its items, which
		// toolDefinitions reads without building maps.
		if items, ok := splitList(s); ok {
			return items
		}
		x, err := unmarshalAny(s)
		if err != nil {
			r.problem(key, "invalid_json")
			return nil
		}
		if list, ok := x.([]any); ok {
			return list
		}
		return []any{x}
	}
	return nil
}

// jsonText renders a schema value as JSON text.
func jsonText(v pcommon.Value) string {
	if v.Type() == pcommon.ValueTypeStr {
		return v.Str()
	}
	b, err := json.Marshal(v.AsRaw())
	if err != nil {
		return ""
	}
	return string(b)
}

func (f *flatTools) definitions() []ToolDefinition {
	var out []ToolDefinition
	for _, d := range f.defs {
		if d.Name != "" {
			out = append(out, d)
		}
	}
	return out
}
