package hallucination

import (
	"errors"
	"fmt"
)

// Config tunes the hallucination evaluator. Zero values are not valid; start
// from DefaultConfig.
type Config struct {
	// Threshold is the score at or above which the answer is labelled
	// "fail" (ungrounded).
	Threshold float64 `mapstructure:"threshold"`
	// MaxContextBytes bounds the grounding context that is read (all
	// context pieces plus the system text). Anything beyond is ignored and
	// the result is marked truncated.
	MaxContextBytes int `mapstructure:"max_context_bytes"`
	// MaxAnswerBytes bounds the part of the answer that is checked.
	MaxAnswerBytes int `mapstructure:"max_answer_bytes"`
	// GroundOnInput lets the user's own input count as grounding: an answer
	// that repeats a name from the question is not inventing it. The input
	// alone never makes the evaluator run; it needs context or system text.
	GroundOnInput bool `mapstructure:"ground_on_input"`

	_ struct{}
}

// DefaultConfig returns settings that work without tuning.
func DefaultConfig() Config {
	return Config{
		Threshold:       0.4,
		MaxContextBytes: 256 << 10,
		MaxAnswerBytes:  32 << 10,
		GroundOnInput:   true,
	}
}

// Validate reports the first invalid key.
func (c *Config) Validate() error {
	var errs []error
	if c.Threshold <= 0 || c.Threshold > 1 {
		errs = append(errs, fmt.Errorf("threshold: must be in (0,1], got %v", c.Threshold))
	}
	if c.MaxContextBytes < 1024 {
		errs = append(errs, fmt.Errorf("max_context_bytes: must be at least 1024, got %d", c.MaxContextBytes))
	}
	if c.MaxAnswerBytes < 256 {
		errs = append(errs, fmt.Errorf("max_answer_bytes: must be at least 256, got %d", c.MaxAnswerBytes))
	}
	return errors.Join(errs...)
}
