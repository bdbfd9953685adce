package genai

import (
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// declaresIdentity reports whether a dialect key can declare a prompt
// version or template: a row feeding one of those fields, or a JSON
// metadata key carrying them (Langfuse prompt, MLflow linked prompts).
func declaresIdentity(s *keySpec) bool {
	str := s.act == aStr || s.h == hPrompt
	return str && (s.field == uint8(fPromptVersion) || s.field == uint8(fPromptTemplate)) ||
		s.h == hTemplate || s.h == hLangfusePromptMeta || s.h == hMLLinkedPrompts
}

// MayDeclarePromptIdentity reports whether span has a key that can declare a
// prompt version or template. Such an identity is read the same with or
// without content, so a reader that needs nothing else from a call that
// declares one (genai_prompt) can read the span's metadata alone first; a
// span this turns up that declares nothing after all only costs that reader
// a second read.
func MayDeclarePromptIdentity(span ptrace.Span) bool {
	for k := range span.Attributes().All() {
		if i, ok := lookupKey(k); ok && declaresIdentity(&keyTable[i]) {
			return true
		}
	}
	return false
}
