// Package genaidatasetexporter writes selected GenAI model calls (flagged by
// an evaluation, sampled, or matched by OTTL conditions) as versioned JSONL
// datasets for replay, offline evaluation and regression suites. Rows are
// described by the dataset package and its JSON Schema.
package genaidatasetexporter

//go:generate go tool -modfile=../../tools/go.mod go.opentelemetry.io/collector/cmd/mdatagen metadata.yaml
