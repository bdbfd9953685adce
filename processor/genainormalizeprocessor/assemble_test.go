package genainormalizeprocessor

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/processor"
	"go.opentelemetry.io/collector/processor/processortest"

	"github.com/periscope-otel/periscope/internal/genai"
	"github.com/periscope-otel/periscope/internal/testutil"
	"github.com/periscope-otel/periscope/processor/genainormalizeprocessor/internal/metadata"
)

// batchSink records every batch passed on, safely for the assembler's
// background loop.
type batchSink struct {
	mu      sync.Mutex
	batches []plog.Logs
}

func (s *batchSink) Capabilities() consumer.Capabilities { return consumer.Capabilities{} }
func (s *batchSink) ConsumeLogs(_ context.Context, ld plog.Logs) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.batches = append(s.batches, ld)
	return nil
}

func (s *batchSink) records() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, b := range s.batches {
		n += b.LogRecordCount()
	}
	return n
}

// pair builds the traces and logs instances of one configured
// genai_normalize (one id: they share call assembly).
func pair(t *testing.T, cfg *Config, logs consumer.Logs, traces consumer.Traces) (processor.Traces, processor.Logs) {
	set := processortest.NewNopSettings(metadata.Type)
	set.ID = component.NewIDWithName(metadata.Type, fmt.Sprintf("t%d", rand.Uint64()))
	tp, err := NewFactory().CreateTraces(context.Background(), set, cfg, traces)
	require.NoError(t, err)
	lp, err := NewFactory().CreateLogs(context.Background(), set, cfg, logs)
	require.NoError(t, err)
	require.NoError(t, tp.Start(context.Background(), componentHost()))
	require.NoError(t, lp.Start(context.Background(), componentHost()))
	return tp, lp
}

func recordID(lr plog.LogRecord) string {
	return lr.SpanID().String() + "|" + genai.EventName(lr) + "|" + lr.Body().AsString()
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestAssemblyInterleavings: whatever the order and split, every record is
// passed on once, each call's records travel together in one batch, and
// they carry the operation, provider and model of their span.
func TestAssemblyInterleavings(t *testing.T) {
	for _, split := range []int{1, 2, 3} {
		for _, spanAt := range []string{"first", "middle", "last"} {
			for _, dup := range []bool{false, true} {
				for seed := uint64(1); seed <= 3; seed++ {
					name := fmt.Sprintf("split%d/span_%s/dup=%v/seed%d", split, spanAt, dup, seed)
					t.Run(name, func(t *testing.T) { checkInterleaving(t, split, spanAt, dup, seed) })
				}
			}
		}
	}
}

func checkInterleaving(t *testing.T, split int, spanAt string, dup bool, seed uint64) {
	td, ld := testutil.RealOTelClient(t)
	want := map[string]bool{}
	calls := map[string]int{}
	for i := 0; i < ld.ResourceLogs().Len(); i++ {
		for j := 0; j < ld.ResourceLogs().At(i).ScopeLogs().Len(); j++ {
			lrs := ld.ResourceLogs().At(i).ScopeLogs().At(j).LogRecords()
			for k := 0; k < lrs.Len(); k++ {
				want[recordID(lrs.At(k))] = true
				calls[lrs.At(k).SpanID().String()]++
			}
		}
	}
	rng := rand.New(rand.NewPCG(seed, uint64(split)))
	reqs := testutil.SplitCalls(ld, split, rng)
	if dup {
		// at-least-once delivery: one request arrives twice
		again := plog.NewLogs()
		reqs[0].CopyTo(again)
		reqs = append(reqs[:1], append([]plog.Logs{again}, reqs[1:]...)...)
	}
	cfg := createDefaultConfig()
	cfg.CallAssembly.Timeout = time.Minute // only completeness may release
	sink := &batchSink{}
	tp, lp := pair(t, cfg, sink, consumertestNopTraces{})
	ctx := context.Background()
	sendSpans := func() { require.NoError(t, tp.ConsumeTraces(ctx, td)) }
	if spanAt == "first" {
		sendSpans()
	}
	for i, r := range reqs {
		require.NoError(t, lp.ConsumeLogs(ctx, r))
		if spanAt == "middle" && i == 0 {
			sendSpans()
		}
	}
	if spanAt == "last" {
		sendSpans()
	}
	// Every call is complete: released without waiting for the timeout.
	waitFor(t, "all calls released", func() bool { return sink.records() >= len(want) })
	require.NoError(t, lp.Shutdown(ctx))
	require.NoError(t, tp.Shutdown(ctx))

	seen := map[string]int{}
	batchOf := map[string]int{}
	for bi, b := range sink.batches {
		for i := 0; i < b.ResourceLogs().Len(); i++ {
			for j := 0; j < b.ResourceLogs().At(i).ScopeLogs().Len(); j++ {
				lrs := b.ResourceLogs().At(i).ScopeLogs().At(j).LogRecords()
				for k := 0; k < lrs.Len(); k++ {
					lr := lrs.At(k)
					id := recordID(lr)
					seen[id]++
					if seen[id] > 1 {
						continue // a late redelivery, passed on as it came
					}
					span := lr.SpanID().String()
					if prev, ok := batchOf[span]; ok && prev != bi {
						t.Errorf("call %s split over batches %d and %d", span, prev, bi)
					}
					batchOf[span] = bi
					a := lr.Attributes()
					op, prov, model := str(a, genai.KeyOperation), str(a, genai.KeyProvider), str(a, genai.KeyRequestModel)
					if op == "" || prov != "openai" || model == "" {
						t.Errorf("record of %s lacks its span's identity: op=%q provider=%q model=%q", span, op, prov, model)
					}
				}
			}
		}
	}
	for id := range want {
		if seen[id] == 0 {
			t.Errorf("record lost: %.80s", id)
		}
		if !dup && seen[id] != 1 {
			t.Errorf("record passed on %d times: %.80s", seen[id], id)
		}
	}
	assert.Len(t, batchOf, len(calls))
}

type consumertestNopTraces struct{}

func (consumertestNopTraces) Capabilities() consumer.Capabilities                { return consumer.Capabilities{} }
func (consumertestNopTraces) ConsumeTraces(context.Context, ptrace.Traces) error { return nil }

func str(m pcommon.Map, k string) string {
	if v, ok := m.Get(k); ok {
		return v.AsString()
	}
	return ""
}
