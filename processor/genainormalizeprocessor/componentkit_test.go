package genainormalizeprocessor

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/processor/processortest"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/metric/metricdata/metricdatatest"

	"github.com/periscope-otel/periscope/internal/contract"
	"github.com/periscope-otel/periscope/internal/genai"
	"github.com/periscope-otel/periscope/processor/genainormalizeprocessor/internal/metadata"
	"github.com/periscope-otel/periscope/processor/genainormalizeprocessor/internal/metadatatest"
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

// TestPanicSkipsSpan: a panic while normalizing one span (forced here by a
// processor without configuration) is recovered by the component guard:
// the batch still reaches the next consumer, every span in it, and each
// skip is counted as internal_error.
func TestPanicSkipsSpan(t *testing.T) {
	tel := componenttest.NewTelemetry()
	t.Cleanup(func() { require.NoError(t, tel.Shutdown(context.Background())) })
	p, err := newNormalizer(metadatatest.NewSettings(tel), createDefaultConfig(), false)
	require.NoError(t, err)
	p.cfg = nil // the writer dereferences it: every GenAI span panics

	td := openLLMetrySpan()
	td.ResourceSpans().At(0).ScopeSpans().At(0).Spans().AppendEmpty().SetName("GET /health")
	want := td.SpanCount()
	require.NotPanics(t, func() {
		out, err := p.processTraces(context.Background(), td)
		require.NoError(t, err)
		require.Equal(t, want, out.SpanCount())
	})
	require.Equal(t, int64(1), p.guard.Panics())
	metadatatest.AssertEqualProcessorGenaiNormalizeSpansSkipped(t, tel, []metricdata.DataPoint[int64]{
		{Attributes: attribute.NewSet(attribute.String("reason", "internal_error")), Value: 1},
		{Attributes: attribute.NewSet(attribute.String("reason", "not_genai")), Value: 1},
	}, metricdatatest.IgnoreTimestamp(), metricdatatest.IgnoreExemplars())
}
