package genaijudgeconnector

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/periscope-otel/periscope/connector/genaijudgeconnector/internal/metadata"
	"github.com/periscope-otel/periscope/internal/contract"
	"github.com/periscope-otel/periscope/internal/genai"
)

func TestFactoryLifecycle(t *testing.T) {
	f := NewFactory()
	assert.Equal(t, metadata.Type, f.Type())
	assert.Equal(t, "genai_judge", f.Type().String())
	cfg := f.CreateDefaultConfig().(*Config)
	cfg.Endpoint, cfg.Model = "http://127.0.0.1:1/v1", "m"
	require.NoError(t, cfg.Validate())
	set := nopSettings()
	tr, err := f.CreateTracesToLogs(context.Background(), set, cfg, consumertest.NewNop())
	require.NoError(t, err)
	lg, err := f.CreateLogsToLogs(context.Background(), set, cfg, consumertest.NewNop())
	require.NoError(t, err)
	assert.False(t, tr.Capabilities().MutatesData)
	require.NoError(t, tr.Start(context.Background(), componenttest.NewNopHost()))
	require.NoError(t, lg.Start(context.Background(), componenttest.NewNopHost()))
	require.NoError(t, tr.Shutdown(context.Background()))
	require.NoError(t, lg.Shutdown(context.Background()))
	// Shutdown without Start, and twice, is fine.
	other, err := f.CreateTracesToLogs(context.Background(), nopSettings(), cfg, consumertest.NewNop())
	require.NoError(t, err)
	require.NoError(t, other.Shutdown(context.Background()))
	require.NoError(t, other.Shutdown(context.Background()))
}

// The traces and the logs instance of one id share the budget, the breaker
// and the memory of queued calls: a call whose content is on its span and
// in its log records is judged once.
func TestTracesAndLogsInstancesShareState(t *testing.T) {
	judge := newStubJudge(t, verdictReply(`{"score":1,"verdict":"fail","reason":"x"}`))
	cfg := testConfig(judge.URL + "/v1")
	cfg.Rubrics = []string{RubricFaithfulness}
	set := nopSettings()
	sink := &consumertest.LogsSink{}
	tr, err := newJudgeConnector(set, cfg, sink)
	require.NoError(t, err)
	lg, err := newJudgeConnector(set, cfg, sink)
	require.NoError(t, err)
	assert.Same(t, tr.breaker, lg.breaker)
	assert.Same(t, tr.budget, lg.budget)
	require.NoError(t, tr.Start(context.Background(), nil))
	require.NoError(t, lg.Start(context.Background(), nil))

	require.NoError(t, tr.ConsumeTraces(context.Background(), failingCall(9)))
	ld := plog.NewLogs()
	sl := ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty()
	call := sl.LogRecords().AppendEmpty()
	call.SetEventName(genai.EventInferenceDetails)
	call.SetTraceID(traceID(9))
	call.SetSpanID(spanID(9))
	call.Attributes().PutStr("gen_ai.operation.name", "chat")
	call.Attributes().PutStr("gen_ai.input.messages", `[{"role":"user","parts":[{"type":"text","content":"q"}]}]`)
	call.Attributes().PutStr("gen_ai.output.messages", `[{"role":"assistant","parts":[{"type":"text","content":"a"}]}]`)
	res := sl.LogRecords().AppendEmpty()
	res.SetEventName(contract.EventEvaluationResult)
	res.SetTraceID(traceID(9))
	res.SetSpanID(spanID(9))
	res.Attributes().PutStr(contract.AttrEvalName, contract.EvalHallucination)
	res.Attributes().PutDouble(contract.AttrEvalScoreValue, 0.9)
	require.NoError(t, lg.ConsumeLogs(context.Background(), ld))

	require.NoError(t, tr.Shutdown(context.Background()))
	require.NoError(t, lg.Shutdown(context.Background()))
	assert.Equal(t, int64(1), judge.calls.Load())
	assert.Equal(t, 1, sink.LogRecordCount())
}
