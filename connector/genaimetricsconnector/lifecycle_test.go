package genaimetricsconnector

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/connector/connectortest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/periscope-otel/periscope/connector/genaimetricsconnector/internal/metadata"
	"github.com/periscope-otel/periscope/internal/contract"

	"github.com/periscope-otel/periscope/internal/testutil"
)

func TestLifecycleSharedAndShutdownFlush(t *testing.T) {
	f := NewFactory()
	assert.Equal(t, metadata.Type, f.Type())
	cfg := f.CreateDefaultConfig().(*Config)
	require.NoError(t, componenttest.CheckConfigStruct(cfg))
	cfg.FlushInterval = time.Hour // only the shutdown flush
	sink := new(consumertest.MetricsSink)
	set := connectortest.NewNopSettings(metadata.Type)
	tc, err := f.CreateTracesToMetrics(context.Background(), set, cfg, sink)
	require.NoError(t, err)
	lc, err := f.CreateLogsToMetrics(context.Background(), set, cfg, sink)
	require.NoError(t, err)
	assert.Same(t, tc.(*metricsConnector), lc.(*metricsConnector), "one instance serves both sides")
	host := componenttest.NewNopHost()
	require.NoError(t, tc.Start(context.Background(), host))
	require.NoError(t, lc.Start(context.Background(), host))
	td, ss := newTraces("svc")
	addSpan(ss, spanSpec{model: "m", in: 10, out: 5, cost: 0.25})
	require.NoError(t, tc.ConsumeTraces(context.Background(), td))
	require.NoError(t, lc.ConsumeLogs(context.Background(), evalLogs(1, "judge", 0.9, "fail", false)))
	require.NoError(t, tc.Shutdown(context.Background()))
	assert.Empty(t, sink.AllMetrics(), "first side down: still running")
	require.NoError(t, lc.Shutdown(context.Background()))
	require.Len(t, sink.AllMetrics(), 1, "shutdown flushes pending metrics")
	v, _ := sumValue(sink.AllMetrics()[0], contract.MetricCost, nil)
	assert.Equal(t, 0.25, v)
	v, _ = sumValue(sink.AllMetrics()[0], contract.MetricEvalFailures, nil)
	assert.Equal(t, 1.0, v)
}

func TestShutdownWithoutStart(t *testing.T) {
	f := NewFactory()
	c, err := f.CreateTracesToMetrics(context.Background(), connectortest.NewNopSettings(metadata.Type), f.CreateDefaultConfig(), consumertest.NewNop())
	require.NoError(t, err)
	require.NoError(t, c.Shutdown(context.Background()))
}

func TestFlushLoopSendsWithinInterval(t *testing.T) {
	cfg := defaultCfg()
	cfg.FlushInterval = 20 * time.Millisecond
	sink := new(consumertest.MetricsSink)
	c, err := buildConnector(connectortest.NewNopSettings(metadata.Type), cfg, sink)
	require.NoError(t, err)
	require.NoError(t, c.Start(context.Background(), componenttest.NewNopHost()))
	td, ss := newTraces("svc")
	addSpan(ss, spanSpec{model: "m", in: 10, out: 5})
	require.NoError(t, c.ConsumeTraces(context.Background(), td))
	require.Eventually(t, func() bool { return len(sink.AllMetrics()) > 0 }, 5*time.Second, 10*time.Millisecond)
	c.refs = 1
	require.NoError(t, c.Shutdown(context.Background()))
}

type storageHost struct {
	component.Host
	exts map[component.ID]component.Component
}

func (h storageHost) GetExtensions() map[component.ID]component.Component { return h.exts }

var storageID = component.MustNewID("file_storage")

func driftCfg() *Config {
	cfg := defaultCfg()
	cfg.Drift.MinCount = 100
	cfg.Drift.BaselineMinCount = 500
	cfg.Drift.BaselineMinSpan = 0
	cfg.Drift.ContentSampleRatio = 1
	cfg.Regression.MinCount = 100
	id := storageID
	cfg.Storage = &id
	return cfg
}

// driftTraffic sends n model calls whose output length is lognormal around
// median, through c.
func driftTraffic(t testing.TB, c *metricsConnector, r *rand.Rand, n int, median float64, version string, failRate float64) {
	t.Helper()
	td, ss := newTraces("svc")
	for i := 0; i < n; i++ {
		out := int64(median * math.Exp(0.8*r.NormFloat64()))
		s := spanSpec{model: "gpt-4o-mini", version: version, in: int64(200 * math.Exp(0.5*r.NormFloat64())), out: out,
			cost: float64(out) * 1e-6, dur: time.Duration(float64(time.Second) * math.Exp(0.5*r.NormFloat64())),
			finish: "stop", output: "The answer is that you can do it with the tool.", user: "how do I get a refund for my invoice",
			evals: map[string]float64{"toxicity": 0.05}}
		if r.Float64() < failRate {
			s.evals = map[string]float64{"toxicity": 0.9}
		}
		addSpan(ss, s)
	}
	require.NoError(t, c.ConsumeTraces(context.Background(), td))
}

func driftScores(md pmetric.Metrics) map[string]float64 {
	out := map[string]float64{}
	for _, p := range gaugePoints(md, contract.MetricDriftScore, nil) {
		sig, _ := p.Attributes().Get(contract.AttrDriftSignal)
		m, _ := p.Attributes().Get(contract.AttrDriftMethod)
		out[sig.Str()+"/"+m.Str()] = p.DoubleValue()
	}
	return out
}

// runDrift runs a baseline window and a shifted window; with restart the
// connector is shut down and a new one restores the state in between.
func runDrift(t *testing.T, restart bool) map[string]float64 {
	st := testutil.NewMemStorage()
	return runDriftWith(t, restart, func() component.Component { return st }, func() {
		assert.Equal(t, 1, st.ClosedClients())
	})
}

// runDriftWith feeds a shifted stream, optionally restarting the connector
// half-way; open returns the storage extension for each (re)start, and
// afterStop runs between the stop and the restart.
func runDriftWith(t *testing.T, restart bool, open func() component.Component, afterStop func()) map[string]float64 {
	host := storageHost{Host: componenttest.NewNopHost(), exts: map[component.ID]component.Component{storageID: open()}}
	clk := newFakeClock()
	r := rand.New(rand.NewPCG(42, 1))
	// A collector gives a component the same id across restarts (it comes
	// from the configuration); test settings make a random one per instance.
	stableID := component.NewIDWithName(metadata.Type, "restart")
	c, sink := newTestConnector(t, driftCfg(), clk)
	c.set.ID = stableID
	require.NoError(t, c.Start(context.Background(), host))
	driftTraffic(t, c, r, 600, 300, "1", 0.02)
	clk.Advance(time.Hour)
	md := flushed(t, c, sink)
	assert.Empty(t, gaugePoints(md, contract.MetricDriftScore, nil), "no score before enough data")
	driftTraffic(t, c, r, 150, 600, "1", 0.02) // half of the shifted window
	if restart {
		c.refs = 1
		require.NoError(t, c.Shutdown(context.Background()))
		afterStop()
		host.exts = map[component.ID]component.Component{storageID: open()}
		c, sink = newTestConnector(t, driftCfg(), clk)
		c.set.ID = stableID
		require.NoError(t, c.Start(context.Background(), host))
	}
	driftTraffic(t, c, r, 150, 600, "1", 0.02)
	clk.Advance(time.Hour)
	md = flushed(t, c, sink)
	c.refs = 1
	require.NoError(t, c.Shutdown(context.Background()))
	return driftScores(md)
}

func TestDriftEndToEndAndRestart(t *testing.T) {
	straight := runDrift(t, false)
	require.NotEmpty(t, straight)
	assert.Greater(t, straight["output_tokens/psi"], 0.2, "2x output length detected")
	assert.Greater(t, straight["cost/psi"], 0.2)
	assert.Less(t, straight["input_tokens/psi"], 0.1, "unchanged signal stays low")
	assert.Less(t, straight["topic/psi"], 0.05)
	assert.Contains(t, straight, "output_script/js")
	assert.Contains(t, straight, "refusal/z")
	assert.Contains(t, straight, "eval.toxicity/psi")
	restarted := runDrift(t, true)
	assert.Equal(t, straight, restarted, "state survives a restart")
}

func TestContentSampling(t *testing.T) {
	c, _ := newTestConnector(t, defaultCfg(), newFakeClock())
	r := rand.New(rand.NewPCG(3, 3))
	in := 0
	for i := 0; i < 20000; i++ {
		var tid [16]byte
		for j := range tid {
			tid[j] = byte(r.Uint32())
		}
		if c.contentSampled(tid) {
			in++
		}
	}
	assert.InDelta(t, 0.25, float64(in)/20000, 0.02)
	cfg := defaultCfg()
	cfg.Drift.Content = false
	c, _ = newTestConnector(t, cfg, newFakeClock())
	assert.False(t, c.contentSampled([16]byte{1}))
}

func TestCorruptStateDoesNotFailStart(t *testing.T) {
	st := testutil.NewMemStorage()
	st.Put(storageIndex, []byte(storagePrefix+"abc\n"+storagePrefix+"def\n"))
	st.Put(storagePrefix+"abc", []byte{'s', 1, 0xff})
	st.Put(storagePrefix+"def", []byte("garbage"))
	host := storageHost{Host: componenttest.NewNopHost(), exts: map[component.ID]component.Component{storageID: st}}
	c, _ := newTestConnector(t, driftCfg(), newFakeClock())
	require.NoError(t, c.Start(context.Background(), host))
	assert.Equal(t, 0, c.rec.series())
	c.refs = 1
	require.NoError(t, c.Shutdown(context.Background()))
}

func TestMissingStorageExtension(t *testing.T) {
	c, _ := newTestConnector(t, driftCfg(), newFakeClock())
	require.Error(t, c.Start(context.Background(), componenttest.NewNopHost()))
}

func TestQualityRegressionGaugeAndLog(t *testing.T) {
	core, logs := observer.New(zapcore.InfoLevel)
	cfg := driftCfg()
	cfg.Storage = nil
	clk := newFakeClock()
	set := connectortest.NewNopSettings(metadata.Type)
	set.Logger = zap.New(core)
	sink := new(consumertest.MetricsSink)
	c, err := buildConnector(set, cfg, sink)
	require.NoError(t, err)
	c.now = clk.Now
	r := rand.New(rand.NewPCG(7, 7))
	driftTraffic(t, c, r, 2000, 300, "1", 0.02)
	clk.Advance(time.Hour)
	flushed(t, c, sink)
	var md pmetric.Metrics
	for i := 0; i < 3; i++ {
		driftTraffic(t, c, r, 400, 300, "2", 0.10)
		clk.Advance(time.Hour)
		md = flushed(t, c, sink)
	}
	pts := gaugePoints(md, contract.MetricQualityRegression, map[string]string{
		attrComparison: "predecessor", contract.AttrEvalName: "toxicity",
		contract.AttrPromptVersion: "2", contract.AttrPromptPrevVersion: "1", contract.AttrPromptName: "support"})
	require.Len(t, pts, 1)
	assert.Equal(t, 1.0, pts[0].DoubleValue())
	started := logs.FilterMessage("quality regression started").All()
	require.Len(t, started, 1)
	assert.Equal(t, "toxicity", started[0].ContextMap()["evaluator"])
	assert.Equal(t, "2", started[0].ContextMap()["version"])
	assert.Empty(t, logs.FilterMessage("quality regression ended").All())
	// A fixed version replaces it: the old comparison ends with one line and
	// the new one (3 vs 2) holds no regression.
	for i := 0; i < 3; i++ {
		driftTraffic(t, c, r, 400, 300, "3", 0.02)
		clk.Advance(time.Hour)
		md = flushed(t, c, sink)
	}
	require.Len(t, logs.FilterMessage("quality regression ended").All(), 1)
	pts = gaugePoints(md, contract.MetricQualityRegression, map[string]string{attrComparison: "predecessor", contract.AttrPromptVersion: "3"})
	require.Len(t, pts, 1)
	assert.Equal(t, 0.0, pts[0].DoubleValue())
	assert.Empty(t, gaugePoints(md, contract.MetricQualityRegression, map[string]string{attrComparison: "predecessor", contract.AttrPromptVersion: "2"}))
}

// TestWindowExpiredDuringDowntime: the window open at shutdown is closed at
// the first flush after a restart hours later, with its data.
func TestWindowExpiredDuringDowntime(t *testing.T) {
	st := testutil.NewMemStorage()
	host := storageHost{Host: componenttest.NewNopHost(), exts: map[component.ID]component.Component{storageID: st}}
	clk := newFakeClock()
	r := rand.New(rand.NewPCG(9, 9))
	// A collector gives a component the same id across restarts (it comes
	// from the configuration); test settings make a random one per instance.
	stableID := component.NewIDWithName(metadata.Type, "restart")
	c, sink := newTestConnector(t, driftCfg(), clk)
	c.set.ID = stableID
	require.NoError(t, c.Start(context.Background(), host))
	driftTraffic(t, c, r, 600, 300, "1", 0.02)
	clk.Advance(time.Hour)
	flushed(t, c, sink)
	driftTraffic(t, c, r, 300, 600, "1", 0.02)
	c.refs = 1
	require.NoError(t, c.Shutdown(context.Background()))

	clk.Advance(5 * time.Hour)
	c, sink = newTestConnector(t, driftCfg(), clk)
	require.NoError(t, c.Start(context.Background(), host))
	scores := driftScores(flushed(t, c, sink))
	assert.Greater(t, scores["output_tokens/psi"], 0.2)
	c.refs = 1
	require.NoError(t, c.Shutdown(context.Background()))
}
