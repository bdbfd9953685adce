// Package handoff passes the views genai_normalize decoded to the Periscope
// processors after it in the same pipeline (genai_cost, genai_prompt,
// genai_eval), so a call's attributes and message JSON are decoded once per
// span rather than once per component.
//
// A Table lives for one ConsumeTraces call: genai_normalize opens it around
// its own call and everything the pipeline runs synchronously after it, and
// it is closed when that call returns, so no view outlives its batch. A view
// is handed on only while the span is exactly as it was when the view was
// stored: each entry keeps a fingerprint of the span's name, status, times,
// attributes, events and resource attributes (the identity of every string
// and every scalar value, recursively), and any change by a processor in
// between (transform, attributes, redaction, ...) makes the next reader
// decode the span again. A Periscope processor that writes to a span
// refreshes the fingerprint, after patching the view where its own output
// is something a reader would read back (genai_prompt's identity).
package handoff

import (
	"context"
	"math"
	"slices"
	"sync"
	"sync/atomic"
	"unsafe"

	"go.opentelemetry.io/collector/featuregate"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/processor"

	"github.com/periscope-otel/periscope/internal/genai"
)

// Gate turns the hand-off off (--feature-gates=-periscope.viewHandoff):
// every processor then decodes every span itself.
var Gate = featuregate.GlobalRegistry().MustRegister("periscope.viewHandoff", featuregate.StageBeta,
	featuregate.WithRegisterDescription("Periscope processors after genai_normalize reuse the span views it decoded instead of decoding each span again"),
	featuregate.WithRegisterFromVersion("v0.2.0"))

type ctxKey struct{}

// served and stale count views handed on and entries dropped because their
// span had changed (tests check the hand-off happens, and where not).
var served, stale atomic.Int64

// verify, set by tests, sees every view handed on.
var verify func(span ptrace.Span, res pcommon.Resource, opts genai.Options, v *genai.View)

// Counts returns the views handed on and the entries found stale so far.
func Counts() (servedViews, staleEntries int64) { return served.Load(), stale.Load() }

// Table holds the views of one batch, keyed by span.
type Table struct {
	mu sync.Mutex
	*store
}

// store is a table's memory, reused by later tables once cleared (a batch
// of views is ~1 KB a span).
type store struct {
	index   map[unsafe.Pointer]int32
	entries []entry
}

var stores = sync.Pool{New: func() any { return &store{index: map[unsafe.Pointer]int32{}} }}

type entry struct {
	view genai.View
	opts genai.Options
	fp   uint64
}

// Ref names an entry whose view was valid for the span at Get: Wrote
// refreshes it after the caller's own writes. The zero Ref refreshes
// nothing.
type Ref struct {
	t *Table
	i int32
}

// Open returns ctx carrying a new table sized for td, and the table. The
// caller closes it when the call it scopes has returned. Without the gate
// it returns ctx and nil (every method of a nil table is a no-op).
func Open(ctx context.Context, td ptrace.Traces) (context.Context, *Table) {
	if !Gate.IsEnabled() {
		return ctx, nil
	}
	st := stores.Get().(*store)
	st.entries = slices.Grow(st.entries, td.SpanCount())
	t := &Table{store: st}
	return context.WithValue(ctx, ctxKey{}, t), t
}

// From returns the table open in ctx, or nil.
func From(ctx context.Context) *Table {
	t, _ := ctx.Value(ctxKey{}).(*Table)
	return t
}

// Close drops every view: a component that kept ctx past the call (an
// asynchronous stage) finds nothing.
func (t *Table) Close() {
	if t == nil {
		return
	}
	t.mu.Lock()
	st := t.store
	t.store = nil
	t.mu.Unlock()
	if st == nil {
		return
	}
	// Cleared, the views keep no batch alive from the pool.
	clear(st.entries)
	st.entries = st.entries[:0]
	clear(st.index)
	if cap(st.entries) <= maxPooled {
		stores.Put(st)
	}
}

// maxPooled is the largest batch whose table memory is reused.
const maxPooled = 8192

// Put stores the view v, read with opts, of span as it is now (after the
// caller's writes). A span that cannot be fingerprinted is not stored.
func (t *Table) Put(span ptrace.Span, res pcommon.Resource, v *genai.View, opts genai.Options) {
	if t == nil {
		return
	}
	fp, ok := fingerprint(span, res)
	if !ok {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.store == nil {
		return
	}
	k := spanKey(span)
	if i, dup := t.index[k]; dup {
		t.entries[i] = entry{view: *v, opts: opts, fp: fp}
		return
	}
	t.index[k] = int32(len(t.entries))
	t.entries = append(t.entries, entry{view: *v, opts: opts, fp: fp})
}

// Get writes to dst the stored view of span as a reader with opts would
// see it, if the span is unchanged since it was stored and the stored read
// covers opts; dst is left alone otherwise. The Ref is valid whenever the
// span was unchanged, even when the options did not match. A changed
// span's entry is dropped.
func (t *Table) Get(span ptrace.Span, res pcommon.Resource, opts genai.Options, dst *genai.View) (Ref, bool) {
	if t == nil {
		return Ref{}, false
	}
	k := spanKey(span)
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.store == nil {
		return Ref{}, false
	}
	i, ok := t.index[k]
	if !ok {
		return Ref{}, false
	}
	fp, ok := fingerprint(span, res)
	e := &t.entries[i]
	if !ok || fp != e.fp {
		delete(t.index, k)
		stale.Add(1)
		return Ref{}, false
	}
	ref := Ref{t: t, i: i}
	if !project(dst, &e.view, e.opts, opts) {
		return ref, false
	}
	served.Add(1)
	if verify != nil {
		c := *dst // (dst itself must not escape: it is on the caller's stack)
		verify(span, res, opts, &c)
	}
	return ref, true
}

// Wrote refreshes the entry of r after the caller wrote to span; patch,
// when not nil, first brings the stored view in line with what the caller
// wrote (what a reader would now read back).
func (r Ref) Wrote(span ptrace.Span, res pcommon.Resource, patch func(*genai.View)) {
	t := r.t
	if t == nil {
		return
	}
	fp, ok := fingerprint(span, res)
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.store == nil || int(r.i) >= len(t.entries) {
		return
	}
	if !ok {
		delete(t.index, spanKey(span))
		return
	}
	e := &t.entries[r.i]
	if patch != nil {
		patch(&e.view)
	}
	e.fp = fp
}

// project writes to out v as a read with want would have returned it, from
// a read with had; false (out untouched) when the read with had saw less
// than want needs.
func project(out, v *genai.View, had, want genai.Options) bool {
	if want.Content {
		switch {
		case !had.Content, v.Truncated, v.ContentBytes > want.Budget(),
			had.SkipToolDefinitions && !want.SkipToolDefinitions,
			had.SkipOutputMessages && !want.SkipOutputMessages:
			return false
		}
	}
	*out = *v
	if !want.Content {
		out.SystemInstructions, out.InputMessages, out.OutputMessages = nil, nil, nil
		out.Documents, out.RetrievalQuery = nil, ""
		out.ToolDefinitions = nil
		out.ContentBytes, out.Truncated = 0, false
		return true
	}
	if want.SkipToolDefinitions {
		out.ToolDefinitions = nil
	}
	if want.SkipOutputMessages {
		out.OutputMessages = nil
	}
	return true
}

// spanKey is the identity of the span's data: ptrace.Span is a handle
// (pointer to the span, pointer to its state), copied freely; the first
// word is the same for every handle of one span (TestSpanKey).
func spanKey(s ptrace.Span) unsafe.Pointer {
	return *(*unsafe.Pointer)(unsafe.Pointer(&s))
}

// maxDepth bounds the nesting fingerprinted; deeper values are not handed
// on.
const maxDepth = 32

// fingerprint hashes what a reader of span reads: strings by identity
// (address and length: pdata strings are immutable, so a changed value is a
// new string) and scalars by value. false when the span nests too deep.
func fingerprint(span ptrace.Span, res pcommon.Resource) (uint64, bool) {
	var h hasher
	h.str(span.Name())
	h.mix(uint64(span.Kind()))
	h.mix(uint64(span.Status().Code()))
	h.mix(uint64(span.StartTimestamp()))
	h.mix(uint64(span.EndTimestamp()))
	ok := h.attrs(span.Attributes(), 0)
	evs := span.Events()
	h.mix(uint64(evs.Len()))
	for i := 0; i < evs.Len() && ok; i++ {
		e := evs.At(i)
		h.str(e.Name())
		h.mix(uint64(e.Timestamp()))
		ok = h.attrs(e.Attributes(), 0)
	}
	ok = ok && h.attrs(res.Attributes(), 0)
	return h.final(), ok
}

// hasher sums position-salted products: each term is independent of the
// others, so the CPU overlaps them (a chained mix per value cost three
// times as much), and a change to any one value changes the sum (the
// product with an odd constant is a bijection).
type hasher struct{ sum, n uint64 }

func (h *hasher) mix(x uint64) {
	h.n++
	h.sum += (x ^ h.n*0xd6e8feb86659fd93) * 0x9e3779b97f4a7c15
}

func (h *hasher) str(s string) {
	h.mix(uint64(uintptr(unsafe.Pointer(unsafe.StringData(s)))))
	h.mix(uint64(len(s)))
}

func (h *hasher) final() uint64 {
	x := h.sum ^ h.n
	x ^= x >> 33
	x *= 0xff51afd7ed558ccd
	return x ^ x>>33
}

func (h *hasher) attrs(m pcommon.Map, depth int) bool {
	h.mix(uint64(m.Len()))
	for k, v := range m.All() {
		h.str(k)
		if !h.value(v, depth) {
			return false
		}
	}
	return true
}

func (h *hasher) value(v pcommon.Value, depth int) bool {
	t := v.Type()
	h.mix(uint64(t))
	switch t {
	case pcommon.ValueTypeStr:
		h.str(v.Str())
	case pcommon.ValueTypeInt:
		h.mix(uint64(v.Int()))
	case pcommon.ValueTypeDouble:
		h.mix(math.Float64bits(v.Double()))
	case pcommon.ValueTypeBool:
		if v.Bool() {
			h.mix(1)
		}
	case pcommon.ValueTypeBytes:
		// (AsRaw copies: bytes are hashed by content; they are rare and
		// short in GenAI spans.)
		b := v.Bytes()
		h.mix(uint64(b.Len()))
		for i := 0; i < b.Len(); i++ {
			h.mix(uint64(b.At(i)))
		}
	case pcommon.ValueTypeMap:
		if depth >= maxDepth {
			return false
		}
		return h.attrs(v.Map(), depth+1)
	case pcommon.ValueTypeSlice:
		if depth >= maxDepth {
			return false
		}
		sl := v.Slice()
		h.mix(uint64(sl.Len()))
		for i := 0; i < sl.Len(); i++ {
			if !h.value(sl.At(i), depth+1) {
				return false
			}
		}
	}
	return true
}

// Scope wraps p (genai_normalize's traces processor) so that each call
// opens a table for p and for everything the pipeline runs synchronously
// after it, and closes it when the call returns.
func Scope(p processor.Traces) processor.Traces { return scoped{p} }

type scoped struct{ processor.Traces }

func (s scoped) ConsumeTraces(ctx context.Context, td ptrace.Traces) error {
	ctx, t := Open(ctx, td)
	defer t.Close()
	return s.Traces.ConsumeTraces(ctx, td)
}
