// Package genainormalizeprocessor implements the genai_normalize processor:
// it reads every GenAI span (and GenAI log record) through internal/genai and
// writes the normalized view back as current OpenTelemetry semantic
// convention keys, so backends that only know semconv see every dialect.
package genainormalizeprocessor

//go:generate go tool -modfile=../../tools/go.mod go.opentelemetry.io/collector/cmd/mdatagen metadata.yaml
