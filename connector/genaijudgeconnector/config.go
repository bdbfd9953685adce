package genaijudgeconnector

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"go.opentelemetry.io/collector/config/configopaque"
	"go.opentelemetry.io/collector/config/configtls"

	"github.com/periscope-otel/periscope/internal/eval/evaluators"
)

// Built-in rubrics.
const (
	RubricRelevance    = "relevance"
	RubricFaithfulness = "faithfulness"
	RubricCorrectness  = "correctness"
	RubricSafety       = "safety"
)

// Parts of a call a rubric may include in the judge prompt.
const (
	PartInput   = "input"
	PartOutput  = "output"
	PartContext = "context"
	PartSystem  = "system"
)

// Config of the genai_judge connector.
type Config struct {
	// Endpoint is the base URL of an OpenAI-compatible API (".../v1");
	// "/chat/completions" is appended unless the URL already ends with it.
	Endpoint string `mapstructure:"endpoint"`
	// Model is the judge model sent in each request.
	Model string `mapstructure:"model"`
	// Provider is the judge's gen_ai.provider.name (openai, anthropic, ...),
	// used to price its calls from the catalog; empty: taken from a
	// well-known endpoint host, else the model is matched under any provider.
	Provider string `mapstructure:"provider"`
	// APIKey is sent as "Authorization: Bearer <key>"; use ${env:...}.
	APIKey configopaque.String `mapstructure:"api_key"`
	// Headers are added to every judge request.
	Headers map[string]configopaque.String `mapstructure:"headers"`
	// TLS configures the client side of https endpoints (CA, client
	// certificate, insecure_skip_verify, ...).
	TLS configtls.ClientConfig `mapstructure:"tls"`
	// Timeout bounds one judge request (each retry has its own).
	Timeout time.Duration `mapstructure:"timeout"`
	// Rubrics lists the built-in rubrics to judge: relevance, faithfulness,
	// correctness, safety.
	Rubrics []string `mapstructure:"rubrics"`
	// CustomRubrics are judged in addition to Rubrics.
	CustomRubrics []CustomRubric `mapstructure:"custom_rubrics"`
	// Select decides which calls are sent to the judge, per rubric.
	Select SelectConfig `mapstructure:"select"`
	// Budget caps the judge's use.
	Budget BudgetConfig `mapstructure:"budget"`
	// Price of the judge model in USD per million tokens. When set it
	// overrides the catalog (genai_cost's engine) for every judge call;
	// unset, calls are priced from the catalog by provider and model.
	Price *PriceConfig `mapstructure:"price"`
	// Redact masks PII and secrets in the quoted content before it is sent
	// to the judge (default true).
	Redact bool `mapstructure:"redact"`
	// Concurrency is the number of judge requests in flight.
	Concurrency int `mapstructure:"concurrency"`
	// QueueSize bounds the calls waiting for the judge; when full the
	// oldest is dropped (and counted).
	QueueSize int `mapstructure:"queue_size"`
	// Retries is the number of retries of a request that failed with 429,
	// 5xx, a timeout or a network error.
	Retries int `mapstructure:"retries"`
	// RetryBackoff is the first retry's wait; it doubles with each retry.
	RetryBackoff time.Duration `mapstructure:"retry_backoff"`
	// Breaker opens after consecutive failed judgements.
	Breaker BreakerConfig `mapstructure:"breaker"`
	// MaxContentBytes bounds each part of the call quoted to the judge.
	MaxContentBytes int `mapstructure:"max_content_bytes"`
	// MaxExplanationChars truncates the judge's reason in results.
	MaxExplanationChars int `mapstructure:"max_explanation_chars"`
	// ShutdownTimeout bounds how long Shutdown drains the queue.
	ShutdownTimeout time.Duration `mapstructure:"shutdown_timeout"`
}

// CustomRubric is a user-defined judge rubric.
type CustomRubric struct {
	// Name is the gen_ai.evaluation.name of the results.
	Name string `mapstructure:"name"`
	// Instruction tells the judge what fails the rubric.
	Instruction string `mapstructure:"instruction"`
	// Include lists the parts of the call quoted: input, output, context, system.
	Include []string `mapstructure:"include"`
	// Evaluators are the heuristic evaluators whose failures and uncertain
	// scores select calls for this rubric (empty: sample only).
	Evaluators []string `mapstructure:"evaluators"`
}

// SelectConfig decides which calls are judged, per rubric.
type SelectConfig struct {
	// Failed selects calls that failed one of the rubric's heuristic evaluators.
	Failed bool `mapstructure:"failed"`
	// UncertainBand selects calls whose heuristic score lies within this
	// distance of the evaluator's threshold (0 disables).
	UncertainBand float64 `mapstructure:"uncertain_band"`
	// SampleRatio selects this share of all other calls, deterministically
	// by trace id (a calibration sample).
	SampleRatio float64 `mapstructure:"sample_ratio"`
	// Threshold is the heuristic threshold assumed for the uncertain band
	// (genai_eval's default is 0.5); Thresholds overrides it per evaluator.
	Threshold  float64            `mapstructure:"threshold"`
	Thresholds map[string]float64 `mapstructure:"thresholds"`
	// Conditions are OTTL conditions (OR-ed) scoping the spans (traces) or
	// log records (logs) considered; empty selects all.
	Conditions []string `mapstructure:"conditions"`
}

// BudgetConfig caps the judge's use. Zero disables a cap.
type BudgetConfig struct {
	MaxCallsPerMinute int     `mapstructure:"max_calls_per_minute"`
	MaxUSDPerHour     float64 `mapstructure:"max_usd_per_hour"`
}

// PriceConfig prices judge calls (USD per million tokens).
type PriceConfig struct {
	InputPerMTok  float64 `mapstructure:"input_per_mtok"`
	OutputPerMTok float64 `mapstructure:"output_per_mtok"`
}

// BreakerConfig configures the circuit breaker.
type BreakerConfig struct {
	// Failures is the number of consecutive failed judgements that opens
	// the circuit (0 disables the breaker).
	Failures int `mapstructure:"failures"`
	// Cooldown is how long the circuit stays open before one trial call.
	Cooldown time.Duration `mapstructure:"cooldown"`
}

func createDefaultConfig() *Config {
	return &Config{
		TLS:     configtls.NewDefaultClientConfig(),
		Timeout: 30 * time.Second,
		Rubrics: []string{RubricRelevance, RubricFaithfulness},
		Select: SelectConfig{
			Failed:        true,
			UncertainBand: 0.1,
			SampleRatio:   0.01,
			Threshold:     0.5,
		},
		Budget:              BudgetConfig{MaxCallsPerMinute: 60},
		Redact:              true,
		Concurrency:         4,
		QueueSize:           1000,
		Retries:             3,
		RetryBackoff:        500 * time.Millisecond,
		Breaker:             BreakerConfig{Failures: 5, Cooldown: 30 * time.Second},
		MaxContentBytes:     16 << 10,
		MaxExplanationChars: 512,
		ShutdownTimeout:     5 * time.Second,
	}
}

var builtinRubrics = map[string]bool{RubricRelevance: true, RubricFaithfulness: true, RubricCorrectness: true, RubricSafety: true}

var validParts = map[string]bool{PartInput: true, PartOutput: true, PartContext: true, PartSystem: true}

// Validate checks the configuration and names the bad key.
func (c *Config) Validate() error {
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	if c.Endpoint == "" {
		bad("endpoint: required")
	} else if u, err := url.Parse(c.Endpoint); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		bad("endpoint: %q is not an http(s) URL", c.Endpoint)
	}
	if err := c.TLS.Validate(); err != nil {
		bad("tls: %w", err)
	}
	if c.Model == "" {
		bad("model: required")
	}
	if c.Timeout <= 0 {
		bad("timeout: must be > 0, got %v", c.Timeout)
	}
	seen := map[string]bool{}
	for i, r := range c.Rubrics {
		if !builtinRubrics[r] {
			bad("rubrics[%d]: unknown rubric %q (built-in: relevance, faithfulness, correctness, safety; define others under custom_rubrics)", i, r)
		}
		if seen[r] {
			bad("rubrics[%d]: %q listed twice", i, r)
		}
		seen[r] = true
	}
	for i, cr := range c.CustomRubrics {
		switch {
		case strings.TrimSpace(cr.Name) == "":
			bad("custom_rubrics[%d].name: required", i)
		case builtinRubrics[cr.Name] || seen[cr.Name]:
			bad("custom_rubrics[%d].name: %q is already a rubric", i, cr.Name)
		}
		seen[cr.Name] = true
		if strings.TrimSpace(cr.Instruction) == "" {
			bad("custom_rubrics[%d].instruction: required", i)
		}
		if len(cr.Include) == 0 {
			bad("custom_rubrics[%d].include: list at least one of input, output, context, system", i)
		}
		for j, p := range cr.Include {
			if !validParts[p] {
				bad("custom_rubrics[%d].include[%d]: unknown part %q (input, output, context, system)", i, j, p)
			}
		}
	}
	if len(seen) == 0 {
		bad("rubrics: at least one rubric (or custom_rubrics) is required")
	}
	s := c.Select
	if s.UncertainBand < 0 || s.UncertainBand > 1 {
		bad("select.uncertain_band: must be in [0,1], got %v", s.UncertainBand)
	}
	if s.SampleRatio < 0 || s.SampleRatio > 1 {
		bad("select.sample_ratio: must be in [0,1], got %v", s.SampleRatio)
	}
	if s.Threshold < 0 || s.Threshold > 1 {
		bad("select.threshold: must be in [0,1], got %v", s.Threshold)
	}
	for k, v := range s.Thresholds {
		if v < 0 || v > 1 {
			bad("select.thresholds.%s: must be in [0,1], got %v", k, v)
		}
	}
	if !s.Failed && s.UncertainBand == 0 && s.SampleRatio == 0 {
		bad("select: nothing would be judged (failed: false, uncertain_band: 0, sample_ratio: 0)")
	}
	if c.Budget.MaxCallsPerMinute < 0 {
		bad("budget.max_calls_per_minute: must be >= 0 (0 = unlimited), got %d", c.Budget.MaxCallsPerMinute)
	}
	if c.Budget.MaxUSDPerHour < 0 {
		bad("budget.max_usd_per_hour: must be >= 0 (0 = unlimited), got %v", c.Budget.MaxUSDPerHour)
	}
	if c.Price != nil && (c.Price.InputPerMTok < 0 || c.Price.OutputPerMTok < 0) {
		bad("price: per-million-token prices must be >= 0")
	}
	if c.Concurrency < 1 {
		bad("concurrency: must be >= 1, got %d", c.Concurrency)
	}
	if c.QueueSize < 1 {
		bad("queue_size: must be >= 1, got %d", c.QueueSize)
	}
	if c.Retries < 0 {
		bad("retries: must be >= 0, got %d", c.Retries)
	}
	if c.RetryBackoff < 0 {
		bad("retry_backoff: must be >= 0, got %v", c.RetryBackoff)
	}
	if c.Breaker.Failures < 0 {
		bad("breaker.failures: must be >= 0, got %d", c.Breaker.Failures)
	}
	if c.Breaker.Failures > 0 && c.Breaker.Cooldown <= 0 {
		bad("breaker.cooldown: must be > 0, got %v", c.Breaker.Cooldown)
	}
	if c.MaxContentBytes < 256 {
		bad("max_content_bytes: must be >= 256, got %d", c.MaxContentBytes)
	}
	if c.MaxExplanationChars < 0 {
		bad("max_explanation_chars: must be >= 0, got %d", c.MaxExplanationChars)
	}
	if c.ShutdownTimeout < 0 {
		bad("shutdown_timeout: must be >= 0, got %v", c.ShutdownTimeout)
	}
	return errors.Join(errs...)
}

// threshold returns the heuristic threshold of an evaluator.
func (s *SelectConfig) threshold(evaluator string) float64 {
	if t, ok := s.Thresholds[evaluator]; ok {
		return t
	}
	return s.Threshold
}

// defaultEvaluators maps the built-in rubrics to the heuristic evaluators
// of genai_eval whose results select calls for them: each evaluator's
// registry entry (internal/eval/evaluators) names its rubrics.
var defaultEvaluators = evaluators.ByRubric()
