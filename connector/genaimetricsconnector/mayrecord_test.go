package genaimetricsconnector

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/periscope-otel/periscope/internal/contract"
	"github.com/periscope-otel/periscope/internal/genai"
	"github.com/periscope-otel/periscope/internal/testutil"
)

// mayRecord only turns away spans the full path records nothing for: every
// sample span, the bench traffic, and spans that are not calls but carry an
// evaluation result, a rollup cost or a loop mark.
func TestMayRecordNeverSkipsARecord(t *testing.T) {
	var batches []ptrace.Traces
	files, _ := filepath.Glob(filepath.Join(testutil.SharedDir(t), "data", "genai-samples", "*.json"))
	more, _ := filepath.Glob(filepath.Join(testutil.SharedDir(t), "data", "genai-samples", "real-clients", "*.json"))
	for _, f := range append(files, more...) {
		td, _ := readSample(t, f)
		batches = append(batches, td)
	}
	batches = append(batches, trafficBatches(t, 2, 50)...)
	notCalls := testutil.HTTPSpans(9)
	spans := notCalls.ResourceSpans().At(0).ScopeSpans().At(0).Spans()
	spans.At(1).Attributes().PutDouble(contract.AttrEvalPrefix+"toxicity", 0.9)
	ev := spans.At(2).Events().AppendEmpty()
	ev.SetName(contract.EventEvaluationResult)
	ev.Attributes().PutStr(contract.AttrEvalName, "relevance")
	ev.Attributes().PutDouble(contract.AttrEvalScoreValue, 0.4)
	spans.At(3).Attributes().PutDouble(contract.AttrRollupCost, 0.012)
	spans.At(4).Attributes().PutBool(contract.AttrRollupLoop, true)
	spans.At(5).Attributes().PutStr(contract.AttrPromptName, "ticket")
	spans.At(6).Attributes().PutStr("enduser.id", "u-1")
	spans.At(7).Attributes().PutBool(contract.AttrRollupLoop, false)
	batches = append(batches, notCalls)

	c, _ := newTestConnector(t, defaultCfg(), newFakeClock())
	ctx := context.Background()
	now := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
	recorded, skipped := 0, 0
	for _, td := range batches {
		for _, rs := range td.ResourceSpans().All() {
			for _, ss := range rs.ScopeSpans().All() {
				for _, span := range ss.Spans().All() {
					v := genai.ReadSpan(span, rs.Resource(), c.opts)
					c.mu.Lock()
					full := c.processView(ctx, rs, ss, span, "svc", &v, true, &resource{}, now)
					c.mu.Unlock()
					if !mayRecord(span) {
						skipped++
						require.False(t, full, "span %q is recorded but mayRecord turned it away", span.Name())
					} else if full {
						recorded++
					}
				}
			}
		}
	}
	assert.Positive(t, recorded)
	assert.Positive(t, skipped)
	// The spans that are not calls: the ones with a result, a cost, a loop
	// mark or a GenAI key (the prompt name) are looked at, the plain ones
	// (a user id alone included) are not.
	for i, want := range []bool{false, true, true, true, true, true, false, true, false} {
		assert.Equal(t, want, mayRecord(spans.At(i)), "span %d", i)
	}
}
