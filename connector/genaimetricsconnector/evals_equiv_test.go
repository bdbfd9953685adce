package genaimetricsconnector

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/periscope-otel/periscope/connector/genaimetricsconnector/internal/drift"
	"github.com/periscope-otel/periscope/internal/componentkit"
	"github.com/periscope-otel/periscope/internal/contract"
	"github.com/periscope-otel/periscope/internal/genai"
)

// The reading of evaluation results before the one-pass attribute reads,
// the label table and the key pre-filters: the reference of
// TestSpanEvalsMatchReference.

type refLabels struct{ fail, pass map[string]bool }

func refLabelSet(base, extra []string) map[string]bool {
	m := make(map[string]bool, len(base)+len(extra))
	for _, l := range base {
		m[l] = true
	}
	for _, l := range extra {
		m[strings.ToLower(l)] = true
	}
	return m
}

func (c *metricsConnector) refEvalFromAttrs(ref *refLabels, ctx context.Context, attrs pcommon.Map) (drift.EvalObs, bool) {
	name := strAttr(attrs, contract.AttrEvalName)
	if name == "" {
		return drift.EvalObs{}, false
	}
	e := drift.EvalObs{Name: truncate(name, c.cfg.MaxDimensionValueLength), Failed: -1}
	if x, ok := attrs.Get(contract.AttrEvalScoreValue); ok {
		if s, ok := componentkit.Number(x); ok {
			if !math.IsNaN(s) && !math.IsInf(s, 0) {
				e.Score, e.HasScore = s, true
			}
		}
	}
	label := strings.ToLower(strAttr(attrs, contract.AttrEvalScoreLabel))
	switch {
	case label == "":
	case label == contract.LabelNoContext:
		e.Failed = -2
	case ref.fail[label]:
		e.Failed = 1
	case ref.pass[label]:
		e.Failed = 0
	default:
		e.Failed = -3
	}
	return e, true
}

func (c *metricsConnector) refCollectSpanEvals(ref *refLabels, ctx context.Context, span ptrace.Span) []drift.EvalObs {
	w := &c.w
	w.evals = w.evals[:0]
	evs := span.Events()
	for i := 0; i < evs.Len(); i++ {
		ev := evs.At(i)
		if ev.Name() != contract.EventEvaluationResult {
			continue
		}
		if e, ok := c.refEvalFromAttrs(ref, ctx, ev.Attributes()); ok && !hasEval(w.evals, e.Name) {
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
		if !strings.HasPrefix(k, contract.AttrEvalPrefix) {
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
			if c.userKeyBits&keyBit(k) != 0 {
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
		s, ok := componentkit.Number(v)
		if !ok || name == "" || hasEval(w.evals, name) {
			return true
		}
		e := drift.EvalObs{Name: truncate(name, c.cfg.MaxDimensionValueLength), Failed: failRisk}
		if !math.IsNaN(s) && !math.IsInf(s, 0) {
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

// spanRead is what collectSpanEvals leaves for the recording.
func (c *metricsConnector) spanRead(evals []drift.EvalObs) string {
	w := &c.w
	return fmt.Sprintf("%+v|%q|%q|%q|%q|%d|%x|%v|%v", evals, w.pname, w.pversion, w.loopTool, w.userID, w.userRank,
		math.Float64bits(w.rollupCost), w.hasRollupCost, w.loop)
}

func checkSpanEvals(t *testing.T, c *metricsConnector, ref *refLabels, span ptrace.Span, what string) {
	ctx := context.Background()
	want := c.spanRead(c.refCollectSpanEvals(ref, ctx, span))
	got := c.spanRead(c.collectSpanEvals(ctx, span))
	require.Equal(t, want, got, what)
	var v genai.View
	wc, wok := c.costOf(ctx, span.Attributes(), &v)
	gc, gok := c.costFrom(ctx, c.w.cost, c.w.hasCost, &v)
	require.Equal(t, fmt.Sprint(math.Float64bits(wc), wok), fmt.Sprint(math.Float64bits(gc), gok), "%s cost", what)
	// Event and log-record results go through evalFromAttrs alone too.
	for i := 0; i < span.Events().Len(); i++ {
		a := span.Events().At(i).Attributes()
		we, wok := c.refEvalFromAttrs(ref, ctx, a)
		ge, gok := c.evalFromAttrs(ctx, a)
		require.Equal(t, fmt.Sprint(we, wok), fmt.Sprint(ge, gok), "%s event %d", what, i)
	}
}

func eachSpan(td ptrace.Traces, fn func(ptrace.Span)) {
	for i := 0; i < td.ResourceSpans().Len(); i++ {
		sss := td.ResourceSpans().At(i).ScopeSpans()
		for j := 0; j < sss.Len(); j++ {
			for k := 0; k < sss.At(j).Spans().Len(); k++ {
				fn(sss.At(j).Spans().At(k))
			}
		}
	}
}

// TestSpanEvalsMatchReference: on every sample span, the benchmark traffic
// after the pipeline's processors and random spans (evaluation keys and
// look-alikes, odd labels in any case, scores of every type, user keys,
// configured labels overlapping the defaults), the span's evaluations and
// the values read in the same pass are those of the reference.
func TestSpanEvalsMatchReference(t *testing.T) {
	cfgs := []*Config{defaultCfg(), defaultCfg()}
	cfgs[1].FailLabels = []string{"OK", "No_Context", "Meh"}
	cfgs[1].PassLabels = []string{"fail", "Fine"}
	cfgs[1].Users.Attributes = []string{"periscope.user", "gen_ai.prompt.name", "user.id", "p"}
	cfgs[1].MaxDimensionValueLength = 8
	for ci, cfg := range cfgs {
		c, _ := newTestConnector(t, cfg, newFakeClock())
		ref := &refLabels{fail: refLabelSet(defaultFailLabels, cfg.FailLabels), pass: refLabelSet(defaultPassLabels, cfg.PassLabels)}

		dir := filepath.Join(samplePath(t, ""))
		require.NoError(t, filepath.Walk(dir, func(path string, fi os.FileInfo, err error) error {
			if err != nil || fi.IsDir() || !strings.HasSuffix(path, ".json") {
				return err
			}
			td, _ := readSample(t, path)
			eachSpan(td, func(s ptrace.Span) { checkSpanEvals(t, c, ref, s, path) })
			return nil
		}))
		for _, td := range trafficBatches(t, 2, 100) {
			eachSpan(td, func(s ptrace.Span) { checkSpanEvals(t, c, ref, s, "traffic") })
		}

		r := rand.New(rand.NewPCG(uint64(ci), 3))
		names := []string{"", "pii", "toxicity", "refusal", "failed", "hallucination_long_name", "p\xffii"}
		labels := []string{"", "pass", "PASS", "Fail", "fail", "no_context", "No_Context", "ok", "OK", "meh", "fine", "weird", "İ", "flagged"}
		keys := []string{contract.AttrPromptName, contract.AttrPromptVersion, contract.AttrRollupCost, contract.AttrRollupLoop,
			contract.AttrRollupLoopTool, contract.AttrEvalFailed, "periscope.user", "user.id", "enduser.id", "p", "", "periscope.evalx",
			"periscope.eva", "gen_ai.prompt.nam", "http.method", "periscope.rollup.costs", contract.AttrCost}
		setValue := func(v pcommon.Value) {
			switch r.IntN(8) {
			case 0:
				v.SetStr(labels[r.IntN(len(labels))])
			case 1:
				v.SetDouble([]float64{0, 0.5, 1, math.NaN(), math.Inf(1), -2}[r.IntN(6)])
			case 2:
				v.SetInt(int64(r.IntN(3)))
			case 3:
				v.SetBool(r.IntN(2) == 0)
			case 4:
				s := v.SetEmptySlice()
				for range r.IntN(3) {
					s.AppendEmpty().SetStr(names[r.IntN(len(names))])
				}
			case 5:
				v.SetStr(fmt.Sprint(r.Float64()))
			case 6:
				v.SetStr(`"u-1"`)
			default:
				v.SetStr(names[r.IntN(len(names))])
			}
		}
		for n := 0; n < 3000; n++ {
			span := ptrace.NewSpan()
			for range r.IntN(6) {
				ev := span.Events().AppendEmpty()
				ev.SetName(contract.EventEvaluationResult)
				if r.IntN(8) == 0 {
					ev.SetName("other")
				}
				a := ev.Attributes()
				if r.IntN(6) != 0 {
					setValue(a.PutEmpty(contract.AttrEvalName))
					if r.IntN(2) == 0 {
						a.PutStr(contract.AttrEvalName, names[r.IntN(len(names))])
					}
				}
				if r.IntN(4) != 0 {
					setValue(a.PutEmpty(contract.AttrEvalScoreValue))
				}
				if r.IntN(4) != 0 {
					a.PutStr(contract.AttrEvalScoreLabel, labels[r.IntN(len(labels))])
				}
			}
			a := span.Attributes()
			for range r.IntN(12) {
				k := keys[r.IntN(len(keys))]
				if r.IntN(3) == 0 {
					k = contract.AttrEvalPrefix + names[r.IntN(len(names))]
				}
				setValue(a.PutEmpty(k))
			}
			checkSpanEvals(t, c, ref, span, fmt.Sprint("random ", n))
		}
	}
}
