package genainormalizeprocessor

import (
	"errors"
	"fmt"

	"github.com/periscope-otel/periscope/processor/genainormalizeprocessor/internal/assembly"
)

// Config of the genai_normalize processor.
type Config struct {
	// Overwrite replaces semconv keys that the span already has. Off by
	// default: what the instrumentation wrote wins.
	Overwrite bool `mapstructure:"overwrite"`
	// RemoveOriginals deletes the dialect-specific keys whose content was
	// written back as semconv keys. Content keys are kept when the content
	// budget cut the copy, so nothing is lost.
	RemoveOriginals bool `mapstructure:"remove_originals"`
	// EmitLegacySystem also writes the deprecated gen_ai.system key for
	// backends that still group by it.
	EmitLegacySystem bool `mapstructure:"emit_legacy_system"`
	// Content writes gen_ai.system_instructions, gen_ai.input.messages,
	// gen_ai.output.messages and gen_ai.retrieval.documents (JSON strings)
	// when a dialect carries content in another shape.
	Content bool `mapstructure:"content"`
	// MaxContentBytes bounds the content read per span.
	MaxContentBytes int `mapstructure:"max_content_bytes"`
	// Conditions (OTTL, OR-ed) limit which spans/records are touched.
	Conditions []string `mapstructure:"conditions"`
	// CallAssembly holds the content log records of a model call until the
	// call is complete, so later components see each call whole, once.
	CallAssembly assembly.Config `mapstructure:"call_assembly"`

	_ struct{}
}

func createDefaultConfig() *Config {
	return &Config{
		Content:         true,
		MaxContentBytes: 256 << 10,
		Conditions:      []string{},
		CallAssembly:    assembly.DefaultConfig(),
	}
}

// Validate checks the configuration.
func (c *Config) Validate() error {
	var errs []error
	if c.MaxContentBytes <= 0 {
		errs = append(errs, fmt.Errorf("max_content_bytes: must be > 0, got %d", c.MaxContentBytes))
	}
	for i, cond := range c.Conditions {
		if cond == "" {
			errs = append(errs, fmt.Errorf("conditions[%d]: empty condition", i))
		}
	}
	if err := c.CallAssembly.Validate("call_assembly"); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}
