package drift

import (
	"strings"
	"testing"
	"time"
)

var benchQuestion = strings.Repeat("How do I get a refund for the duplicate charge on my last invoice? ", 8)[:512]

func BenchmarkTopic512B(b *testing.B) {
	var sig [TopicBuckets]float32
	b.ReportAllocs()
	for b.Loop() {
		Topic(benchQuestion, 512, &sig)
	}
}

func BenchmarkClassifyScript256B(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		ClassifyScript(benchQuestion, 256)
	}
}

// BenchmarkObserve is the state update of one request (map lookup and
// increments), the part of drift that runs for every model call.
func BenchmarkObserve(b *testing.B) {
	tr := NewTracker(testSettings())
	now := time.Unix(1000, 0)
	o := &Obs{}
	o.Reset()
	o.Input, o.HasInput = 300, true
	o.Output, o.HasOutput = 120, true
	o.LatencyMs, o.HasLatency = 900, true
	o.CostUSD, o.HasCost = 0.0004, true
	o.Finish, o.Script, o.Refusal = FinishStop, LangEN, 0
	o.Evals = []EvalObs{{Name: "pii", Score: .1, HasScore: true}, {Name: "toxicity", Score: .2, HasScore: true}}
	key := []byte("svc\x00prompt\x003\x00gpt-4o-mini\x00")
	dims := []string{"svc", "prompt", "3", "gpt-4o-mini"}
	b.ReportAllocs()
	for b.Loop() {
		tr.ObserveBytes(key, dims, o, now)
	}
}
