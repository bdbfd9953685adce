//go:build e2e

package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// scenarioFile is scenarios.json, shared with the Node.js driver.
type scenarioFile struct {
	System    string     `json:"system"`
	Scenarios []scenario `json:"scenarios"`
}

type scenario struct {
	ID       string `json:"id"`
	Kind     string `json:"kind"` // chat, stream, embeddings
	Model    string `json:"model"`
	Context  string `json:"context"`
	NoSystem bool   `json:"no_system"`
	User     string `json:"user"`
	Reply    string `json:"reply"`
	Usage    struct {
		Prompt    int64 `json:"prompt_tokens"`
		Output    int64 `json:"completion_tokens"`
		Cached    int64 `json:"cached_tokens"`
		Reasoning int64 `json:"reasoning_tokens"`
	} `json:"usage"`
	Expect struct {
		Clean    bool     `json:"clean"`
		Fail     []string `json:"fail"`
		Unpriced string   `json:"unpriced"`
		Template string   `json:"template"`
	} `json:"expect"`
}

func loadScenarios(t *testing.T, dir string) scenarioFile {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "scenarios.json"))
	if err != nil {
		t.Fatal(err)
	}
	var f scenarioFile
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatalf("scenarios.json: %v", err)
	}
	return f
}

func (f scenarioFile) byID() map[string]scenario {
	m := make(map[string]scenario, len(f.Scenarios))
	for _, s := range f.Scenarios {
		m[s.ID] = s
	}
	return m
}

// listPrice is a public OpenAI list price in USD per million tokens.
type listPrice struct{ input, cachedInput, output float64 }

// Public list prices (openai.com/api/pricing) of the models the scenarios use.
// The test prices each call itself from these, independently of Periscope's
// catalog, so a wrong catalog entry or formula shows up as a cost mismatch.
var listPrices = map[string]listPrice{
	"gpt-4o-mini":            {input: 0.15, cachedInput: 0.075, output: 0.60},
	"gpt-4o":                 {input: 2.50, cachedInput: 1.25, output: 10.00},
	"o3-mini":                {input: 1.10, cachedInput: 0.55, output: 4.40},
	"text-embedding-3-small": {input: 0.02, cachedInput: 0.02, output: 0},
}

// familyCaps says what each instrumentation reports, measured on its output:
// the expected cost is what the call costs given the usage the span carries.
// A library that omits cached-token details gets the call priced at the full
// input rate; one that emits no usage gets periscope.cost.unpriced=missing_usage.
type familyCaps struct {
	reportsCached       bool
	embeddingsSpan      bool // emits a span for embeddings calls at all
	embeddingsUsage     bool // that span carries token counts
	streamUsage         bool // a streamed call's span carries the final usage chunk's counts
	contentOnLogRecords bool // message content arrives as log records, not on spans
}

var families = map[string]familyCaps{
	"otel":          {reportsCached: false, embeddingsSpan: true, embeddingsUsage: true, streamUsage: true, contentOnLogRecords: true},
	"traceloop":     {reportsCached: false, embeddingsSpan: false, streamUsage: false},
	"openinference": {reportsCached: true, embeddingsSpan: true, embeddingsUsage: false, streamUsage: false},
	"vercel":        {reportsCached: true, embeddingsSpan: true, embeddingsUsage: true, streamUsage: true},
}

var familyOrder = []string{"otel", "traceloop", "openinference", "vercel"}

// expectedCost is the USD cost of a scenario's call for a family, or ok=false
// when the call cannot be priced (unknown model or no usage reported).
func expectedCost(s scenario, caps familyCaps) (usd float64, ok bool) {
	p, known := listPrices[s.Model]
	if !known {
		return 0, false
	}
	if (s.Kind == "embeddings" && !caps.embeddingsUsage) || (s.Kind == "stream" && !caps.streamUsage) {
		return 0, false
	}
	cached := s.Usage.Cached
	if !caps.reportsCached {
		cached = 0
	}
	// OpenAI convention: prompt_tokens include the cached ones, completion
	// tokens include reasoning (billed at the output rate).
	usd = (float64(s.Usage.Prompt-cached)*p.input + float64(cached)*p.cachedInput + float64(s.Usage.Output)*p.output) / 1e6
	return usd, true
}

func approxEqual(a, b float64) bool {
	d := a - b
	if d < 0 {
		d = -d
	}
	scale := b
	if scale < 0 {
		scale = -scale
	}
	return d <= 1e-12+1e-9*scale
}

func fmtUSD(v float64) string { return fmt.Sprintf("$%.9f", v) }
