package metrics

import "go.opentelemetry.io/collector/pdata/pcommon"

// Series records the metrics of one observation at a time. Dims holds the
// observation's dimensions (an empty value is not emitted); the attributes
// and key they make are built once per observation (after DimsChanged) and
// shared by every metric recorded for it, each adding its own extra pairs.
type Series struct {
	agg *Aggregator
	// Dims are the current observation's dimensions, in a fixed order.
	Dims []KV

	gen, baseGen uint64
	baseRes      *Resource
	baseAttrs    []KV
	baseKey      []byte
	attrs        []KV
	key          []byte
}

// NewSeries returns a Series recording into agg.
func NewSeries(agg *Aggregator) *Series { return &Series{agg: agg} }

// DimsChanged must be called after Dims is rewritten.
func (s *Series) DimsChanged() { s.gen++ }

// prepare returns the attributes and series key of Dims plus extra.
func (s *Series) prepare(res *Resource, extra []KV) ([]KV, []byte) {
	if s.baseGen != s.gen || s.baseRes != res {
		s.baseAttrs = s.baseAttrs[:0]
		for _, d := range s.Dims {
			if d.Value != "" {
				s.baseAttrs = append(s.baseAttrs, d)
			}
		}
		s.baseKey = AppendKey(s.baseKey[:0], res, s.baseAttrs)
		s.baseGen, s.baseRes = s.gen, res
	}
	s.attrs = append(append(s.attrs[:0], s.baseAttrs...), extra...)
	s.key = append(s.key[:0], s.baseKey...)
	for _, x := range extra {
		s.key = appendPair(s.key, x)
	}
	return s.attrs, s.key
}

// Histogram records v in histogram m of the current series plus extra.
func (s *Series) Histogram(m *Metric, res *Resource, ts pcommon.Timestamp, v float64, ex *Exemplar, extra ...KV) {
	attrs, key := s.prepare(res, extra)
	s.agg.Observe(m, key, res, attrs, v, ts, ex)
}

// Sum adds v to sum m of the current series plus extra.
func (s *Series) Sum(m *Metric, res *Resource, ts pcommon.Timestamp, v float64, extra ...KV) {
	attrs, key := s.prepare(res, extra)
	s.agg.Add(m, key, res, attrs, v, ts)
}
