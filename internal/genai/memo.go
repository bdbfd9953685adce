package genai

import (
	"math"
	"sync"
	"sync/atomic"
	"unsafe"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// The components of a pipeline read the same span one after another
// (genai_cost, genai_prompt, genai_eval, then genai_metrics after the
// batch). A View is a pure function of the span's name, status and times,
// the resource's SDK name, the options and the attributes and events the
// reader handles, so the memo keeps recent Views by span id with a
// fingerprint of those inputs and hands a View back while the fingerprint
// matches: a span is decoded once, not once per component.
//
// Strings are compared by identity (data pointer and length), never by
// content, and an entry keeps every string it compares alive, so the same
// identity means the same bytes. A component that writes keys the reader
// ignores (periscope.eval.*) leaves the View valid; the prompt identity
// genai_prompt writes (gen_ai.prompt.name / version) and the price
// genai_cost writes are patched into the View (patch); anything else read
// fresh.
//
// Views handed out share their slices with the memo: readers must treat a
// View's slices as read-only (they always had to: a View's text aliases the
// span's attribute strings).

// memoShards × memoShardSize Views are kept: the spans in flight through
// the synchronous processors plus a batch processor's buffer, so the
// connector after the batch still finds them.
const (
	memoShards    = 16
	memoShardSize = 128
)

// ident is one input of the reader, compared by identity: a string value
// (kept alive by the entry), or a number, or the head of a composite value
// whose n children follow.
type ident struct {
	key string
	str string
	num uint64
	typ pcommon.ValueType
}

type memoEntry struct {
	id      [24]byte // trace id, span id
	opts    Options
	inputs  []ident // header, then every attribute (relevant or not), then relevant events
	attrs   int     // inputs[headerLen:attrs] are the attributes
	rawSize int     // bytes of the string inputs: above the budgets, Views depend on them
	view    View
	patch   patchState
}

// patchState is what patch needs to add prompt and cost keys to a View.
type patchState struct {
	strs       [3][slotsPerField]string // fPromptName, fPromptVersion, fPromptTemplate
	strSet     [3]uint16
	source     string // v.Prompt.Source before resolve
	cost       *Cost
	costPrio   int
	costIsOurs bool
	marks      mark
}

// memoShard keeps its entries in place, so remembering a span allocates
// nothing: a miss fingerprints into a pooled buffer and swaps it with the
// evicted entry's. Entries are read and patched under the lock.
type memoShard struct {
	mu    sync.Mutex
	byID  map[[24]byte]int32
	slots [memoShardSize]memoEntry
	next  int32
}

var memo [memoShards]memoShard

var inputPool = sync.Pool{New: func() any { return new([]ident) }}

// memoOff turns the memo off (tests comparing it with fresh reads).
var memoOff bool

// memoStats counts what the memo did (tests check it is used).
var memoStats struct{ hits, patches, misses atomic.Int64 }

const headerLen = 5

// eventKey marks the head of an event's inputs (a key no attribute has).
const eventKey = "\x00event"

func spanID(span ptrace.Span) (id [24]byte) {
	t, s := span.TraceID(), span.SpanID()
	copy(id[:16], t[:])
	copy(id[16:], s[:])
	return id
}

func shardOf(id [24]byte) *memoShard {
	// Span ids are random; their last byte spreads the shards.
	return &memo[id[23]%memoShards]
}

// lookup returns the View of a remembered span whose inputs still match,
// patched with the prompt and cost keys added since if need be.
func (sh *memoShard) lookup(id [24]byte, span ptrace.Span, sdk string, opts Options) (View, bool) {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	i, ok := sh.byID[id]
	if !ok {
		return View{}, false
	}
	e := &sh.slots[i]
	if !e.usableFor(opts) {
		return View{}, false
	}
	extra, ok := e.match(span, sdk)
	switch {
	case !ok:
		return View{}, false
	case len(extra) == 0:
		memoStats.hits.Add(1)
	case e.patched(extra):
		memoStats.patches.Add(1)
	default:
		return View{}, false
	}
	return e.view, true
}

// remember stores a fresh read; in is the span's fingerprint, and the
// buffer it replaces goes back to the pool.
func (sh *memoShard) remember(id [24]byte, opts Options, v View, ps patchState, in *[]ident, attrs, raw int) {
	sh.mu.Lock()
	if sh.byID == nil {
		sh.byID = make(map[[24]byte]int32, memoShardSize)
	}
	i, ok := sh.byID[id]
	if !ok {
		i = sh.next
		sh.next = (sh.next + 1) % memoShardSize
		if old := &sh.slots[i]; old.inputs != nil {
			delete(sh.byID, old.id)
		}
		sh.byID[id] = i
	}
	e := &sh.slots[i]
	e.inputs, *in = *in, e.inputs
	e.id, e.opts, e.view, e.patch, e.attrs, e.rawSize = id, opts, v, ps, attrs, raw
	sh.mu.Unlock()
	if *in != nil {
		clear(*in) // drop the strings it kept alive
		*in = (*in)[:0]
	}
	inputPool.Put(in)
}

// readSpanMemo is ReadSpan through the memo.
func readSpanMemo(span ptrace.Span, res pcommon.Resource, opts Options) View {
	id := spanID(span)
	sh := shardOf(id)
	sdk := sdkName(res)
	if v, ok := sh.lookup(id, span, sdk, opts); ok {
		return v
	}
	memoStats.misses.Add(1)
	var r reader
	r.init(opts)
	v, ps := r.read(span, sdk)
	in := inputPool.Get().(*[]ident)
	var attrs, raw int
	*in, attrs, raw = fingerprint((*in)[:0], span, sdk)
	sh.remember(id, opts, v, ps, in, attrs, raw)
	return v
}

// usableFor: the same options, or options that differ only in the content
// budget when neither budget can bind (the raw strings fit both).
func (e *memoEntry) usableFor(o Options) bool {
	if o == e.opts {
		return true
	}
	a, b := o, e.opts
	a.MaxContentBytes, b.MaxContentBytes = 0, 0
	return a == b && !e.view.Truncated && e.rawSize <= o.budget() && e.rawSize <= e.opts.budget()
}

func sdkName(res pcommon.Resource) string {
	if sdk, ok := res.Attributes().Get("telemetry.sdk.name"); ok && sdk.Type() == pcommon.ValueTypeStr {
		return sdk.Str()
	}
	return ""
}

// relevantKey: the reader does something with k.
func relevantKey(k string) bool {
	if _, ok := lookupKey(k); ok {
		return true
	}
	return lookupPrefix(k) >= 0
}

func relevantEvent(name string) bool {
	switch name {
	case EventInferenceDetails, eventContentPrompt, eventContentComplete, eventSystemMessage,
		eventUserMessage, eventAssistantMessage, eventToolMessage, eventChoice, eventDBQueryResult:
		return true
	}
	return false
}

func header(span ptrace.Span, sdk string) [headerLen]ident {
	return [headerLen]ident{
		{str: span.Name()},
		{num: uint64(span.Status().Code())},
		{num: uint64(span.StartTimestamp())},
		{num: uint64(span.EndTimestamp())},
		{str: sdk},
	}
}

// fingerprint lists the reader's inputs of span.
func fingerprint(in []ident, span ptrace.Span, sdk string) (_ []ident, attrs, raw int) {
	attrMap := span.Attributes()
	h := header(span, sdk)
	in = append(in, h[:]...)
	for k, v := range attrMap.All() {
		in, raw = appendValue(in, raw, k, v)
	}
	attrs = len(in)
	evs := span.Events()
	for i := 0; i < evs.Len() && i < maxEvents; i++ {
		ev := evs.At(i)
		if !relevantEvent(ev.Name()) {
			continue
		}
		in = append(in, ident{key: eventKey, str: ev.Name(), num: uint64(ev.Attributes().Len())})
		for k, v := range ev.Attributes().All() {
			in, raw = appendValue(in, raw, k, v)
		}
	}
	return in, attrs, raw
}

func appendValue(in []ident, raw int, k string, v pcommon.Value) ([]ident, int) {
	id := ident{key: k, typ: v.Type()}
	switch v.Type() {
	case pcommon.ValueTypeStr:
		id.str = v.Str()
		raw += len(id.str)
	case pcommon.ValueTypeInt:
		id.num = uint64(v.Int())
	case pcommon.ValueTypeDouble:
		id.num = math.Float64bits(v.Double())
	case pcommon.ValueTypeBool:
		if v.Bool() {
			id.num = 1
		}
	case pcommon.ValueTypeBytes:
		id.str = string(v.Bytes().AsRaw()) // compared by content: a copy
		raw += len(id.str)
	case pcommon.ValueTypeSlice:
		s := v.Slice()
		id.num = uint64(s.Len())
		in = append(in, id)
		for i := 0; i < s.Len(); i++ {
			in, raw = appendValue(in, raw, "", s.At(i))
		}
		return in, raw
	case pcommon.ValueTypeMap:
		m := v.Map()
		id.num = uint64(m.Len())
		in = append(in, id)
		for mk, mv := range m.All() {
			in, raw = appendValue(in, raw, mk, mv)
		}
		return in, raw
	}
	return append(in, id), raw
}

func sameString(a, b string) bool {
	return len(a) == len(b) && unsafe.StringData(a) == unsafe.StringData(b)
}

// sameValue compares v with the inputs from in[i]; it returns the index
// after the value and whether all of it matched.
func sameValue(in []ident, i int, k string, v pcommon.Value) (int, bool) {
	if i >= len(in) {
		return i, false
	}
	id := &in[i]
	if id.typ != v.Type() || id.key != k {
		return i, false
	}
	switch v.Type() {
	case pcommon.ValueTypeStr:
		return i + 1, sameString(id.str, v.Str())
	case pcommon.ValueTypeInt:
		return i + 1, id.num == uint64(v.Int())
	case pcommon.ValueTypeDouble:
		return i + 1, id.num == math.Float64bits(v.Double())
	case pcommon.ValueTypeBool:
		return i + 1, (id.num == 1) == v.Bool()
	case pcommon.ValueTypeBytes:
		return i + 1, id.str == string(v.Bytes().AsRaw())
	case pcommon.ValueTypeSlice:
		s := v.Slice()
		if id.num != uint64(s.Len()) {
			return i, false
		}
		j := i + 1
		for n := 0; n < s.Len(); n++ {
			var ok bool
			if j, ok = sameValue(in, j, "", s.At(n)); !ok {
				return j, false
			}
		}
		return j, true
	case pcommon.ValueTypeMap:
		m := v.Map()
		if id.num != uint64(m.Len()) {
			return i, false
		}
		j := i + 1
		for mk, mv := range m.All() {
			var ok bool
			if j, ok = sameValue(in, j, mk, mv); !ok {
				return j, false
			}
		}
		return j, true
	}
	return i + 1, true
}

// skipValue returns the index after the value starting at in[i].
func skipValue(in []ident, i int) int {
	id := in[i]
	i++
	if id.typ == pcommon.ValueTypeSlice || id.typ == pcommon.ValueTypeMap {
		for n := uint64(0); n < id.num; n++ {
			i = skipValue(in, i)
		}
	}
	return i
}

type keyValue struct {
	k string
	v pcommon.Value
}

// match compares span with the entry's inputs. ok: every input the reader
// handles is unchanged; extra: relevant attributes added after them (in
// order), which patch may be able to apply.
func (e *memoEntry) match(span ptrace.Span, sdk string) (extra []keyValue, ok bool) {
	h := header(span, sdk)
	for i := range h {
		if !sameString(h[i].str, e.inputs[i].str) || h[i].num != e.inputs[i].num {
			return nil, false
		}
	}
	in := e.inputs[:e.attrs]
	i := headerLen
	for k, v := range span.Attributes().All() {
		// Stored attributes the span no longer has are fine if the
		// reader ignores them.
		for i < len(in) && in[i].key != k && !relevantKey(in[i].key) {
			i = skipValue(in, i)
		}
		if i < len(in) && in[i].key == k {
			j, same := sameValue(in, i, k, v)
			if !same {
				if relevantKey(k) {
					return nil, false
				}
				j = skipValue(in, i)
			}
			i = j
			continue
		}
		if !relevantKey(k) {
			continue
		}
		if i < len(in) {
			// A relevant key before stored ones: the order changed.
			return nil, false
		}
		extra = append(extra, keyValue{k, v})
	}
	for i < len(in) {
		if relevantKey(in[i].key) {
			return nil, false // a relevant key was removed
		}
		i = skipValue(in, i)
	}
	return extra, e.sameEvents(span)
}

func (e *memoEntry) sameEvents(span ptrace.Span) bool {
	in := e.inputs
	i := e.attrs
	evs := span.Events()
	for n := 0; n < evs.Len() && n < maxEvents; n++ {
		ev := evs.At(n)
		if !relevantEvent(ev.Name()) {
			continue
		}
		if i >= len(in) || in[i].key != eventKey || !sameString(in[i].str, ev.Name()) || in[i].num != uint64(ev.Attributes().Len()) {
			return false
		}
		i++
		for k, v := range ev.Attributes().All() {
			var ok bool
			if i, ok = sameValue(in, i, k, v); !ok {
				return false
			}
		}
	}
	return i == len(in)
}

// patchState snapshots, before resolve, the reader fields that the prompt
// and cost keys write.
func (r *reader) patchState() patchState {
	return patchState{
		strs:       [3][slotsPerField]string{r.strs[fPromptName], r.strs[fPromptVersion], r.strs[fPromptTemplate]},
		strSet:     [3]uint16{r.strSet[fPromptName], r.strSet[fPromptVersion], r.strSet[fPromptTemplate]},
		source:     r.v.Prompt.Source,
		cost:       r.cost,
		costPrio:   r.costPrio,
		costIsOurs: r.costIsOurs,
		marks:      r.marks,
	}
}

func (r *reader) seed(p patchState, v *View) {
	r.strs[fPromptName], r.strs[fPromptVersion], r.strs[fPromptTemplate] = p.strs[0], p.strs[1], p.strs[2]
	r.strSet[fPromptName], r.strSet[fPromptVersion], r.strSet[fPromptTemplate] = p.strSet[0], p.strSet[1], p.strSet[2]
	r.v.Prompt.Source = p.source
	r.cost, r.costPrio, r.costIsOurs = p.cost, p.costPrio, p.costIsOurs
	r.marks = p.marks
	r.v.Sources = v.Sources
	r.promptVars = v.Prompt.Variables
}

// patchable: the keys genai_prompt and genai_cost write, whose handlers
// touch only the fields patchState carries (TestPatchableRowsTouchOnlyPatchState).
func patchable(k string) bool {
	i, ok := lookupKey(k)
	if !ok {
		return false
	}
	s := &keyTable[i]
	return s.act == aCost || s.act == aFunc && (s.h == hPrompt || s.h == hOwnCost)
}

// patched applies extra (keys added after the entry was read) to its View
// in place, or false when one of them needs a fresh read.
func (e *memoEntry) patched(extra []keyValue) bool {
	for _, kv := range extra {
		if !patchable(kv.k) {
			return false
		}
	}
	var r reader
	r.init(e.opts)
	r.seed(e.patch, &e.view)
	for _, kv := range extra {
		r.attr(kv.k, kv.v)
	}
	if r.marks != e.patch.marks || len(r.v.Problems) > 0 {
		return false // a new dialect mark or a problem: read afresh
	}
	e.patch = r.patchState()
	e.view.Sources = r.v.Sources
	e.view.Prompt.Source = r.v.Prompt.Source
	r.resolveCost(&e.view)
	r.resolvePrompt(&e.view)
	// The extra keys join the attributes, before the events (match checked
	// the events did not change, and it skips ignored keys it does not know).
	events := append([]ident(nil), e.inputs[e.attrs:]...)
	in := e.inputs[:e.attrs]
	for _, kv := range extra {
		in, e.rawSize = appendValue(in, e.rawSize, kv.k, kv.v)
	}
	e.attrs = len(in)
	e.inputs = append(in, events...)
	return true
}
