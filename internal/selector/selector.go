// Package selector implements the uniform `conditions:` option of Periscope
// processors: a list of OTTL conditions (OR-ed) limiting which spans or log
// records a processor touches. An empty list selects everything.
package selector

import (
	"context"
	"fmt"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/ottl"
	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/ottl/contexts/ottllog"
	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/ottl/contexts/ottlspan"
	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/ottl/ottlfuncs"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// Spans selects spans. A nil *Spans selects every span.
type Spans struct {
	seq ottl.ConditionSequence[*ottlspan.TransformContext]
}

// NewSpans compiles OTTL span conditions. It returns nil (select all) for an
// empty list, and an error naming the bad condition otherwise.
func NewSpans(conditions []string, set component.TelemetrySettings) (*Spans, error) {
	if len(conditions) == 0 {
		return nil, nil
	}
	parser, err := ottlspan.NewParser(ottlfuncs.StandardConverters[*ottlspan.TransformContext](), set)
	if err != nil {
		return nil, err
	}
	conds, err := parser.ParseConditions(conditions)
	if err != nil {
		return nil, fmt.Errorf("conditions: %w", err)
	}
	seq := ottlspan.NewConditionSequence(conds, set,
		ottlspan.WithConditionSequenceErrorMode(ottl.IgnoreError))
	return &Spans{seq: seq}, nil
}

// Match reports whether the span satisfies any condition. Evaluation errors
// count as "not selected": the span passes through untouched.
func (s *Spans) Match(ctx context.Context, rs ptrace.ResourceSpans, ss ptrace.ScopeSpans, span ptrace.Span) bool {
	if s == nil {
		return true
	}
	tCtx := ottlspan.NewTransformContext(rs, ss, span)
	defer tCtx.Close()
	ok, err := s.seq.Eval(ctx, tCtx)
	return err == nil && ok
}

// Logs selects log records. A nil *Logs selects every record.
type Logs struct {
	seq ottl.ConditionSequence[*ottllog.TransformContext]
}

// NewLogs compiles OTTL log conditions; see NewSpans.
func NewLogs(conditions []string, set component.TelemetrySettings) (*Logs, error) {
	if len(conditions) == 0 {
		return nil, nil
	}
	parser, err := ottllog.NewParser(ottlfuncs.StandardConverters[*ottllog.TransformContext](), set)
	if err != nil {
		return nil, err
	}
	conds, err := parser.ParseConditions(conditions)
	if err != nil {
		return nil, fmt.Errorf("conditions: %w", err)
	}
	seq := ottllog.NewConditionSequence(conds, set,
		ottllog.WithConditionSequenceErrorMode(ottl.IgnoreError))
	return &Logs{seq: seq}, nil
}

// Match reports whether the record satisfies any condition.
func (s *Logs) Match(ctx context.Context, rl plog.ResourceLogs, sl plog.ScopeLogs, lr plog.LogRecord) bool {
	if s == nil {
		return true
	}
	tCtx := ottllog.NewTransformContext(rl, sl, lr)
	defer tCtx.Close()
	ok, err := s.seq.Eval(ctx, tCtx)
	return err == nil && ok
}
