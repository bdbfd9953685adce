// Package genaicostprocessor prices each billable GenAI model call (spans
// and GenAI log records) from an embedded, effective-dated price catalog,
// extra LiteLLM / Langfuse / Periscope tables reloaded on change, and
// inline overrides, and writes the cost with its breakdown and provenance.
package genaicostprocessor

//go:generate go tool -modfile=../../tools/go.mod go.opentelemetry.io/collector/cmd/mdatagen metadata.yaml
