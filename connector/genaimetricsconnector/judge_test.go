package genaimetricsconnector

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/periscope-otel/periscope/internal/contract"
)

// judgeLogs builds n genai_judge result records for one rubric, as the judge
// writes them (score, label, source, selecting heuristic and its label, the
// judged call's model).
func judgeLogs(n int, rubric, evaluator, heuristic, verdict string) plog.Logs {
	score := 0.1
	if verdict == contract.LabelFail {
		score = 0.9
	}
	ld := evalLogs(n, rubric, score, verdict, false)
	lrs := ld.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords()
	for i := 0; i < lrs.Len(); i++ {
		a := lrs.At(i).Attributes()
		a.PutStr(contract.AttrEvalSource, contract.EvalSourceJudge)
		a.PutStr(contract.AttrJudgeModel, "judge-model")
		if evaluator != "" {
			a.PutStr(contract.AttrJudgeSelectedBy, "failed")
			a.PutStr(contract.AttrJudgeEvaluator, evaluator)
			a.PutStr(contract.AttrJudgeHeuristicLbl, heuristic)
		} else {
			a.PutStr(contract.AttrJudgeSelectedBy, "sample")
		}
	}
	return ld
}

func agreement(rubric, evaluator, heuristic, verdict string) map[string]string {
	return map[string]string{contract.AttrEvalName: rubric, contract.AttrJudgeEvaluator: evaluator,
		contract.AttrJudgeHeuristicLbl: heuristic, contract.AttrJudgeLabel: verdict}
}

// TestJudgeAgreement: genai_judge results are counted by rubric, selecting
// heuristic, heuristic label and judge label, under the call's dimensions,
// and keep being counted like any evaluation.
func TestJudgeAgreement(t *testing.T) {
	c, sink := newTestConnector(t, defaultCfg(), newFakeClock())
	ctx := context.Background()
	require.NoError(t, c.ConsumeLogs(ctx, judgeLogs(3, "relevance", contract.EvalOffTopic, "fail", "fail")))         // agree
	require.NoError(t, c.ConsumeLogs(ctx, judgeLogs(2, "relevance", contract.EvalOffTopic, "fail", "pass")))         // disagree
	require.NoError(t, c.ConsumeLogs(ctx, judgeLogs(1, "relevance", contract.EvalRefusal, "pass", "pass")))          // agree (uncertain)
	require.NoError(t, c.ConsumeLogs(ctx, judgeLogs(4, "faithfulness", contract.EvalHallucination, "pass", "fail"))) // disagree
	require.NoError(t, c.ConsumeLogs(ctx, judgeLogs(2, "faithfulness", "", "", "fail")))                             // calibration sample: no heuristic
	// Not a judge result: evaluator attributes alone do not count.
	other := evalLogs(1, "relevance", 0.9, "fail", false)
	other.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(0).Attributes().PutStr(contract.AttrJudgeEvaluator, contract.EvalOffTopic)
	other.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(0).Attributes().PutStr(contract.AttrJudgeHeuristicLbl, "fail")
	require.NoError(t, c.ConsumeLogs(ctx, other))
	md := flushed(t, c, sink)

	for _, tc := range []struct {
		rubric, evaluator, heuristic, verdict string
		want                                  float64
	}{
		{"relevance", contract.EvalOffTopic, "fail", "fail", 3},
		{"relevance", contract.EvalOffTopic, "fail", "pass", 2},
		{"relevance", contract.EvalRefusal, "pass", "pass", 1},
		{"faithfulness", contract.EvalHallucination, "pass", "fail", 4},
	} {
		want := agreement(tc.rubric, tc.evaluator, tc.heuristic, tc.verdict)
		want[attrServiceName], want[attrRequestMdl] = "judge-app", "gpt-4o" // the call's dimensions
		v, n := sumValue(md, contract.MetricJudgeAgreement, want)
		assert.Equal(t, 1, n, "%v", tc)
		assert.Equal(t, tc.want, v, "%v", tc)
	}
	total, series := sumValue(md, contract.MetricJudgeAgreement, nil)
	assert.Equal(t, 10.0, total, "the sample and the non-judge record are not counted")
	assert.Equal(t, 4, series)
	for _, m := range findMetric(md, contract.MetricJudgeAgreement) {
		assert.True(t, m.Sum().IsMonotonic())
		assert.Equal(t, "{judgement}", m.Unit())
	}

	// Judge results are still evaluations: scores and failures per rubric.
	fails, _ := sumValue(md, contract.MetricEvalFailures, map[string]string{contract.AttrEvalName: "relevance", attrRequestMdl: "gpt-4o"})
	assert.Equal(t, 4.0, fails) // 3 judge fails + the non-judge fail
	fails, _ = sumValue(md, contract.MetricEvalFailures, map[string]string{contract.AttrEvalName: "faithfulness", attrRequestMdl: "gpt-4o"})
	assert.Equal(t, 6.0, fails)
	hp := histPoints(md, contract.MetricEvalScore, map[string]string{contract.AttrEvalName: "faithfulness"})
	require.Len(t, hp, 1)
	assert.Equal(t, uint64(6), hp[0].Count())
}

// TestJudgeAgreementSpanDimensions: a judge result carrying only the judged
// span's ids gets that call's dimensions.
func TestJudgeAgreementSpanDimensions(t *testing.T) {
	c, sink := newTestConnector(t, defaultCfg(), newFakeClock())
	ctx := context.Background()
	// Spans remember their dimensions once evaluation records have been seen.
	require.NoError(t, c.ConsumeLogs(ctx, judgeLogs(1, "warmup", contract.EvalOffTopic, "pass", "pass")))
	td, ss := newTraces("judge-app")
	span := addSpan(ss, spanSpec{model: "claude-sonnet", version: "7", in: 10, out: 5})
	require.NoError(t, c.ConsumeTraces(ctx, td))
	ld := judgeLogs(1, "faithfulness", contract.EvalHallucination, "fail", "fail")
	lr := ld.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(0)
	lr.Attributes().Remove("gen_ai.request.model")
	lr.Attributes().Remove("gen_ai.operation.name")
	lr.SetSpanID(span.SpanID())
	require.NoError(t, c.ConsumeLogs(ctx, ld))
	md := flushed(t, c, sink)
	want := agreement("faithfulness", contract.EvalHallucination, "fail", "fail")
	want[attrRequestMdl], want[contract.AttrPromptVersion] = "claude-sonnet", "7"
	v, n := sumValue(md, contract.MetricJudgeAgreement, want)
	assert.Equal(t, 1, n)
	assert.Equal(t, 1.0, v)
}

// TestJudgeAgreementCardinalityCap: the agreement counter is capped like
// every metric; nothing is lost past the cap.
func TestJudgeAgreementCardinalityCap(t *testing.T) {
	cfg := defaultCfg()
	cfg.MaxCardinality = 3
	c, sink := newTestConnector(t, cfg, newFakeClock())
	for i := 0; i < 10; i++ {
		require.NoError(t, c.ConsumeLogs(context.Background(), judgeLogs(1, fmt.Sprintf("rubric-%d", i), contract.EvalOffTopic, "fail", "pass")))
	}
	md := flushed(t, c, sink)
	total, series := sumValue(md, contract.MetricJudgeAgreement, nil)
	assert.Equal(t, 10.0, total)
	assert.LessOrEqual(t, series, cfg.MaxCardinality+1)
	v, n := sumValue(md, contract.MetricJudgeAgreement, map[string]string{contract.AttrMetricOverflow: "true"})
	assert.Equal(t, 1, n)
	assert.Equal(t, 7.0, v)
}

func TestExternalJudgeLabels(t *testing.T) {
	cfg := defaultCfg()
	cfg.RiskEvaluators = []string{"bias"}
	cfg.FailLabels = []string{"Needs_Review"}
	c, sink := newTestConnector(t, cfg, newFakeClock())
	ctx := context.Background()
	require.NoError(t, c.ConsumeLogs(ctx, evalLogs(2, "Groundedness", 0.92, "grounded", false)))   // high = good, labelled
	require.NoError(t, c.ConsumeLogs(ctx, evalLogs(1, "Groundedness", 0.10, "ungrounded", false))) // labelled fail
	require.NoError(t, c.ConsumeLogs(ctx, evalLogs(3, "Relevance", 0.95, "", false)))              // unknown scale: no decision
	require.NoError(t, c.ConsumeLogs(ctx, evalLogs(2, "Coherence", 0.2, "meh", false)))            // unknown label: no decision
	require.NoError(t, c.ConsumeLogs(ctx, evalLogs(2, "bias", 0.8, "", false)))                    // configured risk score
	require.NoError(t, c.ConsumeLogs(ctx, evalLogs(1, "style", 0.1, "needs_review", false)))       // configured fail label
	require.NoError(t, c.ConsumeLogs(ctx, evalLogs(1, contract.EvalToxicity, 0.7, "", false)))     // Periscope evaluator
	md := flushed(t, c, sink)
	got := map[string]float64{}
	points := map[string]int{}
	for _, name := range []string{"Groundedness", "Relevance", "Coherence", "bias", "style", contract.EvalToxicity} {
		got[name], points[name] = sumValue(md, contract.MetricEvalFailures, map[string]string{contract.AttrEvalName: name})
	}
	assert.Equal(t, map[string]float64{"Groundedness": 1, "Relevance": 0, "Coherence": 0, "bias": 2, "style": 1, contract.EvalToxicity: 1}, got)
	assert.Equal(t, 0, points["Relevance"], "no decision: no failure series")
	assert.Equal(t, 0, points["Coherence"])
	// Scores are recorded whatever the decision.
	hp := histPoints(md, contract.MetricEvalScore, map[string]string{contract.AttrEvalName: "Relevance"})
	require.Len(t, hp, 1)
	assert.Equal(t, uint64(3), hp[0].Count())
}

// TestJudgeRecordsInheritSpanDimensions: a judge's evaluation record carries
// only the evaluated span's ids; its metrics get that call's model and
// prompt version.
func TestJudgeRecordsInheritSpanDimensions(t *testing.T) {
	c, sink := newTestConnector(t, defaultCfg(), newFakeClock())
	ctx := context.Background()
	require.NoError(t, c.ConsumeLogs(ctx, evalLogs(1, "warmup", 0.1, "pass", false)))
	td, ss := newTraces("judge-app")
	span := addSpan(ss, spanSpec{model: "claude-sonnet", version: "7", in: 10, out: 5})
	require.NoError(t, c.ConsumeTraces(ctx, td))
	ld := evalLogs(1, "Faithfulness", 0.3, "unfaithful", false)
	lr := ld.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(0)
	lr.Attributes().Remove("gen_ai.request.model")
	lr.Attributes().Remove("gen_ai.operation.name")
	lr.SetSpanID(span.SpanID())
	require.NoError(t, c.ConsumeLogs(ctx, ld))
	md := flushed(t, c, sink)
	v, n := sumValue(md, contract.MetricEvalFailures, map[string]string{contract.AttrEvalName: "Faithfulness",
		attrRequestMdl: "claude-sonnet", contract.AttrPromptVersion: "7", attrProvider: "openai"})
	assert.Equal(t, 1, n)
	assert.Equal(t, 1.0, v)
}
