package handoff

import (
	"context"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"unsafe"

	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/featuregate"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/processor"
	"go.uber.org/zap"

	"github.com/periscope-otel/periscope/internal/genai"
)

// Gate turns the hand-off off (--feature-gates=-periscope.viewHandoff):
// every processor then decodes every span itself.
var Gate = featuregate.GlobalRegistry().MustRegister("periscope.viewHandoff", featuregate.StageBeta,
	featuregate.WithRegisterDescription("Periscope processors after genai_normalize reuse the span views it decoded instead of decoding each span again"),
	featuregate.WithRegisterFromVersion("v0.2.0"))

type ctxKey struct{}

// served counts views handed on, dropped the tables emptied because a batch
// did not come straight from a Periscope processor (tests check both).
var served, dropped atomic.Int64

// Counts returns the views handed on and the tables emptied so far.
func Counts() (servedViews, droppedTables int64) { return served.Load(), dropped.Load() }

// verify and verifyCall, set by tests, see every view handed on (atomic:
// a test installs them while an assembler's timer may be releasing calls).
var (
	verify     atomic.Pointer[func(span ptrace.Span, opts genai.Options, v *genai.View)]
	verifyCall atomic.Pointer[func(records []plog.LogRecord, opts genai.Options, v *genai.View)]
)

// Table holds the views of one batch, keyed by span.
type Table struct {
	mu sync.Mutex
	*store
	stored  atomic.Bool // a view was put
	reached atomic.Bool // a reader right after a Periscope processor found views in it
}

// store is a table's memory, reused by later tables once cleared (a batch
// of views is ~1 KB a span).
type store struct {
	index   map[unsafe.Pointer]int32
	entries []entry
}

type entry struct {
	view genai.View
	opts genai.Options
	key  unsafe.Pointer
	n    int // records of a call read from log records (0: a span)
	gone bool
}

var stores = sync.Pool{New: func() any { return &store{index: map[unsafe.Pointer]int32{}} }}

// maxPooled is the largest batch whose table memory is reused.
const maxPooled = 8192

// Ref names the entry a Get found, for Patch.
type Ref struct {
	t *Table
	i int32
}

// Open returns ctx carrying a new table sized for td, and the table. The
// caller closes it when the call it scopes has returned. Without the gate
// it returns ctx and nil (every method of a nil table is a no-op).
func Open(ctx context.Context, td ptrace.Traces) (context.Context, *Table) {
	return open(ctx, td.SpanCount())
}

// OpenLogs is Open for a batch of log records (one view per call).
func OpenLogs(ctx context.Context, ld plog.Logs) (context.Context, *Table) {
	return open(ctx, ld.LogRecordCount())
}

func open(ctx context.Context, n int) (context.Context, *Table) {
	if !Gate.IsEnabled() {
		return ctx, nil
	}
	st := stores.Get().(*store)
	st.entries = slices.Grow(st.entries, n)
	t := &Table{store: st}
	return context.WithValue(ctx, ctxKey{}, t), t
}

// From returns the table open in ctx, or nil.
func From(ctx context.Context) *Table {
	t, _ := ctx.Value(ctxKey{}).(*Table)
	return t
}

// Close drops every view: a component that kept ctx past the call finds
// nothing.
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

// holds reports whether t has views.
func (t *Table) holds() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.store != nil && len(t.index) > 0
}

// empty forgets every view (the table stays open for new ones); false
// when it held none.
func (t *Table) empty() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.store == nil || len(t.index) == 0 {
		return false
	}
	clear(t.entries)
	t.entries = t.entries[:0]
	clear(t.index)
	dropped.Add(1)
	return true
}

// Put stores v, read with opts, as the view of span as it is now (after
// the caller's writes).
func (t *Table) Put(span ptrace.Span, v *genai.View, opts genai.Options) {
	t.put(spanKey(span), 0, v, opts)
}

// PutCall is Put for a call read from its log records (a group of
// genai.GroupLogRecords, which the next processor forms the same).
func (t *Table) PutCall(records []plog.LogRecord, v *genai.View, opts genai.Options) {
	if len(records) > 0 {
		t.put(recordKey(records[0]), len(records), v, opts)
	}
}

func (t *Table) put(k unsafe.Pointer, n int, v *genai.View, opts genai.Options) {
	if t == nil {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.store == nil {
		return
	}
	t.stored.Store(true)
	e := entry{view: *v, opts: opts, key: k, n: n}
	if i, dup := t.index[k]; dup {
		t.entries[i] = e
		return
	}
	t.index[k] = int32(len(t.entries))
	t.entries = append(t.entries, e)
}

// lookup returns the entry of k holding a view of n records; t.mu is held.
func (t *Table) lookup(k unsafe.Pointer, n int) (int32, *entry, bool) {
	if t.store == nil {
		return 0, nil, false
	}
	i, ok := t.index[k]
	if !ok || t.entries[i].n != n {
		return 0, nil, false
	}
	return i, &t.entries[i], true
}

// Get writes to dst the stored view of span as a reader with opts would
// see it, when the stored read covers opts; dst is left alone otherwise.
// The Ref is valid whenever the span has a view, even when the options did
// not match.
func (t *Table) Get(span ptrace.Span, opts genai.Options, dst *genai.View) (Ref, bool) {
	ref, ok := t.get(spanKey(span), 0, opts, dst)
	if fn := verify.Load(); ok && fn != nil {
		c := *dst // (dst itself must not escape: it is on the caller's stack)
		(*fn)(span, opts, &c)
	}
	return ref, ok
}

// GetCall is Get for a call read from its log records.
func (t *Table) GetCall(records []plog.LogRecord, opts genai.Options, dst *genai.View) (Ref, bool) {
	if len(records) == 0 {
		return Ref{}, false
	}
	ref, ok := t.get(recordKey(records[0]), len(records), opts, dst)
	if fn := verifyCall.Load(); ok && fn != nil {
		c := *dst
		(*fn)(records, opts, &c)
	}
	return ref, ok
}

// Read writes to dst what genai.ReadSpan(span, res, opts) returns: the
// view handed on when it covers opts, else a read of the span. The Ref is
// Get's.
func (t *Table) Read(span ptrace.Span, res pcommon.Resource, opts genai.Options, dst *genai.View) Ref {
	ref, ok := t.Get(span, opts, dst)
	if !ok {
		*dst = genai.ReadSpan(span, res, opts)
	}
	return ref
}

// ReadCall is Read for a call read from its log records
// (genai.ReadLogRecords).
func (t *Table) ReadCall(records []plog.LogRecord, res pcommon.Resource, opts genai.Options, dst *genai.View) Ref {
	ref, ok := t.GetCall(records, opts, dst)
	if !ok {
		*dst = genai.ReadLogRecords(records, res, opts)
	}
	return ref
}

func (t *Table) get(k unsafe.Pointer, n int, opts genai.Options, dst *genai.View) (Ref, bool) {
	if t == nil {
		return Ref{}, false
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	i, e, ok := t.lookup(k, n)
	if !ok {
		return Ref{}, false
	}
	ref := Ref{t: t, i: i}
	if !project(dst, &e.view, e.opts, opts) {
		return ref, false
	}
	served.Add(1)
	return ref, true
}

// View returns the stored view of span itself when it is exactly what a
// reader with opts would see (nothing to leave out), for a caller that
// only reads it until its ConsumeTraces returns; false otherwise (Get
// then copies what opts sees).
func (t *Table) View(span ptrace.Span, opts genai.Options) (*genai.View, bool) {
	if t == nil {
		return nil, false
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	_, e, ok := t.lookup(spanKey(span), 0)
	if !ok {
		return nil, false
	}
	if !covers(&e.view, e.opts, opts) || !asIs(&e.view, opts) {
		return nil, false
	}
	served.Add(1)
	if fn := verify.Load(); fn != nil {
		c := e.view
		(*fn)(span, opts, &c)
	}
	return &e.view, true
}

// Patch applies fn to the view r names, after its caller wrote something a
// reader of the span would read back.
func (r Ref) Patch(fn func(*genai.View)) {
	t := r.t
	if t == nil {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.store == nil || int(r.i) >= len(t.entries) || t.entries[r.i].gone {
		return
	}
	fn(&t.entries[r.i].view)
}

// Drop forgets the view of span, after its caller changed the span in a way
// the view does not show (redaction): the next reader decodes the span.
func (t *Table) Drop(span ptrace.Span) { t.drop(spanKey(span)) }

// DropCall is Drop for a call read from its log records.
func (t *Table) DropCall(records []plog.LogRecord) {
	if len(records) > 0 {
		t.drop(recordKey(records[0]))
	}
}

func (t *Table) drop(k unsafe.Pointer) {
	if t == nil {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.store != nil {
		t.dropLocked(k)
	}
}

// dropLocked forgets the view of k; t.mu is held and t open.
func (t *Table) dropLocked(k unsafe.Pointer) {
	if i, ok := t.index[k]; ok {
		t.entries[i].gone = true
		delete(t.index, k)
	}
}

// Drop forgets the view r names: the next reader decodes the span.
func (r Ref) Drop() {
	t := r.t
	if t == nil {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.store != nil && int(r.i) < len(t.entries) {
		t.dropLocked(t.entries[r.i].key)
	}
}

// Scope wraps p (genai_normalize's traces processor) so that each call
// opens a table for p and for everything the pipeline runs synchronously
// after it, and closes it when the call returns.
func Scope(p processor.Traces) processor.Traces { return &scoped{Traces: p} }

type scoped struct {
	processor.Traces
	readers probe
}

func (s *scoped) ConsumeTraces(ctx context.Context, td ptrace.Traces) error {
	if !s.readers.worth() {
		return s.Traces.ConsumeTraces(ctx, td)
	}
	ctx, t := Open(ctx, td)
	defer t.Close()
	defer s.readers.learn(t)
	return s.Traces.ConsumeTraces(ctx, td)
}

// ScopeLogs is Scope for genai_normalize's logs processor.
func ScopeLogs(p processor.Logs) processor.Logs { return &scopedLogs{Logs: p} }

type scopedLogs struct {
	processor.Logs
	readers probe
}

func (s *scopedLogs) ConsumeLogs(ctx context.Context, ld plog.Logs) error {
	if !s.readers.worth() {
		return s.Logs.ConsumeLogs(ctx, ld)
	}
	ctx, t := OpenLogs(ctx, ld)
	defer t.Close()
	defer s.readers.learn(t)
	return s.Logs.ConsumeLogs(ctx, ld)
}

// probe learns whether a scope's tables reach any reader: a
// genai_normalize with no Periscope processor right after it (alone, or
// followed by batch) stops storing views no one takes, and looks again
// every reprobe calls (the pipeline is fixed; this is cheap insurance).
type probe struct {
	known, found atomic.Bool
	calls        atomic.Uint64
}

const reprobe = 256

func (p *probe) worth() bool {
	return !p.known.Load() || p.found.Load() || p.calls.Add(1)%reprobe == 0
}

// learn takes what one call showed: nothing, when it stored no view.
func (p *probe) learn(t *Table) {
	if t == nil || !t.stored.Load() {
		return
	}
	if t.reached.Load() {
		p.found.Store(true)
	}
	p.known.Store(true)
}

// Outgoing wraps the next consumer of a Periscope processor: its frame on
// the stack is what Incoming looks for.
func Outgoing(next consumer.Traces) consumer.Traces { return outgoing{next} }

type outgoing struct{ consumer.Traces }

//go:noinline
func (o outgoing) ConsumeTraces(ctx context.Context, td ptrace.Traces) error {
	return o.Traces.ConsumeTraces(ctx, td)
}

// OutgoingLogs is Outgoing for a logs processor.
func OutgoingLogs(next consumer.Logs) consumer.Logs { return outgoingLogs{next} }

type outgoingLogs struct{ consumer.Logs }

//go:noinline
func (o outgoingLogs) ConsumeLogs(ctx context.Context, ld plog.Logs) error {
	return o.Logs.ConsumeLogs(ctx, ld)
}

// IncomingLogs is Incoming for a logs processor.
func IncomingLogs(log *zap.Logger, p processor.Logs) processor.Logs {
	return &incomingLogs{Logs: p, in: incoming{log: log}}
}

type incomingLogs struct {
	processor.Logs
	in incoming
}

//go:noinline
func (in *incomingLogs) ConsumeLogs(ctx context.Context, ld plog.Logs) error {
	in.in.check(ctx)
	return in.Logs.ConsumeLogs(ctx, ld)
}

// Incoming wraps a Periscope processor that reads views: a batch that did
// not come straight from another one empties the table first (said once,
// at info level, on log).
func Incoming(log *zap.Logger, p processor.Traces) processor.Traces {
	return &incoming{Traces: p, log: log}
}

type incoming struct {
	processor.Traces
	log  *zap.Logger
	once sync.Once
}

//go:noinline
func (in *incoming) ConsumeTraces(ctx context.Context, td ptrace.Traces) error {
	in.check(ctx)
	return in.Traces.ConsumeTraces(ctx, td)
}

// check empties the table in ctx unless the call came straight from a
// Periscope processor (fromPeriscope looks above the ConsumeTraces or
// ConsumeLogs frame that called it).
//
//go:noinline
func (in *incoming) check(ctx context.Context) {
	t := From(ctx)
	if t == nil {
		return
	}
	if fromPeriscope() {
		if t.holds() {
			t.reached.Store(true)
		}
		return
	}
	if t.empty() {
		in.once.Do(func() {
			in.log.Info("spans reach this processor through another one after genai_normalize: it decodes them again " +
				"(same results, more CPU); Periscope processors placed next to each other decode each span once")
		})
	}
}

// The frames fromPeriscope looks for (TestFrameNames).
const (
	pkgPath          = "github.com/periscope-otel/periscope/internal/handoff."
	outgoingFunc     = pkgPath + "outgoing.ConsumeTraces"
	outgoingLogsFunc = pkgPath + "outgoingLogs.ConsumeLogs"
	incomingFunc     = pkgPath + "(*incoming).ConsumeTraces"
	incomingLogsFunc = pkgPath + "(*incomingLogs).ConsumeLogs"
)

// plumbing is the collector's own wrappers between two pipeline components:
// pdata reference counting, component telemetry (reads sizes only) and
// capabilities.
var plumbing = []string{
	"go.opentelemetry.io/collector/service/internal/refconsumer.",
	"go.opentelemetry.io/collector/service/internal/obsconsumer.",
	"go.opentelemetry.io/collector/service/internal/capabilityconsumer.",
}

// fromPeriscope reports whether the caller of Incoming's ConsumeTraces is
// a Periscope processor's Outgoing, through plumbing frames only.
func fromPeriscope() bool {
	var pcs [24]uintptr
	frames := runtime.CallersFrames(pcs[:runtime.Callers(1, pcs[:])])
	below := true // still in fromPeriscope and its caller
	for {
		f, more := frames.Next()
		switch {
		case below:
			below = f.Function != incomingFunc && f.Function != incomingLogsFunc
		case f.Function == outgoingFunc || f.Function == outgoingLogsFunc:
			return true
		case !isPlumbing(f.Function):
			return false
		}
		if !more {
			return false
		}
	}
}

func isPlumbing(fn string) bool {
	for _, p := range plumbing {
		if strings.HasPrefix(fn, p) {
			return true
		}
	}
	return false
}

// project writes to out v as a read with want would have returned it, from
// a read with had; false (out untouched) when the read with had saw less
// than want needs.
func project(out, v *genai.View, had, want genai.Options) bool {
	if !covers(v, had, want) {
		return false
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

// covers reports whether v, read with had, holds all a read with want
// would.
func covers(v *genai.View, had, want genai.Options) bool {
	if !want.Content {
		return true
	}
	switch {
	case !had.Content, v.Truncated, v.ContentBytes > want.Budget(),
		had.SkipToolDefinitions && !want.SkipToolDefinitions,
		had.SkipOutputMessages && !want.SkipOutputMessages:
		return false
	}
	return true
}

// asIs reports whether project would leave v as it is for want.
func asIs(v *genai.View, want genai.Options) bool {
	switch {
	case !want.Content:
		return len(v.SystemInstructions)+len(v.InputMessages)+len(v.OutputMessages)+len(v.Documents)+
			len(v.ToolDefinitions)+v.ContentBytes == 0 && v.RetrievalQuery == "" && !v.Truncated
	case want.SkipToolDefinitions && len(v.ToolDefinitions) > 0, want.SkipOutputMessages && len(v.OutputMessages) > 0:
		return false
	}
	return true
}

// spanKey is the identity of the span's data: ptrace.Span is a handle
// (pointer to the span, pointer to its state), copied freely; the first
// word is the same for every handle of one span (TestSpanKey).
func spanKey(s ptrace.Span) unsafe.Pointer {
	return *(*unsafe.Pointer)(unsafe.Pointer(&s))
}

// recordKey is spanKey for a log record (the same kind of handle).
func recordKey(r plog.LogRecord) unsafe.Pointer {
	return *(*unsafe.Pointer)(unsafe.Pointer(&r))
}
