package pricing

import "strings"

// Family maps a gen_ai.provider.name (current or older spellings, or a
// LiteLLM provider id) onto the catalog's provider family. Unknown values
// map to "".
func Family(provider string) string {
	switch provider {
	case "":
		return ""
	case "openai", "text-completion-openai", "openai.chat", "openai_compatible":
		return "openai"
	case "anthropic", "anthropic_text":
		return "anthropic"
	case "gcp.gemini", "gemini", "google", "google_genai", "google.genai", "gcp.gen_ai", "google_ai_studio", "googleai":
		return "gemini"
	case "gcp.vertex_ai", "vertex_ai", "vertexai", "google_vertex", "vertex":
		return "vertex_ai"
	case "aws.bedrock", "bedrock", "bedrock_converse", "amazon_bedrock", "aws_bedrock":
		return "bedrock"
	case "azure.ai.openai", "azure", "azure_openai", "az.ai.openai", "azure_text":
		return "azure"
	case "azure.ai.inference", "azure_ai", "az.ai.inference":
		return "azure_ai"
	case "mistral_ai", "mistral", "mistralai":
		return "mistral"
	case "cohere", "cohere_chat":
		return "cohere"
	case "deepseek":
		return "deepseek"
	case "x_ai", "xai", "grok":
		return "xai"
	case "groq":
		return "groq"
	case "together", "together_ai", "togetherai":
		return "together_ai"
	case "fireworks", "fireworks_ai", "fireworks-ai", "fireworks_ai-embedding-models":
		return "fireworks_ai"
	case "openrouter":
		return "openrouter"
	case "perplexity":
		return "perplexity"
	case "meta", "meta_llama", "llama":
		return "meta_llama"
	case "moonshot", "moonshotai", "moonshot_ai", "kimi":
		return "moonshot"
	case "zai", "z.ai", "z_ai", "z-ai":
		return "zai"
	case "zhipu", "zhipuai", "zhipu_ai", "bigmodel":
		return "zhipuai"
	case "cerebras", "cerebras_ai":
		return "cerebras"
	case "huggingface", "hugging_face", "hf", "huggingface_hub", "hf_inference":
		return "huggingface"
	case "modal", "modal_labs":
		return "modal"
	case "dashscope", "alibaba", "alibaba_cloud", "aliyun", "qwen", "alibaba.dashscope":
		return "dashscope"
	}
	p := strings.ToLower(provider)
	if p != provider {
		return Family(p)
	}
	if strings.HasPrefix(p, "vertex_ai") {
		return "vertex_ai"
	}
	return p
}

// fallbackFamilies lists where a model may be priced when its own family
// has no entry: Azure OpenAI bills OpenAI list prices, Vertex hosts Gemini
// and Claude, the Gemini API and Vertex share Gemini prices.
func fallbackFamilies(f string) []string {
	switch f {
	case "azure":
		return []string{"openai"}
	case "vertex_ai":
		return []string{"gemini", "anthropic"}
	case "gemini":
		return []string{"vertex_ai"}
	case "anthropic":
		return []string{"vertex_ai"}
	case "zai":
		return []string{"zhipuai"} // Z.ai is Zhipu's international platform
	case "zhipuai":
		return []string{"zai"}
	}
	return nil
}

// prefixFamily maps a provider prefix found in a model string
// ("openai/gpt-4o", "bedrock/...") onto a family.
func prefixFamily(p string) string {
	switch p {
	case "openai", "anthropic", "gemini", "vertex_ai", "bedrock", "azure", "mistral", "cohere",
		"deepseek", "xai", "groq", "together_ai", "fireworks_ai", "openrouter", "perplexity", "meta_llama", "azure_ai",
		"cerebras", "dashscope", "moonshot", "zai", "huggingface", "modal":
		return p
	case "google", "models":
		return "gemini"
	case "vertex", "vertexai":
		return "vertex_ai"
	case "mistralai":
		return "mistral"
	case "x-ai", "x_ai":
		return "xai"
	case "meta-llama", "meta":
		return "meta_llama"
	case "amazon", "aws":
		return "bedrock"
	case "together":
		return "together_ai"
	case "fireworks":
		return "fireworks_ai"
	}
	return ""
}
