// Package genaipromptprocessor implements the genai_prompt processor: it
// gives every GenAI model call a prompt identity and version (declared,
// registered or inferred from the prompt template), so a change of prompt can
// be correlated with quality, cost and latency.
package genaipromptprocessor

//go:generate go tool -modfile=../../tools/go.mod go.opentelemetry.io/collector/cmd/mdatagen metadata.yaml
