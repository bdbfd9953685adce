package genai

import (
	"strings"
	"sync"

	"go.opentelemetry.io/collector/pdata/ptrace"
)

// identityKeys are the dialect keys that can declare a prompt version or a
// prompt template: the rows feeding those fields, and the JSON metadata keys
// (Langfuse prompt, MLflow linked prompts) that carry them.
// Built on first use: keyTable is filled by init.
var identityKeys = sync.OnceValue(func() map[string]bool {
	m := map[string]bool{}
	for _, s := range keyTable {
		str := s.act == aStr || s.h == hPrompt
		switch {
		case str && (s.field == uint8(fPromptVersion) || s.field == uint8(fPromptTemplate)),
			s.h == hTemplate, s.h == hLangfusePromptMeta, s.h == hMLLinkedPrompts:
			m[s.key] = true
		}
	}
	return m
})

// MayDeclarePromptIdentity reports whether span has a key that can declare a
// prompt version or template. Such an identity is read the same with or
// without content, so a reader that needs nothing else from a call that
// declares one (genai_prompt) can read the span's metadata alone first; a
// span this turns up that declares nothing after all only costs that reader
// a second read.
func MayDeclarePromptIdentity(span ptrace.Span) bool {
	for k := range span.Attributes().All() {
		// Every such key names a prompt ("prompt", "Prompt"): the map is
		// asked about those only.
		if strings.Contains(k, "rompt") && identityKeys()[k] {
			return true
		}
	}
	return false
}
