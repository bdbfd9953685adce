// Package ratelog rate-limits per-span log lines so that a stream of bad
// spans produces a few warnings, not one per span.
package ratelog

import (
	"sync"
	"time"

	"go.uber.org/zap"
)

// Logger logs at most Burst lines per Interval for each distinct key and
// counts what it suppressed; the count is reported on the next line let
// through.
type Logger struct {
	log      *zap.Logger
	interval time.Duration
	burst    int

	mu    sync.Mutex
	state map[string]*window
}

type window struct {
	start      time.Time
	n          int
	suppressed int
}

// maxKeys bounds the per-key state; keys are problem kinds, so this is never
// reached in practice, but the map must not grow without bound.
const maxKeys = 256

// New returns a Logger letting burst lines per key through every interval.
func New(log *zap.Logger, interval time.Duration, burst int) *Logger {
	if burst < 1 {
		burst = 1
	}
	return &Logger{log: log.WithOptions(zap.AddCallerSkip(1)), interval: interval, burst: burst, state: make(map[string]*window)}
}

// Warn logs msg at warn level unless key exceeded its budget.
func (l *Logger) Warn(key, msg string, fields ...zap.Field) {
	if ok, suppressed := l.allow(key); ok {
		if suppressed > 0 {
			fields = append(fields, zap.Int("suppressed_since_last", suppressed))
		}
		l.log.Warn(msg, fields...)
	}
}

// Debug logs msg at debug level unless key exceeded its budget.
func (l *Logger) Debug(key, msg string, fields ...zap.Field) {
	if !l.log.Core().Enabled(zap.DebugLevel) {
		return
	}
	if ok, suppressed := l.allow(key); ok {
		if suppressed > 0 {
			fields = append(fields, zap.Int("suppressed_since_last", suppressed))
		}
		l.log.Debug(msg, fields...)
	}
}

func (l *Logger) allow(key string) (bool, int) {
	now := time.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	w, ok := l.state[key]
	if !ok {
		if len(l.state) >= maxKeys {
			clear(l.state)
		}
		w = &window{start: now}
		l.state[key] = w
	}
	if now.Sub(w.start) >= l.interval {
		w.start, w.n = now, 0
	}
	if w.n >= l.burst {
		w.suppressed++
		return false, 0
	}
	w.n++
	s := w.suppressed
	w.suppressed = 0
	return true, s
}
