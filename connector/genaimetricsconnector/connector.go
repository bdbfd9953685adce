package genaimetricsconnector

import (
	"context"
	"errors"
	"math"
	"slices"
	"sync"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/connector"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.uber.org/zap"

	"github.com/periscope-otel/periscope/connector/genaimetricsconnector/internal/drift"
	"github.com/periscope-otel/periscope/internal/componentkit"
	"github.com/periscope-otel/periscope/internal/eval/evaluators"
	"github.com/periscope-otel/periscope/internal/genai"
	"github.com/periscope-otel/periscope/internal/metrics"
	"github.com/periscope-otel/periscope/internal/ratelog"
	"github.com/periscope-otel/periscope/internal/selector"
	"github.com/periscope-otel/periscope/internal/statestore"
	"github.com/periscope-otel/periscope/internal/tracesample"
)

const (
	attrServiceName = "service.name"
	attrOperation   = "gen_ai.operation.name"
	attrProvider    = "gen_ai.provider.name"
	attrRequestMdl  = "gen_ai.request.model"
	attrErrorType   = "error.type"
	attrEventName   = "event.name"
	otherValue      = "_OTHER"
	unknownService  = "unknown_service"

	// dedupSize bounds the span ids remembered to count usage once when the
	// same call arrives both as a span and as log records.
	dedupSize = 1 << 16
	// dimCacheSize bounds the span ids whose dimensions are remembered.
	dimCacheSize = 1 << 14
	// traceCostSize bounds the traces whose user-attributed cost is
	// remembered (to add only the rest of a root's rollup).
	traceCostSize = 1 << 14
)

// metricsConnector turns GenAI spans and log records into metrics. One
// instance serves both the traces and the logs side of a configured
// connector id. It orchestrates: the reader (internal/genai, guarded by
// componentkit) reads each call, the aggregation lives in internal/metrics,
// drift and regressions behind a qualityRecorder, persistence in
// internal/statestore.
type metricsConnector struct {
	cfg    *Config
	set    connector.Settings
	next   consumer.Metrics
	logger *zap.Logger
	rl     *ratelog.Logger
	guard  *componentkit.Guard
	now    func() time.Time

	spanSel *selector.Spans
	logSel  *selector.Logs
	opts    genai.Options // content reading (sampled spans)
	meta    genai.Options // metadata only
	// contentSample: the traces whose spans' content is read.
	contentSample tracesample.Ratio

	mu        sync.Mutex
	agg       *metrics.GenAI
	series    *metrics.Series
	rec       qualityRecorder // nil when drift is disabled
	resources map[string]*resource
	lastFlush pcommon.Timestamp
	dedup     *idSet
	// logUsageSeen: some log records carried usage, so spans must be
	// remembered to count each call once.
	logUsageSeen bool

	labels    map[string]int8 // failure decision by lower-case score label
	riskNames map[string]bool

	// dimsBySpan: filled only once evaluation records have been seen.
	dimsBySpan   *dimCache
	evalLogsSeen bool
	w            work

	// users: top-K cost per user (nil when users.enabled is false);
	// userCost: cost already attributed per recent trace; userKeys: the
	// user attributes in priority order, userKeyBits their Bloom filter (a
	// cheap pre-filter in the attribute scan).
	users       *userTop
	userCost    *traceCost
	userKeys    []string
	userKeyBits uint64

	store *statestore.Store
	tel   telemetry

	startOnce, stopOnce sync.Once
	running             bool
	refs                int
	done                chan struct{}
	wg                  sync.WaitGroup
}

// work holds per-record scratch read from span attributes (guarded by mu).
type work struct {
	key   []byte
	evals []drift.EvalObs
	// evalBits: the Bloom bits (keyBit) of the names in evals; evalNext:
	// where the next name search starts.
	evalBits uint64
	evalNext int
	// the span's gen_ai.usage.cost value, if any
	cost    pcommon.Value
	hasCost bool
	// prompt identity
	pname, pversion string
	// agent/tool/user keys
	loopTool, userID    string
	userRank            int
	rollupCost          float64
	hasRollupCost, loop bool
	call                callObs
	labels              labelCache
}

var (
	sharedMu sync.Mutex
	shared   = map[*Config]*metricsConnector{}
)

// newConnector returns the instance for cfg, shared between the traces and
// logs sides so that both feed one set of series.
func newConnector(set connector.Settings, cfg *Config, next consumer.Metrics) (*metricsConnector, error) {
	sharedMu.Lock()
	defer sharedMu.Unlock()
	if c, ok := shared[cfg]; ok {
		c.refs++
		return c, nil
	}
	c, err := buildConnector(set, cfg, next)
	if err != nil {
		return nil, err
	}
	c.refs = 1
	shared[cfg] = c
	return c, nil
}

func buildConnector(set connector.Settings, cfg *Config, next consumer.Metrics) (*metricsConnector, error) {
	spanSel, err := selector.NewSpans(cfg.Conditions, set.TelemetrySettings)
	if err != nil {
		return nil, err
	}
	logSel, err := selector.NewLogs(cfg.LogConditions, set.TelemetrySettings)
	if err != nil {
		return nil, err
	}
	agg := metrics.NewGenAI(cfg.MaxCardinality, exemplarCap(cfg))
	c := &metricsConnector{
		cfg:        cfg,
		set:        set,
		next:       next,
		logger:     set.Logger,
		rl:         ratelog.New(set.Logger, time.Minute, 5),
		guard:      componentkit.NewGuard(set.Logger, "genai_metrics"),
		now:        time.Now,
		spanSel:    spanSel,
		logSel:     logSel,
		agg:        agg,
		series:     metrics.NewSeries(agg.Aggregator),
		resources:  map[string]*resource{},
		dedup:      newIDSet(dedupSize),
		dimsBySpan: newDimCache(dimCacheSize, cfg.MaxCardinality),
		done:       make(chan struct{}),
	}
	if cfg.Drift.Enabled && cfg.Drift.Content && cfg.Drift.ContentSampleRatio > 0 {
		c.opts = genai.Options{Content: true, MaxContentBytes: cfg.Drift.MaxContentBytes, SkipToolDefinitions: true}
		c.contentSample = tracesample.New(cfg.Drift.ContentSampleRatio)
	}
	if cfg.Drift.Enabled {
		c.rec = newDriftRecorder(cfg, &c.mu, set.Logger, agg.OverflowRes, c.overflowed)
	}
	if cfg.Users.Enabled {
		c.users = newUserTop(cfg.Users.TopK, string(cfg.Users.Salt))
		c.userCost = newTraceCost(traceCostSize)
		c.userKeys = cfg.Users.Attributes
		for _, k := range c.userKeys {
			c.userKeyBits |= keyBit(k)
		}
	}
	c.labels = labelSet(slices.Concat(defaultFailLabels, cfg.FailLabels), slices.Concat(defaultPassLabels, cfg.PassLabels))
	c.riskNames = map[string]bool{}
	for _, n := range evaluators.RiskNames() { // the registry (internal/eval/evaluators)
		c.riskNames[n] = true
	}
	for _, n := range cfg.RiskEvaluators {
		c.riskNames[n] = true
	}
	if err := c.initTelemetry(); err != nil {
		return nil, err
	}
	return c, nil
}

func exemplarCap(cfg *Config) int {
	if !cfg.Exemplars.Enabled {
		return 0
	}
	return cfg.Exemplars.MaxPerDataPoint
}

func (c *metricsConnector) Capabilities() consumer.Capabilities {
	return consumer.Capabilities{MutatesData: false}
}

// Start restores persisted state and starts the flush loop (once for both
// sides of the connector).
func (c *metricsConnector) Start(ctx context.Context, host component.Host) error {
	var err error
	c.startOnce.Do(func() {
		c.logger.Info("genai_metrics started",
			zap.Duration("flush_interval", c.cfg.FlushInterval),
			zap.String("temporality", c.cfg.AggregationTemporality),
			zap.Bool("drift", c.cfg.Drift.Enabled),
			zap.Bool("storage", c.cfg.Storage != nil))
		if c.cfg.Storage != nil {
			c.store, err = statestore.Open(ctx, host, statestore.Settings{
				Storage: *c.cfg.Storage, Kind: component.KindConnector, Owner: c.set.ID,
				Component: "genai_metrics", Logger: c.logger, OnError: c.stateError})
			if err != nil {
				return
			}
			if c.rec != nil {
				c.rec.load(ctx, c.store)
			}
		}
		c.mu.Lock()
		c.lastFlush = pcommon.NewTimestampFromTime(c.now())
		c.mu.Unlock()
		c.running = true
		c.wg.Add(1)
		go c.loop()
	})
	return err
}

func (c *metricsConnector) loop() {
	defer c.wg.Done()
	t := time.NewTicker(c.cfg.FlushInterval)
	defer t.Stop()
	for {
		select {
		case <-c.done:
			return
		case <-t.C:
			if err := c.flush(context.Background()); err != nil {
				c.rl.Warn("export", "genai_metrics: exporting metrics failed", zap.Error(err))
			}
		}
	}
}

// Shutdown flushes pending metrics and persists state (on the last side
// to shut down).
func (c *metricsConnector) Shutdown(ctx context.Context) error {
	sharedMu.Lock()
	c.refs--
	last := c.refs <= 0
	if last && shared[c.cfg] == c {
		delete(shared, c.cfg)
	}
	sharedMu.Unlock()
	if !last {
		return nil
	}
	var err error
	c.stopOnce.Do(func() {
		c.startOnce.Do(func() {}) // a later Start must not launch the loop
		close(c.done)
		c.wg.Wait()
		if c.running {
			err = c.flush(ctx)
		}
		if c.store != nil {
			err = errors.Join(err, c.store.Close(ctx, func(ctx context.Context) error {
				c.persist(ctx)
				return nil
			}))
		}
		c.tel.shutdown()
	})
	return err
}

// persist saves the recorder's changed state (at window close and
// shutdown).
func (c *metricsConnector) persist(ctx context.Context) {
	if c.store != nil && c.rec != nil {
		c.rec.save(ctx, c.store)
	}
}

// ConsumeTraces aggregates the GenAI spans of td.
func (c *metricsConnector) ConsumeTraces(ctx context.Context, td ptrace.Traces) error {
	now := c.now()
	var processed int64
	var skips componentkit.Skips
	var res *resource
	svc, lastRS := "", -1
	for s := range componentkit.Spans(td) {
		if s.RSIndex != lastRS {
			lastRS = s.RSIndex
			c.mu.Lock()
			res = c.resourceFor(s.RS.Resource())
			c.mu.Unlock()
			svc = strAttr(s.RS.Resource().Attributes(), attrServiceName)
		}
		if !s.Selected(ctx, c.spanSel) {
			skips.Add(componentkit.SkipNotSelected)
			continue
		}
		switch c.processSpan(ctx, s, svc, res, now) {
		case spanRecorded:
			processed++
		case spanNotGenAI:
			skips.Add(componentkit.SkipNotGenAI)
		default:
			skips.Add(componentkit.SkipInternalError)
		}
	}
	if processed > 0 {
		c.tel.spans.Add(ctx, processed)
	}
	skips.Flush(ctx, c.tel.skipped)
	c.mu.Lock()
	c.reportOverflow(ctx)
	c.mu.Unlock()
	return nil
}

type spanOutcome uint8

const (
	spanRecorded spanOutcome = iota
	spanNotGenAI
	spanFailed // the reader panicked: nothing recorded
)

// processSpan reads a span outside the lock (the reader is the costly,
// stateless part) and records it under the lock.
func (c *metricsConnector) processSpan(ctx context.Context, s componentkit.SpanRef, svc string, res *resource, now time.Time) spanOutcome {
	if !mayRecord(s.Span) {
		return spanNotGenAI
	}
	opts := c.meta
	if c.contentSampled(s.Span.TraceID()) {
		opts = c.opts
	}
	// The view reaches the quality recorder through an interface, so a
	// local one would be a heap allocation (~1 KB) per span: it is pooled.
	v := viewPool.Get().(*genai.View)
	defer func() {
		*v = genai.View{} // keeps no span alive
		viewPool.Put(v)
	}()
	if !c.guard.Run("span", func() { *v = genai.ReadSpan(s.Span, s.RS.Resource(), opts) }) {
		return spanFailed
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.processView(ctx, s.RS, s.SS, s.Span, svc, v, opts.Content, res, now) {
		return spanNotGenAI
	}
	return spanRecorded
}

var viewPool = sync.Pool{New: func() any { return new(genai.View) }}

// processView records one span from its view (split from processSpan so
// the connector's own cost can be measured apart from the reader).
func (c *metricsConnector) processView(ctx context.Context, rs ptrace.ResourceSpans, ss ptrace.ScopeSpans, span ptrace.Span, svc string, v *genai.View, content bool, res *resource, now time.Time) bool {
	evals := c.collectSpanEvals(ctx, span)
	w := &c.w
	if !v.IsGenAI() && len(evals) == 0 && !w.hasRollupCost && !w.loop {
		return false
	}
	if w.hasRollupCost && (math.IsNaN(w.rollupCost) || math.IsInf(w.rollupCost, 0) || w.rollupCost < 0) {
		c.bad(ctx, "invalid_cost")
		w.hasRollupCost = false
	}
	c.buildDims(v, attrSource{record: span.Attributes(), resource: rs.Resource().Attributes(), scope: ss.Scope().Attributes(),
		known: true, svc: svc, pname: w.pname, pversion: w.pversion})
	billable := v.Billable()
	if c.evalLogsSeen && billable {
		c.rememberDims(span.SpanID())
	}
	ts := span.EndTimestamp()
	if ts == 0 {
		ts = pcommon.NewTimestampFromTime(now)
	}
	ex := &exemplar{TS: ts, TraceID: span.TraceID(), SpanID: span.SpanID()}
	cost, hasCost := c.costFrom(ctx, w.cost, w.hasCost, v)
	// Spans enter the dedup table only once usage has been seen on logs.
	fresh := billable && (!c.logUsageSeen || c.dedup.add(span.SpanID()))
	if fresh {
		c.recordUsage(ctx, v, res, ts, cost, hasCost, ex)
	}
	var seconds float64
	hasLatency := false
	if billable {
		seconds, hasLatency = c.recordLatency(ctx, span, v, res, ts, ex)
	}
	c.recordAgentTool(ctx, span, v, res, ts, ex)
	if c.users != nil && w.userID != "" {
		c.recordUserCost(span, fresh && hasCost, cost)
	}
	c.recordEvals(evals, res, ts, ex)
	if c.rec != nil && (billable || len(evals) > 0) {
		w.call = callObs{view: v, fresh: fresh, cost: cost, hasCost: hasCost, content: content,
			latencyMs: seconds * 1000, hasLatency: hasLatency, evals: evals}
		c.rec.observe(&w.call, c.series.Dims, now)
	}
	return true
}

func (c *metricsConnector) bad(ctx context.Context, reason string) {
	c.tel.badValues.Add(ctx, 1, metric.WithAttributes(attribute.String("reason", reason)))
}

func (c *metricsConnector) overflowed(ctx context.Context, name string, n int64) {
	c.tel.overflow.Add(ctx, n, metric.WithAttributes(attribute.String("metric", name)))
}

// reportOverflow counts the recordings routed to overflow series since the
// last call (under mu).
func (c *metricsConnector) reportOverflow(ctx context.Context) {
	c.agg.TakeOverflow(func(name string, n int64) { c.overflowed(ctx, name, n) })
	if c.rec != nil {
		if n := c.rec.takeOverflow(); n > 0 {
			c.overflowed(ctx, "drift_series", n)
		}
	}
}

func (c *metricsConnector) stateError(ctx context.Context, op string) {
	c.tel.stateErr.Add(ctx, 1, metric.WithAttributes(attribute.String("op", op)))
}
