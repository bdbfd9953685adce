package genaipromptprocessor

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/processor/processortest"

	"github.com/periscope-otel/periscope/internal/genai"
	"github.com/periscope-otel/periscope/internal/testutil"
	"github.com/periscope-otel/periscope/internal/traffic"
	"github.com/periscope-otel/periscope/processor/genaipromptprocessor/internal/metadata"
)

// A call whose metadata read declares a version or a template gets the same
// identity and attributes as from its content read: genai_prompt reads such
// calls without content. Checked on every sample span, the bench traffic
// and calls declaring each kind of identity, with the template written out.
func TestDeclaredIdentityNeedsNoContent(t *testing.T) {
	var spans []ptrace.ResourceSpans
	tpls, err := traffic.LoadTemplates([]string{filepath.Join(testutil.SharedDir(t), "data", "genai-samples")})
	require.NoError(t, err)
	for _, rs := range traffic.NewGenerator(tpls, 512).Batch(0, 3*len(tpls)).ResourceSpans().All() {
		spans = append(spans, rs)
	}
	td, ss := newTraces("svc")
	for _, extra := range []map[string]any{
		{"gen_ai.prompt.name": "ticket", "gen_ai.prompt.version": "3"},
		{"traceloop.prompt.template": "Summarize {{ticket}} for {{team}}.", "traceloop.prompt.key": "summ"},
		{"llm.prompt_template.template": "Answer {question}", "llm.prompt_template.version": "v2"},
		{"langfuse.prompt.version": "7", "langfuse.prompt.name": "triage"},
		{"traceloop.prompt.version": "", "traceloop.prompt.version_name": ""}, // declares nothing after all
	} {
		chatSpan(ss, "You are a support assistant.", "Summarize the ticket: printer on fire.", extra)
	}
	for _, rs := range td.ResourceSpans().All() {
		spans = append(spans, rs)
	}
	cfg := defaultCfg()
	cfg.EmitTemplate = true
	newP := func() *promptProcessor {
		p, err := newPromptProcessor(processortest.NewNopSettings(metadata.Type), cfg, "traces")
		require.NoError(t, err)
		return p
	}
	fromMeta, fromContent := newP(), newP()
	declared := 0
	for _, rs := range spans {
		for _, span := range rs.ScopeSpans().At(0).Spans().All() {
			meta := genai.ReadSpan(span, rs.Resource(), fromMeta.metaOpts)
			if meta.Prompt.Version == "" && meta.Prompt.Template == "" {
				continue
			}
			require.True(t, genai.MayDeclarePromptIdentity(span), "a declared identity the key check misses: %s", span.Name())
			declared++
			full := genai.ReadSpan(span, rs.Resource(), fromContent.opts)
			a, b := ptrace.NewSpan(), ptrace.NewSpan()
			span.CopyTo(a)
			span.CopyTo(b)
			var sa, sb batchStats
			ida, wa := fromMeta.apply(&sa, &meta, "svc", a.Attributes())
			idb, wb := fromContent.apply(&sb, &full, "svc", b.Attributes())
			require.Equal(t, wb, wa, span.Name())
			require.Equal(t, idb, ida, span.Name())
			require.Equal(t, b.Attributes().AsRaw(), a.Attributes().AsRaw(), span.Name())
		}
	}
	t.Logf("%d calls declare an identity", declared)
	require.GreaterOrEqual(t, declared, 4)
}
