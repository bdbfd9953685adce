package genaimetricsconnector

import (
	"context"
	"encoding/binary"
	"hash/fnv"
	"strconv"
	"strings"

	"go.opentelemetry.io/collector/extension/xextension/storage"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.uber.org/zap"

	"github.com/periscope-otel/periscope/connector/genaimetricsconnector/internal/drift"
	"github.com/periscope-otel/periscope/connector/genaimetricsconnector/internal/metadata"
	"github.com/periscope-otel/periscope/internal/contract"
)

// flush closes drift windows that ended, builds the metrics and sends them.
func (c *metricsConnector) flush(ctx context.Context) error {
	md, persist := c.collect(ctx)
	if persist {
		c.persist(ctx)
	}
	if md.DataPointCount() == 0 {
		return nil
	}
	return c.next.ConsumeMetrics(ctx, md)
}

func (c *metricsConnector) collect(ctx context.Context) (pmetric.Metrics, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	nowT := c.now()
	now := pcommon.NewTimestampFromTime(nowT)
	closed := false
	if c.tracker != nil {
		before := c.tracker.LastClose()
		for _, t := range c.tracker.Advance(nowT) {
			c.logTransition(t)
		}
		closed = c.tracker.LastClose() != before
	}
	delta := c.cfg.AggregationTemporality == temporalityDelta
	out := newResourceMetrics(metadata.ScopeName, c.set.BuildInfo.Version, delta)
	c.agg.emit(out, now, c.lastFlush, delta)
	if delta {
		clear(c.resources)
	}
	if c.tracker != nil {
		c.emitGauges(ctx, out, now)
	}
	if c.users != nil {
		c.emitUsers(out, now)
		if delta {
			c.users.reset()
		}
	}
	c.lastFlush = now
	return out.md, closed && c.client != nil
}

func (c *metricsConnector) logTransition(t drift.Transition) {
	fields := make([]zap.Field, 0, 10)
	for i, k := range c.cfg.Drift.KeyDimensions {
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
		c.logger.Warn("quality regression started", fields...)
	} else {
		c.logger.Info("quality regression ended", fields...)
	}
}

// gaugeResource is the output resource of drift gauges: the key dimensions
// that are configured resource attributes.
func (c *metricsConnector) gaugeResource(dims []string) *resource {
	var b strings.Builder
	var attrs []kv
	for _, ra := range c.cfg.ResourceAttributes {
		for i, k := range c.cfg.Drift.KeyDimensions {
			if k == ra && i < len(dims) && dims[i] != "" {
				b.WriteString(k)
				b.WriteByte(0)
				b.WriteString(dims[i])
				b.WriteByte(0)
				attrs = append(attrs, kv{k, dims[i]})
			}
		}
	}
	return &resource{key: b.String(), attrs: attrs}
}

func (c *metricsConnector) keyAttrs(dims []string, dst []kv) []kv {
	for i, k := range c.cfg.Drift.KeyDimensions {
		if i < len(dims) && dims[i] != "" {
			dst = append(dst, kv{k, dims[i]})
		}
	}
	return dst
}

// gaugeSink caps the points of one gauge metric; past the cap one
// overflow point carries the largest value.
type gaugeSink struct {
	name, desc string
	n          int
	overflow   float64
	over       bool
	overflowed int64
}

func (c *metricsConnector) putGauge(out *resourceMetrics, g *gaugeSink, res *resource, attrs []kv, v float64, now pcommon.Timestamp) {
	if g.n >= c.cfg.MaxCardinality {
		g.overflowed++
		if !g.over || v > g.overflow {
			g.overflow, g.over = v, true
		}
		return
	}
	g.n++
	dp := out.gauge(res, g.name, g.desc).DataPoints().AppendEmpty()
	dp.SetTimestamp(now)
	putAttrs(dp.Attributes(), attrs)
	dp.SetDoubleValue(v)
}

func (c *metricsConnector) finishGauge(ctx context.Context, out *resourceMetrics, g *gaugeSink, now pcommon.Timestamp) {
	if !g.over {
		return
	}
	dp := out.gauge(c.agg.overflowRes, g.name, g.desc).DataPoints().AppendEmpty()
	dp.SetTimestamp(now)
	dp.Attributes().PutStr(contract.AttrMetricOverflow, "true")
	dp.SetDoubleValue(g.overflow)
	c.tel.overflow.Add(ctx, g.overflowed, metric.WithAttributes(attribute.String("metric", g.name)))
}

func (c *metricsConnector) emitGauges(ctx context.Context, out *resourceMetrics, now pcommon.Timestamp) {
	ds := &gaugeSink{name: contract.MetricDriftScore, desc: "Drift of a signal between the current window and the baseline (PSI, Jensen–Shannon distance base 2, or one-sided z)."}
	rg := &gaugeSink{name: contract.MetricQualityRegression, desc: "1 while a significant rise of an evaluator's failure rate holds, else 0."}
	var attrs []kv
	c.tracker.Each(func(s *drift.Series) {
		var res *resource
		if s.Overflow {
			res = c.agg.overflowRes
		} else {
			res = c.gaugeResource(s.Dims)
		}
		for _, sc := range s.Scores {
			attrs = attrs[:0]
			if s.Overflow {
				attrs = append(attrs, kv{contract.AttrMetricOverflow, "true"})
			} else {
				attrs = c.keyAttrs(s.Dims, attrs)
			}
			attrs = append(attrs, kv{contract.AttrDriftSignal, sc.Signal}, kv{contract.AttrDriftMethod, sc.Method})
			c.putGauge(out, ds, res, attrs, sc.Value, now)
		}
		if s.Overflow {
			return
		}
		// Every evaluator seen gets a point (0 until a regression holds), so
		// the gauge exists from the first flush.
		for i, name := range s.EvalNames {
			active := i < len(s.Reg) && s.Reg[i].Active
			attrs = c.keyAttrs(s.Dims, attrs[:0])
			attrs = append(attrs, kv{contract.AttrEvalName, name}, kv{attrComparison, "baseline"})
			c.putGauge(out, rg, res, attrs, b2f(active), now)
		}
	})
	c.tracker.EachFamily(func(f *drift.Family) {
		res := c.gaugeResource(f.Dims)
		if f.Prev == "" {
			return
		}
		for name := range f.CurCounts {
			if f.PrevCount[name] == nil {
				continue
			}
			active := false
			if r := f.Reg[name]; r != nil {
				active = r.Active
			}
			attrs = c.keyAttrs(f.Dims, attrs[:0])
			attrs = append(attrs, kv{contract.AttrPromptVersion, f.Cur}, kv{attrPreviousVersion, f.Prev},
				kv{contract.AttrEvalName, name}, kv{attrComparison, "predecessor"})
			c.putGauge(out, rg, res, attrs, b2f(active), now)
		}
	})
	c.finishGauge(ctx, out, ds, now)
	c.finishGauge(ctx, out, rg, now)
}

// emitUsers emits the top-K users by cost, labelled by their hashed id,
// on a resource of their own (a user spans services).
func (c *metricsConnector) emitUsers(out *resourceMetrics, now pcommon.Timestamp) {
	if len(c.users.heap) == 0 {
		return
	}
	g := out.gaugeUnit(c.agg.overflowRes, contract.MetricUserCostTop,
		"Cost of the top users by cost (Space-Saving estimate, an upper bound), by salted hash of the user id.", "usd")
	for _, e := range c.users.heap {
		dp := g.DataPoints().AppendEmpty()
		dp.SetTimestamp(now)
		dp.Attributes().PutStr(contract.AttrUserHash, e.label)
		dp.SetDoubleValue(e.count)
	}
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// Storage layout: one key per series / family ("drift/v1/<hash>"), an index
// key listing them, and a meta key with the window position.
const (
	storagePrefix = "drift/v1/"
	storageIndex  = "drift/v1/index"
	storageMeta   = "drift/v1/meta"
)

func storageKey(id string) string {
	h := fnv.New64a()
	h.Write([]byte(id))
	return storagePrefix + strconv.FormatUint(h.Sum64(), 16)
}

// persist writes the changed drift state (at window close and shutdown).
func (c *metricsConnector) persist(ctx context.Context) {
	if c.client == nil || c.tracker == nil {
		return
	}
	c.mu.Lock()
	entries := c.tracker.TakeDirty()
	last := c.tracker.LastClose()
	c.mu.Unlock()
	if len(entries) == 0 {
		return
	}
	idx, err := c.client.Get(ctx, storageIndex)
	if err != nil {
		c.stateError(ctx, "get", err)
		return
	}
	keys := decodeIndex(idx)
	ops := make([]*storage.Operation, 0, len(entries)+2)
	for _, e := range entries {
		k := storageKey(e.Key)
		if e.Value == nil {
			delete(keys, k)
			ops = append(ops, storage.DeleteOperation(k))
			continue
		}
		keys[k] = struct{}{}
		ops = append(ops, storage.SetOperation(k, e.Value))
	}
	meta := binary.AppendVarint(nil, last)
	ops = append(ops, storage.SetOperation(storageIndex, encodeIndex(keys)), storage.SetOperation(storageMeta, meta))
	if err := c.client.Batch(ctx, ops...); err != nil {
		c.stateError(ctx, "write", err)
	}
}

func (c *metricsConnector) stateError(ctx context.Context, op string, err error) {
	c.tel.stateErr.Add(ctx, 1, metric.WithAttributes(attribute.String("op", op)))
	c.rl.Warn("state_"+op, "genai_metrics: drift state "+op+" failed", zap.Error(err))
}

// restore loads persisted drift state; an undecodable blob drops that
// series with a log line and never fails startup.
func (c *metricsConnector) restore(ctx context.Context) {
	if c.client == nil || c.tracker == nil {
		return
	}
	idx, err := c.client.Get(ctx, storageIndex)
	if err != nil {
		c.stateError(ctx, "get", err)
		return
	}
	keys := decodeIndex(idx)
	c.mu.Lock()
	defer c.mu.Unlock()
	loaded, dropped := 0, 0
	for k := range keys {
		v, err := c.client.Get(ctx, k)
		if err != nil || v == nil {
			dropped++
			continue
		}
		if err := c.tracker.Restore(v); err != nil {
			dropped++
			continue
		}
		loaded++
	}
	if meta, err := c.client.Get(ctx, storageMeta); err == nil && len(meta) > 0 {
		if last, n := binary.Varint(meta); n > 0 {
			c.tracker.SetLastClose(last)
		}
	}
	if dropped > 0 {
		c.tel.stateErr.Add(ctx, int64(dropped), metric.WithAttributes(attribute.String("op", "decode")))
	}
	c.logger.Info("genai_metrics drift state restored", zap.Int("entries", loaded), zap.Int("dropped", dropped))
}

func encodeIndex(keys map[string]struct{}) []byte {
	var b []byte
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
