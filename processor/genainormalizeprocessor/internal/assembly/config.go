package assembly

import (
	"errors"
	"fmt"
	"time"
)

// Config bounds call assembly.
type Config struct {
	// Enabled holds a call's content records until the call is complete.
	// Off, records pass through as they arrive and downstream components
	// see whatever part of a call each request carries.
	Enabled bool `mapstructure:"enabled"`
	// Timeout is the longest a call's records are held. SDKs export spans
	// every 5 s by default and log records every second, so a span usually
	// lands a few seconds after its records.
	Timeout time.Duration `mapstructure:"timeout"`
	// WaitForSpan holds complete content until the call's span has been seen
	// (when this component also runs in a traces pipeline), so the records
	// carry the span's operation, provider and model.
	WaitForSpan bool `mapstructure:"wait_for_span"`
	// MaxPendingCalls and MaxPendingBytes bound what is held; the oldest
	// calls are released early (judged with what has arrived) beyond them.
	MaxPendingCalls int `mapstructure:"max_pending_calls"`
	MaxPendingBytes int `mapstructure:"max_pending_bytes"`
	// MaxRecordsPerCall releases a call that floods records at once.
	MaxRecordsPerCall int `mapstructure:"max_records_per_call"`

	_ struct{}
}

// DefaultConfig returns the defaults.
func DefaultConfig() Config {
	return Config{
		Enabled:           true,
		Timeout:           10 * time.Second,
		WaitForSpan:       true,
		MaxPendingCalls:   10000,
		MaxPendingBytes:   64 << 20,
		MaxRecordsPerCall: 256,
	}
}

// Validate names the offending key under prefix (e.g. "call_assembly").
func (c Config) Validate(prefix string) error {
	if !c.Enabled {
		return nil
	}
	var errs []error
	if c.Timeout <= 0 {
		errs = append(errs, fmt.Errorf("%s.timeout: must be > 0, got %s", prefix, c.Timeout))
	}
	if c.MaxPendingCalls <= 0 {
		errs = append(errs, fmt.Errorf("%s.max_pending_calls: must be > 0, got %d", prefix, c.MaxPendingCalls))
	}
	if c.MaxPendingBytes <= 0 {
		errs = append(errs, fmt.Errorf("%s.max_pending_bytes: must be > 0, got %d", prefix, c.MaxPendingBytes))
	}
	if c.MaxRecordsPerCall <= 0 {
		errs = append(errs, fmt.Errorf("%s.max_records_per_call: must be > 0, got %d", prefix, c.MaxRecordsPerCall))
	}
	return errors.Join(errs...)
}
