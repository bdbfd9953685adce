package genaievalprocessor

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/processor/processortest"

	"github.com/periscope-otel/periscope/internal/testutil"
	"github.com/periscope-otel/periscope/processor/genaievalprocessor/internal/metadata"
)

func TestExploreSamples(t *testing.T) {
	if os.Getenv("EXPLORE") == "" {
		t.Skip()
	}
	dir := filepath.Join(testutil.SharedDir(t), "data", "genai-samples", "real-clients")
	f := NewFactory()
	cfg := f.CreateDefaultConfig()
	for _, name := range []string{"openllmetry-traces.json", "openinference-traces.json", "vercel-traces.json", "otel-traces.json"} {
		b, _ := os.ReadFile(filepath.Join(dir, name))
		td, err := (&ptrace.JSONUnmarshaler{}).UnmarshalTraces(b)
		if err != nil {
			t.Fatal(err)
		}
		sink := new(consumertest.TracesSink)
		p, _ := f.CreateTraces(context.Background(), processortest.NewNopSettings(metadata.Type), cfg, sink)
		p.ConsumeTraces(context.Background(), td)
		out := sink.AllTraces()[0]
		fmt.Println("==", name)
		rs := out.ResourceSpans()
		for i := 0; i < rs.Len(); i++ {
			ss := rs.At(i).ScopeSpans()
			for j := 0; j < ss.Len(); j++ {
				sp := ss.At(j).Spans()
				for k := 0; k < sp.Len(); k++ {
					s := sp.At(k)
					failed, ok := s.Attributes().Get("periscope.eval.failed")
					if !ok {
						failed = pcommon.NewValueStr("")
					}
					fmt.Printf("%s failed=%v\n", s.Name(), failed.AsString())
					for e := 0; e < s.Events().Len(); e++ {
						ev := s.Events().At(e)
						if ev.Name() == "gen_ai.evaluation.result" {
							m := ev.Attributes().AsRaw()
							if m["gen_ai.evaluation.score.value"].(float64) > 0.2 {
								fmt.Printf("   %v\n", m)
							}
						}
					}
				}
			}
		}
	}
	b, _ := os.ReadFile(filepath.Join(dir, "otel-logs.json"))
	ld, _ := (&plog.JSONUnmarshaler{}).UnmarshalLogs(b)
	sink := new(consumertest.LogsSink)
	p, _ := f.CreateLogs(context.Background(), processortest.NewNopSettings(metadata.Type), cfg, sink)
	p.ConsumeLogs(context.Background(), ld)
	out := sink.AllLogs()[0]
	rl := out.ResourceLogs()
	for i := 0; i < rl.Len(); i++ {
		sl := rl.At(i).ScopeLogs()
		for j := 0; j < sl.Len(); j++ {
			lr := sl.At(j).LogRecords()
			for k := 0; k < lr.Len(); k++ {
				r := lr.At(k)
				if r.EventName() == "gen_ai.evaluation.result" {
					m := r.Attributes().AsRaw()
					if m["gen_ai.evaluation.score.value"].(float64) > 0.2 {
						fmt.Printf("log %s %v\n", r.SpanID(), m)
					}
				}
			}
		}
	}
}
