// Package genaimetricsconnector implements the genai_metrics connector: it
// turns GenAI spans and log records into usage, latency, cost, evaluation,
// drift and regression metrics.
package genaimetricsconnector

//go:generate go tool -modfile=../../tools/go.mod go.opentelemetry.io/collector/cmd/mdatagen metadata.yaml
