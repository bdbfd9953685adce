package componentkit

import (
	"context"
	"iter"

	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/periscope-otel/periscope/internal/selector"
)

// SpanRef is one span and where it lives in its batch.
type SpanRef struct {
	RS   ptrace.ResourceSpans
	SS   ptrace.ScopeSpans
	Span ptrace.Span
	// RSIndex and SSIndex are the positions of RS in the batch and of SS
	// in RS, for components that index their own per-resource data.
	RSIndex, SSIndex int
}

// Selected reports whether sel (nil: every span) selects the span.
func (r SpanRef) Selected(ctx context.Context, sel *selector.Spans) bool {
	return sel == nil || sel.Match(ctx, r.RS, r.SS, r.Span)
}

// Spans walks every span of td, resource by resource and scope by scope.
func Spans(td ptrace.Traces) iter.Seq[SpanRef] {
	return func(yield func(SpanRef) bool) {
		rss := td.ResourceSpans()
		for i := 0; i < rss.Len(); i++ {
			rs := rss.At(i)
			sss := rs.ScopeSpans()
			for j := 0; j < sss.Len(); j++ {
				ss := sss.At(j)
				spans := ss.Spans()
				for k := 0; k < spans.Len(); k++ {
					if !yield(SpanRef{RS: rs, SS: ss, Span: spans.At(k), RSIndex: i, SSIndex: j}) {
						return
					}
				}
			}
		}
	}
}

// SpanCount is the number of spans in td (to size per-span buffers).
func SpanCount(td ptrace.Traces) int {
	n := 0
	rss := td.ResourceSpans()
	for i := 0; i < rss.Len(); i++ {
		sss := rss.At(i).ScopeSpans()
		for j := 0; j < sss.Len(); j++ {
			n += sss.At(j).Spans().Len()
		}
	}
	return n
}

// LogRef is one log record and where it lives in its batch.
type LogRef struct {
	RL     plog.ResourceLogs
	SL     plog.ScopeLogs
	Record plog.LogRecord
}

// Selected reports whether sel (nil: every record) selects the record.
func (r LogRef) Selected(ctx context.Context, sel *selector.Logs) bool {
	return sel == nil || sel.Match(ctx, r.RL, r.SL, r.Record)
}

// LogRecords walks every log record of ld, resource by resource and scope
// by scope.
func LogRecords(ld plog.Logs) iter.Seq[LogRef] {
	return func(yield func(LogRef) bool) {
		rls := ld.ResourceLogs()
		for i := 0; i < rls.Len(); i++ {
			rl := rls.At(i)
			sls := rl.ScopeLogs()
			for j := 0; j < sls.Len(); j++ {
				sl := sls.At(j)
				lrs := sl.LogRecords()
				for k := 0; k < lrs.Len(); k++ {
					if !yield(LogRef{RL: rl, SL: sl, Record: lrs.At(k)}) {
						return
					}
				}
			}
		}
	}
}

// Locations tells which resource and scope each log record of a batch
// lives in. The map is built on first use: a component without a selector
// never pays for it.
type Locations struct {
	ld    plog.Logs
	where map[plog.LogRecord]LogRef
}

// NewLocations returns the (not yet built) locations of ld's records.
func NewLocations(ld plog.Logs) *Locations { return &Locations{ld: ld} }

// Of returns where lr lives; false if lr is not a record of the batch.
func (l *Locations) Of(lr plog.LogRecord) (LogRef, bool) {
	if l.where == nil {
		l.where = make(map[plog.LogRecord]LogRef, l.ld.LogRecordCount())
		for r := range LogRecords(l.ld) {
			l.where[r.Record] = r
		}
	}
	r, ok := l.where[lr]
	return r, ok
}

// Selected reports whether sel (nil: every record) selects lr; a record
// not of the batch is not selected.
func (l *Locations) Selected(ctx context.Context, sel *selector.Logs, lr plog.LogRecord) bool {
	if sel == nil {
		return true
	}
	r, ok := l.Of(lr)
	return ok && r.Selected(ctx, sel)
}

// AnySelected reports whether sel selects any of records (a call's group:
// one selected record selects the call).
func (l *Locations) AnySelected(ctx context.Context, sel *selector.Logs, records []plog.LogRecord) bool {
	if sel == nil {
		return true
	}
	for _, lr := range records {
		if l.Selected(ctx, sel, lr) {
			return true
		}
	}
	return false
}
