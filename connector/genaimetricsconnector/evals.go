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
	"github.com/periscope-otel/periscope/internal/genai"
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
	lc := &c.w.labels
	for i := range lc.raw {
		if lc.raw[i] == raw {
			return lc.failed[i]
		}
	}
	d := c.decideLabel(raw)
	lc.raw[lc.next], lc.failed[lc.next] = raw, d
	lc.next = (lc.next + 1) % len(lc.raw)
	return d
}

// labelCache holds the decisions of the last distinct labels read: the
// results of a span mostly repeat "pass", "fail" and "no_context".
type labelCache struct {
	raw    [4]string
	failed [4]int8
	next   int
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
		switch {
		case !hasName && k == contract.AttrEvalName:
			name, hasName = asString(v), true
		case !hasScore && k == contract.AttrEvalScoreValue:
			score, hasScore = v, true
		case !hasLabel && k == contract.AttrEvalScoreLabel:
			label, hasLabel = asString(v), true
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

// asString is Value.AsString, its common string case cheaper (Str is
// empty for the other types, which AsString renders).
func asString(v pcommon.Value) string {
	if s := v.Str(); s != "" {
		return s
	}
	return v.AsString()
}

// riskScale reports whether an evaluator's bare score is a risk score
// (1 = bad) that fail_threshold may decide on.
func (c *metricsConnector) riskScale(name string, fromAttr bool) bool {
	return fromAttr || c.riskNames[name]
}

// The span keys collectSpanEvals reads besides evaluations and users: their
// Bloom bits (keyBit), and the first byte of the evaluation prefix.
var spanKeyBits = keyBit(contract.AttrPromptName) | keyBit(contract.AttrPromptVersion) | keyBit(contract.AttrCost) |
	keyBit(contract.AttrRollupCost) | keyBit(contract.AttrRollupLoop) | keyBit(contract.AttrRollupLoopTool)

var evalPrefix0 = contract.AttrEvalPrefix[0]

// isEvalKey: the prefix compare written out so that it compiles to a few
// word compares (strings.HasPrefix calls memequal).
func isEvalKey(k string) bool {
	return len(k) >= len(contract.AttrEvalPrefix) && k[:len(contract.AttrEvalPrefix)] == contract.AttrEvalPrefix
}

// mayRecord reports whether processView could record anything for span:
// a possible model call (genai.MayBeGenAI), or a span that carries an
// evaluation result, a rollup cost or a loop mark (what processView records
// on a span that is not a call). It reads no value and takes no lock, so a
// plain span costs its key scan only; false positives of the key bits just
// take the full path.
func mayRecord(span ptrace.Span) bool {
	if genai.MayBeGenAI(span) { // gen_ai.* events, evaluation results among them, included
		return true
	}
	for k := range span.Attributes().All() {
		if k != "" && (k[0] == evalPrefix0 && isEvalKey(k) || keyBit(k)&recordKeyBits != 0) {
			return true
		}
	}
	return false
}

// recordKeyBits are the keys that make a span that is not a call count.
var recordKeyBits = keyBit(contract.AttrRollupCost) | keyBit(contract.AttrRollupLoop)

// collectSpanEvals gathers evaluation results of a span into w.evals:
// gen_ai.evaluation.result events first, then periscope.eval.<name>
// attributes not already seen; periscope.eval.failed marks failures. The
// same pass reads the prompt identity, the cost, the rollup attributes and
// the user.
func (c *metricsConnector) collectSpanEvals(ctx context.Context, span ptrace.Span) []drift.EvalObs {
	w := &c.w
	w.evals = w.evals[:0]
	w.evalBits, w.evalNext = 0, 0
	evs := span.Events()
	for i := 0; i < evs.Len(); i++ {
		ev := evs.At(i)
		if ev.Name() != contract.EventEvaluationResult {
			continue
		}
		if e, ok := c.evalFromAttrs(ctx, ev.Attributes()); ok && !w.hasEval(e.Name) {
			w.addEval(e)
		}
	}
	attrs := span.Attributes()
	var failed pcommon.Slice
	hasFailed := false
	w.pname, w.pversion = "", ""
	w.loopTool, w.userID = "", ""
	w.userRank = len(c.userKeys)
	w.rollupCost, w.hasRollupCost, w.loop = 0, false, false
	w.hasCost = false
	for k, v := range attrs.All() {
		// A first-byte test and the keys' Bloom bits spare most keys any
		// string comparison.
		if k == "" || k[0] != evalPrefix0 || !isEvalKey(k) {
			bit := keyBit(k)
			if bit&spanKeyBits != 0 {
				c.readSpanKey(k, v)
			}
			if c.userKeyBits&bit != 0 {
				c.readUser(k, v)
			}
			continue
		}
		if k == contract.AttrEvalFailed {
			if v.Type() == pcommon.ValueTypeSlice {
				failed, hasFailed = v.Slice(), true
			}
			continue
		}
		c.attrEval(ctx, k[len(contract.AttrEvalPrefix):], v)
	}
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

// readSpanKey reads one of the span keys of spanKeyBits (the first of a
// repeated cost key counts, as Map.Get reads it).
func (c *metricsConnector) readSpanKey(k string, v pcommon.Value) {
	w := &c.w
	switch k {
	case contract.AttrPromptName:
		w.pname = v.AsString()
	case contract.AttrPromptVersion:
		w.pversion = v.AsString()
	case contract.AttrCost:
		if !w.hasCost {
			w.cost, w.hasCost = v, true
		}
	case contract.AttrRollupCost:
		w.rollupCost, w.hasRollupCost = componentkit.Number(v)
	case contract.AttrRollupLoop:
		w.loop = v.Type() == pcommon.ValueTypeBool && v.Bool()
	case contract.AttrRollupLoopTool:
		w.loopTool = v.AsString()
	}
}

// readUser reads a user key, kept when it ranks before the one read.
func (c *metricsConnector) readUser(k string, v pcommon.Value) {
	w := &c.w
	if i := keyRank(c.userKeys, k); i < w.userRank {
		if id := userIDOf(v); id != "" {
			w.userID, w.userRank = id, i
		}
	}
}

// attrEval reads a periscope.eval.<name> result unless an event gave it.
func (c *metricsConnector) attrEval(ctx context.Context, name string, v pcommon.Value) {
	w := &c.w
	if name == "" || w.nextIs(name) || w.hasEval(name) { // mostly the events' results again
		return
	}
	s, ok := componentkit.Number(v)
	if !ok {
		return
	}
	e := drift.EvalObs{Name: truncate(name, c.cfg.MaxDimensionValueLength), Failed: failRisk}
	if math.IsNaN(s) || math.IsInf(s, 0) {
		c.bad(ctx, "invalid_score")
	} else {
		e.Score, e.HasScore = s, true
	}
	w.addEval(e)
}

// addEval appends a result and its name's Bloom bit.
func (w *work) addEval(e drift.EvalObs) {
	w.evals = append(w.evals, e)
	w.evalBits |= keyBit(e.Name)
}

// nextIs reports whether name is that of the result after the last one
// found: the attributes mostly repeat the events' results in their order.
func (w *work) nextIs(name string) bool {
	if j := w.evalNext; j < len(w.evals) && w.evals[j].Name == name {
		w.evalNext = j + 1
		return true
	}
	return false
}

// hasEval reports whether a result of that name was read.
func (w *work) hasEval(name string) bool {
	if w.evalBits&keyBit(name) == 0 {
		return false
	}
	for j := range w.evals {
		if w.evals[j].Name == name {
			w.evalNext = j + 1
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
