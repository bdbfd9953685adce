// Package genaijudgeconnector implements the genai_judge connector: it sends
// a budgeted selection of GenAI model calls to an LLM judge and emits the
// verdicts as gen_ai.evaluation.result log records linked to the judged span.
package genaijudgeconnector

//go:generate go tool -modfile=../../tools/go.mod go.opentelemetry.io/collector/cmd/mdatagen metadata.yaml
