package genaievalprocessor

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/confmaptest"
	"go.opentelemetry.io/collector/processor/processortest"

	"github.com/periscope-otel/periscope/internal/eval"
	"github.com/periscope-otel/periscope/internal/eval/evaluators"
	"github.com/periscope-otel/periscope/internal/eval/safety"
	"github.com/periscope-otel/periscope/processor/genaievalprocessor/internal/metadata"
)

func loadConfig(t *testing.T, name string) (*Config, error) {
	t.Helper()
	cm, err := confmaptest.LoadConf(filepath.Join("testdata", "config.yaml"))
	require.NoError(t, err)
	cfg := createDefaultConfig().(*Config)
	sub, err := cm.Sub(component.NewIDWithName(metadata.Type, name).String())
	require.NoError(t, err)
	require.NoError(t, sub.Unmarshal(cfg))
	return cfg, cfg.Validate()
}

func TestDefaultConfig(t *testing.T) {
	cfg, err := loadConfig(t, "")
	require.NoError(t, err)
	assert.Equal(t, createDefaultConfig(), cfg)
	assert.True(t, block[*evaluators.PromptInjectionConfig](t, cfg, "prompt_injection").Enabled)
	assert.True(t, block[*evaluators.HallucinationConfig](t, cfg, "hallucination").Enabled)
	assert.False(t, block[*evaluators.OffTopicConfig](t, cfg, "off_topic").Enabled)
	assert.Equal(t, 64<<10, cfg.MaxContentBytes)
}

func TestCustomConfig(t *testing.T) {
	cfg, err := loadConfig(t, "custom")
	require.NoError(t, err)
	assert.Len(t, cfg.Conditions, 1)
	assert.Equal(t, 32768, cfg.MaxContentBytes)
	assert.Equal(t, 0.6, block[*evaluators.PromptInjectionConfig](t, cfg, "prompt_injection").Threshold)
	assert.False(t, block[*evaluators.JailbreakConfig](t, cfg, "jailbreak").Enabled)
	pii := block[*evaluators.PIIConfig](t, cfg, "pii")
	assert.Equal(t, []string{"email", "credit_card", "us_ssn", "iban"}, pii.Types)
	assert.Equal(t, []string{"input", "output"}, pii.Sides)
	assert.Equal(t, []string{"output"}, block[*evaluators.ToxicityConfig](t, cfg, "toxicity").Sides)
	assert.Equal(t, []string{"delivery", "parcel", "tracking"}, block[*evaluators.OffTopicConfig](t, cfg, "off_topic").Topics["shipping"])
	h := block[*evaluators.HallucinationConfig](t, cfg, "hallucination")
	assert.Equal(t, 0.6, h.Threshold)
	assert.Equal(t, 65536, h.MaxContextBytes)
	// Keys not given keep their defaults.
	assert.Equal(t, 32<<10, h.MaxAnswerBytes)
	assert.True(t, h.GroundOnInput)
	assert.Equal(t, 0.5, block[*evaluators.RefusalConfig](t, cfg, "refusal").Threshold)
	assert.Equal(t, 0.25, block[*evaluators.RefusalConfig](t, cfg, "refusal").SampleRatio)
	assert.Equal(t, 0.1, h.SampleRatio)
	assert.Equal(t, 1.0, block[*evaluators.ToxicityConfig](t, cfg, "toxicity").SampleRatio, "not given: every call")
	assert.Equal(t, []string{"output"}, block[*evaluators.RefusalConfig](t, cfg, "refusal").Sides)
	assert.Equal(t, "<SECRET>", cfg.Redact["secrets"])
}

func TestInvalidConfig(t *testing.T) {
	for name, key := range map[string]string{
		"bad_threshold":                  "evaluators.toxicity.threshold",
		"bad_side":                       "evaluators.pii.sides",
		"bad_redact":                     "redact.passport",
		"bad_replacement":                "redact.email",
		"off_topic_without_topics":       "evaluators.off_topic.topics",
		"bad_pii_type":                   "evaluators.pii.types",
		"bad_hallucination":              "evaluators.hallucination.max_context_bytes",
		"bad_topic_keywords":             "evaluators.off_topic.topics.billing",
		"bad_jailbreak_threshold":        "evaluators.jailbreak.threshold",
		"bad_sample_ratio":               "evaluators.refusal.sample_ratio",
		"bad_hallucination_sample_ratio": "evaluators.hallucination.sample_ratio",
	} {
		_, err := loadConfig(t, name)
		require.Error(t, err, name)
		assert.Contains(t, err.Error(), key, name)
	}
}

// TestUnknownKeys: an evaluator name or key that does not exist is an error
// naming it, as with any other unknown key.
func TestUnknownKeys(t *testing.T) {
	cm, err := confmaptest.LoadConf(filepath.Join("testdata", "config.yaml"))
	require.NoError(t, err)
	for name, want := range map[string][]string{
		"unknown_evaluator":     {"sentiment", "unknown evaluator"},
		"unknown_evaluator_key": {"pii", "topics"},
	} {
		sub, err := cm.Sub(component.NewIDWithName(metadata.Type, name).String())
		require.NoError(t, err)
		err = sub.Unmarshal(createDefaultConfig())
		require.Error(t, err, name)
		for _, w := range want {
			assert.Contains(t, err.Error(), w, name)
		}
	}
}

// block returns an evaluator's configuration block as its registered type.
func block[T eval.Config](t *testing.T, cfg *Config, name string) T {
	t.Helper()
	b, ok := cfg.Evaluators.Get(name).(T)
	require.True(t, ok, "evaluators.%s has type %T", name, cfg.Evaluators.Get(name))
	return b
}

// TestEveryRegisteredEvaluator: every evaluator of the registry has a
// default block under its name that validates and names its bad keys, and
// the processor builds it when enabled, in registry order, with its
// configured threshold; nothing in this package lists evaluators.
func TestEveryRegisteredEvaluator(t *testing.T) {
	cfg := createDefaultConfig().(*Config)
	var want []string
	for _, s := range evaluators.All() {
		b := cfg.Evaluators.Get(s.Name)
		require.NotNil(t, b, s.Name)
		base := b.Base()
		assert.Equal(t, s.Enabled, base.Enabled, s.Name)
		assert.Equal(t, s.Threshold, base.Threshold, s.Name)
		assert.Equal(t, 1.0, base.SampleRatio, s.Name)
		require.NoError(t, confmap.NewFromStringMap(map[string]any{"enabled": true, "threshold": 0.25}).Unmarshal(b), s.Name)
		if oc, ok := b.(*evaluators.OffTopicConfig); ok {
			oc.Topics = map[string][]string{"billing": {"invoice", "refund"}}
		}
		want = append(want, s.Name)

		bad := createDefaultConfig().(*Config)
		require.NoError(t, confmap.NewFromStringMap(map[string]any{"threshold": 2.0}).Unmarshal(bad.Evaluators.Get(s.Name)))
		assert.ErrorContains(t, bad.Validate(), "evaluators."+s.Name+".threshold", s.Name)
	}
	require.NoError(t, cfg.Validate())
	p, err := newEvalProcessor(processortest.NewNopSettings(metadata.Type), cfg, true)
	require.NoError(t, err)
	var got []string
	inSuite := 0
	for i, c := range p.evs {
		got = append(got, c.name)
		assert.Equal(t, c.name, c.ev.Name())
		assert.Equal(t, 0.25, c.threshold, c.name)
		assert.Equal(t, "periscope.eval."+c.name, c.scoreKey)
		if _, ok := safety.NewSuite(c.ev); ok {
			assert.Less(t, i, p.nSuite, "%s: the safety suite runs first", c.name)
			inSuite++
		}
	}
	// Registry order, the suite's members first (today: hallucination last).
	assert.Equal(t, inSuite, p.nSuite)
	var order []string
	for _, first := range []bool{true, false} {
		for _, name := range want {
			for _, c := range p.evs {
				if _, ok := safety.NewSuite(c.ev); c.name == name && ok == first {
					order = append(order, name)
				}
			}
		}
	}
	assert.Equal(t, order, got)
	assert.ElementsMatch(t, want, got)

	// Disabled evaluators are not built.
	p, err = newEvalProcessor(processortest.NewNopSettings(metadata.Type), createDefaultConfig().(*Config), true)
	require.NoError(t, err)
	for _, c := range p.evs {
		assert.NotEqual(t, "off_topic", c.name)
	}
}

// TestConfigMarshalRoundTrip: the evaluators' blocks are written under
// their names (print-config) and read back to the same configuration.
func TestConfigMarshalRoundTrip(t *testing.T) {
	cfg, err := loadConfig(t, "custom")
	require.NoError(t, err)
	conf := confmap.New()
	require.NoError(t, conf.Marshal(cfg))
	pii, err := conf.Sub("evaluators::pii")
	require.NoError(t, err)
	assert.Equal(t, []any{"email", "credit_card", "us_ssn", "iban"}, pii.Get("types"))
	back := createDefaultConfig().(*Config)
	require.NoError(t, conf.Unmarshal(back))
	assert.Equal(t, cfg, back)
}

// TestEmptyEvaluatorsKeepsDefaults: an empty or null evaluators key, or an
// empty block, leaves every default in place.
func TestEmptyEvaluatorsKeepsDefaults(t *testing.T) {
	for _, raw := range []map[string]any{
		{"evaluators": nil},
		{"evaluators": map[string]any{}},
		{"evaluators": map[string]any{"pii": nil, "hallucination": map[string]any{}}},
	} {
		cfg := createDefaultConfig().(*Config)
		require.NoError(t, confmap.NewFromStringMap(raw).Unmarshal(cfg))
		assert.Equal(t, createDefaultConfig(), cfg)
		require.NoError(t, cfg.Validate())
	}
	// A configuration not built from the factory says so instead of
	// running without evaluators.
	assert.ErrorContains(t, (&Config{}).Validate(), "evaluators.prompt_injection: missing")
}

// TestEveryBadKeyNamed: with several bad keys in one block, each error
// carries the block's path.
func TestEveryBadKeyNamed(t *testing.T) {
	cfg := createDefaultConfig().(*Config)
	require.NoError(t, confmap.NewFromStringMap(map[string]any{"evaluators": map[string]any{
		"hallucination": map[string]any{"threshold": 0, "max_context_bytes": 10},
	}}).Unmarshal(cfg))
	err := cfg.Validate()
	require.Error(t, err)
	assert.Contains(t, err.Error(), "evaluators.hallucination.threshold")
	assert.Contains(t, err.Error(), "evaluators.hallucination.max_context_bytes")
}

// Of several bad redact keys the error names the first by name, on every
// load (the map's iteration order is not a rule).
func TestRedactErrorNamesOneKey(t *testing.T) {
	for range 20 {
		cfg := createDefaultConfig().(*Config)
		cfg.Redact = map[string]string{"zodiac": "[Z]", "passport": "[P]", "email": "[E]", "phone": "[P]", "iban": "[I]"}
		err := cfg.Validate()
		require.Error(t, err)
		require.Contains(t, err.Error(), "redact.passport")
	}
}
