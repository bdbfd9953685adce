package genaimetricsconnector

import (
	"context"
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"
	"sync"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.uber.org/zap"

	"github.com/periscope-otel/periscope/connector/genaimetricsconnector/internal/drift"
	"github.com/periscope-otel/periscope/internal/contract"
	"github.com/periscope-otel/periscope/internal/eval/safety"
	"github.com/periscope-otel/periscope/internal/genai"
	"github.com/periscope-otel/periscope/internal/metrics"
	"github.com/periscope-otel/periscope/internal/statestore"
)

// qualityRecorder follows the quality of calls over time: the drift of
// their signals against a baseline, and regressions of evaluator failure
// rates (against the baseline and between prompt versions). The connector
// feeds it every call and evaluation under their dimensions and asks it
// for gauges at each flush; it owns its persisted state. Its methods other
// than save and load run under the connector's lock.
type qualityRecorder interface {
	// observe adds one call or evaluation result.
	observe(o *callObs, dims []kv, now time.Time)
	// advance closes the windows that ended by now; true if any did.
	advance(now time.Time) bool
	// emit writes the gauges (drift scores, regression flags).
	emit(ctx context.Context, out *metrics.Output, now pcommon.Timestamp)
	// series is the number of series held (internal telemetry).
	series() int
	// takeOverflow returns the observations refused by the series cap
	// since the last call.
	takeOverflow() int64
	// load restores the persisted state; save persists what changed.
	// Both take the connector's lock themselves for the in-memory part.
	load(ctx context.Context, st *statestore.Store)
	save(ctx context.Context, st *statestore.Store)
}

// callObs is what the recorder learns of one call or evaluation record.
type callObs struct {
	// view is the call read (nil for an evaluation record alone); usage
	// and text signals are taken only when fresh (not already counted from
	// the call's log records).
	view             *genai.View
	fresh            bool
	cost             float64
	hasCost, content bool
	latencyMs        float64
	hasLatency       bool
	evals            []drift.EvalObs
}

// refusalBytes is how much of an answer the refusal detector looks at.
const refusalBytes = 200

// driftRecorder is the qualityRecorder of internal/drift.
type driftRecorder struct {
	cfg       *Config
	t         *drift.Tracker
	mu        *sync.Mutex // the connector's
	logger    *zap.Logger
	keyDimIdx []int // index into the dims of each drift key dimension
	overflow  *resource
	// overflowed reports gauge points folded into an overflow point.
	overflowed func(ctx context.Context, metric string, n int64)
	obs        drift.Obs
	keyVals    []string
	key        []byte
}

func newDriftRecorder(cfg *Config, mu *sync.Mutex, logger *zap.Logger, overflow *resource,
	overflowed func(ctx context.Context, metric string, n int64)) *driftRecorder {
	r := &driftRecorder{cfg: cfg, t: drift.NewTracker(trackerSettings(cfg)), mu: mu, logger: logger, overflow: overflow, overflowed: overflowed}
	for _, k := range cfg.Drift.KeyDimensions {
		r.keyDimIdx = append(r.keyDimIdx, dimIndex(cfg, k))
	}
	return r
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

func (r *driftRecorder) series() int { return r.t.Len() }

func (r *driftRecorder) takeOverflow() int64 {
	n := r.t.Overflowed
	r.t.Overflowed = 0
	return n
}

func (r *driftRecorder) observe(c *callObs, dims []kv, now time.Time) {
	o := &r.obs
	o.Reset()
	if c.view != nil && c.fresh {
		// A call already read from log records adds only its latency.
		r.fill(o, c.view, c.cost, c.hasCost, c.content, refusalJudged(c.evals))
	}
	o.LatencyMs, o.HasLatency = c.latencyMs, c.hasLatency
	o.Evals = append(o.Evals, c.evals...)
	// A refusal evaluator result decides the refusal signal (fill did not
	// run the detector then).
	for _, e := range c.evals {
		if e.Name == contract.EvalRefusal && e.Failed >= 0 {
			o.Refusal = int(e.Failed)
		}
	}
	r.keyVals = r.keyVals[:0]
	r.key = r.key[:0]
	for _, i := range r.keyDimIdx {
		val := ""
		if i >= 0 && i < len(dims) {
			val = dims[i].Value
		}
		r.keyVals = append(r.keyVals, val)
		r.key = append(r.key, val...)
		r.key = append(r.key, 0)
	}
	r.t.ObserveBytes(r.key, r.keyVals, o, now)
}

// fill fills the usage and text signals of a billable call.
func (r *driftRecorder) fill(o *drift.Obs, v *genai.View, cost float64, hasCost, content, refusalKnown bool) {
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
		o.Script = drift.ClassifyScript(out, r.cfg.Drift.ScriptBytes)
	}
	switch {
	case o.Finish == drift.FinishContentFilter:
		o.Refusal = 1
	case out != "" && !refusalKnown: // the evaluator's result is used instead (observe)
		if safety.IsRefusal(out, refusalBytes) {
			o.Refusal = 1
		} else {
			o.Refusal = 0
		}
	}
	if q := v.LastUserText(); q != "" && r.cfg.Drift.TopicBytes > 0 {
		o.TopicS2, o.HasTopic = drift.Topic(q, r.cfg.Drift.TopicBytes, &o.Topic)
	}
}

// refusalJudged reports whether the call carries a refusal evaluator
// result, which then decides its refusal signal: the detector is not run.
func refusalJudged(evals []drift.EvalObs) bool {
	for _, e := range evals {
		if e.Name == contract.EvalRefusal && e.Failed >= 0 {
			return true
		}
	}
	return false
}

func (r *driftRecorder) advance(now time.Time) bool {
	before := r.t.LastClose()
	for _, t := range r.t.Advance(now) {
		r.logTransition(t)
	}
	return r.t.LastClose() != before
}

func (r *driftRecorder) logTransition(t drift.Transition) {
	fields := make([]zap.Field, 0, 10)
	for i, k := range r.cfg.Drift.KeyDimensions {
		if i < len(t.Dims) && t.Dims[i] != "" {
			fields = append(fields, zap.String(k, t.Dims[i]))
		}
	}
	fields = append(fields,
		zap.String("evaluator", t.Evaluator),
		zap.String("comparison", t.Comparison),
		zap.Float64("reference_failure_rate", t.BaseRate),
		zap.Float64("current_failure_rate", t.CurRate),
		zap.Float64("p_value", t.P))
	if t.Version != "" {
		fields = append(fields, zap.String("version", t.Version))
	}
	if t.Previous != "" {
		fields = append(fields, zap.String("previous_version", t.Previous))
	}
	if t.Started {
		r.logger.Warn("quality regression started", fields...)
	} else {
		r.logger.Info("quality regression ended", fields...)
	}
}

// gaugeResource is the output resource of drift gauges: the key dimensions
// that are configured resource attributes.
func (r *driftRecorder) gaugeResource(dims []string) *resource {
	var b strings.Builder
	var attrs []kv
	for _, ra := range r.cfg.ResourceAttributes {
		for i, k := range r.cfg.Drift.KeyDimensions {
			if k == ra && i < len(dims) && dims[i] != "" {
				b.WriteString(k)
				b.WriteByte(0)
				b.WriteString(dims[i])
				b.WriteByte(0)
				attrs = append(attrs, kv{Key: k, Value: dims[i]})
			}
		}
	}
	return &resource{Key: b.String(), Attrs: attrs}
}

func (r *driftRecorder) keyAttrs(dims []string, dst []kv) []kv {
	for i, k := range r.cfg.Drift.KeyDimensions {
		if i < len(dims) && dims[i] != "" {
			dst = append(dst, kv{Key: k, Value: dims[i]})
		}
	}
	return dst
}

// Dimension of periscope.quality.regression beyond the series key.
const attrComparison = contract.AttrRegressionComparison

func (r *driftRecorder) emit(ctx context.Context, out *metrics.Output, now pcommon.Timestamp) {
	ds := &metrics.GaugeSink{Name: contract.MetricDriftScore, Max: r.cfg.MaxCardinality,
		Desc: "Drift of a signal between the current window and the baseline (PSI, Jensen–Shannon distance base 2, or one-sided z)."}
	rg := &metrics.GaugeSink{Name: contract.MetricQualityRegression, Max: r.cfg.MaxCardinality,
		Desc: "1 while a significant rise of an evaluator's failure rate holds, else 0."}
	var attrs []kv
	r.t.Each(func(s *drift.Series) {
		res := r.overflow
		if !s.Overflow {
			res = r.gaugeResource(s.Dims)
		}
		for _, sc := range s.Scores {
			attrs = attrs[:0]
			if s.Overflow {
				attrs = append(attrs, kv{Key: contract.AttrMetricOverflow, Value: "true"})
			} else {
				attrs = r.keyAttrs(s.Dims, attrs)
			}
			attrs = append(attrs, kv{Key: contract.AttrDriftSignal, Value: sc.Signal}, kv{Key: contract.AttrDriftMethod, Value: sc.Method})
			ds.Put(out, res, attrs, sc.Value, now)
		}
		if s.Overflow {
			return
		}
		// Every evaluator seen gets a point (0 until a regression holds), so
		// the gauge exists from the first flush.
		for i, name := range s.EvalNames {
			active := i < len(s.Reg) && s.Reg[i].Active
			attrs = r.keyAttrs(s.Dims, attrs[:0])
			attrs = append(attrs, kv{Key: contract.AttrEvalName, Value: name}, kv{Key: attrComparison, Value: "baseline"})
			rg.Put(out, res, attrs, b2f(active), now)
		}
	})
	r.t.EachFamily(func(f *drift.Family) {
		res := r.gaugeResource(f.Dims)
		if f.Prev == "" {
			return
		}
		for name := range f.CurCounts {
			if f.PrevCount[name] == nil {
				continue
			}
			active := false
			if reg := f.Reg[name]; reg != nil {
				active = reg.Active
			}
			attrs = r.keyAttrs(f.Dims, attrs[:0])
			attrs = append(attrs, kv{Key: contract.AttrPromptVersion, Value: f.Cur}, kv{Key: contract.AttrPromptPrevVersion, Value: f.Prev},
				kv{Key: contract.AttrEvalName, Value: name}, kv{Key: attrComparison, Value: "predecessor"})
			rg.Put(out, res, attrs, b2f(active), now)
		}
	})
	for _, g := range []*metrics.GaugeSink{ds, rg} {
		if n := g.Finish(out, r.overflow, now); n > 0 {
			r.overflowed(ctx, g.Name, n)
		}
	}
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// Storage layout: one key per series / family ("drift/v1/<hash>"), an index
// key listing them, and a meta key with the window position. Values are
// statestore envelopes of version stateVersion around the tracker's own
// encoding; values written before the envelope (statestore.LegacyVersion)
// hold the same encoding and are read as they are.
const (
	storagePrefix = "drift/v1/"
	storageIndex  = "drift/v1/index"
	storageMeta   = "drift/v1/meta"
	stateVersion  = 1
)

func storageKey(id string) string {
	h := fnv.New64a()
	h.Write([]byte(id))
	return storagePrefix + strconv.FormatUint(h.Sum64(), 16)
}

// save writes the changed drift state (at window close and shutdown).
func (r *driftRecorder) save(ctx context.Context, st *statestore.Store) {
	r.mu.Lock()
	entries := r.t.TakeDirty()
	last := r.t.LastClose()
	r.mu.Unlock()
	if len(entries) == 0 {
		return
	}
	idx, _, err := st.Load(ctx, storageIndex)
	if err != nil {
		return // the index could not be read: rewriting it would lose keys
	}
	keys := decodeIndex(idx)
	ops := make([]statestore.Entry, 0, len(entries)+2)
	for _, e := range entries {
		k := storageKey(e.Key)
		if e.Value == nil {
			delete(keys, k)
		} else {
			keys[k] = struct{}{}
		}
		ops = append(ops, statestore.Entry{Key: k, Value: e.Value})
	}
	ops = append(ops,
		statestore.Entry{Key: storageIndex, Value: encodeIndex(keys)},
		statestore.Entry{Key: storageMeta, Value: binary.AppendVarint(nil, last)})
	_ = st.Write(ctx, stateVersion, ops...) // counted and logged by the store
}

// load restores persisted drift state; an unreadable entry is dropped
// (counted, logged) and never fails startup.
func (r *driftRecorder) load(ctx context.Context, st *statestore.Store) {
	idx, _, err := st.Load(ctx, storageIndex)
	if err != nil {
		return
	}
	keys := decodeIndex(idx)
	r.mu.Lock()
	defer r.mu.Unlock()
	loaded, dropped := 0, 0
	for k := range keys {
		v, version, err := st.Load(ctx, k)
		switch {
		case err != nil || v == nil:
			dropped++
			continue
		case version > stateVersion:
			st.Discard(ctx, k, fmt.Errorf("state version %d is newer than %d", version, stateVersion))
			dropped++
			continue
		}
		if err := r.t.Restore(v); err != nil {
			st.Discard(ctx, k, err)
			dropped++
			continue
		}
		loaded++
	}
	if meta, version, err := st.Load(ctx, storageMeta); err == nil && len(meta) > 0 && version <= stateVersion {
		if last, n := binary.Varint(meta); n > 0 {
			r.t.SetLastClose(last)
		}
	}
	r.logger.Info("genai_metrics drift state restored", zap.Int("entries", loaded), zap.Int("dropped", dropped))
}

func encodeIndex(keys map[string]struct{}) []byte {
	b := []byte{}
	for k := range keys {
		b = append(b, k...)
		b = append(b, '\n')
	}
	return b
}

func decodeIndex(b []byte) map[string]struct{} {
	keys := map[string]struct{}{}
	for _, k := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(k, storagePrefix) {
			keys[k] = struct{}{}
		}
	}
	return keys
}
