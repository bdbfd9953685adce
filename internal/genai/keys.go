package genai

import (
	"sort"

	"go.opentelemetry.io/collector/pdata/pcommon"
)

// Key lists and lookups for components that read an attribute map
// directly (without a View), derived from or kept beside the dialect
// tables so that no dialect key is spelled outside this package.

// toolArgumentKeys are the keys carrying a tool span's call arguments, in
// priority order (genai-span-formats.md §3.2 "tool_call (tool spans)").
var toolArgumentKeys = [...]string{
	scToolArguments,              // semconv v1.38+, Pydantic AI v3+
	"ai.toolCall.args",           // Vercel AI SDK v4
	"ai.toolCall.input",          // Vercel AI SDK v5+
	"gen_ai.tool.args",           // OpenLIT
	"tool_arguments",             // Pydantic AI < v3
	"input.value",                // OpenInference TOOL
	"traceloop.entity.input",     // OpenLLMetry @tool decorator
	"mlflow.spanInputs",          // MLflow TOOL
	"langfuse.observation.input", // Langfuse tool observation
}

// ToolArguments returns the call arguments of a tool span from the
// highest-priority key present, without decoding them (a metadata-only
// View does not carry them). ok is false when no argument key is present.
func ToolArguments(attrs pcommon.Map) (pcommon.Value, bool) {
	rank := len(toolArgumentKeys)
	var args pcommon.Value
	for k, v := range attrs.All() {
		for i := 0; i < rank; i++ {
			if toolArgumentKeys[i] == k {
				rank, args = i, v
				break
			}
		}
	}
	return args, rank < len(toolArgumentKeys)
}

// UserKeys returns the attribute keys the reader takes View.UserID from,
// in priority order (for components that read the user id from a map
// directly, e.g. a configurable key list with these as the default).
func UserKeys() []string { return fieldKeys(fUser) }

// ConversationKeys returns the keys of View.ConversationID, in priority order.
func ConversationKeys() []string { return fieldKeys(fConversation) }

// fieldKeys lists the plain keys of a string field by precedence.
func fieldKeys(f strField) []string {
	var specs []*keySpec
	for i := range keyTable {
		s := &keyTable[i]
		if (s.act == aStr || s.act == aStrUnq) && strField(s.field) == f {
			specs = append(specs, s)
		}
	}
	sort.SliceStable(specs, func(a, b int) bool { return specs[a].prio < specs[b].prio })
	out := make([]string, len(specs))
	for i, s := range specs {
		out[i] = s.key
	}
	return out
}
