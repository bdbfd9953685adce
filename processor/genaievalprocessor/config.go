package genaievalprocessor

import (
	"errors"
	"fmt"
	"strings"

	"go.opentelemetry.io/collector/component"

	"github.com/periscope-otel/periscope/internal/eval/hallucination"
	"github.com/periscope-otel/periscope/internal/eval/safety"
)

// EvaluatorConfig is what every evaluator accepts.
type EvaluatorConfig struct {
	Enabled bool `mapstructure:"enabled"`
	// Threshold at or above which the evaluator fails the call.
	Threshold float64 `mapstructure:"threshold"`
	// Sides the evaluator reads: input, output (only sides it supports).
	Sides []string `mapstructure:"sides"`
	_     struct{}
}

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

// EvaluatorsConfig holds one block per evaluator.
type EvaluatorsConfig struct {
	PromptInjection EvaluatorConfig     `mapstructure:"prompt_injection"`
	Jailbreak       EvaluatorConfig     `mapstructure:"jailbreak"`
	PII             PIIConfig           `mapstructure:"pii"`
	Secrets         EvaluatorConfig     `mapstructure:"secrets"`
	Toxicity        EvaluatorConfig     `mapstructure:"toxicity"`
	Refusal         EvaluatorConfig     `mapstructure:"refusal"`
	PromptLeak      EvaluatorConfig     `mapstructure:"prompt_leak"`
	OffTopic        OffTopicConfig      `mapstructure:"off_topic"`
	Hallucination   HallucinationConfig `mapstructure:"hallucination"`
	_               struct{}
}

// HallucinationConfig enables the hallucination evaluator; its other keys
// (threshold, max_context_bytes, max_answer_bytes, ground_on_input) belong
// to the evaluator.
type HallucinationConfig struct {
	Enabled              bool `mapstructure:"enabled"`
	hallucination.Config `mapstructure:",squash"`
}

// PIIConfig adds the PII types to detect.
type PIIConfig struct {
	EvaluatorConfig `mapstructure:",squash"`
	// Types limits detection to these PII types (empty = all).
	Types []string `mapstructure:"types"`
}

// OffTopicConfig lists the allowed topics as keyword sets.
type OffTopicConfig struct {
	EvaluatorConfig `mapstructure:",squash"`
	Topics          map[string][]string `mapstructure:"topics"`
}

var _ component.Config = (*Config)(nil)

func createDefaultConfig() component.Config {
	in := []string{"input"}
	out := []string{"output"}
	both := []string{"input", "output"}
	return &Config{
		MaxContentBytes: 64 << 10,
		Events:          true,
		Evaluators: EvaluatorsConfig{
			PromptInjection: EvaluatorConfig{Enabled: true, Threshold: 0.5, Sides: in},
			Jailbreak:       EvaluatorConfig{Enabled: true, Threshold: 0.5, Sides: in},
			PII:             PIIConfig{EvaluatorConfig: EvaluatorConfig{Enabled: true, Threshold: 0.5, Sides: both}},
			Secrets:         EvaluatorConfig{Enabled: true, Threshold: 0.5, Sides: both},
			Toxicity:        EvaluatorConfig{Enabled: true, Threshold: 0.5, Sides: out},
			Refusal:         EvaluatorConfig{Enabled: true, Threshold: 0.5, Sides: out},
			PromptLeak:      EvaluatorConfig{Enabled: true, Threshold: 0.5, Sides: out},
			OffTopic:        OffTopicConfig{EvaluatorConfig: EvaluatorConfig{Enabled: false, Threshold: 0.5, Sides: in}},
			Hallucination:   HallucinationConfig{Enabled: true, Config: hallucination.DefaultConfig()},
		},
		Redact: map[string]string{},
	}
}

// Validate checks the configuration and names the offending key.
func (c *Config) Validate() error {
	if c.MaxContentBytes < 0 {
		return errors.New("max_content_bytes: must be >= 0")
	}
	check := func(name string, e EvaluatorConfig) error {
		if e.Threshold < 0 || e.Threshold > 1 {
			return fmt.Errorf("evaluators.%s.threshold: must be in [0,1], got %v", name, e.Threshold)
		}
		for _, s := range e.Sides {
			if s != "input" && s != "output" {
				return fmt.Errorf("evaluators.%s.sides: unknown side %q (want input or output)", name, s)
			}
		}
		return nil
	}
	ev := c.Evaluators
	for _, x := range []struct {
		n string
		e EvaluatorConfig
	}{
		{"prompt_injection", ev.PromptInjection}, {"jailbreak", ev.Jailbreak}, {"pii", ev.PII.EvaluatorConfig},
		{"secrets", ev.Secrets}, {"toxicity", ev.Toxicity}, {"refusal", ev.Refusal},
		{"prompt_leak", ev.PromptLeak}, {"off_topic", ev.OffTopic.EvaluatorConfig},
	} {
		if err := check(x.n, x.e); err != nil {
			return err
		}
	}
	if ev.OffTopic.Enabled && len(ev.OffTopic.Topics) == 0 {
		return errors.New("evaluators.off_topic.topics: at least one topic is required when off_topic is enabled")
	}
	for name, kws := range ev.OffTopic.Topics {
		if len(kws) == 0 {
			return fmt.Errorf("evaluators.off_topic.topics.%s: needs at least one keyword", name)
		}
	}
	for _, t := range ev.PII.Types {
		if !knownPIIType(t) {
			return fmt.Errorf("evaluators.pii.types: unknown type %q (known: %v)", t, safety.PIITypes)
		}
	}
	if ev.Hallucination.Enabled {
		if err := ev.Hallucination.Config.Validate(); err != nil {
			return fmt.Errorf("evaluators.hallucination.%w", err)
		}
	}
	for typ, repl := range c.Redact {
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

func knownPIIType(t string) bool {
	for _, k := range safety.PIITypes {
		if k == t {
			return true
		}
	}
	return false
}
