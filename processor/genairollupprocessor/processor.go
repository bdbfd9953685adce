package genairollupprocessor

import (
	"context"
	"sync"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/processor"
	"go.uber.org/zap"

	"github.com/periscope-otel/periscope/internal/componentkit"
	"github.com/periscope-otel/periscope/internal/contract"
	"github.com/periscope-otel/periscope/internal/genai"
	"github.com/periscope-otel/periscope/internal/handoff"
	"github.com/periscope-otel/periscope/internal/selector"
)

// OTLP span flags (trace.proto SpanFlags): the SDK says whether it knows if
// the parent is remote, and if it is.
const (
	flagHasIsRemote = 0x100
	flagIsRemote    = 0x200
)

type rollupProcessor struct {
	cfg     *Config
	logger  *zap.Logger
	tel     *telemetry
	sel     *selector.Spans
	guard   *componentkit.Guard
	now     func() time.Time
	batches sync.Pool

	mu sync.Mutex
	st *store
}

func newRollupProcessor(set processor.Settings, cfg *Config) (*rollupProcessor, error) {
	p := &rollupProcessor{
		cfg:    cfg,
		logger: set.Logger,
		now:    time.Now,
		st:     newStore(cfg),
		guard:  componentkit.NewGuard(set.Logger, "genai_rollup"),
	}
	p.batches.New = func() any { return &batch{index: map[spanKey]int32{}} }
	var err error
	if p.sel, err = selector.NewSpans(cfg.Conditions, set.TelemetrySettings); err != nil {
		return nil, err
	}
	if p.tel, err = newTelemetry(set.TelemetrySettings, p); err != nil {
		return nil, err
	}
	return p, nil
}

func (p *rollupProcessor) shutdown(context.Context) error {
	if p.tel != nil {
		p.tel.shutdown()
	}
	return nil
}

// Node roles.
const (
	roleAgent   uint8 = 1 << iota // agent invocation (or workflow): gets a rollup, closes a loop scope
	roleRoot                      // local root: gets a rollup when calls are beneath it
	roleModel                     // billable model call
	roleTool                      // tool call
	roleDup                       // second copy of a span id within the batch
	roleWritten                   // rollup to write
	roleLoop                      // loop detected in its invocation
	roleDone                      // processed
)

type spanKey struct {
	tid pcommon.TraceID
	sid pcommon.SpanID
}

// node is one span of the batch.
type node struct {
	span     ptrace.Span
	rs       int32 // index of its ResourceSpans
	ss       int32 // index of its ScopeSpans within rs
	tid      pcommon.TraceID
	sid, pid pcommon.SpanID
	parent   int32 // in-batch parent, -1 if none
	waiting  int32 // in-batch children not processed yet
	role     uint8
	own      sums      // the span's own call (model or tool), without fingerprint
	call     callCount // the fingerprint of its own tool call (n = 0: none)
	acc      sums      // its children's totals (then its total)
	loopTool string
}

// batch is the scratch space of one ConsumeTraces call (pooled).
type batch struct {
	nodes []node
	index map[spanKey]int32
	queue []int32
	svc   []string // service.name per ResourceSpans
}

func (b *batch) reset() {
	for i := range b.nodes {
		calls := b.nodes[i].acc.calls[:0] // kept: a pooled batch stops allocating them
		b.nodes[i] = node{}
		b.nodes[i].acc.calls = calls
	}
	b.nodes = b.nodes[:0]
	clear(b.index)
	b.queue = b.queue[:0]
	b.svc = b.svc[:0]
}

// counts are the outcomes of one batch, flushed to telemetry once.
type counts struct {
	agentRollups, rootRollups int64
	late, duplicates, loops   int64
}

var viewOpts = genai.Options{}

func (p *rollupProcessor) processTraces(ctx context.Context, td ptrace.Traces) (ptrace.Traces, error) {
	b := p.batches.Get().(*batch)
	defer func() {
		b.reset()
		p.batches.Put(b)
	}()
	if !p.collect(b, td, handoff.From(ctx)) {
		p.maintain(ctx, &counts{})
		return td, nil
	}
	var c counts
	p.mu.Lock()
	p.aggregate(b, &c)
	p.mu.Unlock()
	p.write(ctx, b, td, &c)
	p.maintain(ctx, &c)
	return td, nil
}

// collect reads every span of the batch into a node and links in-batch
// parents. It reports whether any span needs the state (a GenAI span, or a
// span of a trace the state holds).
func (p *rollupProcessor) collect(b *batch, td ptrace.Traces, views *handoff.Table) bool {
	if n := componentkit.SpanCount(td); cap(b.nodes) < n {
		b.nodes = make([]node, 0, n)
	}
	rss := td.ResourceSpans()
	for i := 0; i < rss.Len(); i++ {
		svc := ""
		if v, ok := rss.At(i).Resource().Attributes().Get("service.name"); ok {
			svc = v.AsString()
		}
		b.svc = append(b.svc, svc)
	}
	// Nodes are reused across batches (reset keeps their calls capacity).
	relevant := false
	for s := range componentkit.Spans(td) {
		span := s.Span
		b.nodes = b.nodes[:len(b.nodes)+1]
		nd := &b.nodes[len(b.nodes)-1]
		nd.span, nd.rs, nd.ss, nd.parent = span, int32(s.RSIndex), int32(s.SSIndex), -1
		nd.tid, nd.sid, nd.pid = span.TraceID(), span.SpanID(), span.ParentSpanID()
		if p.classify(nd, span, s.RS.Resource(), views) {
			relevant = true
		}
	}
	if !relevant && !p.holdsAny(b) {
		return false
	}
	for i := range b.nodes {
		nd := &b.nodes[i]
		key := spanKey{nd.tid, nd.sid}
		if _, dup := b.index[key]; dup {
			nd.role |= roleDup
			continue
		}
		b.index[key] = int32(i)
	}
	for i := range b.nodes {
		nd := &b.nodes[i]
		if nd.role&roleDup != 0 || nd.pid.IsEmpty() {
			continue
		}
		j, ok := b.index[spanKey{nd.tid, nd.pid}]
		if !ok || j == int32(i) {
			continue
		}
		nd.parent = j
		b.nodes[j].waiting++
		// Rule 4 of the local root: the parent is a span of another service.
		if b.svc[b.nodes[j].rs] != b.svc[nd.rs] {
			nd.role |= roleRoot
		}
	}
	return true
}

// holdsAny reports whether the state holds a trace of the batch (a batch
// without GenAI spans may still close sums waiting for one of its spans).
func (p *rollupProcessor) holdsAny(b *batch) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.st.traces) == 0 {
		return false
	}
	for i := range b.nodes {
		if p.st.get(b.nodes[i].tid) != nil {
			return true
		}
	}
	return false
}

// classify reads a span through internal/genai (or takes the view
// genai_normalize handed on) and records its own call. It reports whether
// the span is GenAI-relevant to rollups.
func (p *rollupProcessor) classify(nd *node, span ptrace.Span, res pcommon.Resource, views *handoff.Table) bool {
	if isLocalRoot(span) {
		nd.role |= roleRoot
	}
	if !genai.MayBeGenAI(span) {
		// Read, it would be an empty view; and genai_normalize hands on
		// views of calls only, which keep their GenAI keys.
		return false
	}
	var v genai.View
	_, ok := views.Get(span, viewOpts, &v)
	if !ok {
		v, ok = p.guard.ReadSpan(span, res, viewOpts)
	}
	if !ok || !v.IsGenAI() { // a reader panic leaves the span out of the sums
		return false
	}
	switch {
	case v.Billable():
		nd.role |= roleModel
		o := &nd.own
		o.model = 1
		if v.Usage.Has&genai.HasInput != 0 && v.Usage.Input > 0 {
			o.in = v.Usage.Input
		}
		if v.Usage.Has&genai.HasOutput != 0 && v.Usage.Output > 0 {
			o.out = v.Usage.Output
		}
		if usd, ok := costOf(span.Attributes(), &v); ok {
			if pico, ok := toPico(usd); ok {
				o.costPico, o.priced = pico, 1
			}
		}
	case v.Category == genai.CategoryTool:
		nd.role |= roleTool
		o := &nd.own
		o.tools = 1
		if v.ErrorType != "" {
			o.toolErrs = 1
		}
		if name, key, ok := toolCall(span.Attributes(), v.ToolName, span.Name()); ok {
			nd.call = callCount{key: key, n: 1, name: name}
		}
	case isInvocation(&v):
		nd.role |= roleAgent
	default:
		return false
	}
	return true
}

// isInvocation reports an agent invocation: semconv invoke_agent (and the
// same category from OpenInference/Langfuse/MLflow AGENT, OpenLLMetry
// agent, Vercel's outer ai.generateText/streamText/...), or a workflow
// (invoke_workflow, OpenLLMetry workflow). Agent steps, plans and
// create_agent are not invocations.
func isInvocation(v *genai.View) bool {
	switch v.Category {
	case genai.CategoryAgent:
		return v.Operation == "invoke_agent"
	case genai.CategoryWorkflow:
		return true
	}
	return false
}

// isLocalRoot applies rules 1 to 3 of the local root (README): no parent,
// a parent the SDK marked remote, or (when the SDK does not say) an entry
// span of the service (SERVER or CONSUMER). Rule 4 (parent of another
// service in the same batch) is applied in collect.
func isLocalRoot(span ptrace.Span) bool {
	if span.ParentSpanID().IsEmpty() {
		return true
	}
	if f := span.Flags(); f&flagHasIsRemote != 0 {
		return f&flagIsRemote != 0
	}
	switch span.Kind() {
	case ptrace.SpanKindServer, ptrace.SpanKindConsumer:
		return true
	}
	return false
}

// aggregate computes every span's totals, children before parents, adding
// the sums the state holds for it and handing its own totals to its parent:
// in the batch directly, else through the state. Callers hold p.mu.
func (p *rollupProcessor) aggregate(b *batch, c *counts) {
	now := p.now()
	st := p.st
	for i := range b.nodes {
		if b.nodes[i].waiting == 0 {
			b.queue = append(b.queue, int32(i))
		}
	}
	for done := 0; done < len(b.nodes); {
		for len(b.queue) > 0 {
			i := b.queue[len(b.queue)-1]
			b.queue = b.queue[:len(b.queue)-1]
			p.visit(b, i, st, now, c)
			done++
		}
		if done < len(b.nodes) {
			// A parent cycle (malformed ids): break it at the first node left.
			for i := range b.nodes {
				if b.nodes[i].role&roleDone == 0 {
					b.nodes[i].waiting = 0
					b.queue = append(b.queue, int32(i))
					break
				}
			}
		}
	}
	// Remember the spans that passed (for late and duplicate detection) of
	// every trace with calls or agents in this batch or in the state.
	for i := range b.nodes {
		nd := &b.nodes[i]
		if nd.role&(roleAgent|roleModel|roleTool|roleWritten) != 0 && nd.role&roleDup == 0 {
			st.ensure(nd.tid, now)
		}
	}
	for i := range b.nodes {
		nd := &b.nodes[i]
		if t := st.get(nd.tid); t != nil {
			st.markPassed(t, nd.sid)
			st.touch(t, now)
		}
	}
}

func (p *rollupProcessor) visit(b *batch, i int32, st *store, now time.Time, c *counts) {
	nd := &b.nodes[i]
	nd.role |= roleDone
	if nd.role&roleDup != 0 {
		return // a second copy of a span in the batch (never linked): counted once
	}
	t := st.get(nd.tid)
	if t != nil && t.hasPassed(nd.sid) {
		// The span was already seen (a resend): counted once, not written.
		c.duplicates++
		nd.acc.reset()
		p.handOn(b, nd, c)
		return
	}
	if t != nil {
		if x := st.take(t, nd.sid); x != nil {
			nd.acc.add(x)
		}
	}
	hadChildren := !nd.acc.empty()
	// Total = own call + children. A model call whose children are model
	// calls too (a framework span around the SDK's span) counts the inner
	// calls only, never both.
	total := &nd.acc
	if nd.role&roleModel != 0 && total.model == 0 {
		total.addModel(&nd.own)
	}
	total.addTools(&nd.own)
	if nd.call.n > 0 {
		total.addCall(nd.call.key, nd.call.name, nd.call.n)
	}

	rollup := nd.role&roleAgent != 0 || (nd.role&roleRoot != 0 && p.cfg.Roots && hadChildren)
	if rollup {
		nd.role |= roleWritten
	}
	if nd.role&(roleAgent|roleRoot) != 0 {
		// An agent invocation, or the part of a local root outside any
		// agent, is one loop scope: a loop is flagged once, where it ran.
		if name, ok := total.loop(p.cfg.LoopThreshold); ok && rollup {
			nd.role |= roleLoop
			nd.loopTool = name
			c.loops++
		}
		total.calls = total.calls[:0]
	}

	if nd.parent >= 0 {
		p.handOn(b, nd, c)
		return
	}
	if nd.pid.IsEmpty() || total.empty() {
		return
	}
	if t == nil {
		t = st.ensure(nd.tid, now)
	} else if t.hasPassed(nd.pid) {
		c.late++ // the parent already passed: not added (README, "Late children")
		return
	}
	st.addPending(t, nd.pid, total)
	st.touch(t, now)
}

// handOn adds a node's totals to its in-batch parent and queues the parent
// once all its children are done.
func (p *rollupProcessor) handOn(b *batch, nd *node, c *counts) {
	if nd.parent < 0 {
		return
	}
	par := &b.nodes[nd.parent]
	if par.role&roleDone != 0 { // only in a parent cycle (malformed ids)
		c.late++
		return
	}
	if !nd.acc.empty() {
		par.acc.add(&nd.acc)
	}
	if par.waiting--; par.waiting == 0 {
		b.queue = append(b.queue, nd.parent)
	}
}

// write puts the rollup attributes on the spans that get one.
func (p *rollupProcessor) write(ctx context.Context, b *batch, td ptrace.Traces, c *counts) {
	rss := td.ResourceSpans()
	for i := range b.nodes {
		nd := &b.nodes[i]
		if nd.role&roleWritten == 0 {
			continue
		}
		if p.sel != nil {
			rs := rss.At(int(nd.rs))
			at := componentkit.SpanRef{RS: rs, SS: rs.ScopeSpans().At(int(nd.ss)), Span: nd.span}
			if !at.Selected(ctx, p.sel) {
				continue
			}
		}
		s := &nd.acc
		attrs := nd.span.Attributes()
		attrs.EnsureCapacity(attrs.Len() + 9)
		if s.priced > 0 {
			attrs.PutDouble(contract.AttrRollupCost, s.cost())
		} else {
			attrs.Remove(contract.AttrRollupCost)
		}
		attrs.PutInt(contract.AttrRollupInputTokens, s.in)
		attrs.PutInt(contract.AttrRollupOutputTokens, s.out)
		attrs.PutInt(contract.AttrRollupModelCalls, s.model)
		attrs.PutInt(contract.AttrRollupToolCalls, s.tools)
		attrs.PutInt(contract.AttrRollupToolErrors, s.toolErrs)
		if u := s.model - s.priced; u > 0 {
			attrs.PutInt(contract.AttrRollupUnpricedCalls, u)
		} else {
			attrs.Remove(contract.AttrRollupUnpricedCalls)
		}
		if nd.role&roleLoop != 0 {
			attrs.PutBool(contract.AttrRollupLoop, true)
			attrs.PutStr(contract.AttrRollupLoopTool, nd.loopTool)
		} else {
			attrs.Remove(contract.AttrRollupLoop)
			attrs.Remove(contract.AttrRollupLoopTool)
		}
		if nd.role&roleAgent != 0 {
			c.agentRollups++
		} else {
			c.rootRollups++
		}
	}
}

// maintain expires state and flushes the batch's counts.
func (p *rollupProcessor) maintain(ctx context.Context, c *counts) {
	p.mu.Lock()
	p.st.expire(p.now())
	evicted, orphans := p.st.drain()
	p.mu.Unlock()
	p.tel.flush(ctx, c, evicted, orphans)
}
