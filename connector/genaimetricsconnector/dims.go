package genaimetricsconnector

import (
	"encoding/binary"
	"unicode/utf8"

	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/periscope-otel/periscope/internal/contract"
	"github.com/periscope-otel/periscope/internal/genai"
	"github.com/periscope-otel/periscope/internal/metrics"
)

// Short names for the aggregation types of internal/metrics.
type (
	kv       = metrics.KV
	resource = metrics.Resource
	exemplar = metrics.Exemplar
)

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
		return c.agg.OverflowRes
	}
	r := &resource{Key: string(w.key)}
	for _, k := range c.cfg.ResourceAttributes {
		if v, ok := attrs.Get(k); ok {
			r.Attrs = append(r.Attrs, kv{Key: k, Value: truncate(v.AsString(), c.cfg.MaxDimensionValueLength)})
		}
	}
	c.resources[r.Key] = r
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

// dimIndex is the position of a dimension in the series dims: the six
// built-in ones first, then the configured extras.
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

// buildDims fills the series dims with the built-in and extra dimensions,
// always in the same positions (missing optional values are empty and not
// emitted).
func (c *metricsConnector) buildDims(v *genai.View, src attrSource) {
	s := c.series
	s.Dims = s.Dims[:0]
	s.DimsChanged()
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
	s.Dims = append(s.Dims,
		kv{Key: attrServiceName, Value: truncate(svc, limit)},
		kv{Key: attrOperation, Value: truncate(op, limit)},
		kv{Key: attrProvider, Value: truncate(prov, limit)},
		kv{Key: attrRequestMdl, Value: truncate(model, limit)},
		kv{Key: contract.AttrPromptName, Value: truncate(pname, limit)},
		kv{Key: contract.AttrPromptVersion, Value: truncate(pver, limit)},
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
		s.Dims = append(s.Dims, kv{Key: d.Name, Value: truncate(val, limit)})
	}
}

// contentSampled picks spans for content reading by trace id, so that all
// spans of a trace are in or out together (and with the other samples by
// trace id, see tracesample).
func (c *metricsConnector) contentSampled(tid pcommon.TraceID) bool {
	return c.contentSample.Keep(tid) // set only when content is read
}

// idSet remembers recent span ids so that a call reported both as a span
// and as log records is counted once. It is a direct-mapped table: a
// colliding id evicts the older one (bounded memory, O(1), no map churn),
// made on first use (only calls also reported on logs need it).
type idSet struct {
	slots []uint64
	mask  uint64
}

func newIDSet(n int) *idSet {
	return &idSet{mask: uint64(n - 1)}
}

// add reports whether id was new (an empty id is always new).
func (s *idSet) add(id pcommon.SpanID) bool {
	if id.IsEmpty() {
		return true
	}
	if s.slots == nil {
		s.slots = make([]uint64, s.mask+1)
	}
	k, i := spanSlot(id, s.mask)
	if s.slots[i] == k {
		return false
	}
	s.slots[i] = k
	return true
}

// dimCache maps recent span ids to their (interned) dimension sets in a
// direct-mapped table; distinct dimension sets are bounded. It lets
// evaluation log records from other tools inherit the dimensions (model,
// prompt version, ...) of the call they evaluated. The table is made on
// first use.
type dimCache struct {
	ids    []uint64
	sets   [][]kv
	mask   uint64
	intern map[string][]kv
	max    int
	key    []byte
}

func newDimCache(n, maxSets int) *dimCache {
	return &dimCache{mask: uint64(n - 1), intern: map[string][]kv{}, max: maxSets}
}

// spanSlot is a span id's value and table slot. Span ids are random; mix
// anyway so sequential ids spread.
func spanSlot(id pcommon.SpanID, mask uint64) (uint64, uint64) {
	k := binary.LittleEndian.Uint64(id[:])
	return k, ((k * 0x9E3779B97F4A7C15) >> 16) & mask
}

// remember stores dims for a span id.
func (d *dimCache) remember(id pcommon.SpanID, dims []kv) {
	if id.IsEmpty() {
		return
	}
	d.key = d.key[:0]
	for _, x := range dims {
		d.key = append(d.key, x.Value...)
		d.key = append(d.key, 0)
	}
	set, ok := d.intern[string(d.key)]
	if !ok {
		if len(d.intern) >= d.max {
			return
		}
		set = append([]kv(nil), dims...)
		d.intern[string(d.key)] = set
	}
	if d.ids == nil {
		d.ids, d.sets = make([]uint64, d.mask+1), make([][]kv, d.mask+1)
	}
	k, i := spanSlot(id, d.mask)
	d.ids[i], d.sets[i] = k, set
}

// recall returns the dims remembered for a span id.
func (d *dimCache) recall(id pcommon.SpanID) ([]kv, bool) {
	if id.IsEmpty() || d.ids == nil {
		return nil, false
	}
	k, i := spanSlot(id, d.mask)
	if d.ids[i] != k || d.sets[i] == nil {
		return nil, false
	}
	return d.sets[i], true
}

// rememberDims stores the current dims for a span id.
func (c *metricsConnector) rememberDims(id pcommon.SpanID) {
	c.dimsBySpan.remember(id, c.series.Dims)
}

// recallDims loads the dims remembered for a span id as the current dims.
func (c *metricsConnector) recallDims(id pcommon.SpanID) bool {
	set, ok := c.dimsBySpan.recall(id)
	if ok {
		c.series.Dims = append(c.series.Dims[:0], set...)
		c.series.DimsChanged()
	}
	return ok
}
