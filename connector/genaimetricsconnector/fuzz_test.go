package genaimetricsconnector

import (
	"context"
	"math"
	"testing"

	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/periscope-otel/periscope/internal/contract"
)

// FuzzUntrustedAttributes feeds arbitrary evaluation results, dimension
// values and costs through both the span and the log path: never a panic,
// never an error, and every flush stays within the cardinality cap.
func FuzzUntrustedAttributes(f *testing.F) {
	f.Add("pii", 0.7, "fail", "gpt-4o", 0.001, int64(100), int64(-5))
	f.Add("", math.NaN(), "", "", math.Inf(1), int64(-1), int64(1<<62))
	f.Add("judge\xff\xfe", -3.0, "PASS", "m\x00odel", -1.0, int64(0), int64(0))
	f.Fuzz(func(t *testing.T, name string, score float64, label, model string, cost float64, in, out int64) {
		cfg := defaultCfg()
		cfg.MaxCardinality = 50
		c, sink := newTestConnector(t, cfg, newFakeClock())
		td, ss := newTraces("svc")
		s := addSpan(ss, spanSpec{model: model, in: in, out: out, events: []evalEvent{{name: name, score: score, label: label}}})
		s.Attributes().PutDouble(contract.AttrCost, cost)
		s.Attributes().PutDouble(contract.AttrEvalPrefix+name, score)
		if err := c.ConsumeTraces(context.Background(), td); err != nil {
			t.Fatal(err)
		}
		ld := plog.NewLogs()
		lr := ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords().AppendEmpty()
		lr.SetEventName(contract.EventEvaluationResult)
		lr.Attributes().PutStr(contract.AttrEvalName, name)
		lr.Attributes().PutDouble(contract.AttrEvalScoreValue, score)
		lr.Attributes().PutStr(contract.AttrEvalScoreLabel, label)
		lr.Attributes().PutStr("gen_ai.request.model", model)
		if err := c.ConsumeLogs(context.Background(), ld); err != nil {
			t.Fatal(err)
		}
		md := flushed(t, c, sink)
		for _, m := range findMetric(md, contract.MetricCost) {
			for i := 0; i < m.Sum().DataPoints().Len(); i++ {
				v := m.Sum().DataPoints().At(i).DoubleValue()
				if math.IsNaN(v) || v < 0 {
					t.Fatalf("cost %v", v)
				}
			}
		}
	})
}
