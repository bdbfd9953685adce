// Package genaievalprocessor scores GenAI calls with deterministic safety and
// hallucination evaluators, writes the results as semconv evaluation
// results, and can redact PII and secrets before export.
package genaievalprocessor

//go:generate go tool -modfile=../../tools/go.mod go.opentelemetry.io/collector/cmd/mdatagen metadata.yaml
