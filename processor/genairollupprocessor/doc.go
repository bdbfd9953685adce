// Package genairollupprocessor writes, on each agent invocation span and on
// each trace's local root, the totals of the model and tool calls beneath it
// (cost, tokens, calls, tool errors) and flags tool-call loops. Children are
// usually exported before their parents, so the processor keeps bounded
// running sums per trace across batches; it only adds attributes and never
// holds spans back.
package genairollupprocessor

//go:generate go tool -modfile=../../tools/go.mod go.opentelemetry.io/collector/cmd/mdatagen metadata.yaml
