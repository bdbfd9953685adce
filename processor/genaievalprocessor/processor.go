package genaievalprocessor

import (
	"context"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/processor"
)

type evalProcessor struct {
	cfg *Config
	set processor.Settings
}

func newEvalProcessor(set processor.Settings, cfg *Config, _ bool) (*evalProcessor, error) {
	return &evalProcessor{cfg: cfg, set: set}, nil
}

func (p *evalProcessor) start(context.Context, component.Host) error { return nil }
func (p *evalProcessor) shutdown(context.Context) error              { return nil }

func (p *evalProcessor) processTraces(_ context.Context, td ptrace.Traces) (ptrace.Traces, error) {
	return td, nil
}

func (p *evalProcessor) processLogs(_ context.Context, ld plog.Logs) (plog.Logs, error) {
	return ld, nil
}
