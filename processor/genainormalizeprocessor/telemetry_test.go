package genainormalizeprocessor

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/metric/metricdata/metricdatatest"

	"github.com/periscope-otel/periscope/internal/contract"
	"github.com/periscope-otel/periscope/processor/genainormalizeprocessor/internal/metadatatest"
)

// The counters declared in metadata.yaml count what the processor did, with
// bounded labels.
func TestTelemetry(t *testing.T) {
	tel := componenttest.NewTelemetry()
	t.Cleanup(func() { require.NoError(t, tel.Shutdown(context.Background())) })

	td := openLLMetrySpan()
	spans := td.ResourceSpans().At(0).ScopeSpans().At(0).Spans()
	spans.AppendEmpty().SetName("GET /health") // not GenAI
	bad := spans.AppendEmpty()
	bad.Attributes().PutStr("gen_ai.operation.name", "chat")
	bad.Attributes().PutStr("gen_ai.request.model", "gpt-4o")
	bad.Attributes().PutBool("gen_ai.usage.input_tokens", true) // unreadable: wrong type

	sink := new(consumertest.TracesSink)
	p, err := NewFactory().CreateTraces(context.Background(), metadatatest.NewSettings(tel), createDefaultConfig(), sink)
	require.NoError(t, err)
	require.NoError(t, p.Start(context.Background(), componenttest.NewNopHost()))
	require.NoError(t, p.ConsumeTraces(context.Background(), td))
	require.NoError(t, p.Shutdown(context.Background()))

	// Expected per-dialect counts come from what the processor wrote.
	dialects := map[string]int64{}
	out := sink.AllTraces()[0].ResourceSpans().At(0).ScopeSpans().At(0).Spans()
	for i := 0; i < out.Len(); i++ {
		if v, ok := out.At(i).Attributes().Get(contract.AttrDialect); ok {
			dialects[v.Str()]++
		}
	}
	var processed []metricdata.DataPoint[int64]
	var total int64
	for d, n := range dialects {
		total += n
		processed = append(processed, metricdata.DataPoint[int64]{Attributes: attribute.NewSet(attribute.String("dialect", d)), Value: n})
	}
	require.Equal(t, int64(2), total, "both GenAI spans are normalized")
	metadatatest.AssertEqualProcessorGenaiNormalizeSpansProcessed(t, tel, processed,
		metricdatatest.IgnoreTimestamp(), metricdatatest.IgnoreExemplars())
	metadatatest.AssertEqualProcessorGenaiNormalizeSpansSkipped(t, tel, []metricdata.DataPoint[int64]{
		{Attributes: attribute.NewSet(attribute.String("reason", "not_genai")), Value: 1},
	}, metricdatatest.IgnoreTimestamp(), metricdatatest.IgnoreExemplars())
	metadatatest.AssertEqualProcessorGenaiNormalizeReadProblems(t, tel, []metricdata.DataPoint[int64]{
		{Attributes: attribute.NewSet(attribute.String("kind", "wrong_type")), Value: 1},
	}, metricdatatest.IgnoreTimestamp(), metricdatatest.IgnoreExemplars())
}
