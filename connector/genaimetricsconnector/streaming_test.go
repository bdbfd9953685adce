package genaimetricsconnector

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/periscope-otel/periscope/internal/contract"
	"github.com/periscope-otel/periscope/internal/metrics"
)

// TestTimePerOutputChunk: a streamed call (time to first chunk reported)
// gets gen_ai.client.operation.time_per_output_chunk = (duration - TTFC) /
// (output tokens - 1), with the same attributes as time_to_first_chunk; a
// call without TTFC, or with a single output token, gets none.
func TestTimePerOutputChunk(t *testing.T) {
	c, sink := newTestConnector(t, defaultCfg(), newFakeClock())
	td, ss := newTraces("svc")
	streamed := addSpan(ss, spanSpec{model: "m", in: 10, out: 101, dur: 2200 * time.Millisecond})
	streamed.Attributes().PutDouble("gen_ai.response.time_to_first_chunk", 0.2)
	addSpan(ss, spanSpec{model: "m", in: 10, out: 101, dur: 2200 * time.Millisecond}) // not streamed
	one := addSpan(ss, spanSpec{model: "m", in: 10, out: 1, dur: time.Second})
	one.Attributes().PutDouble("gen_ai.response.time_to_first_chunk", 0.5)
	require.NoError(t, c.ConsumeTraces(context.Background(), td))
	md := flushed(t, c, sink)

	want := map[string]string{attrRequestMdl: "m", attrOperation: "chat", attrProvider: "openai", attrServiceName: "svc"}
	chunk := histPoints(md, contract.MetricTimePerOutputChunk, want)
	require.Len(t, chunk, 1)
	assert.Equal(t, uint64(1), chunk[0].Count())
	assert.InDelta(t, 0.02, chunk[0].Sum(), 1e-9, "(2.2 s - 0.2 s) / 100 chunks")
	assert.Equal(t, metrics.ChunkBounds, chunk[0].ExplicitBounds().AsRaw())
	first := histPoints(md, contract.MetricTimeToFirstChunk, want)
	require.Len(t, first, 1)
	assert.Equal(t, uint64(2), first[0].Count())
	assert.Equal(t, first[0].Attributes().AsRaw(), chunk[0].Attributes().AsRaw(), "same attributes as time_to_first_chunk")
	require.Equal(t, 1, chunk[0].Exemplars().Len())
	assert.Equal(t, streamed.SpanID(), chunk[0].Exemplars().At(0).SpanID())
}

// TestTimePerOutputChunkBadDuration: a streamed call whose first chunk came
// after its end (clock skew) records no chunk time.
func TestTimePerOutputChunkBadDuration(t *testing.T) {
	c, sink := newTestConnector(t, defaultCfg(), newFakeClock())
	td, ss := newTraces("svc")
	span := addSpan(ss, spanSpec{model: "m", in: 10, out: 50, dur: time.Second})
	span.Attributes().PutDouble("gen_ai.response.time_to_first_chunk", 3.0)
	require.NoError(t, c.ConsumeTraces(context.Background(), td))
	md := flushed(t, c, sink)
	assert.Empty(t, histPoints(md, contract.MetricTimePerOutputChunk, nil))
	assert.Len(t, histPoints(md, contract.MetricTimeToFirstChunk, nil), 1)
}

// TestTimePerOutputChunkReported: a chunk time the instrumentation
// reports (semconv gen_ai.response.time_per_output_chunk) is recorded as
// it is, with or without a time to first chunk.
func TestTimePerOutputChunkReported(t *testing.T) {
	c, sink := newTestConnector(t, defaultCfg(), newFakeClock())
	td, ss := newTraces("svc")
	span := addSpan(ss, spanSpec{model: "m", in: 10, out: 40, dur: time.Second})
	span.Attributes().PutDouble("gen_ai.response.time_per_output_chunk", 0.05)
	require.NoError(t, c.ConsumeTraces(context.Background(), td))
	md := flushed(t, c, sink)
	chunk := histPoints(md, contract.MetricTimePerOutputChunk, nil)
	require.Len(t, chunk, 1)
	assert.InDelta(t, 0.05, chunk[0].Sum(), 1e-12)
	assert.Empty(t, histPoints(md, contract.MetricTimeToFirstChunk, nil))
}

// TestTimePerOutputChunkZero: a reported 0 (OpenLIT on a call that did not
// stream) records nothing.
func TestTimePerOutputChunkZero(t *testing.T) {
	c, sink := newTestConnector(t, defaultCfg(), newFakeClock())
	td, ss := newTraces("svc")
	span := addSpan(ss, spanSpec{model: "m", in: 10, out: 40, dur: time.Second})
	span.Attributes().PutDouble("gen_ai.server.time_per_output_token", 0)
	require.NoError(t, c.ConsumeTraces(context.Background(), td))
	assert.Empty(t, histPoints(flushed(t, c, sink), contract.MetricTimePerOutputChunk, nil))
}
