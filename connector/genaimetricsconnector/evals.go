package genaimetricsconnector

import (
	"context"
	"math"
	"strings"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/periscope-otel/periscope/connector/genaimetricsconnector/internal/drift"
	"github.com/periscope-otel/periscope/internal/componentkit"
	"github.com/periscope-otel/periscope/internal/contract"
)

// failRisk marks a result read from a periscope.eval.<name> attribute: a
// risk score whose failure fail_threshold decides when nothing else does.
const failRisk = -4

// Labels read as a failure or a pass, as written by Periscope and common
// LLM-judge libraries; anything else makes no failure decision.
var (
	defaultFailLabels = []string{contract.LabelFail, "failed", "failure", "false", "no", "bad", "unsafe", "toxic",
		"ungrounded", "not_grounded", "hallucinated", "hallucination", "irrelevant", "incorrect", "unfaithful", "violation", "flagged"}
	defaultPassLabels = []string{contract.LabelPass, "passed", "success", "true", "yes", "good", "safe", "non_toxic",
		"grounded", "relevant", "correct", "faithful", "ok", "not_flagged"}
)

// labelSet maps the lower-case labels read as a failure (1) or a pass (0);
// a label in both is a failure.
func labelSet(fail, pass []string) map[string]int8 {
	m := make(map[string]int8, len(fail)+len(pass))
	for _, l := range pass {
		m[strings.ToLower(l)] = 0
	}
	for _, l := range fail {
		m[strings.ToLower(l)] = 1
	}
	return m
}

// labelFailed is the failure decision of a score label: 1 failed, 0
// passed, -1 no label, -2 evaluated nothing, -3 a label we cannot read.
func (c *metricsConnector) labelFailed(raw string) int8 {
	if raw == "" {
		return -1
	}
	// Most results carry the label of the one before ("pass").
	if raw == c.w.label {
		return c.w.labelFailed
	}
	d := c.decideLabel(raw)
	c.w.label, c.w.labelFailed = raw, d
	return d
}

func (c *metricsConnector) decideLabel(raw string) int8 {
	// The keys are lower case: a label found as it is needs no lowering.
	label := raw
	d, ok := c.labels[raw]
	if !ok {
		label = strings.ToLower(raw)
		d, ok = c.labels[label]
	}
	switch {
	case label == contract.LabelNoContext:
		return -2 // neither pass nor fail
	case ok:
		return d
	}
	return -3
}

// evalFromAttrs reads one gen_ai.evaluation.result (event or log record)
// in one pass over its attributes (the first of a repeated key counts).
func (c *metricsConnector) evalFromAttrs(ctx context.Context, attrs pcommon.Map) (drift.EvalObs, bool) {
	var name, label string
	var score pcommon.Value
	var hasName, hasScore, hasLabel bool
	for k, v := range attrs.All() {
		switch k {
		case contract.AttrEvalName:
			if !hasName {
				name, hasName = v.AsString(), true
			}
		case contract.AttrEvalScoreValue:
			if !hasScore {
				score, hasScore = v, true
			}
		case contract.AttrEvalScoreLabel:
			if !hasLabel {
				label, hasLabel = v.AsString(), true
			}
		}
	}
	if name == "" {
		c.bad(ctx, "evaluation_without_name")
		return drift.EvalObs{}, false
	}
	e := drift.EvalObs{Name: truncate(name, c.cfg.MaxDimensionValueLength), Failed: -1}
	if hasScore {
		if s, ok := componentkit.Number(score); ok {
			if math.IsNaN(s) || math.IsInf(s, 0) {
				c.bad(ctx, "invalid_score")
			} else {
				e.Score, e.HasScore = s, true
			}
		}
	}
	e.Failed = c.labelFailed(label)
	return e, true
}

// riskScale reports whether an evaluator's bare score is a risk score
// (1 = bad) that fail_threshold may decide on.
func (c *metricsConnector) riskScale(name string, fromAttr bool) bool {
	return fromAttr || c.riskNames[name]
}

// The span keys collectSpanEvals reads besides evaluations and users: their
// Bloom bits (keyBit), and the first byte of the evaluation prefix.
var spanKeyBits = keyBit(contract.AttrPromptName) | keyBit(contract.AttrPromptVersion) |
	keyBit(contract.AttrRollupCost) | keyBit(contract.AttrRollupLoop) | keyBit(contract.AttrRollupLoopTool)

var evalPrefix0 = contract.AttrEvalPrefix[0]

// collectSpanEvals gathers evaluation results of a span into w.evals:
// gen_ai.evaluation.result events first, then periscope.eval.<name>
// attributes not already seen; periscope.eval.failed marks failures. The
// same pass reads the prompt identity, the rollup attributes and the user.
func (c *metricsConnector) collectSpanEvals(ctx context.Context, span ptrace.Span) []drift.EvalObs {
	w := &c.w
	w.evals = w.evals[:0]
	evs := span.Events()
	for i := 0; i < evs.Len(); i++ {
		ev := evs.At(i)
		if ev.Name() != contract.EventEvaluationResult {
			continue
		}
		if e, ok := c.evalFromAttrs(ctx, ev.Attributes()); ok && !hasEval(w.evals, e.Name) {
			w.evals = append(w.evals, e)
		}
	}
	attrs := span.Attributes()
	var failed pcommon.Slice
	hasFailed := false
	w.pname, w.pversion = "", ""
	w.loopTool, w.userID = "", ""
	w.userRank = len(c.userKeys)
	w.rollupCost, w.hasRollupCost, w.loop = 0, false, false
	attrs.Range(func(k string, v pcommon.Value) bool {
		// A first-byte test and the keys' Bloom bits spare most keys any
		// string comparison.
		if k == "" || k[0] != evalPrefix0 || !strings.HasPrefix(k, contract.AttrEvalPrefix) {
			bit := keyBit(k)
			if bit&spanKeyBits != 0 {
				switch k {
				case contract.AttrPromptName:
					w.pname = v.AsString()
				case contract.AttrPromptVersion:
					w.pversion = v.AsString()
				case contract.AttrRollupCost:
					w.rollupCost, w.hasRollupCost = componentkit.Number(v)
				case contract.AttrRollupLoop:
					w.loop = v.Type() == pcommon.ValueTypeBool && v.Bool()
				case contract.AttrRollupLoopTool:
					w.loopTool = v.AsString()
				}
			}
			if c.userKeyBits&bit != 0 {
				if i := keyRank(c.userKeys, k); i < w.userRank {
					if id := userIDOf(v); id != "" {
						w.userID, w.userRank = id, i
					}
				}
			}
			return true
		}
		if k == contract.AttrEvalFailed {
			if v.Type() == pcommon.ValueTypeSlice {
				failed, hasFailed = v.Slice(), true
			}
			return true
		}
		name := k[len(contract.AttrEvalPrefix):]
		if name == "" || hasEval(w.evals, name) { // mostly the events' results again
			return true
		}
		s, ok := componentkit.Number(v)
		if !ok {
			return true
		}
		e := drift.EvalObs{Name: truncate(name, c.cfg.MaxDimensionValueLength), Failed: failRisk}
		if math.IsNaN(s) || math.IsInf(s, 0) {
			c.bad(ctx, "invalid_score")
		} else {
			e.Score, e.HasScore = s, true
		}
		w.evals = append(w.evals, e)
		return true
	})
	if hasFailed {
		for i := range w.evals {
			if w.evals[i].Failed != -1 && w.evals[i].Failed != failRisk {
				continue
			}
			w.evals[i].Failed = 0
			for j := 0; j < failed.Len(); j++ {
				if failed.At(j).AsString() == w.evals[i].Name {
					w.evals[i].Failed = 1
					break
				}
			}
		}
	}
	return w.evals
}

func hasEval(evals []drift.EvalObs, name string) bool {
	for _, e := range evals {
		if e.Name == name {
			return true
		}
	}
	return false
}

// recordEvals records scores and failures and finishes the failure
// decision (score ≥ fail_threshold when nothing else said).
func (c *metricsConnector) recordEvals(evals []drift.EvalObs, res *resource, ts pcommon.Timestamp, ex *exemplar) {
	for i := range evals {
		e := &evals[i]
		if (e.Failed == failRisk || e.Failed == -1 && c.riskScale(e.Name, false)) && e.HasScore {
			if e.Score >= c.cfg.FailThreshold {
				e.Failed = 1
			} else {
				e.Failed = 0
			}
		}
		if e.Failed < 0 {
			e.Failed = -1
		}
		if e.HasScore {
			c.series.Histogram(c.agg.EvalScore, res, ts, e.Score, ex, kv{Key: contract.AttrEvalName, Value: e.Name})
		}
		if e.Failed >= 0 {
			// A pass adds 0 so the series exists before the first failure.
			c.series.Sum(c.agg.EvalFailures, res, ts, float64(e.Failed), kv{Key: contract.AttrEvalName, Value: e.Name})
		}
	}
}

func isEvalRecord(lr plog.LogRecord) bool {
	if lr.EventName() == contract.EventEvaluationResult {
		return true
	}
	if v, ok := lr.Attributes().Get(attrEventName); ok && v.Str() == contract.EventEvaluationResult {
		return true
	}
	return false
}

// recordAgreement counts a genai_judge verdict against the heuristic
// evaluator that selected the call (periscope.judge.agreement), under the
// call's dimensions. Results of other sources, and judge results without a
// selecting heuristic (the calibration sample), are not counted.
func (c *metricsConnector) recordAgreement(attrs pcommon.Map, rubric string, res *resource, ts pcommon.Timestamp) {
	if strAttr(attrs, contract.AttrEvalSource) != contract.EvalSourceJudge {
		return
	}
	evaluator := strAttr(attrs, contract.AttrJudgeEvaluator)
	heuristic := strings.ToLower(strAttr(attrs, contract.AttrJudgeHeuristicLbl))
	verdict := strings.ToLower(strAttr(attrs, contract.AttrEvalScoreLabel))
	if evaluator == "" || heuristic == "" || verdict == "" {
		return
	}
	n := c.cfg.MaxDimensionValueLength
	c.series.Sum(c.agg.JudgeAgreement, res, ts, 1,
		kv{Key: contract.AttrEvalName, Value: rubric},
		kv{Key: contract.AttrJudgeEvaluator, Value: truncate(evaluator, n)},
		kv{Key: contract.AttrJudgeHeuristicLbl, Value: truncate(heuristic, n)},
		kv{Key: contract.AttrJudgeLabel, Value: truncate(verdict, n)})
}
