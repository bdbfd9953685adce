package genaipromptprocessor

import (
	"context"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/processor"
)

type promptProcessor struct {
	cfg *Config
	set processor.Settings
}

func newPromptProcessor(set processor.Settings, cfg *Config) (*promptProcessor, error) {
	return &promptProcessor{cfg: cfg, set: set}, nil
}

func (p *promptProcessor) start(context.Context, component.Host) error { return nil }

func (p *promptProcessor) shutdown(context.Context) error { return nil }

func (p *promptProcessor) processTraces(_ context.Context, td ptrace.Traces) ptrace.Traces { return td }

func (p *promptProcessor) processLogs(_ context.Context, ld plog.Logs) plog.Logs { return ld }
