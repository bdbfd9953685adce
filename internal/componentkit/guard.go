package componentkit

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.uber.org/zap"

	"github.com/periscope-otel/periscope/internal/genai"
	"github.com/periscope-otel/periscope/internal/ratelog"
)

// Skip reasons shared by the components (each adds its own).
const (
	SkipNotSelected   = "not_selected"
	SkipNotGenAI      = "not_genai"
	SkipInternalError = "internal_error"
)

// maxPanicText bounds the panic value logged: a message, never data.
const maxPanicText = 200

// Guard runs per-item work so that a panic skips the item instead of
// failing the batch (or crashing the collector): the panic is recovered,
// counted (Panics) and logged as a rate-limited warning.
type Guard struct {
	component string
	rl        *ratelog.Logger
	panics    atomic.Int64
}

// NewGuard returns a guard logging as component (e.g. "genai_prompt").
func NewGuard(logger *zap.Logger, component string) *Guard {
	if logger == nil {
		logger = zap.NewNop()
	}
	return &Guard{component: component, rl: ratelog.New(logger, time.Minute, 5)}
}

// Run runs fn; it reports false if fn panicked (what names the item in
// the warning: "span", "log records", "row" ...).
func (g *Guard) Run(what string, fn func()) (ok bool) {
	defer func() {
		if r := recover(); r != nil {
			ok = false
			g.panics.Add(1)
			g.rl.Warn("panic", g.component+": "+what+" skipped after an internal error",
				zap.String("error", panicText(r)))
		}
	}()
	fn()
	return true
}

// Panics is the number of panics recovered so far.
func (g *Guard) Panics() int64 { return g.panics.Load() }

// ReadSpan reads a span through the shared reader; false (and an empty
// view) if the reader panicked.
func (g *Guard) ReadSpan(span ptrace.Span, res pcommon.Resource, opts genai.Options) (genai.View, bool) {
	var v genai.View
	ok := g.Run("span", func() { v = genai.ReadSpan(span, res, opts) })
	if !ok {
		v = genai.View{}
	}
	return v, ok
}

// ReadLogs reads a call's log records through the shared reader; false
// (and an empty view) if the reader panicked.
func (g *Guard) ReadLogs(grp genai.LogGroup, opts genai.Options) (genai.View, bool) {
	var v genai.View
	ok := g.Run("log records", func() { v = genai.ReadLogRecords(grp.Records, grp.Resource, opts) })
	if !ok {
		v = genai.View{}
	}
	return v, ok
}

func panicText(r any) string {
	s := fmt.Sprint(r)
	if len(s) <= maxPanicText {
		return s
	}
	n := maxPanicText
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "..."
}

// Skips counts the items of one batch left untouched, by reason. The zero
// value is ready; it is not safe for concurrent use (one per batch).
type Skips struct {
	reasons []string
	counts  []int64
}

// Add counts one item skipped for reason.
func (s *Skips) Add(reason string) { s.AddN(reason, 1) }

// AddN counts n items skipped for reason.
func (s *Skips) AddN(reason string, n int64) {
	if n == 0 {
		return
	}
	for i, r := range s.reasons {
		if r == reason {
			s.counts[i] += n
			return
		}
	}
	s.reasons = append(s.reasons, reason)
	s.counts = append(s.counts, n)
}

// Count is the number skipped for reason.
func (s *Skips) Count(reason string) int64 {
	for i, r := range s.reasons {
		if r == reason {
			return s.counts[i]
		}
	}
	return 0
}

// Each calls fn for every reason counted, in first-seen order.
func (s *Skips) Each(fn func(reason string, n int64)) {
	for i, r := range s.reasons {
		fn(r, s.counts[i])
	}
}

// Flush adds the counts to c with a "reason" attribute and resets them. A
// nil counter only resets.
func (s *Skips) Flush(ctx context.Context, c metric.Int64Counter) {
	if c != nil {
		for i, r := range s.reasons {
			c.Add(ctx, s.counts[i], metric.WithAttributes(attribute.String("reason", r)))
		}
	}
	s.reasons, s.counts = s.reasons[:0], s.counts[:0]
}
