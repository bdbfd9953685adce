package metrics

import (
	"slices"

	"go.opentelemetry.io/collector/pdata/pcommon"
)

// Series records the metrics of one observation at a time. Dims holds the
// observation's dimensions (an empty value is not emitted); the attributes
// and key they make are built once per observation (after DimsChanged) and
// shared by every metric recorded for it, each adding its own extra pairs.
type Series struct {
	agg *Aggregator
	// Dims are the current observation's dimensions, in a fixed order.
	Dims []KV

	gen, baseGen, baseEpoch uint64
	baseRes                 *Resource
	baseAttrs               []KV
	base                    *base
	// key is the series key of Dims (its first baseLen bytes) followed by
	// the extra pairs of the recording at hand: only those are rewritten
	// between the recordings of one observation.
	key     []byte
	baseLen int
}

// NewSeries returns a Series recording into agg.
func NewSeries(agg *Aggregator) *Series { return &Series{agg: agg} }

// DimsChanged must be called after Dims is rewritten.
func (s *Series) DimsChanged() { s.gen++ }

// point returns the point of m for Dims plus extra: from the base's cache
// when this base recorded into it before, else by the series key.
func (s *Series) point(m *Metric, res *Resource, ts pcommon.Timestamp, extra []KV) *point {
	if s.baseGen != s.gen || s.baseRes != res || s.baseEpoch != s.agg.epoch {
		s.baseAttrs = s.baseAttrs[:0]
		for _, d := range s.Dims {
			if d.Value != "" {
				s.baseAttrs = append(s.baseAttrs, d)
			}
		}
		s.key = AppendKey(s.key[:0], res, s.baseAttrs)
		s.baseLen = len(s.key)
		s.base = s.agg.baseFor(s.key)
		s.baseGen, s.baseRes, s.baseEpoch = s.gen, res, s.agg.epoch
	}
	if p := s.base.get(m, extra); p != nil {
		return p
	}
	s.key = s.key[:s.baseLen]
	for _, x := range extra {
		s.key = appendPair(s.key, x)
	}
	p, ok := s.agg.lookup(m, s.key, res, s.baseAttrs, extra, ts)
	if ok {
		s.base.put(m, extra, p)
	}
	return p
}

// Histogram records v in histogram m of the current series plus extra.
func (s *Series) Histogram(m *Metric, res *Resource, ts pcommon.Timestamp, v float64, ex *Exemplar, extra ...KV) {
	s.agg.observe(m, s.point(m, res, ts, extra), v, ex)
}

// Sum adds v to sum m of the current series plus extra.
func (s *Series) Sum(m *Metric, res *Resource, ts pcommon.Timestamp, v float64, extra ...KV) {
	s.point(m, res, ts, extra).sum += v
}

// base caches the points recorded from one series base (resource and
// dimensions) by metric and extra pairs, so that a recording hashes no
// series key. It is only a cache of Metric.points: entries are dropped
// with the points (Aggregator.epoch), the overflow point is never cached.
type base struct {
	byMetric []baseSlot // by Metric.idx
}

// baseSlot holds the points of one metric; the observations of a base
// record them in much the same order each time, so the scan starts after
// the last hit.
type baseSlot struct {
	pts  []cachedPoint
	next int
}

type cachedPoint struct {
	extra []KV
	p     *point
}

func (b *base) get(m *Metric, extra []KV) *point {
	if m.idx >= len(b.byMetric) {
		return nil
	}
	sl := &b.byMetric[m.idx]
	n := len(sl.pts)
	for i, j := 0, sl.next; i < n; i, j = i+1, j+1 {
		if j >= n {
			j = 0
		}
		if c := &sl.pts[j]; slices.Equal(c.extra, extra) {
			sl.next = j + 1
			return c.p
		}
	}
	return nil
}

func (b *base) put(m *Metric, extra []KV, p *point) {
	for len(b.byMetric) <= m.idx {
		b.byMetric = append(b.byMetric, baseSlot{})
	}
	sl := &b.byMetric[m.idx]
	sl.pts = append(sl.pts, cachedPoint{extra: slices.Clone(extra), p: p})
	sl.next = len(sl.pts)
}
