package genaipromptprocessor

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

func sumOf(t *testing.T, h *harness, name string) int64 {
	t.Helper()
	m, err := h.tel.GetMetric(name)
	require.NoError(t, err, name)
	var total int64
	for _, dp := range m.Data.(metricdata.Sum[int64]).DataPoints {
		total += dp.Value
	}
	return total
}

func TestTelemetry(t *testing.T) {
	h := newHarness(t, defaultCfg())
	td, ss := newTraces("svc")
	chatSpan(ss, "You answer billing questions briefly.", "Why was invoice 4411 charged twice?", nil)
	chatSpan(ss, "You answer billing questions briefly.", "Why was invoice 9832 charged twice?", nil)
	chatSpan(ss, "", "Hi", map[string]any{"gen_ai.prompt.name": "greet", "gen_ai.prompt.version": "2"})
	plain := ss.Spans().AppendEmpty()
	plain.SetName("GET /health")
	h.run(t, td)
	assert.Equal(t, int64(3), sumOf(t, h, "otelcol_processor_genai_prompt_spans_processed"))
	assert.Equal(t, int64(1), sumOf(t, h, "otelcol_processor_genai_prompt_spans_skipped"))
	assert.Equal(t, int64(3), sumOf(t, h, "otelcol_processor_genai_prompt_prompts_identified"))
	assert.Equal(t, int64(2), sumOf(t, h, "otelcol_processor_genai_prompt_new_versions"))
	_ = context.Background()
}
