package genaimetricsconnector

import (
	"errors"
	"fmt"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/configopaque"
	"go.opentelemetry.io/collector/confmap"

	"github.com/periscope-otel/periscope/internal/contract"
	"github.com/periscope-otel/periscope/internal/genai"
)

// Config is the configuration of the genai_metrics connector.
type Config struct {
	// Conditions optionally limits which spans / log records are read (OTTL, OR-ed).
	Conditions []string `mapstructure:"conditions"`
	// LogConditions optionally limits which log records are read (OTTL log
	// conditions, OR-ed).
	LogConditions []string `mapstructure:"log_conditions"`
	// Dimensions are extra dimensions added to every metric.
	Dimensions []DimensionConfig `mapstructure:"dimensions"`
	// ResourceAttributes are copied from the input resource to the output
	// resource (and split series). Never "everything".
	ResourceAttributes []string `mapstructure:"resource_attributes"`
	// AggregationTemporality is cumulative (default) or delta.
	AggregationTemporality string `mapstructure:"aggregation_temporality"`
	// FlushInterval is how often metrics are emitted.
	FlushInterval time.Duration `mapstructure:"flush_interval"`
	// MaxCardinality caps the data point series of each metric; beyond it
	// points go to one overflow series marked otel.metric.overflow=true.
	MaxCardinality int `mapstructure:"max_cardinality"`
	// MaxDimensionValueLength truncates dimension values (bytes).
	MaxDimensionValueLength int `mapstructure:"max_dimension_value_length"`
	// Exemplars on histogram points.
	Exemplars ExemplarsConfig `mapstructure:"exemplars"`
	// FailThreshold decides failure for risk scores (1 = bad) that carry no
	// label and are not listed in periscope.eval.failed: score >= threshold.
	// It applies to Periscope's evaluators, periscope.eval.<name> attributes
	// and RiskEvaluators; other tools' scores need a label.
	FailThreshold float64 `mapstructure:"fail_threshold"`
	// RiskEvaluators are further evaluator names whose scores are risk
	// scores in [0,1].
	RiskEvaluators []string `mapstructure:"risk_evaluators"`
	// FailLabels / PassLabels extend the labels read as fail / pass
	// (case-insensitive) beyond the built-in lists.
	FailLabels []string `mapstructure:"fail_labels"`
	PassLabels []string `mapstructure:"pass_labels"`
	// Storage is the id of a storage extension (file_storage) persisting
	// drift and regression state; empty keeps it in memory.
	Storage *component.ID `mapstructure:"storage"`
	// Drift configures periscope.drift.score.
	Drift DriftConfig `mapstructure:"drift"`
	// Regression configures periscope.quality.regression.
	Regression RegressionConfig `mapstructure:"regression"`
	// Users configures periscope.user.cost.top.
	Users UsersConfig `mapstructure:"users"`

	_ struct{}
}

// UsersConfig configures the per-user cost heavy hitters
// (periscope.user.cost.top): the top_k users by cost, their ids hashed.
type UsersConfig struct {
	Enabled bool `mapstructure:"enabled"`
	// TopK is the number of users tracked and emitted (Space-Saving).
	TopK int `mapstructure:"top_k"`
	// Salt keys the hash (HMAC-SHA256) of user ids. Empty: a random salt
	// per process (labels change at restart and differ between replicas).
	Salt configopaque.String `mapstructure:"salt"`
	// Attributes are the span attributes read as the user id, in priority
	// order.
	Attributes []string `mapstructure:"attributes"`

	_ struct{}
}

// maxTopK bounds users.top_k.
const maxTopK = 1000

// defaultUserAttributes are the user keys of every dialect, in the
// reader's priority order (genai.UserKeys: OpenTelemetry, OpenInference,
// Langfuse, OpenLLMetry association properties, Vercel AI SDK metadata, the
// OpenAI user parameter).
var defaultUserAttributes = genai.UserKeys()

// DimensionConfig is one extra dimension.
type DimensionConfig struct {
	// Name is the attribute key read and the dimension name written.
	Name string `mapstructure:"name"`
	// Source is where the attribute is read: span (default; log record for
	// logs), resource or scope.
	Source string `mapstructure:"source"`
	// Default is used when the attribute is missing; empty omits the dimension.
	Default string `mapstructure:"default"`

	_ struct{}
}

// ExemplarsConfig controls exemplars on histograms.
type ExemplarsConfig struct {
	Enabled bool `mapstructure:"enabled"`
	// MaxPerDataPoint bounds the exemplars kept per point per flush.
	MaxPerDataPoint int `mapstructure:"max_per_data_point"`

	_ struct{}
}

// DriftConfig configures drift detection.
type DriftConfig struct {
	Enabled bool `mapstructure:"enabled"`
	// KeyDimensions form the drift series key.
	KeyDimensions []string `mapstructure:"key_dimensions"`
	// Window is the tumbling, clock-aligned current window; tests run at close.
	Window time.Duration `mapstructure:"window"`
	// MinCount is the minimum current-window size before a score is emitted;
	// a smaller window carries over, up to MaxWindowSpan.
	MinCount int `mapstructure:"min_count"`
	// MaxWindowSpan bounds how long a small window carries over.
	MaxWindowSpan time.Duration `mapstructure:"max_window_span"`
	// Baseline is pinned (default) or trailing.
	Baseline string `mapstructure:"baseline"`
	// BaselineMinCount / BaselineMinSpan: a pinned baseline grows until both
	// hold, then freezes; no score before BaselineMinCount.
	BaselineMinCount int           `mapstructure:"baseline_min_count"`
	BaselineMinSpan  time.Duration `mapstructure:"baseline_min_span"`
	// TrailingDecay is λ of the trailing baseline: b <- (1-λ)·b + current.
	TrailingDecay float64 `mapstructure:"trailing_decay"`
	// PSIFloor and TopicPSIFloor are τ of the n-aware rule.
	PSIFloor      float64 `mapstructure:"psi_floor"`
	TopicPSIFloor float64 `mapstructure:"topic_psi_floor"`
	// Alpha is the per-window false-positive level of the n-aware rule.
	Alpha float64 `mapstructure:"alpha"`
	// MaxSeries caps the tracked series (LRU); SeriesTTL expires idle ones.
	MaxSeries int           `mapstructure:"max_series"`
	SeriesTTL time.Duration `mapstructure:"series_ttl"`
	// Content enables the text signals (output script mix, topic
	// signature, refusal); content read is bounded by the byte caps.
	Content bool `mapstructure:"content"`
	// ContentSampleRatio is the share of calls (chosen by trace id) whose
	// content is read for the text signals; the rest are read metadata-only.
	ContentSampleRatio float64 `mapstructure:"content_sample_ratio"`
	// MaxContentBytes is the per-span content budget of the reader when
	// Content is on.
	MaxContentBytes int `mapstructure:"max_content_bytes"`
	// TopicBytes / ScriptBytes bound the text read per request.
	TopicBytes  int `mapstructure:"topic_bytes"`
	ScriptBytes int `mapstructure:"script_bytes"`

	_ struct{}
}

// RegressionConfig configures the failure-rate regression test.
type RegressionConfig struct {
	Enabled bool `mapstructure:"enabled"`
	// Confidence of the one-sided test (alpha = 1 - confidence).
	Confidence float64 `mapstructure:"confidence"`
	// MinEffect is the minimum absolute rise of the failure rate.
	MinEffect float64 `mapstructure:"min_effect"`
	// RaiseAfter consecutive significant closes raise the gauge; ClearAfter
	// consecutive non-significant closes clear it.
	RaiseAfter int `mapstructure:"raise_after"`
	ClearAfter int `mapstructure:"clear_after"`
	// MinCount is the minimum number of evaluations on each side.
	MinCount int `mapstructure:"min_count"`

	_ struct{}
}

const (
	temporalityCumulative = "cumulative"
	temporalityDelta      = "delta"
	baselinePinned        = "pinned"
	baselineTrailing      = "trailing"
	sourceSpan            = "span"
	sourceResource        = "resource"
	sourceScope           = "scope"
)

func createDefaultConfig() component.Config {
	return &Config{
		ResourceAttributes:      []string{"service.name"},
		AggregationTemporality:  temporalityCumulative,
		FlushInterval:           15 * time.Second,
		MaxCardinality:          5000,
		MaxDimensionValueLength: 256,
		Exemplars:               ExemplarsConfig{Enabled: true, MaxPerDataPoint: 4},
		FailThreshold:           0.5,
		Drift: DriftConfig{
			Enabled: true,
			KeyDimensions: []string{
				"service.name", contract.AttrPromptName, contract.AttrPromptVersion, "gen_ai.request.model",
			},
			Window:             time.Hour,
			MinCount:           200,
			MaxWindowSpan:      24 * time.Hour,
			Baseline:           baselinePinned,
			BaselineMinCount:   1000,
			BaselineMinSpan:    24 * time.Hour,
			TrailingDecay:      1.0 / 24,
			PSIFloor:           0.1,
			TopicPSIFloor:      0.02,
			Alpha:              0.001,
			MaxSeries:          10000,
			SeriesTTL:          7 * 24 * time.Hour,
			Content:            true,
			MaxContentBytes:    16 << 10,
			ContentSampleRatio: 0.25,
			TopicBytes:         512,
			ScriptBytes:        256,
		},
		Regression: RegressionConfig{
			Enabled:    true,
			Confidence: 0.999,
			MinEffect:  0.01,
			RaiseAfter: 2,
			ClearAfter: 3,
			MinCount:   100,
		},
		Users: UsersConfig{
			Enabled:    true,
			TopK:       10,
			Attributes: append([]string(nil), defaultUserAttributes...),
		},
	}
}

var _ confmap.Validator = (*Config)(nil)

// Validate checks the configuration; each error names its key.
func (c *Config) Validate() error {
	var errs []error
	bad := func(key string, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", key, fmt.Sprintf(format, args...)))
	}
	switch c.AggregationTemporality {
	case temporalityCumulative, temporalityDelta:
	default:
		bad("aggregation_temporality", "must be cumulative or delta, got %q", c.AggregationTemporality)
	}
	if c.FlushInterval <= 0 {
		bad("flush_interval", "must be positive")
	}
	if c.MaxCardinality < 1 {
		bad("max_cardinality", "must be at least 1")
	}
	if c.MaxDimensionValueLength < 8 {
		bad("max_dimension_value_length", "must be at least 8")
	}
	if c.Exemplars.MaxPerDataPoint < 0 {
		bad("exemplars.max_per_data_point", "must not be negative")
	}
	if c.FailThreshold <= 0 || c.FailThreshold > 1 {
		bad("fail_threshold", "must be in (0,1]")
	}
	seen := map[string]bool{}
	for i, d := range c.Dimensions {
		if d.Name == "" {
			bad(fmt.Sprintf("dimensions[%d].name", i), "must not be empty")
		}
		if seen[d.Name] || isBuiltinDimension(d.Name) {
			bad(fmt.Sprintf("dimensions[%d].name", i), "%q is duplicated or built in", d.Name)
		}
		seen[d.Name] = true
		switch d.Source {
		case "", sourceSpan, sourceResource, sourceScope:
		default:
			bad(fmt.Sprintf("dimensions[%d].source", i), "must be span, resource or scope, got %q", d.Source)
		}
	}
	for i, a := range c.ResourceAttributes {
		if a == "" {
			bad(fmt.Sprintf("resource_attributes[%d]", i), "must not be empty")
		}
	}
	d := c.Drift
	if d.Enabled {
		if len(d.KeyDimensions) == 0 {
			bad("drift.key_dimensions", "must not be empty")
		}
		for i, k := range d.KeyDimensions {
			if !isBuiltinDimension(k) && !seen[k] {
				bad(fmt.Sprintf("drift.key_dimensions[%d]", i), "%q is not a metric dimension", k)
			}
		}
		if d.Window < time.Second {
			bad("drift.window", "must be at least 1s")
		}
		if d.MaxWindowSpan < d.Window {
			bad("drift.max_window_span", "must be at least drift.window")
		}
		if d.MinCount < 10 {
			bad("drift.min_count", "must be at least 10")
		}
		if d.BaselineMinCount < d.MinCount {
			bad("drift.baseline_min_count", "must be at least drift.min_count")
		}
		if d.BaselineMinSpan < 0 {
			bad("drift.baseline_min_span", "must not be negative")
		}
		switch d.Baseline {
		case baselinePinned, baselineTrailing:
		default:
			bad("drift.baseline", "must be pinned or trailing, got %q", d.Baseline)
		}
		if d.TrailingDecay <= 0 || d.TrailingDecay > 1 {
			bad("drift.trailing_decay", "must be in (0,1]")
		}
		if d.PSIFloor < 0 {
			bad("drift.psi_floor", "must not be negative")
		}
		if d.TopicPSIFloor < 0 {
			bad("drift.topic_psi_floor", "must not be negative")
		}
		if d.Alpha <= 0 || d.Alpha >= 0.5 {
			bad("drift.alpha", "must be in (0,0.5)")
		}
		if d.MaxSeries < 1 {
			bad("drift.max_series", "must be at least 1")
		}
		if d.SeriesTTL < d.Window {
			bad("drift.series_ttl", "must be at least drift.window")
		}
		if d.ContentSampleRatio < 0 || d.ContentSampleRatio > 1 {
			bad("drift.content_sample_ratio", "must be in [0,1]")
		}
		if d.MaxContentBytes < 0 {
			bad("drift.max_content_bytes", "must not be negative")
		}
		if d.TopicBytes < 0 || d.TopicBytes > 1<<16 {
			bad("drift.topic_bytes", "must be in [0,65536]")
		}
		if d.ScriptBytes < 0 || d.ScriptBytes > 1<<16 {
			bad("drift.script_bytes", "must be in [0,65536]")
		}
	}
	r := c.Regression
	if r.Enabled {
		if !d.Enabled {
			bad("regression.enabled", "needs drift.enabled (windows and series are shared)")
		}
		if r.Confidence < 0.5 || r.Confidence >= 1 {
			bad("regression.confidence", "must be in [0.5,1)")
		}
		if r.MinEffect < 0 || r.MinEffect >= 1 {
			bad("regression.min_effect", "must be in [0,1)")
		}
		if r.RaiseAfter < 1 {
			bad("regression.raise_after", "must be at least 1")
		}
		if r.ClearAfter < 1 {
			bad("regression.clear_after", "must be at least 1")
		}
		if r.MinCount < 1 {
			bad("regression.min_count", "must be at least 1")
		}
	}
	u := c.Users
	if u.Enabled {
		if u.TopK < 1 || u.TopK > maxTopK {
			bad("users.top_k", "must be in [1,%d], got %d", maxTopK, u.TopK)
		}
		if len(u.Attributes) == 0 {
			bad("users.attributes", "must not be empty")
		}
		for i, a := range u.Attributes {
			if a == "" {
				bad(fmt.Sprintf("users.attributes[%d]", i), "must not be empty")
			}
		}
	}
	return errors.Join(errs...)
}

var builtinDimensions = []string{
	"service.name", "gen_ai.operation.name", "gen_ai.provider.name", "gen_ai.request.model",
	contract.AttrPromptName, contract.AttrPromptVersion,
}

func isBuiltinDimension(name string) bool {
	for _, b := range builtinDimensions {
		if b == name {
			return true
		}
	}
	return false
}
