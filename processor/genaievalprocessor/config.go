package genaievalprocessor

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/confmap"

	"github.com/periscope-otel/periscope/internal/eval"
	"github.com/periscope-otel/periscope/internal/eval/evaluators"
	"github.com/periscope-otel/periscope/internal/eval/safety"
)

// Config is the genai_eval configuration.
type Config struct {
	// Conditions are OTTL span (or log) conditions limiting what is evaluated.
	Conditions []string `mapstructure:"conditions"`
	// MaxContentBytes bounds the content scanned per span.
	MaxContentBytes int `mapstructure:"max_content_bytes"`
	// Events controls whether gen_ai.evaluation.result events/records are written.
	Events bool `mapstructure:"events"`
	// Evaluators configures each evaluator by its contract name.
	Evaluators EvaluatorsConfig `mapstructure:"evaluators"`
	// Redact maps a PII or secret type to its replacement text.
	Redact map[string]string `mapstructure:"redact"`
	_      struct{}
}

// EvaluatorsConfig holds one block per registered evaluator
// (internal/eval/evaluators), under its contract name: evaluators.<name>.
// Each block starts from the evaluator's defaults; keys not given keep them.
type EvaluatorsConfig struct {
	blocks map[string]eval.Config
}

// defaultEvaluators returns every evaluator's block with its defaults.
func defaultEvaluators() EvaluatorsConfig {
	e := EvaluatorsConfig{blocks: make(map[string]eval.Config, len(evaluators.All()))}
	for _, s := range evaluators.All() {
		e.blocks[s.Name] = s.DefaultConfig()
	}
	return e
}

// Get returns the block of an evaluator (nil for an unknown name). Its
// concrete type is the one the evaluator registers, e.g.
// *evaluators.PIIConfig.
func (e *EvaluatorsConfig) Get(name string) eval.Config { return e.blocks[name] }

// Unmarshal decodes each evaluators.<name> block into that evaluator's
// block, over its defaults; an unknown evaluator name is an error.
func (e *EvaluatorsConfig) Unmarshal(conf *confmap.Conf) error {
	if e.blocks == nil {
		*e = defaultEvaluators()
	}
	given := conf.ToStringMap()
	for _, name := range slices.Sorted(maps.Keys(given)) {
		if _, ok := e.blocks[name]; !ok {
			return fmt.Errorf("%s: unknown evaluator (known: %v)", name, evaluators.Names())
		}
	}
	for _, name := range evaluators.Names() { // registry order: the first error is stable
		b := e.blocks[name]
		if _, ok := given[name]; !ok || b == nil {
			continue
		}
		sub, err := conf.Sub(name)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		if err := sub.Unmarshal(b); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
	}
	return nil
}

// Marshal writes every block under its name (print-config).
func (e EvaluatorsConfig) Marshal(conf *confmap.Conf) error {
	out := make(map[string]any, len(e.blocks))
	for name, b := range e.blocks {
		sub := confmap.New()
		if err := sub.Marshal(b); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		out[name] = sub.ToStringMap()
	}
	return conf.Merge(confmap.NewFromStringMap(out))
}

var _ component.Config = (*Config)(nil)

func createDefaultConfig() component.Config {
	return &Config{
		MaxContentBytes: 64 << 10,
		Events:          true,
		Evaluators:      defaultEvaluators(),
		Redact:          map[string]string{},
	}
}

// Validate checks the configuration and names the offending key.
func (c *Config) Validate() error {
	if c.MaxContentBytes < 0 {
		return errors.New("max_content_bytes: must be >= 0")
	}
	for _, spec := range evaluators.All() {
		b := c.Evaluators.Get(spec.Name)
		if b == nil {
			return fmt.Errorf("evaluators.%s: missing (start from the factory's default configuration)", spec.Name)
		}
		if err := b.Validate(); err != nil {
			return prefixErrors("evaluators."+spec.Name+".", err)
		}
	}
	// In key order: of several bad keys, the error names the same one on every load.
	for _, typ := range slices.Sorted(maps.Keys(c.Redact)) {
		repl := c.Redact[typ]
		if !knownPIIType(typ) && typ != RedactSecrets {
			return fmt.Errorf("redact.%s: unknown type (known: %v and %q)", typ, safety.PIITypes, RedactSecrets)
		}
		if repl == "" || strings.ContainsAny(repl, "\"\\") {
			return fmt.Errorf("redact.%s: replacement must be non-empty and contain no quote or backslash (it is written inside JSON strings)", typ)
		}
	}
	return nil
}

// RedactSecrets is the redact key that masks every detected secret.
const RedactSecrets = "secrets"

// prefixErrors puts the block's path before each of the block's errors.
func prefixErrors(prefix string, err error) error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		errs := j.Unwrap()
		out := make([]error, len(errs))
		for i, e := range errs {
			out[i] = prefixErrors(prefix, e)
		}
		return errors.Join(out...)
	}
	return fmt.Errorf("%s%w", prefix, err)
}

func knownPIIType(t string) bool {
	for _, k := range safety.PIITypes {
		if k == t {
			return true
		}
	}
	return false
}
