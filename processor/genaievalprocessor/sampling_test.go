package genaievalprocessor

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/pdatatest/plogtest"
	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/pdatatest/ptracetest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/processor/processortest"
	"go.opentelemetry.io/otel/attribute"

	"github.com/periscope-otel/periscope/internal/contract"
	"github.com/periscope-otel/periscope/internal/eval/evaluators"
	"github.com/periscope-otel/periscope/internal/testutil"
	"github.com/periscope-otel/periscope/internal/tracesample"
	"github.com/periscope-otel/periscope/processor/genaievalprocessor/internal/metadata"
)

// sampledCfg is the default configuration with the given evaluators'
// sample_ratio set.
func sampledCfg(t *testing.T, ratios map[string]float64) *Config {
	t.Helper()
	cfg := defaultCfg()
	for name, r := range ratios {
		b := cfg.Evaluators.Get(name)
		require.NotNil(t, b, name)
		require.NoError(t, confmap.NewFromStringMap(map[string]any{"sample_ratio": r}).Unmarshal(b), name)
	}
	require.NoError(t, cfg.Validate())
	return cfg
}

func allSpans(td ptrace.Traces) []ptrace.Span {
	var out []ptrace.Span
	for _, rs := range td.ResourceSpans().All() {
		for _, ss := range rs.ScopeSpans().All() {
			for _, s := range ss.Spans().All() {
				out = append(out, s)
			}
		}
	}
	return out
}

func copyTraces(td ptrace.Traces) ptrace.Traces {
	c := ptrace.NewTraces()
	td.CopyTo(c)
	return c
}

// TestEvaluatorSampling: an evaluator with a sample_ratio writes its score,
// event and failure for exactly the calls whose trace its sample keeps, and
// those are the scores it writes on every call; the other evaluators' output
// does not change.
func TestEvaluatorSampling(t *testing.T) {
	src := trafficBatches(t, 6)
	ratios := map[string]float64{contract.EvalRefusal: 0.25, contract.EvalHallucination: 0.5, contract.EvalPromptLeak: 0.5}
	cfg := sampledCfg(t, ratios)
	kept := map[string]int{}
	seen := 0
	for _, td := range src {
		full := runTraces(t, defaultCfg(), copyTraces(td))
		sampled := runTraces(t, cfg, copyTraces(td))
		want, got := allSpans(full), allSpans(sampled)
		require.Len(t, got, len(want))
		for i := range want {
			trace := want[i].TraceID()
			wantRes, gotRes := results(want[i]), results(got[i])
			var wantFailed []string
			for _, name := range evaluators.Names() {
				r, sampledOut := ratios[name]
				keep := !sampledOut || tracesample.New(r).Keep(trace)
				key := contract.AttrEvalPrefix + name
				ws, wok := want[i].Attributes().Get(key)
				gs, gok := got[i].Attributes().Get(key)
				_, wev := wantRes[name]
				_, gev := gotRes[name]
				assert.Equal(t, wok && keep, gok, "%s score, span %d", name, i)
				assert.Equal(t, wev && keep, gev, "%s event, span %d", name, i)
				if wok && gok {
					assert.Equal(t, ws.Double(), gs.Double(), "%s score, span %d", name, i)
					if sampledOut {
						kept[name]++
					}
				}
				if keep && wok && contains(failedOf(want[i]), name) {
					wantFailed = append(wantFailed, name)
				}
			}
			assert.ElementsMatch(t, wantFailed, failedOf(got[i]), "span %d", i)
			if _, ok := want[i].Attributes().Get(contract.AttrEvalPrefix + contract.EvalRefusal); ok {
				seen++
			}
		}
	}
	// The sample takes some calls and leaves others (the share itself is
	// tracesample's test: 600 spans of a dozen kinds are too few for it).
	require.Positive(t, seen)
	assert.Positive(t, kept[contract.EvalRefusal])
	assert.Less(t, kept[contract.EvalRefusal], seen)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// TestEvaluatorSamplingEdges: sample_ratio 1 is the default output, byte for
// byte; every evaluator at 0 leaves every span as it came and counts the
// calls as skipped (not_sampled).
func TestEvaluatorSamplingEdges(t *testing.T) {
	src := trafficBatches(t, 2)
	all := map[string]float64{}
	none := map[string]float64{}
	for _, name := range evaluators.Names() {
		all[name], none[name] = 1, 0
	}
	for _, td := range src {
		require.NoError(t, ptracetest.CompareTraces(runTraces(t, defaultCfg(), copyTraces(td)), runTraces(t, sampledCfg(t, all), copyTraces(td))))
	}

	tel := componenttest.NewTelemetry()
	t.Cleanup(func() { require.NoError(t, tel.Shutdown(context.Background())) })
	set := processortest.NewNopSettings(metadata.Type)
	set.TelemetrySettings = tel.NewTelemetrySettings()
	sink := new(consumertest.TracesSink)
	p, err := NewFactory().CreateTraces(context.Background(), set, sampledCfg(t, none), sink)
	require.NoError(t, err)
	// Shut down: a live instance keeps its calls' judged table shared with
	// the next test's logs instance.
	t.Cleanup(func() { require.NoError(t, p.Shutdown(context.Background())) })
	evaluated := 0
	for _, td := range src {
		for _, s := range allSpans(runTraces(t, defaultCfg(), copyTraces(td))) {
			if _, ok := s.Attributes().Get(contract.AttrEvalPrefix + contract.EvalPII); ok {
				evaluated++
			}
		}
		require.NoError(t, p.ConsumeTraces(context.Background(), copyTraces(td)))
	}
	require.Len(t, sink.AllTraces(), len(src))
	for i, td := range src {
		require.NoError(t, ptracetest.CompareTraces(td, sink.AllTraces()[i]))
	}
	require.Positive(t, evaluated)
	assert.Equal(t, int64(evaluated), sumOf(t, tel, "otelcol_processor_genai_eval_spans_skipped", attribute.String("reason", skipNotSampled)))
}

// TestEvaluatorSamplingLogs: calls read from log records follow the same
// sample by their trace id: the result records of a sampled-out evaluator
// are not written; with every evaluator sampled out, none are.
func TestEvaluatorSamplingLogs(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(testutil.SharedDir(t), "data", "genai-samples", "real-clients", "otel-logs.json"))
	require.NoError(t, err)
	read := func() plog.Logs {
		ld, err := (&plog.JSONUnmarshaler{}).UnmarshalLogs(b)
		require.NoError(t, err)
		return ld
	}
	runs := 0
	run := func(cfg *Config) plog.Logs {
		sink := new(consumertest.LogsSink)
		// An id of its own: instances of one id share which calls they
		// judged (a live one elsewhere in the package would claim ours).
		set := processortest.NewNopSettings(metadata.Type)
		runs++
		set.ID = component.NewIDWithName(metadata.Type, fmt.Sprintf("sampling_%d", runs))
		p, err := NewFactory().CreateLogs(context.Background(), set, cfg, sink)
		require.NoError(t, err)
		require.NoError(t, p.ConsumeLogs(context.Background(), read()))
		require.NoError(t, p.Shutdown(context.Background()))
		return sink.AllLogs()[0]
	}
	// result records per (trace, evaluator)
	resultsOf := func(ld plog.Logs) map[pcommon.TraceID]map[string]int {
		out := map[pcommon.TraceID]map[string]int{}
		for _, rl := range ld.ResourceLogs().All() {
			for _, sl := range rl.ScopeLogs().All() {
				for _, lr := range sl.LogRecords().All() {
					if lr.EventName() != contract.EventEvaluationResult {
						continue
					}
					name, _ := lr.Attributes().Get(contract.AttrEvalName)
					if out[lr.TraceID()] == nil {
						out[lr.TraceID()] = map[string]int{}
					}
					out[lr.TraceID()][name.Str()]++
				}
			}
		}
		return out
	}
	const ratio = 0.5
	full := resultsOf(run(defaultCfg()))
	sampled := resultsOf(run(sampledCfg(t, map[string]float64{contract.EvalToxicity: ratio})))
	require.NotEmpty(t, full)
	in, out := 0, 0
	for trace, byName := range full {
		for name, n := range byName {
			want := n
			if name == contract.EvalToxicity && !tracesample.New(ratio).Keep(trace) {
				want = 0
			}
			assert.Equal(t, want, sampled[trace][name], "%v %s", trace, name)
			if name == contract.EvalToxicity {
				if want > 0 {
					in++
				} else {
					out++
				}
			}
		}
	}
	assert.Positive(t, in, "calls in the sample")
	assert.Positive(t, out, "calls out of the sample")

	none := map[string]float64{}
	for _, name := range evaluators.Names() {
		none[name] = 0
	}
	require.NoError(t, plogtest.CompareLogs(read(), run(sampledCfg(t, none))))
}
