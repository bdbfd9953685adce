package genaicostprocessor

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/periscope-otel/periscope/internal/contract"
)

// TestPrecedence: tenant models > models > later tables > earlier tables >
// embedded catalog, and an exact key in a lower layer beats a normalized
// spelling in a higher one.
func TestPrecedence(t *testing.T) {
	dir := t.TempDir()
	early := filepath.Join(dir, "early.yaml")
	late := filepath.Join(dir, "late.yaml")
	require.NoError(t, os.WriteFile(early, []byte("openai:\n  - {name: gpt-4o, in: 1, out: 1}\n  - {name: gpt-4o-mini, in: 1, out: 1}\n"), 0o600))
	require.NoError(t, os.WriteFile(late, []byte("openai:\n  - {name: gpt-4o, in: 2, out: 2}\n"), 0o600))

	price := func(cfg *Config, tc costCase) map[string]any {
		return priceOne(t, cfg, caseSpan(tc)).AsRaw()
	}
	base := costCase{provider: "openai", req: "gpt-4o", in: 1_000_000, out: 0}

	cfg := createDefaultConfig()
	assert.Equal(t, 2.5, price(cfg, base)[contract.AttrCost], "embedded")

	cfg.Tables = []TableConfig{{Path: early, Format: FormatPeriscope}}
	assert.Equal(t, 1.0, price(cfg, base)[contract.AttrCost], "a table beats the embedded catalog")

	cfg.Tables = []TableConfig{{Path: early, Format: FormatPeriscope}, {Path: late, Format: FormatPeriscope}}
	assert.Equal(t, 2.0, price(cfg, base)[contract.AttrCost], "a later table beats an earlier one")
	mini := base
	mini.req = "gpt-4o-mini"
	assert.Equal(t, 1.0, price(cfg, mini)[contract.AttrCost], "keys missing from the later table come from the earlier one")

	cfg.Models = []ModelConfig{{Names: []string{"gpt-4o"}, Price: map[string]any{"in": 3, "out": 3}}}
	got := price(cfg, base)
	assert.Equal(t, 3.0, got[contract.AttrCost], "inline models beat every table")
	assert.Equal(t, "custom/gpt-4o", got[contract.AttrCostPriceID])

	cfg.TenantAttribute = "tenant.id"
	cfg.Models = append(cfg.Models, ModelConfig{Names: []string{"gpt-4o"}, Tenants: []string{"acme"}, Price: map[string]any{"in": 4, "out": 4}})
	tenant := base
	tenant.attrs = map[string]any{"tenant.id": "acme"}
	assert.Equal(t, 4.0, price(cfg, tenant)[contract.AttrCost], "a tenant's price beats general models, whatever the order")
	assert.Equal(t, 3.0, price(cfg, base)[contract.AttrCost], "other tenants keep the general price")

	// The tenant may sit on the resource.
	td := caseSpan(base)
	td.ResourceSpans().At(0).Resource().Attributes().PutStr("tenant.id", "acme")
	assert.Equal(t, 4.0, priceOne(t, cfg, td).AsRaw()[contract.AttrCost])

	// Exact beats normalized across layers: the table's dated key wins over
	// the inline alias-free spelling it would otherwise normalize to.
	cfg = createDefaultConfig()
	cfg.Tables = []TableConfig{{Path: early, Format: FormatPeriscope}}
	dated := costCase{provider: "openai", req: "gpt-4o-2024-08-06", in: 1_000_000, out: 0}
	assert.Equal(t, 2.5, price(cfg, dated)[contract.AttrCost], "embedded exact dated key beats the table's undated alias")
}

// TestAliasChain: an alias target may itself have an inline price.
func TestAliasChain(t *testing.T) {
	cfg := createDefaultConfig()
	cfg.Models = []ModelConfig{
		{Match: "prod-.*", Model: "gpt-4o"},
		{Names: []string{"gpt-4o"}, Price: map[string]any{"in": 1, "out": 1}},
	}
	raw := priceOne(t, cfg, caseSpan(costCase{provider: "azure.ai.openai", req: "prod-eastus", in: 1_000_000, out: 0})).AsRaw()
	assert.Equal(t, 1.0, raw[contract.AttrCost])
	assert.Equal(t, "alias+override", raw[attrCostMatch])
}

// TestStreamingPricedOnce (§8.1 #51): a streamed call is priced once from
// the usage on the span, whatever chunk events it carries.
func TestStreamingPricedOnce(t *testing.T) {
	td := caseSpan(costCase{provider: "openai", req: "gpt-4o", in: 1000, out: 500, attrs: map[string]any{"gen_ai.request.stream": true}})
	span := firstSpan(td)
	for i := 0; i < 5; i++ {
		ev := span.Events().AppendEmpty()
		ev.SetName("llm.content.completion.chunk")
		ev.Attributes().PutInt("gen_ai.usage.output_tokens", int64(100*(i+1)))
	}
	assert.Equal(t, 0.0075, priceOne(t, createDefaultConfig(), td).AsRaw()[contract.AttrCost])
}

// TestLogsConditions: conditions also select log records.
func TestLogsConditions(t *testing.T) {
	ld := plog.NewLogs()
	rl := ld.ResourceLogs().AppendEmpty()
	rl.Resource().Attributes().PutStr("service.name", "canary")
	lr := rl.ScopeLogs().AppendEmpty().LogRecords().AppendEmpty()
	lr.SetEventName(eventOperationDetails)
	lr.SetTraceID([16]byte{1})
	lr.SetSpanID([8]byte{1})
	a := lr.Attributes()
	a.PutStr("gen_ai.operation.name", "chat")
	a.PutStr("gen_ai.provider.name", "openai")
	a.PutStr("gen_ai.request.model", "gpt-4o")
	a.PutInt("gen_ai.usage.input_tokens", 1000)
	a.PutInt("gen_ai.usage.output_tokens", 500)

	out := processLogsOnce(t, createDefaultConfig(), cloneLogs(ld))
	assert.Equal(t, 0.0075, firstRecord(out).Attributes().AsRaw()[contract.AttrCost])

	cfg := createDefaultConfig()
	cfg.Conditions = []string{`resource.attributes["service.name"] != "canary"`}
	out = processLogsOnce(t, cfg, cloneLogs(ld))
	assert.NotContains(t, firstRecord(out).Attributes().AsRaw(), contract.AttrCost)
}

func cloneLogs(ld plog.Logs) plog.Logs {
	c := plog.NewLogs()
	ld.CopyTo(c)
	return c
}

func firstRecord(ld plog.Logs) plog.LogRecord {
	return ld.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(0)
}
