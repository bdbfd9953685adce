package genaimetricsconnector

import (
	"context"
	"encoding/binary"
	"errors"
	"math"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/connector"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/extension/xextension/storage"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.uber.org/zap"

	"github.com/periscope-otel/periscope/connector/genaimetricsconnector/internal/drift"
	"github.com/periscope-otel/periscope/connector/genaimetricsconnector/internal/metadata"
	"github.com/periscope-otel/periscope/internal/contract"
	"github.com/periscope-otel/periscope/internal/genai"
	"github.com/periscope-otel/periscope/internal/ratelog"
	"github.com/periscope-otel/periscope/internal/selector"
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

	// Dimensions of periscope.quality.regression beyond the series key.
	attrComparison      = contract.AttrRegressionComparison
	attrPreviousVersion = contract.AttrPromptPrevVersion

	// refusalBytes is how much of an answer the refusal phrases look at.
	refusalBytes = 200
	// dedupSize bounds the span ids remembered to count usage once when the
	// same call arrives both as a span and as log records.
	dedupSize = 1 << 16
	// dimCacheSize bounds the span ids whose dimensions are remembered.
	dimCacheSize = 1 << 14
	// traceCostSize bounds the traces whose user-attributed cost is
	// remembered (to add only the rest of a root's rollup).
	traceCostSize = 1 << 14
)

// keyBit is a one-word Bloom filter bit of an attribute key (its length,
// first and last bytes): attribute keys that are not user keys are
// rejected without a string comparison.
func keyBit(k string) uint64 {
	n := len(k)
	if n == 0 {
		return 1
	}
	return 1 << ((uint(n) + uint(k[n-1])*5 + uint(k[0])*3) & 63)
}

// metricsConnector turns GenAI spans and log records into metrics. One
// instance serves both the traces and the logs side of a configured
// connector id.
type metricsConnector struct {
	cfg    *Config
	set    connector.Settings
	next   consumer.Metrics
	logger *zap.Logger
	rl     *ratelog.Logger
	now    func() time.Time

	spanSel *selector.Spans
	logSel  *selector.Logs
	opts    genai.Options // content reading (sampled spans)
	meta    genai.Options // metadata only
	// sampleBelow: a span's content is read when the top bits of its trace
	// id hash are below it.
	sampleBelow uint64

	mu        sync.Mutex
	agg       *aggregator
	tracker   *drift.Tracker
	resources map[string]*resource
	lastFlush pcommon.Timestamp
	dedup     *idSet
	// logUsageSeen: some log records carried usage, so spans must be
	// remembered to count each call once.
	logUsageSeen bool

	failLabels, passLabels, riskNames map[string]bool

	// dimsBySpan lets evaluation log records from other tools inherit the
	// dimensions (model, prompt version, ...) of the call they evaluated.
	// Filled only once such records have been seen.
	dimsBySpan   *dimCache
	evalLogsSeen bool
	keyDimIdx    []int // index into w.dims of each drift key dimension
	w            work

	// users: top-K cost per user (nil when users.enabled is false);
	// userCost: cost already attributed per recent trace; userKeys: the
	// user attributes in priority order, userKeyBits their Bloom filter (a
	// cheap pre-filter in the attribute scan).
	users       *userTop
	userCost    *traceCost
	userKeys    []string
	userKeyBits uint64

	client storage.Client
	tel    telemetry

	startOnce, stopOnce sync.Once
	running             bool
	refs                int
	done                chan struct{}
	wg                  sync.WaitGroup
}

// work holds per-record scratch buffers (guarded by mu).
type work struct {
	dims    []kv
	attrs   []kv
	key     []byte
	evals   []drift.EvalObs
	obs     drift.Obs
	keyVals []string
	dkey    []byte
	// prompt identity read while scanning span attributes
	pname, pversion string
	// agent/tool/user keys read while scanning span attributes
	loopTool, userID    string
	userRank            int
	rollupCost          float64
	hasRollupCost, loop bool
	// dims-derived prefix shared by the metrics of one record
	dimsGen, baseGen uint64
	baseRes          *resource
	baseAttrs        []kv
	baseKey          []byte
}

type telemetry struct {
	spans      metric.Int64Counter
	records    metric.Int64Counter
	skipped    metric.Int64Counter
	overflow   metric.Int64Counter
	badValues  metric.Int64Counter
	stateErr   metric.Int64Counter
	driftSerie metric.Int64ObservableGauge
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
	c := &metricsConnector{
		cfg:        cfg,
		set:        set,
		next:       next,
		logger:     set.Logger,
		rl:         ratelog.New(set.Logger, time.Minute, 5),
		now:        time.Now,
		spanSel:    spanSel,
		logSel:     logSel,
		agg:        newAggregator(cfg.MaxCardinality, exemplarCap(cfg)),
		resources:  map[string]*resource{},
		dedup:      newIDSet(dedupSize),
		dimsBySpan: newDimCache(dimCacheSize, cfg.MaxCardinality),
		done:       make(chan struct{}),
	}
	if cfg.Drift.Enabled && cfg.Drift.Content && cfg.Drift.ContentSampleRatio > 0 {
		c.opts = genai.Options{Content: true, MaxContentBytes: cfg.Drift.MaxContentBytes, SkipToolDefinitions: true}
		c.sampleBelow = uint64(cfg.Drift.ContentSampleRatio * (1 << 32))
	}
	if cfg.Drift.Enabled {
		c.tracker = drift.NewTracker(trackerSettings(cfg))
		for _, k := range cfg.Drift.KeyDimensions {
			c.keyDimIdx = append(c.keyDimIdx, dimIndex(cfg, k))
		}
	}
	if cfg.Users.Enabled {
		c.users = newUserTop(cfg.Users.TopK, string(cfg.Users.Salt))
		c.userCost = newTraceCost(traceCostSize)
		c.userKeys = cfg.Users.Attributes
		for _, k := range c.userKeys {
			c.userKeyBits |= keyBit(k)
		}
	}
	c.failLabels = labelSet(defaultFailLabels, cfg.FailLabels)
	c.passLabels = labelSet(defaultPassLabels, cfg.PassLabels)
	c.riskNames = map[string]bool{}
	for _, n := range []string{contract.EvalPromptInjection, contract.EvalJailbreak, contract.EvalPII, contract.EvalSecrets,
		contract.EvalToxicity, contract.EvalRefusal, contract.EvalPromptLeak, contract.EvalOffTopic, contract.EvalHallucination} {
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

// dimIndex is the position of a dimension in work.dims: the six built-in
// ones first, then the configured extras.
func dimIndex(cfg *Config, name string) int {
	for i, b := range builtinDimensions {
		if b == name {
			return i
		}
	}
	for i, d := range cfg.Dimensions {
		if d.Name == name {
			return len(builtinDimensions) + i
		}
	}
	return -1
}

func trackerSettings(cfg *Config) drift.Settings {
	d, r := cfg.Drift, cfg.Regression
	s := drift.Settings{
		Window: d.Window, MinCount: d.MinCount, MaxWindowSpan: d.MaxWindowSpan,
		Trailing: d.Baseline == baselineTrailing, BaselineMinCount: d.BaselineMinCount,
		BaselineMinSpan: d.BaselineMinSpan, TrailingDecay: d.TrailingDecay,
		PSIFloor: d.PSIFloor, TopicPSIFloor: d.TopicPSIFloor, Alpha: d.Alpha,
		MaxSeries: d.MaxSeries, SeriesTTL: d.SeriesTTL,
		Regression: r.Enabled, RegAlpha: 1 - r.Confidence, MinEffect: r.MinEffect,
		RaiseAfter: r.RaiseAfter, ClearAfter: r.ClearAfter, RegMinCount: r.MinCount,
		VersionDimIdx: -1, NameDimIdx: -1,
	}
	for i, k := range d.KeyDimensions {
		switch k {
		case contract.AttrPromptVersion:
			s.VersionDimIdx = i
		case contract.AttrPromptName:
			s.NameDimIdx = i
		}
	}
	return s
}

func (c *metricsConnector) initTelemetry() error {
	m := c.set.TelemetrySettings.MeterProvider.Meter(metadata.ScopeName)
	var errs []error
	add := func(err error) { errs = append(errs, err) }
	var err error
	c.tel.spans, err = m.Int64Counter("otelcol_genai_metrics_spans_processed", metric.WithDescription("Spans read by genai_metrics."), metric.WithUnit("{span}"))
	add(err)
	c.tel.records, err = m.Int64Counter("otelcol_genai_metrics_log_records_processed", metric.WithDescription("Log records read by genai_metrics."), metric.WithUnit("{record}"))
	add(err)
	c.tel.skipped, err = m.Int64Counter("otelcol_genai_metrics_spans_skipped", metric.WithDescription("Spans and records that produced no metric, by reason."), metric.WithUnit("{span}"))
	add(err)
	c.tel.overflow, err = m.Int64Counter("otelcol_genai_metrics_overflow", metric.WithDescription("Recordings routed to an overflow series (cardinality cap), by metric."), metric.WithUnit("{recording}"))
	add(err)
	c.tel.badValues, err = m.Int64Counter("otelcol_genai_metrics_bad_values", metric.WithDescription("Values ignored as invalid (negative duration, NaN score, ...), by reason."), metric.WithUnit("{value}"))
	add(err)
	c.tel.stateErr, err = m.Int64Counter("otelcol_genai_metrics_state_errors", metric.WithDescription("Drift state persistence errors, by operation."), metric.WithUnit("{error}"))
	add(err)
	c.tel.driftSerie, err = m.Int64ObservableGauge("otelcol_genai_metrics_drift_series", metric.WithDescription("Drift series tracked."), metric.WithUnit("{series}"),
		metric.WithInt64Callback(func(_ context.Context, o metric.Int64Observer) error {
			if c.tracker == nil {
				return nil
			}
			c.mu.Lock()
			n := c.tracker.Len()
			c.mu.Unlock()
			o.Observe(int64(n))
			return nil
		}))
	add(err)
	return errors.Join(errs...)
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
			if err = c.openStorage(ctx, host); err != nil {
				return
			}
			c.restore(ctx)
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

func (c *metricsConnector) openStorage(ctx context.Context, host component.Host) error {
	ext, ok := host.GetExtensions()[*c.cfg.Storage]
	if !ok {
		return errors.New("storage: extension " + c.cfg.Storage.String() + " not found")
	}
	se, ok := ext.(storage.Extension)
	if !ok {
		return errors.New("storage: extension " + c.cfg.Storage.String() + " is not a storage extension")
	}
	client, err := se.GetClient(ctx, component.KindConnector, c.set.ID, "")
	if err != nil {
		return err
	}
	c.client = client
	return nil
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
		if c.client != nil {
			c.persist(ctx)
			err = errors.Join(err, c.client.Close(ctx))
		}
	})
	return err
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// resourceFor interns the output resource of an input resource.
func (c *metricsConnector) resourceFor(res pcommon.Resource) *resource {
	w := &c.w
	w.key = w.key[:0]
	attrs := res.Attributes()
	for _, k := range c.cfg.ResourceAttributes {
		v, ok := attrs.Get(k)
		if !ok {
			continue
		}
		w.key = append(w.key, k...)
		w.key = append(w.key, 0)
		w.key = append(w.key, truncate(v.AsString(), c.cfg.MaxDimensionValueLength)...)
		w.key = append(w.key, 0)
	}
	if r, ok := c.resources[string(w.key)]; ok {
		return r
	}
	if len(c.resources) >= c.cfg.MaxCardinality {
		return c.agg.overflowRes
	}
	r := &resource{key: string(w.key)}
	for _, k := range c.cfg.ResourceAttributes {
		if v, ok := attrs.Get(k); ok {
			r.attrs = append(r.attrs, kv{k, truncate(v.AsString(), c.cfg.MaxDimensionValueLength)})
		}
	}
	c.resources[r.key] = r
	return r
}

// attrSource gives the attribute maps a dimension may be read from.
type attrSource struct {
	record, resource, scope pcommon.Map
	// Values already read by the caller (spans read them in the same pass
	// as the evaluation attributes): known marks them as set.
	known                bool
	svc, pname, pversion string
}

func strAttr(m pcommon.Map, k string) string {
	if v, ok := m.Get(k); ok {
		return v.AsString()
	}
	return ""
}

// buildDims fills w.dims with the built-in and extra dimensions, always in
// the same positions (missing optional values are empty and not emitted).
func (c *metricsConnector) buildDims(v *genai.View, src attrSource) {
	w := &c.w
	w.dims = w.dims[:0]
	w.dimsGen++
	limit := c.cfg.MaxDimensionValueLength
	var svc, pname, pver string
	if src.known {
		svc, pname, pver = src.svc, src.pname, src.pversion
	} else {
		svc = strAttr(src.resource, attrServiceName)
		pname, pver = strAttr(src.record, contract.AttrPromptName), strAttr(src.record, contract.AttrPromptVersion)
	}
	if svc == "" {
		svc = unknownService
	}
	op, prov := v.Operation, v.Provider
	if op == "" {
		op = strAttr(src.record, attrOperation)
	}
	if prov == "" {
		prov = strAttr(src.record, attrProvider)
	}
	if op == "" {
		op = otherValue
	}
	if prov == "" {
		prov = otherValue
	}
	model := v.RequestModel
	if model == "" {
		model = v.ResponseModel
	}
	if model == "" {
		model = strAttr(src.record, attrRequestMdl)
	}
	if pname == "" {
		pname = v.Prompt.Name
	}
	if pver == "" {
		pver = v.Prompt.Version
	}
	w.dims = append(w.dims,
		kv{attrServiceName, truncate(svc, limit)},
		kv{attrOperation, truncate(op, limit)},
		kv{attrProvider, truncate(prov, limit)},
		kv{attrRequestMdl, truncate(model, limit)},
		kv{contract.AttrPromptName, truncate(pname, limit)},
		kv{contract.AttrPromptVersion, truncate(pver, limit)},
	)
	for _, d := range c.cfg.Dimensions {
		var m pcommon.Map
		switch d.Source {
		case sourceResource:
			m = src.resource
		case sourceScope:
			m = src.scope
		default:
			m = src.record
		}
		val := d.Default
		if m != (pcommon.Map{}) {
			if x, ok := m.Get(d.Name); ok {
				val = x.AsString()
			}
		}
		w.dims = append(w.dims, kv{d.Name, truncate(val, limit)})
	}
}

// prepare returns the attributes and series key of the current dims plus
// extra pairs. The dims part is built once per record and reused by every
// metric recorded for it.
func (c *metricsConnector) prepare(res *resource, extra []kv) ([]kv, []byte) {
	w := &c.w
	if w.baseGen != w.dimsGen || w.baseRes != res {
		w.baseAttrs = w.baseAttrs[:0]
		for _, d := range w.dims {
			if d.v != "" {
				w.baseAttrs = append(w.baseAttrs, d)
			}
		}
		w.baseKey = appendKey(w.baseKey[:0], res, w.baseAttrs)
		w.baseGen, w.baseRes = w.dimsGen, res
	}
	w.attrs = append(append(w.attrs[:0], w.baseAttrs...), extra...)
	w.key = append(w.key[:0], w.baseKey...)
	for _, a := range extra {
		w.key = append(w.key, a.k...)
		w.key = append(w.key, 0)
		w.key = append(w.key, a.v...)
		w.key = append(w.key, 0)
	}
	return w.attrs, w.key
}

func (c *metricsConnector) recordHist(m *metricAgg, res *resource, ts pcommon.Timestamp, v float64, ex *exemplar, extra ...kv) {
	attrs, key := c.prepare(res, extra)
	c.agg.histogram(m, key, res, attrs, v, ts, ex)
}

func (c *metricsConnector) recordSum(m *metricAgg, res *resource, ts pcommon.Timestamp, v float64, extra ...kv) {
	attrs, key := c.prepare(res, extra)
	c.agg.add(m, key, res, attrs, v, ts)
}

func (c *metricsConnector) bad(ctx context.Context, reason string) {
	c.tel.badValues.Add(ctx, 1, metric.WithAttributes(attribute.String("reason", reason)))
}

// recordUsage records token usage and cost of a billable call.
func (c *metricsConnector) recordUsage(ctx context.Context, v *genai.View, res *resource, ts pcommon.Timestamp, cost float64, hasCost bool, ex *exemplar) {
	u := v.Usage
	if u.Has&genai.HasInput != 0 {
		if u.Input >= 0 {
			var e *exemplar
			if ex != nil {
				cp := *ex
				e = &cp
			}
			c.recordHist(c.agg.tokenUsage, res, ts, float64(u.Input), e, kv{contract.AttrTokenType, "input"})
		} else {
			c.bad(ctx, "negative_tokens")
		}
	}
	if u.Has&genai.HasOutput != 0 {
		if u.Output >= 0 {
			var e *exemplar
			if ex != nil {
				cp := *ex
				e = &cp
			}
			c.recordHist(c.agg.tokenUsage, res, ts, float64(u.Output), e, kv{contract.AttrTokenType, "output"})
		} else {
			c.bad(ctx, "negative_tokens")
		}
	}
	for _, t := range [...]struct {
		has  genai.UsageField
		n    int64
		name string
	}{
		{genai.HasInput, u.Input, "input"},
		{genai.HasOutput, u.Output, "output"},
		{genai.HasCacheRead, u.CacheRead, "cache_read"},
		{genai.HasCacheWrite, u.CacheWrite, "cache_write"},
		{genai.HasReasoning, u.Reasoning, "reasoning"},
	} {
		if u.Has&t.has != 0 && t.n > 0 {
			c.recordSum(c.agg.usageTokens, res, ts, float64(t.n), kv{contract.AttrTokenType, t.name})
		}
	}
	if hasCost {
		c.recordSum(c.agg.cost, res, ts, cost)
	}
}

// costOf reads the cost written by genai_cost (or reported by the
// instrumentation).
func (c *metricsConnector) costOf(ctx context.Context, attrs pcommon.Map, v *genai.View) (float64, bool) {
	var cost float64
	var ok bool
	if x, found := attrs.Get(contract.AttrCost); found {
		switch x.Type() {
		case pcommon.ValueTypeDouble:
			cost, ok = x.Double(), true
		case pcommon.ValueTypeInt:
			cost, ok = float64(x.Int()), true
		}
	}
	if !ok && v.ReportedCost != nil {
		cost, ok = v.ReportedCost.USD, true
	}
	if ok && (math.IsNaN(cost) || math.IsInf(cost, 0) || cost < 0) {
		c.bad(ctx, "invalid_cost")
		return 0, false
	}
	return cost, ok
}

func scoreOf(v pcommon.Value) (float64, bool) {
	switch v.Type() {
	case pcommon.ValueTypeDouble:
		return v.Double(), true
	case pcommon.ValueTypeInt:
		return float64(v.Int()), true
	}
	return 0, false
}

// evalFromAttrs reads one gen_ai.evaluation.result (event or log record).
func (c *metricsConnector) evalFromAttrs(ctx context.Context, attrs pcommon.Map) (drift.EvalObs, bool) {
	name := strAttr(attrs, contract.AttrEvalName)
	if name == "" {
		c.bad(ctx, "evaluation_without_name")
		return drift.EvalObs{}, false
	}
	e := drift.EvalObs{Name: truncate(name, c.cfg.MaxDimensionValueLength), Failed: -1}
	if x, ok := attrs.Get(contract.AttrEvalScoreValue); ok {
		if s, ok := scoreOf(x); ok {
			if math.IsNaN(s) || math.IsInf(s, 0) {
				c.bad(ctx, "invalid_score")
			} else {
				e.Score, e.HasScore = s, true
			}
		}
	}
	label := strings.ToLower(strAttr(attrs, contract.AttrEvalScoreLabel))
	switch {
	case label == "":
	case label == contract.LabelNoContext:
		e.Failed = -2 // evaluated nothing: neither pass nor fail
	case c.failLabels[label]:
		e.Failed = 1
	case c.passLabels[label]:
		e.Failed = 0
	default:
		e.Failed = -3 // a label we cannot read: no failure decision
	}
	return e, true
}

// Labels read as a failure or a pass, as written by Periscope and common
// LLM-judge libraries; anything else makes no failure decision.
var (
	defaultFailLabels = []string{contract.LabelFail, "failed", "failure", "false", "no", "bad", "unsafe", "toxic",
		"ungrounded", "not_grounded", "hallucinated", "hallucination", "irrelevant", "incorrect", "unfaithful", "violation", "flagged"}
	defaultPassLabels = []string{contract.LabelPass, "passed", "success", "true", "yes", "good", "safe", "non_toxic",
		"grounded", "relevant", "correct", "faithful", "ok", "not_flagged"}
)

func labelSet(base, extra []string) map[string]bool {
	m := make(map[string]bool, len(base)+len(extra))
	for _, l := range base {
		m[l] = true
	}
	for _, l := range extra {
		m[strings.ToLower(l)] = true
	}
	return m
}

// riskScale reports whether an evaluator's bare score is a risk score
// (1 = bad) that fail_threshold may decide on.
func (c *metricsConnector) riskScale(name string, fromAttr bool) bool {
	return fromAttr || c.riskNames[name]
}

// collectSpanEvals gathers evaluation results of a span into w.evals:
// gen_ai.evaluation.result events first, then periscope.eval.<name>
// attributes not already seen; periscope.eval.failed marks failures.
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
		if !strings.HasPrefix(k, contract.AttrEvalPrefix) {
			switch k {
			case contract.AttrPromptName:
				w.pname = v.AsString()
			case contract.AttrPromptVersion:
				w.pversion = v.AsString()
			case contract.AttrRollupCost:
				w.rollupCost, w.hasRollupCost = scoreOf(v)
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
		s, ok := scoreOf(v)
		if !ok || name == "" || hasEval(w.evals, name) {
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

func keyRank(keys []string, k string) int {
	for i, x := range keys {
		if x == k {
			return i
		}
	}
	return len(keys)
}

// userIDOf reads a user id; a JSON-quoted string (OpenInference) is
// unquoted.
func userIDOf(v pcommon.Value) string {
	var s string
	switch v.Type() {
	case pcommon.ValueTypeStr:
		s = v.Str()
	case pcommon.ValueTypeInt:
		s = v.AsString()
	default:
		return ""
	}
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		s = s[1 : len(s)-1]
	}
	return strings.TrimSpace(s)
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
			var ep *exemplar
			if ex != nil {
				cp := *ex
				ep = &cp
			}
			c.recordHist(c.agg.evalScore, res, ts, e.Score, ep, kv{contract.AttrEvalName, e.Name})
		}
		if e.Failed >= 0 {
			// A pass adds 0 so the series exists before the first failure.
			c.recordSum(c.agg.evalFailures, res, ts, float64(e.Failed), kv{contract.AttrEvalName, e.Name})
		}
	}
}

// failRisk marks a result read from a periscope.eval.<name> attribute: a
// risk score whose failure fail_threshold decides when nothing else does.
const failRisk = -4

// ConsumeTraces aggregates the GenAI spans of td.
func (c *metricsConnector) ConsumeTraces(ctx context.Context, td ptrace.Traces) error {
	now := c.now()
	var processed, skipped, unselected int64
	rss := td.ResourceSpans()
	for i := 0; i < rss.Len(); i++ {
		rs := rss.At(i)
		c.mu.Lock()
		res := c.resourceFor(rs.Resource())
		c.mu.Unlock()
		svc := strAttr(rs.Resource().Attributes(), attrServiceName)
		sss := rs.ScopeSpans()
		for j := 0; j < sss.Len(); j++ {
			ss := sss.At(j)
			spans := ss.Spans()
			for k := 0; k < spans.Len(); k++ {
				span := spans.At(k)
				if !c.spanSel.Match(ctx, rs, ss, span) {
					unselected++
					continue
				}
				if c.processSpan(ctx, rs, ss, span, svc, res, now) {
					processed++
				} else {
					skipped++
				}
			}
		}
	}
	if processed > 0 {
		c.tel.spans.Add(ctx, processed)
	}
	if skipped > 0 {
		c.tel.skipped.Add(ctx, skipped, metric.WithAttributes(attribute.String("reason", "not_genai")))
	}
	if unselected > 0 {
		c.tel.skipped.Add(ctx, unselected, metric.WithAttributes(attribute.String("reason", "not_selected")))
	}
	c.mu.Lock()
	c.reportOverflow(ctx)
	c.mu.Unlock()
	return nil
}

// processSpan reads a span outside the lock (the reader is the costly,
// stateless part) and records it under the lock.
func (c *metricsConnector) processSpan(ctx context.Context, rs ptrace.ResourceSpans, ss ptrace.ScopeSpans, span ptrace.Span, svc string, res *resource, now time.Time) bool {
	opts := c.meta
	if c.contentSampled(span.TraceID()) {
		opts = c.opts
	}
	v := genai.ReadSpan(span, rs.Resource(), opts)
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.processView(ctx, rs, ss, span, svc, &v, opts.Content, res, now)
}

// processView records one span from its view (split from processSpan so
// the connector's own cost can be measured apart from the reader).
func (c *metricsConnector) processView(ctx context.Context, rs ptrace.ResourceSpans, ss ptrace.ScopeSpans, span ptrace.Span, svc string, vp *genai.View, content bool, res *resource, now time.Time) bool {
	v := vp
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
		known: true, svc: svc, pname: c.w.pname, pversion: c.w.pversion})
	if c.evalLogsSeen && v.Billable() {
		c.rememberDims(span.SpanID())
	}
	ts := span.EndTimestamp()
	if ts == 0 {
		ts = pcommon.NewTimestampFromTime(now)
	}
	ex := &exemplar{ts: ts, traceID: span.TraceID(), spanID: span.SpanID()}
	billable := v.Billable()
	cost, hasCost := c.costOf(ctx, span.Attributes(), v)
	// Spans enter the dedup table only once usage has been seen on logs.
	fresh := billable && (!c.logUsageSeen || c.dedup.add(span.SpanID()))
	if fresh {
		c.recordUsage(ctx, v, res, ts, cost, hasCost, ex)
	}
	var latencyMs float64
	hasLatency := false
	if billable {
		start, end := span.StartTimestamp(), span.EndTimestamp()
		if start == 0 || end == 0 || end < start {
			c.bad(ctx, "invalid_duration")
		} else {
			d := float64(end-start) / 1e9
			errType := v.ErrorType
			if errType == "" && span.Status().Code() == ptrace.StatusCodeError {
				errType = otherValue
			}
			cp := *ex
			if errType != "" {
				c.recordHist(c.agg.duration, res, ts, d, &cp, kv{attrErrorType, truncate(errType, c.cfg.MaxDimensionValueLength)})
			} else {
				c.recordHist(c.agg.duration, res, ts, d, &cp)
			}
			latencyMs, hasLatency = d*1000, true
		}
		if v.HasTimeToFirstChunk {
			cp := *ex
			c.recordHist(c.agg.firstChunk, res, ts, v.TimeToFirstChunk, &cp)
		}
	}
	c.recordAgentTool(ctx, span, v, res, ts, ex)
	if c.users != nil && w.userID != "" {
		c.recordUserCost(span, fresh && hasCost, cost)
	}
	c.recordEvals(evals, res, ts, ex)
	if c.tracker != nil && (billable || len(evals) > 0) {
		o := &c.w.obs
		o.Reset()
		if fresh {
			// A call already read from log records adds only its latency.
			c.fillObs(o, v, cost, hasCost, content)
		}
		o.LatencyMs, o.HasLatency = latencyMs, hasLatency
		o.Evals = append(o.Evals, evals...)
		c.observeDrift(o, evals, now)
	}
	return true
}

// isAgentInvocation: semconv invoke_agent and the dialects' equivalents
// (OpenInference/Langfuse/MLflow AGENT, OpenLLMetry agent, Vercel AI SDK
// outer spans), as the reader maps them. create_agent, agent steps and
// workflows are not agent invocations.
func isAgentInvocation(v *genai.View) bool {
	return v.Category == genai.CategoryAgent && v.Operation == "invoke_agent"
}

// agentName is the agent's name, else its workflow name (the Vercel AI SDK
// functionId), else _OTHER.
func agentName(v *genai.View) string {
	switch {
	case v.AgentName != "":
		return v.AgentName
	case v.WorkflowName != "":
		return v.WorkflowName
	}
	return otherValue
}

// spanSeconds is the span's duration, or false (counted) when invalid.
func (c *metricsConnector) spanSeconds(ctx context.Context, span ptrace.Span) (float64, bool) {
	start, end := span.StartTimestamp(), span.EndTimestamp()
	if start == 0 || end == 0 || end < start {
		c.bad(ctx, "invalid_duration")
		return 0, false
	}
	return float64(end-start) / 1e9, true
}

// recordAgentTool records the agent invocation, tool call and loop metrics
// of a span.
func (c *metricsConnector) recordAgentTool(ctx context.Context, span ptrace.Span, v *genai.View, res *resource, ts pcommon.Timestamp, ex *exemplar) {
	w := &c.w
	limit := c.cfg.MaxDimensionValueLength
	switch {
	case isAgentInvocation(v):
		a := kv{contract.AttrAgentName, truncate(agentName(v), limit)}
		c.recordSum(c.agg.agentInvocations, res, ts, 1, a)
		if w.hasRollupCost {
			c.recordSum(c.agg.agentCost, res, ts, w.rollupCost, a)
		}
		if d, ok := c.spanSeconds(ctx, span); ok {
			cp := *ex
			c.recordHist(c.agg.agentDuration, res, ts, d, &cp, a)
		}
	case v.Category == genai.CategoryTool:
		name := v.ToolName
		if name == "" {
			name = strings.TrimSpace(strings.TrimPrefix(span.Name(), "execute_tool"))
		}
		if name == "" {
			name = otherValue
		}
		t := kv{contract.AttrToolName, truncate(name, limit)}
		errType := v.ErrorType
		if errType == "" && span.Status().Code() == ptrace.StatusCodeError {
			errType = otherValue
		}
		d, ok := c.spanSeconds(ctx, span)
		cp := *ex
		if errType != "" {
			e := kv{attrErrorType, truncate(errType, limit)}
			c.recordSum(c.agg.toolCalls, res, ts, 1, t, e)
			if ok {
				c.recordHist(c.agg.toolDuration, res, ts, d, &cp, t, e)
			}
		} else {
			c.recordSum(c.agg.toolCalls, res, ts, 1, t)
			if ok {
				c.recordHist(c.agg.toolDuration, res, ts, d, &cp, t)
			}
		}
	}
	if w.loop {
		tool := w.loopTool
		if tool == "" {
			tool = otherValue
		}
		c.recordSum(c.agg.agentLoops, res, ts, 1,
			kv{contract.AttrAgentName, truncate(agentName(v), limit)}, kv{contract.AttrToolName, truncate(tool, limit)})
	}
}

// Span flags: the parent's remoteness is known / the parent is remote.
const (
	flagHasIsRemote = 0x100
	flagIsRemote    = 0x200
)

// isLocalRoot: no parent, a remote parent, or (remoteness unknown) a
// SERVER/CONSUMER span.
func isLocalRoot(span ptrace.Span) bool {
	if span.ParentSpanID().IsEmpty() {
		return true
	}
	f := span.Flags()
	if f&flagHasIsRemote != 0 {
		return f&flagIsRemote != 0
	}
	k := span.Kind()
	return k == ptrace.SpanKindServer || k == ptrace.SpanKindConsumer
}

// recordUserCost adds the cost of a span to its user: a model call's own
// cost, or the part of a local root's rollup not yet attributed from the
// calls of its trace (users are often only on the root span; when they are
// on every span, the calls are counted and the root adds nothing more, in
// either arrival order).
func (c *metricsConnector) recordUserCost(span ptrace.Span, isPricedCall bool, callCost float64) {
	w := &c.w
	var owed float64
	switch {
	case isPricedCall:
		owed = c.userCost.addCall(span.TraceID(), callCost)
	case w.hasRollupCost && isLocalRoot(span):
		owed = c.userCost.addRoot(span.TraceID(), w.rollupCost)
	}
	if owed > 1e-12 {
		c.users.add(w.userID, owed)
	}
}

// fillObs fills the usage and text signals of a billable call.
func (c *metricsConnector) fillObs(o *drift.Obs, v *genai.View, cost float64, hasCost, content bool) {
	u := v.Usage
	if u.Has&genai.HasInput != 0 && u.Input >= 0 {
		o.Input, o.HasInput = u.Input, true
	}
	if u.Has&genai.HasOutput != 0 && u.Output >= 0 {
		o.Output, o.HasOutput = u.Output, true
	}
	o.CostUSD, o.HasCost = cost, hasCost
	if len(v.FinishReasons) > 0 {
		o.Finish = drift.FinishCategory(v.FinishReasons[0])
	}
	if !content {
		if o.Finish == drift.FinishContentFilter {
			o.Refusal = 1
		}
		return
	}
	out := ""
	for _, m := range v.OutputMessages {
		if t := m.Text(); t != "" {
			out = t
			break
		}
	}
	if len(v.OutputMessages) > 0 || out != "" {
		o.Script = drift.ClassifyScript(out, c.cfg.Drift.ScriptBytes)
	}
	switch {
	case o.Finish == drift.FinishContentFilter:
		o.Refusal = 1
	case out != "":
		if drift.LooksLikeRefusal(out, refusalBytes) {
			o.Refusal = 1
		} else {
			o.Refusal = 0
		}
	}
	if q := v.LastUserText(); q != "" && c.cfg.Drift.TopicBytes > 0 {
		o.TopicS2, o.HasTopic = drift.Topic(q, c.cfg.Drift.TopicBytes, &o.Topic)
	}
}

// observeDrift adds o to the drift series of the current dims. A refusal
// evaluator result overrides the phrase heuristic.
func (c *metricsConnector) observeDrift(o *drift.Obs, evals []drift.EvalObs, now time.Time) {
	for _, e := range evals {
		if e.Name == contract.EvalRefusal && e.Failed >= 0 {
			o.Refusal = int(e.Failed)
		}
	}
	w := &c.w
	w.keyVals = w.keyVals[:0]
	w.dkey = w.dkey[:0]
	for _, i := range c.keyDimIdx {
		val := ""
		if i >= 0 && i < len(w.dims) {
			val = w.dims[i].v
		}
		w.keyVals = append(w.keyVals, val)
		w.dkey = append(w.dkey, val...)
		w.dkey = append(w.dkey, 0)
	}
	c.tracker.ObserveBytes(w.dkey, w.keyVals, o, now)
}

func (c *metricsConnector) reportOverflow(ctx context.Context) {
	for _, m := range c.agg.all {
		if m.overflowed > 0 {
			c.tel.overflow.Add(ctx, m.overflowed, metric.WithAttributes(attribute.String("metric", m.name)))
			m.overflowed = 0
		}
	}
	if c.tracker != nil && c.tracker.Overflowed > 0 {
		c.tel.overflow.Add(ctx, c.tracker.Overflowed, metric.WithAttributes(attribute.String("metric", "drift_series")))
		c.tracker.Overflowed = 0
	}
}

// contentSampled picks spans for content reading by trace id, so that all
// spans of a trace are in or out together.
func (c *metricsConnector) contentSampled(tid pcommon.TraceID) bool {
	if !c.opts.Content {
		return false
	}
	if c.sampleBelow >= 1<<32 {
		return true
	}
	h := binary.LittleEndian.Uint64(tid[8:]) ^ binary.LittleEndian.Uint64(tid[:8])
	h *= 0x9E3779B97F4A7C15
	return h>>32 < c.sampleBelow
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

// ConsumeLogs aggregates evaluation results and usage carried by GenAI log
// records.
func (c *metricsConnector) ConsumeLogs(ctx context.Context, ld plog.Logs) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	var processed int64
	for _, g := range genai.GroupLogRecords(ld) {
		opts := c.meta
		if c.contentSampled(g.TraceID) {
			opts = c.opts
		}
		v := genai.ReadLogRecords(g.Records, g.Resource, opts)
		if !v.Billable() || !v.Usage.Any() {
			continue
		}
		processed += int64(len(g.Records))
		c.logUsageSeen = true
		if !c.dedup.add(g.SpanID) {
			continue // already counted from the span
		}
		c.buildDims(&v, attrSource{record: g.Records[0].Attributes(), resource: g.Resource.Attributes()})
		c.rememberDims(g.SpanID)
		res := c.resourceFor(g.Resource)
		ts := g.Records[0].Timestamp()
		if ts == 0 {
			ts = pcommon.NewTimestampFromTime(now)
		}
		var cost float64
		var hasCost bool
		for _, r := range g.Records {
			if cost, hasCost = c.costOf(ctx, r.Attributes(), &v); hasCost {
				break
			}
		}
		c.recordUsage(ctx, &v, res, ts, cost, hasCost, &exemplar{ts: ts, traceID: g.TraceID, spanID: g.SpanID})
		if c.tracker != nil {
			o := &c.w.obs
			o.Reset()
			c.fillObs(o, &v, cost, hasCost, opts.Content)
			c.observeDrift(o, nil, now)
		}
	}
	// Evaluation records last: they inherit the dimensions of a call read
	// above or recently from its span.
	rls := ld.ResourceLogs()
	for i := 0; i < rls.Len(); i++ {
		rl := rls.At(i)
		res := c.resourceFor(rl.Resource())
		sls := rl.ScopeLogs()
		for j := 0; j < sls.Len(); j++ {
			sl := sls.At(j)
			lrs := sl.LogRecords()
			for k := 0; k < lrs.Len(); k++ {
				lr := lrs.At(k)
				if !isEvalRecord(lr) || !c.logSel.Match(ctx, rl, sl, lr) {
					continue
				}
				c.processEvalRecord(ctx, rl, sl, lr, res, now)
				processed++
			}
		}
	}
	if processed > 0 {
		c.tel.records.Add(ctx, processed)
	}
	c.reportOverflow(ctx)
	return nil
}

func (c *metricsConnector) processEvalRecord(ctx context.Context, rl plog.ResourceLogs, sl plog.ScopeLogs, lr plog.LogRecord, res *resource, now time.Time) {
	e, ok := c.evalFromAttrs(ctx, lr.Attributes())
	if !ok {
		return
	}
	c.evalLogsSeen = true
	if !c.recallDims(lr.SpanID()) {
		var v genai.View
		c.buildDims(&v, attrSource{record: lr.Attributes(), resource: rl.Resource().Attributes(), scope: sl.Scope().Attributes()})
	}
	ts := lr.Timestamp()
	if ts == 0 {
		ts = lr.ObservedTimestamp()
	}
	if ts == 0 {
		ts = pcommon.NewTimestampFromTime(now)
	}
	c.w.evals = append(c.w.evals[:0], e)
	evals := c.w.evals
	c.recordEvals(evals, res, ts, &exemplar{ts: ts, traceID: lr.TraceID(), spanID: lr.SpanID()})
	c.recordAgreement(lr.Attributes(), e.Name, res, ts)
	if c.tracker != nil {
		o := &c.w.obs
		o.Reset()
		o.Evals = append(o.Evals, evals...)
		c.observeDrift(o, evals, now)
	}
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
	c.recordSum(c.agg.judgeAgreement, res, ts, 1,
		kv{contract.AttrEvalName, rubric},
		kv{contract.AttrJudgeEvaluator, truncate(evaluator, n)},
		kv{contract.AttrJudgeHeuristicLbl, truncate(heuristic, n)},
		kv{contract.AttrJudgeLabel, truncate(verdict, n)})
}

// idSet remembers recent span ids so that a call reported both as a span
// and as log records is counted once. It is a direct-mapped table: a
// colliding id evicts the older one (bounded memory, O(1), no map churn).
type idSet struct {
	slots []uint64
	mask  uint64
}

func newIDSet(n int) *idSet {
	return &idSet{slots: make([]uint64, n), mask: uint64(n - 1)}
}

// add reports whether id was new (an empty id is always new).
func (s *idSet) add(id pcommon.SpanID) bool {
	if id.IsEmpty() {
		return true
	}
	k := binary.LittleEndian.Uint64(id[:])
	// Span ids are random; mix anyway so sequential ids spread.
	h := (k * 0x9E3779B97F4A7C15) >> 16
	i := h & s.mask
	if s.slots[i] == k {
		return false
	}
	s.slots[i] = k
	return true
}

// dimCache maps recent span ids to their (interned) dimension sets in a
// direct-mapped table; distinct dimension sets are bounded.
type dimCache struct {
	ids    []uint64
	sets   [][]kv
	mask   uint64
	intern map[string][]kv
	max    int
	key    []byte
}

func newDimCache(n, maxSets int) *dimCache {
	return &dimCache{ids: make([]uint64, n), sets: make([][]kv, n), mask: uint64(n - 1), intern: map[string][]kv{}, max: maxSets}
}

func spanSlot(id pcommon.SpanID, mask uint64) (uint64, uint64) {
	k := binary.LittleEndian.Uint64(id[:])
	return k, ((k * 0x9E3779B97F4A7C15) >> 16) & mask
}

// rememberDims stores the current dims for a span id.
func (c *metricsConnector) rememberDims(id pcommon.SpanID) {
	d := c.dimsBySpan
	if id.IsEmpty() {
		return
	}
	d.key = d.key[:0]
	for _, x := range c.w.dims {
		d.key = append(d.key, x.v...)
		d.key = append(d.key, 0)
	}
	set, ok := d.intern[string(d.key)]
	if !ok {
		if len(d.intern) >= d.max {
			return
		}
		set = append([]kv(nil), c.w.dims...)
		d.intern[string(d.key)] = set
	}
	k, i := spanSlot(id, d.mask)
	d.ids[i], d.sets[i] = k, set
}

// recallDims loads the dims remembered for a span id into w.dims.
func (c *metricsConnector) recallDims(id pcommon.SpanID) bool {
	d := c.dimsBySpan
	if id.IsEmpty() {
		return false
	}
	k, i := spanSlot(id, d.mask)
	if d.ids[i] != k || d.sets[i] == nil {
		return false
	}
	c.w.dims = append(c.w.dims[:0], d.sets[i]...)
	c.w.dimsGen++
	return true
}
