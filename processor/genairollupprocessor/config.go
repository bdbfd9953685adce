package genairollupprocessor

import (
	"errors"
	"fmt"
	"time"
)

// Config is the genai_rollup configuration. See README.md for every key.
type Config struct {
	// Conditions limits the spans that receive rollup attributes (OTTL span
	// conditions, OR-ed). Every span still contributes to its ancestors'
	// totals; without conditions every agent span and local root is written.
	Conditions []string `mapstructure:"conditions"`

	// LoopThreshold is how many calls of the same tool with the same
	// arguments within one agent invocation flag it as a loop.
	LoopThreshold int `mapstructure:"loop_threshold"`

	// MaxTraces bounds the traces held in memory (running sums of open
	// ancestors and the ids of spans already passed, for late detection).
	// The least recently active trace is evicted first.
	MaxTraces int `mapstructure:"max_traces"`
	// MaxBytes bounds the estimated memory of that state.
	MaxBytes int64 `mapstructure:"max_bytes"`
	// TTL is how long a trace is kept after its last span arrived.
	TTL time.Duration `mapstructure:"ttl"`

	// Roots writes rollups on local roots (not only on agent spans).
	Roots bool `mapstructure:"roots"`
	_     struct{}
}

// Defaults.
const (
	DefaultLoopThreshold = 3
	DefaultMaxTraces     = 100_000
	DefaultMaxBytes      = 64 << 20
	DefaultTTL           = 5 * time.Minute
)

func createDefaultConfig() *Config {
	return &Config{
		LoopThreshold: DefaultLoopThreshold,
		MaxTraces:     DefaultMaxTraces,
		MaxBytes:      DefaultMaxBytes,
		TTL:           DefaultTTL,
		Roots:         true,
	}
}

// Validate checks the configuration and names the offending key.
func (c *Config) Validate() error {
	var errs []error
	if c.LoopThreshold < 2 {
		errs = append(errs, fmt.Errorf("loop_threshold: %d must be at least 2", c.LoopThreshold))
	} else if c.LoopThreshold > maxCallCount {
		errs = append(errs, fmt.Errorf("loop_threshold: %d must be at most %d", c.LoopThreshold, maxCallCount))
	}
	if c.MaxTraces < 1 {
		errs = append(errs, fmt.Errorf("max_traces: %d must be at least 1", c.MaxTraces))
	}
	if c.MaxBytes < 1<<20 {
		errs = append(errs, fmt.Errorf("max_bytes: %d must be at least 1048576 (1 MiB)", c.MaxBytes))
	}
	if c.TTL < time.Second {
		errs = append(errs, errors.New("ttl: must be at least 1s"))
	}
	return errors.Join(errs...)
}
