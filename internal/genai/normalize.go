package genai

import (
	"strings"
	"unicode/utf8"
)

// NormalizeProvider maps a provider or system value of any dialect to a
// gen_ai.provider.name value (semconv v1.41 well-known values, or a
// lower-case custom value). Framework names (langchain, crewai, ...) are not
// providers and map to "".
func NormalizeProvider(raw string) string {
	if raw == "" {
		return ""
	}
	s := lowerTrim(raw)
	switch s {
	case "openai":
		return "openai"
	case "azure.ai.openai", "az.ai.openai", "azure", "azure_openai", "azure-openai", "azureopenai":
		return "azure.ai.openai"
	case "azure.ai.inference", "az.ai.inference", "az.ai.agents", "azure.ai.agents":
		return "azure.ai.inference"
	case "anthropic", "anthropic.messages":
		return "anthropic"
	case "aws.bedrock", "aws", "amazon", "bedrock":
		return "aws.bedrock"
	case "gcp.vertex_ai", "vertex_ai", "vertexai", "vertex":
		return "gcp.vertex_ai"
	case "gcp.gemini", "gemini":
		return "gcp.gemini"
	case "gcp.gen_ai", "google":
		return "gcp.gen_ai"
	case "mistral_ai", "mistralai", "mistral":
		return "mistral_ai"
	case "x_ai", "xai":
		return "x_ai"
	case "cohere", "groq", "deepseek", "perplexity", "ollama", "openrouter", "fireworks", "cerebras", "vllm":
		return s
	case "ibm.watsonx.ai", "watsonx", "ibm.watson.ai", "ibm":
		return "ibm.watsonx.ai"
	case "moonshot", "moonshot_ai":
		return "moonshot_ai"
	case "together", "together_ai", "togetherai":
		return "together_ai"
	case "huggingface", "hugging_face":
		return "hugging_face"
	case "langchain", "crewai", "llama_index", "llamaindex", "openai_agents", "pydantic_ai", "haystack", "dspy", "autogen", "litellm":
		return ""
	}
	// AI SDK provider ids and other dotted/dashed forms, by prefix.
	switch {
	case strings.HasPrefix(s, "openai."):
		return "openai"
	case strings.HasPrefix(s, "azure"):
		return "azure.ai.openai"
	case strings.HasPrefix(s, "anthropic"):
		return "anthropic"
	case strings.HasPrefix(s, "amazon-bedrock"), strings.HasPrefix(s, "bedrock"), strings.HasPrefix(s, "aws."):
		return "aws.bedrock"
	case strings.HasPrefix(s, "google.vertex"), strings.HasPrefix(s, "google-vertex"), strings.HasPrefix(s, "vertex."), strings.HasPrefix(s, "vertex_ai"):
		return "gcp.vertex_ai"
	case strings.HasPrefix(s, "google.generative-ai"), strings.HasPrefix(s, "google-generative"), strings.HasPrefix(s, "gemini"):
		return "gcp.gemini"
	case strings.HasPrefix(s, "google"):
		return "gcp.gen_ai"
	case strings.HasPrefix(s, "mistral"):
		return "mistral_ai"
	case strings.HasPrefix(s, "xai."), strings.HasPrefix(s, "x_ai"):
		return "x_ai"
	case strings.HasPrefix(s, "cohere"):
		return "cohere"
	case strings.HasPrefix(s, "groq"):
		return "groq"
	case strings.HasPrefix(s, "deepseek"):
		return "deepseek"
	case strings.HasPrefix(s, "perplexity"):
		return "perplexity"
	case strings.HasPrefix(s, "togetherai"), strings.HasPrefix(s, "together"):
		return "together_ai"
	case strings.HasPrefix(s, "fireworks"):
		return "fireworks"
	case strings.HasPrefix(s, "openrouter"):
		return "openrouter"
	case strings.HasPrefix(s, "ollama"):
		return "ollama"
	}
	return s
}

// providerFromHost derives a provider from a server address or API base URL.
func providerFromHost(host string) string {
	h := lower(host)
	if i := strings.Index(h, "://"); i >= 0 {
		h = h[i+3:]
	}
	if i := strings.IndexAny(h, "/:"); i >= 0 {
		h = h[:i]
	}
	switch {
	case h == "":
		return ""
	case strings.HasSuffix(h, ".openai.azure.com"), strings.HasSuffix(h, ".cognitiveservices.azure.com"):
		return "azure.ai.openai"
	case strings.HasSuffix(h, ".models.ai.azure.com"), strings.HasSuffix(h, ".inference.ai.azure.com"), strings.HasSuffix(h, ".services.ai.azure.com"):
		return "azure.ai.inference"
	case h == "api.openai.com":
		return "openai"
	case h == "api.anthropic.com":
		return "anthropic"
	case strings.HasPrefix(h, "bedrock-runtime.") || strings.HasPrefix(h, "bedrock."):
		return "aws.bedrock"
	case h == "generativelanguage.googleapis.com":
		return "gcp.gemini"
	case strings.HasSuffix(h, "aiplatform.googleapis.com"):
		return "gcp.vertex_ai"
	case h == "api.mistral.ai":
		return "mistral_ai"
	case h == "api.groq.com":
		return "groq"
	case h == "api.deepseek.com":
		return "deepseek"
	case h == "api.x.ai":
		return "x_ai"
	case strings.HasSuffix(h, "cohere.com"), strings.HasSuffix(h, "cohere.ai"):
		return "cohere"
	case strings.HasSuffix(h, "together.xyz"), strings.HasSuffix(h, "together.ai"):
		return "together_ai"
	case strings.HasSuffix(h, "fireworks.ai"):
		return "fireworks"
	case h == "openrouter.ai":
		return "openrouter"
	case h == "api.perplexity.ai":
		return "perplexity"
	}
	return ""
}

// providerFromModel guesses the model vendor from a well-known model family
// name. It is the last resort when no provider key and no known host exist.
func providerFromModel(model string) string {
	m := lower(model)
	if i := strings.LastIndexByte(m, '/'); i >= 0 {
		m = m[i+1:]
	}
	switch {
	case strings.HasPrefix(m, "gpt-"), strings.HasPrefix(m, "chatgpt-"), strings.HasPrefix(m, "text-embedding-"),
		strings.HasPrefix(m, "o1"), strings.HasPrefix(m, "o3"), strings.HasPrefix(m, "o4"),
		strings.HasPrefix(m, "davinci"), strings.HasPrefix(m, "babbage"), strings.HasPrefix(m, "dall-e"),
		strings.HasPrefix(m, "whisper"), strings.HasPrefix(m, "tts-"), strings.HasPrefix(m, "omni-moderation"):
		return "openai"
	case strings.HasPrefix(m, "claude"):
		return "anthropic"
	case strings.HasPrefix(m, "gemini"), strings.HasPrefix(m, "text-embedding-00"), strings.HasPrefix(m, "gemma"):
		return "gcp.gen_ai"
	case strings.HasPrefix(m, "mistral"), strings.HasPrefix(m, "mixtral"), strings.HasPrefix(m, "codestral"),
		strings.HasPrefix(m, "pixtral"), strings.HasPrefix(m, "ministral"), strings.HasPrefix(m, "magistral"):
		return "mistral_ai"
	case strings.HasPrefix(m, "command"), strings.HasPrefix(m, "embed-english"), strings.HasPrefix(m, "embed-multilingual"):
		return "cohere"
	case strings.HasPrefix(m, "deepseek"):
		return "deepseek"
	case strings.HasPrefix(m, "grok"):
		return "x_ai"
	}
	return ""
}

// NormalizeFinishReason maps a finish reason of any dialect to the semconv
// enum (stop, length, tool_call, content_filter, error); unknown values are
// kept lower-cased.
func NormalizeFinishReason(raw string) string {
	switch raw { // already normalized: the common case
	case "stop", "length", "tool_call", "content_filter", "error":
		return raw
	}
	s := lowerTrim(raw)
	switch s {
	case "":
		return ""
	case "stop", "end_turn", "stop_sequence", "complete", "eos", "finish_reason_stop":
		return "stop"
	case "length", "max_tokens", "model_length", "max_output_tokens":
		return "length"
	case "tool_calls", "tool_call", "tool-calls", "tool_use", "function_call":
		return "tool_call"
	case "content_filter", "content-filter", "safety", "recitation", "blocklist", "prohibited_content", "refusal", "spii":
		return "content_filter"
	case "error":
		return "error"
	}
	return s
}

// normalizeRole maps a role to semconv (system, user, assistant, tool) and
// returns the original when it was changed.
func normalizeRole(raw string) (role, original string) {
	switch raw { // already normalized: the common case
	case "system", "user", "assistant", "tool":
		return raw, ""
	}
	s := lowerTrim(raw)
	switch s {
	case "system", "user", "assistant", "tool":
		return s, ""
	case "human":
		return "user", raw
	case "ai", "model", "bot", "chatbot":
		return "assistant", raw
	case "developer":
		return "system", raw
	case "function", "ipython":
		return "tool", raw
	}
	return s, ""
}

// categoryForOperation maps a gen_ai.operation.name value (including the
// non-standard ones seen in the wild) to a span category.
func categoryForOperation(op string) Category {
	switch op {
	case "chat", "text_completion", "generate_content", "completion", "generate", "responses", "image_generation":
		return CategoryLLM
	case "embeddings", "embedding":
		return CategoryEmbedding
	case "rerank":
		return CategoryRerank
	case "retrieval":
		return CategoryRetrieval
	case "execute_tool":
		return CategoryTool
	case "invoke_agent", "create_agent", "agent_step", "plan":
		return CategoryAgent
	case "invoke_workflow":
		return CategoryWorkflow
	case "apply_guardrail":
		return CategoryGuardrail
	case "":
		return CategoryNone
	}
	return CategoryOther
}

// lowerTrim is strings.ToLower(strings.TrimSpace(s)), with no work for the
// usual value, already lower-case.
func lowerTrim(s string) string {
	if plainLower(s) {
		return s
	}
	return strings.ToLower(strings.TrimSpace(s))
}

// lower is strings.ToLower, with no work for a value already lower-case.
func lower(s string) string {
	if plainLower(s) {
		return s
	}
	return strings.ToLower(s)
}

// plainLower reports whether s is ASCII without spaces, control characters
// or upper-case letters: what lower-casing and trimming leave unchanged.
func plainLower(s string) bool {
	if len(s) < 8 {
		for i := 0; i < len(s); i++ {
			if c := s[i]; c <= ' ' || c >= utf8.RuneSelf || c-'A' < 26 {
				return false
			}
		}
		return true
	}
	// A word at a time (the last one overlapping), flagging bytes at or
	// below a space, non-ASCII and 'A'..'Z' (above 0x40, not above 0x5a).
	for i := 0; ; i += 8 {
		if i > len(s)-8 {
			i = len(s) - 8
		}
		w := load64(s, i)
		if (w|(w-0x21*lsb)&^w|(w+0x3f*lsb)&^(w+0x25*lsb))&msb != 0 {
			return false
		}
		if i == len(s)-8 {
			return true
		}
	}
}
