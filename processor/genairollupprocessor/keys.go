package genairollupprocessor

import (
	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/periscope-otel/periscope/internal/contract"
	"github.com/periscope-otel/periscope/internal/genai"
)

// genai_rollup reads through internal/genai: the View for the span
// category, operation, tokens, reported costs, errors and the tool's name,
// genai.ToolArguments for a tool span's call arguments (which the
// metadata-only View does not decode), and contract.AttrCost for the cost
// genai_cost wrote (which the View leaves out of ReportedCost).

// toolCall reads a fingerprint of a tool span's arguments; name is the
// View's tool name (the span name when it has none). ok is false when the
// span carries no arguments (they are opt-in content in most
// instrumentations): such a call counts as a tool call but never as a
// repetition.
func toolCall(attrs pcommon.Map, name, spanName string) (string, uint64, bool) {
	args, found := genai.ToolArguments(attrs)
	if name == "" {
		name = spanName
	}
	if len(name) > maxToolName {
		name = name[:maxToolName]
	}
	if !found {
		return name, 0, false
	}
	var s string
	switch args.Type() {
	case pcommon.ValueTypeStr:
		s = args.Str()
	case pcommon.ValueTypeEmpty:
		return name, 0, false
	default: // structured arguments (maps, slices, numbers): their JSON
		s = args.AsString()
	}
	return name, fingerprint(name, s), true
}

// fingerprint hashes the tool name and its arguments with FNV-1a (64 bit).
// Whitespace outside JSON string literals is skipped, so `{"a": 1}` and
// `{"a":1}` are the same call; key order is not normalized.
func fingerprint(name, args string) uint64 {
	const (
		offset = 14695981039346656037
		prime  = 1099511628211
	)
	h := uint64(offset)
	for i := 0; i < len(name); i++ {
		h = (h ^ uint64(name[i])) * prime
	}
	h = (h ^ 0) * prime
	inStr, esc := false, false
	for i := 0; i < len(args); i++ {
		c := args[i]
		switch {
		case inStr:
			switch {
			case esc:
				esc = false
			case c == '\\':
				esc = true
			case c == '"':
				inStr = false
			}
		case c == '"':
			inStr = true
		case c == ' ', c == '\t', c == '\n', c == '\r':
			continue
		}
		h = (h ^ uint64(c)) * prime
	}
	return h
}

// costOf reads the cost written by genai_cost (gen_ai.usage.cost, which the
// View leaves out when Periscope priced the call), else a cost the
// instrumentation reported.
func costOf(attrs pcommon.Map, v *genai.View) (float64, bool) {
	if x, ok := attrs.Get(contract.AttrCost); ok {
		switch x.Type() {
		case pcommon.ValueTypeDouble:
			return x.Double(), true
		case pcommon.ValueTypeInt:
			return float64(x.Int()), true
		}
	}
	if v.ReportedCost != nil {
		return v.ReportedCost.USD, true
	}
	return 0, false
}
