package genaipromptprocessor

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/processor/processortest"

	"github.com/periscope-otel/periscope/internal/contract"
	"github.com/periscope-otel/periscope/internal/genai"
	"github.com/periscope-otel/periscope/internal/testutil"
	"github.com/periscope-otel/periscope/processor/genaipromptprocessor/internal/metadata"
)

var hash16 = regexp.MustCompile(`^[0-9a-f]{16}$`)

func sampleFiles(t *testing.T) []string {
	dir := filepath.Join(testutil.SharedDir(t), "data", "genai-samples")
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	require.NoError(t, err)
	more, err := filepath.Glob(filepath.Join(dir, "real-clients", "*.json"))
	require.NoError(t, err)
	return append(files, more...)
}

// TestSamplesExplicitIdentity runs every dialect sample through the
// processor: spans declaring a prompt version keep it (source attribute),
// every identified call gets a 16-hex template hash, nothing is dropped.
func TestSamplesExplicitIdentity(t *testing.T) {
	declared := 0
	for _, path := range sampleFiles(t) {
		b, err := os.ReadFile(path)
		require.NoError(t, err)
		name := filepath.Base(path)
		t.Run(name, func(t *testing.T) {
			td, errT := (&ptrace.JSONUnmarshaler{}).UnmarshalTraces(b)
			if errT == nil && td.SpanCount() > 0 {
				// expected identities read independently of the processor
				type want struct{ name, version string }
				var wants []want
				rss := td.ResourceSpans()
				for i := 0; i < rss.Len(); i++ {
					for j := 0; j < rss.At(i).ScopeSpans().Len(); j++ {
						spans := rss.At(i).ScopeSpans().At(j).Spans()
						for k := 0; k < spans.Len(); k++ {
							v := genai.ReadSpan(spans.At(k), rss.At(i).Resource(), genai.Options{})
							wants = append(wants, want{v.Prompt.Name, v.Prompt.Version})
						}
					}
				}
				n := td.SpanCount()
				h := newHarness(t, defaultCfg())
				got := h.run(t, td)
				require.Len(t, got, n, "no span dropped")
				for i, w := range wants {
					if w.version != "" {
						declared++
						assert.Equal(t, w.version, got[i].version)
						assert.Equal(t, contract.VersionSourceAttribute, got[i].source)
						if w.name != "" {
							assert.Equal(t, w.name, got[i].name)
						}
					}
					if got[i].source != "" {
						assert.Regexp(t, hash16, got[i].hash)
						assert.NotEmpty(t, got[i].version)
					}
				}
			}
			ld, errL := (&plog.JSONUnmarshaler{}).UnmarshalLogs(b)
			if errL == nil && ld.LogRecordCount() > 0 {
				sink := new(consumertest.LogsSink)
				p, err := NewFactory().CreateLogs(context.Background(), processortest.NewNopSettings(metadata.Type), defaultCfg(), sink)
				require.NoError(t, err)
				require.NoError(t, p.ConsumeLogs(context.Background(), ld))
				require.Equal(t, ld.LogRecordCount(), sink.LogRecordCount())
				require.NoError(t, p.Shutdown(context.Background()))
			}
		})
	}
	assert.GreaterOrEqual(t, declared, 3, "samples declaring a prompt version")
}

// TestExplicitDialects covers the prompt keys of every dialect.
func TestExplicitDialects(t *testing.T) {
	cases := []struct {
		name        string
		attrs       map[string]any
		wantName    string
		wantVersion string
	}{
		{"semconv", map[string]any{"gen_ai.prompt.name": "triage", "gen_ai.prompt.version": "12"}, "triage", "12"},
		{"openllmetry", map[string]any{"traceloop.prompt.key": "ticket_reply", "traceloop.prompt.version": "7", "traceloop.prompt.template": "Reply to {{customer}} about {{issue}}", "traceloop.prompt.template_variables.customer": "Ingrid"}, "ticket_reply", "7"},
		{"openinference", map[string]any{"llm.prompt_template.template": "Answer using only this context:\n{context}\nQuestion: {question}", "llm.prompt_template.version": "kb-answer-v3", "llm.prompt_template.variables": `{"context":"x","question":"y"}`}, "", "kb-answer-v3"},
		{"langfuse", map[string]any{"langfuse.observation.prompt.name": "meeting-summary", "langfuse.observation.prompt.version": int64(4)}, "meeting-summary", "4"},
		{"mlflow", map[string]any{"mlflow.linkedPrompts": `[{"name":"qa-prompt","version":"3"}]`}, "qa-prompt", "3"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, defaultCfg())
			td, ss := newTraces("svc")
			chatSpan(ss, "You are terse.", "Hello there, how are you today?", tc.attrs)
			chatSpan(ss, "You are terse.", "A different question about invoices.", tc.attrs)
			got := h.run(t, td)
			require.Len(t, got, 2)
			for i, g := range got {
				assert.Equal(t, tc.wantVersion, g.version)
				assert.Equal(t, contract.VersionSourceAttribute, g.source)
				if tc.wantName != "" {
					assert.Equal(t, tc.wantName, g.name)
				} else {
					assert.NotEmpty(t, g.name, "a name is derived when none is declared")
				}
				assert.Regexp(t, hash16, g.hash)
				assert.Equal(t, i == 0, g.isNew, "only the first call of a version is new")
			}
		})
	}
}

func TestRegistry(t *testing.T) {
	cfg := defaultCfg()
	cfg.Registry = []RegistryPrompt{{
		Name: "support-summary",
		Versions: []RegistryVersion{
			{Version: "v1", Template: "Summarize the following support ticket in one sentence.\nTicket: {{ticket}}"},
			{Version: "v2", Template: "Summarize the following support ticket in one sentence. Mention the customer.\nTicket: {{ticket}}"},
		},
	}, {
		Name:     "railtrip-system",
		Versions: []RegistryVersion{{Version: "2024-06", Template: "You are Railtrip, you plan rail journeys for {{customer}}. Be brief."}},
	}}
	require.NoError(t, cfg.Validate())
	h := newHarness(t, cfg)
	td, ss := newTraces("svc")
	chatSpan(ss, "", "Summarize the following support ticket in one sentence.\nTicket: Customer 1182 cannot log in since Tuesday.", nil)
	chatSpan(ss, "", "Summarize the following support ticket in one sentence.\nTicket: Invoice #55 was charged twice.\nPlease refund.", nil)
	chatSpan(ss, "", "Summarize the following support ticket in one sentence. Mention the customer.\nTicket: The app crashes on start.", nil)
	chatSpan(ss, "You are Railtrip, you plan rail journeys for Ms. Okafor. Be brief.", "Berlin to Prague tomorrow?", nil)
	chatSpan(ss, "", "Summarize this ticket: nothing registered looks like this one", nil)
	got := h.run(t, td)
	require.Len(t, got, 5)
	assert.Equal(t, out{name: "support-summary", version: "v1", source: "registry", hash: got[0].hash, isNew: true}, got[0])
	assert.Equal(t, "v1", got[1].version)
	assert.False(t, got[1].isNew)
	assert.Equal(t, got[0].hash, got[1].hash)
	assert.Equal(t, "v2", got[2].version, "the more specific template wins")
	assert.NotEqual(t, got[0].hash, got[2].hash)
	assert.Equal(t, "railtrip-system", got[3].name)
	assert.Equal(t, "2024-06", got[3].version)
	assert.Equal(t, contract.VersionSourceInferred, got[4].source)
}

func TestRealClientsStableVersions(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(testutil.SharedDir(t), "data", "genai-samples", "real-clients", "openllmetry-traces.json"))
	require.NoError(t, err)
	td, err := (&ptrace.JSONUnmarshaler{}).UnmarshalTraces(b)
	require.NoError(t, err)
	// the user turn of each span, to find the template renderings
	var users []string
	rss := td.ResourceSpans()
	for i := 0; i < rss.Len(); i++ {
		for j := 0; j < rss.At(i).ScopeSpans().Len(); j++ {
			spans := rss.At(i).ScopeSpans().At(j).Spans()
			for k := 0; k < spans.Len(); k++ {
				v := genai.ReadSpan(spans.At(k), rss.At(i).Resource(), genai.Options{Content: true})
				users = append(users, v.LastUserText())
			}
		}
	}
	h := newHarness(t, defaultCfg())
	got := h.run(t, td)
	require.Len(t, got, len(users))
	var rendered, edited []out
	for i, u := range users {
		switch {
		case strings.HasPrefix(u, "Summarize the following support ticket"):
			rendered = append(rendered, got[i])
		case strings.HasPrefix(u, "You are a support lead."):
			edited = append(edited, got[i])
		}
	}
	require.Len(t, rendered, 3)
	require.NotEmpty(t, edited)
	for _, r := range rendered {
		assert.Equal(t, contract.VersionSourceInferred, r.source)
		assert.Equal(t, rendered[0].version, r.version, "renderings of one template share a version")
		assert.Equal(t, rendered[0].hash, r.hash)
	}
	assert.True(t, rendered[0].isNew)
	assert.False(t, rendered[1].isNew)
	assert.NotEqual(t, rendered[0].hash, edited[0].hash)
}
