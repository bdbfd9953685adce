package genainormalizeprocessor

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/processor/processortest"

	"github.com/periscope-otel/periscope/internal/contract"
	"github.com/periscope-otel/periscope/internal/genai"
	"github.com/periscope-otel/periscope/processor/genainormalizeprocessor/internal/metadata"
)

// TestLogsConditions: on logs, conditions select records by their own
// resource (found through componentkit.Locations); unselected records of a
// GenAI call pass untouched.
func TestLogsConditions(t *testing.T) {
	ld := plog.NewLogs()
	for i, svc := range []string{"billing", "canary"} {
		rl := ld.ResourceLogs().AppendEmpty()
		rl.Resource().Attributes().PutStr("service.name", svc)
		lr := rl.ScopeLogs().AppendEmpty().LogRecords().AppendEmpty()
		lr.SetEventName(genai.EventInferenceDetails)
		lr.SetTraceID(pcommon.TraceID{1})
		lr.SetSpanID(pcommon.SpanID{byte(i + 1)})
		a := lr.Attributes()
		a.PutStr("gen_ai.operation.name", "chat")
		a.PutStr("gen_ai.system", "openai")
		a.PutStr("gen_ai.request.model", "gpt-4o-mini")
	}
	cfg := createDefaultConfig()
	cfg.Conditions = []string{`resource.attributes["service.name"] == "billing"`}
	cfg.CallAssembly.Enabled = false
	sink := new(consumertest.LogsSink)
	p, err := NewFactory().CreateLogs(context.Background(), processortest.NewNopSettings(metadata.Type), cfg, sink)
	require.NoError(t, err)
	require.NoError(t, p.Start(context.Background(), nil))
	t.Cleanup(func() { require.NoError(t, p.Shutdown(context.Background())) })
	require.NoError(t, p.ConsumeLogs(context.Background(), ld))

	require.Len(t, sink.AllLogs(), 1)
	rls := sink.AllLogs()[0].ResourceLogs()
	require.Equal(t, 2, rls.Len())
	selected := rls.At(0).ScopeLogs().At(0).LogRecords().At(0).Attributes()
	_, ok := selected.Get(contract.AttrDialect)
	require.True(t, ok, "the selected record is normalized")
	prov, ok := selected.Get(keyProvider)
	require.True(t, ok)
	require.Equal(t, "openai", prov.Str())
	other := rls.At(1).ScopeLogs().At(0).LogRecords().At(0).Attributes()
	_, ok = other.Get(contract.AttrDialect)
	require.False(t, ok, "a record the conditions do not select passes untouched")
	_, ok = other.Get(keyProvider)
	require.False(t, ok)
}
