package genaievalprocessor

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/processor"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.uber.org/zap"

	"github.com/periscope-otel/periscope/internal/componentkit"
	"github.com/periscope-otel/periscope/internal/contract"
	"github.com/periscope-otel/periscope/internal/eval"
	"github.com/periscope-otel/periscope/internal/eval/evaluators"
	"github.com/periscope-otel/periscope/internal/eval/safety"
	"github.com/periscope-otel/periscope/internal/genai"
	"github.com/periscope-otel/periscope/internal/handoff"
	"github.com/periscope-otel/periscope/internal/selector"
	"github.com/periscope-otel/periscope/internal/tracesample"
)

// safetyErrOpt labels a panic of the safety suite in the errors counter.
var safetyErrOpt = []metric.AddOption{metric.WithAttributeSet(attribute.NewSet(attribute.String("evaluator", "safety")))}

// Skip reasons of this processor beside componentkit's.
const (
	skipNoContent     = "no_content"
	skipWrapperSpan   = "wrapper_span"
	skipNotSampled    = "not_sampled" // outside every evaluator's sample
	skipAlreadyJudged = "already_judged"
)

// configured is one enabled evaluator with its threshold and sample.
type configured struct {
	name      string
	ev        eval.Evaluator
	threshold float64
	sample    tracesample.Ratio // the traces whose calls it runs on
	scoreKey  string
	what      string // names it in a panic warning
	// Pre-built metric attribute sets (no allocation per span).
	passOpt, failOpt, evOpt []metric.AddOption
}

func (c *configured) initOpts() {
	c.what = "evaluator " + c.name
	c.passOpt = []metric.AddOption{metric.WithAttributeSet(attribute.NewSet(attribute.String("evaluator", c.name), attribute.String("label", contract.LabelPass)))}
	c.failOpt = []metric.AddOption{metric.WithAttributeSet(attribute.NewSet(attribute.String("evaluator", c.name), attribute.String("label", contract.LabelFail)))}
	c.evOpt = []metric.AddOption{metric.WithAttributeSet(attribute.NewSet(attribute.String("evaluator", c.name)))}
}

type evalProcessor struct {
	cfg      *Config
	logger   *zap.Logger
	guard    *componentkit.Guard // reads and evaluators: a panic skips the item, never the batch
	spanSel  *selector.Spans
	logSel   *selector.Logs
	evs      []configured  // at most 64 (a call's sample is a bit mask)
	suite    *safety.Suite // the safety evaluators of evs, run together
	nSuite   int           // evs[:nSuite] are in suite
	sampling bool          // some evaluator runs on a sample of traces
	redactor *redactor
	opts     genai.Options
	// sharedOpts is what a handed-on view may hold to be used in place.
	sharedOpts genai.Options
	budget     int
	judged     *judgedCalls // shared with the other signal's instance
	batches    sync.Pool    // of *batch

	processed metric.Int64Counter
	skipped   metric.Int64Counter
	evals     metric.Int64Counter
	failures  metric.Int64Counter
	errors    metric.Int64Counter
	redacted  metric.Int64Counter
}

func newEvalProcessor(set processor.Settings, cfg *Config, traces bool) (*evalProcessor, error) {
	p := &evalProcessor{
		cfg:    cfg,
		logger: set.Logger,
		guard:  componentkit.NewGuard(set.Logger, "genai_eval"),
		budget: cfg.MaxContentBytes,
	}
	if p.budget == 0 {
		p.budget = genai.DefaultMaxContentBytes
	}
	// The reader's budget covers all content in attribute order; reading
	// with headroom lets the scan budget below decide what is cut, in the
	// order input, output, system, context.
	p.opts = genai.Options{Content: true, MaxContentBytes: 4 * p.budget, SkipToolDefinitions: true}
	// Nothing here reads tool definitions: a handed-on view that has them
	// is used as it is.
	p.sharedOpts = p.opts
	p.sharedOpts.SkipToolDefinitions = false
	var err error
	if traces {
		p.spanSel, err = selector.NewSpans(cfg.Conditions, set.TelemetrySettings)
	} else {
		p.logSel, err = selector.NewLogs(cfg.Conditions, set.TelemetrySettings)
	}
	if err != nil {
		return nil, fmt.Errorf("conditions: %w", err)
	}
	// Every enabled evaluator of the registry, in its order; the safety
	// evaluators run together as one suite (one normalisation pass), so
	// they come first and the others after them.
	var rest []configured
	for _, spec := range evaluators.All() {
		b := cfg.Evaluators.Get(spec.Name)
		if b == nil {
			continue
		}
		base := b.Base()
		if !base.Enabled {
			continue
		}
		e, err := b.New(eval.Build{})
		if err != nil {
			return nil, fmt.Errorf("evaluators.%s: %w", spec.Name, err)
		}
		c := configured{name: spec.Name, ev: e, threshold: base.Threshold, sample: tracesample.New(base.SampleRatio),
			scoreKey: contract.AttrEvalPrefix + spec.Name}
		if _, ok := safety.NewSuite(e); ok {
			p.evs = append(p.evs, c)
		} else {
			rest = append(rest, c)
		}
	}
	suiteEvs := make([]eval.Evaluator, len(p.evs))
	for i, c := range p.evs {
		suiteEvs[i] = c.ev
	}
	if s, ok := safety.NewSuite(suiteEvs...); ok {
		p.suite, p.nSuite = s, len(suiteEvs)
	}
	p.evs = append(p.evs, rest...)
	if len(p.evs) > 64 {
		return nil, fmt.Errorf("%d evaluators: a call's sample holds 64", len(p.evs))
	}
	for i := range p.evs {
		p.evs[i].initOpts()
		p.sampling = p.sampling || !p.evs[i].sample.All()
	}
	if len(cfg.Redact) > 0 {
		p.redactor = newRedactor(cfg.Redact)
	}
	p.batches.New = func() any { return p.newBatch() }
	err = p.initTelemetry(set.TelemetrySettings)
	if err != nil {
		return nil, err
	}
	return p, nil
}

func (p *evalProcessor) start(context.Context, component.Host) error {
	names := make([]string, len(p.evs))
	for i, c := range p.evs {
		names[i] = c.name
	}
	p.logger.Info("genai_eval started", zap.Strings("evaluators", names), zap.Int("max_content_bytes", p.budget),
		zap.Bool("redaction", p.redactor != nil))
	return nil
}

func (p *evalProcessor) shutdown(context.Context) error { return nil }

// outcome is the evaluation of one call.
type outcome struct {
	results   []eval.Result
	ran       []bool
	truncated bool
}

// buildInput turns a view into evaluator input: system text, user-side
// input, output, and the grounding context gathered for hallucination.
// isWrapper reports agent, workflow and chain spans: they re-report the
// content of the model calls beneath them (which may arrive in another
// batch), so evaluating them would count every verdict twice.
func isWrapper(c genai.Category) bool {
	return c == genai.CategoryAgent || c == genai.CategoryWorkflow || c == genai.CategoryChain
}

func (p *evalProcessor) buildInput(v *genai.View, traceDocs []string) eval.Input {
	in := eval.Input{
		System:    v.SystemText(),
		Input:     v.InputText(),
		Output:    v.OutputText(),
		Truncated: v.Truncated,
	}
	// Grounding context, in order of authority: RAG documents on the span,
	// retrieval spans of the same trace, tool results, then earlier turns.
	for _, d := range v.Documents {
		if d.Content != "" {
			in.Context = append(in.Context, d.Content)
		}
	}
	in.Context = append(in.Context, traceDocs...)
	lastUser := -1
	for i := len(v.InputMessages) - 1; i >= 0; i-- {
		if v.InputMessages[i].Role == "user" {
			lastUser = i
			break
		}
	}
	for i, m := range v.InputMessages {
		for _, part := range m.Parts {
			if part.Type == genai.PartToolCallResponse && part.Content != "" {
				in.Context = append(in.Context, part.Content)
			}
		}
		if i < lastUser && m.Role != "system" {
			if t := m.Text(); t != "" {
				in.Context = append(in.Context, t)
			}
		}
	}
	// Per-span byte budget over everything scanned.
	left := p.budget
	cut := func(s string) string {
		if len(s) <= left {
			left -= len(s)
			return s
		}
		in.Truncated = true
		n := max(left, 0)
		for n > 0 && !utf8.RuneStart(s[n]) {
			n--
		}
		left = 0
		return s[:n]
	}
	in.Input = cut(in.Input)
	in.Output = cut(in.Output)
	in.System = cut(in.System)
	for i := range in.Context {
		in.Context[i] = cut(in.Context[i])
	}
	return in
}

// notSampled returns the evaluators (bit i: evs[i]) whose sample leaves
// out the calls of the trace.
func (p *evalProcessor) notSampled(trace pcommon.TraceID) uint64 {
	if !p.sampling {
		return 0
	}
	h := tracesample.Hash(trace)
	var skip uint64
	for i := range p.evs {
		if !p.evs[i].sample.KeepHash(h) {
			skip |= 1 << i
		}
	}
	return skip
}

// noneSampled reports whether skip leaves out every evaluator: the call is
// then neither evaluated nor written to.
func (p *evalProcessor) noneSampled(skip uint64) bool {
	return p.sampling && skip == 1<<len(p.evs)-1
}

// evaluate runs every evaluator but those in skip (see notSampled); a
// panicking evaluator is skipped and counted.
func (p *evalProcessor) evaluate(ctx context.Context, in *eval.Input, skip uint64, out *outcome) {
	out.results = out.results[:0]
	out.ran = out.ran[:0]
	out.truncated = in.Truncated
	if p.suite != nil {
		if !p.guard.Run("safety evaluators", func() { out.results = p.suite.EvaluateSome(in, skip, out.results) }) {
			p.errors.Add(ctx, 1, safetyErrOpt...)
			out.results = out.results[:0]
		}
	}
	for len(out.results) < p.nSuite {
		out.results = append(out.results, eval.Result{Skipped: true, Label: "error"})
	}
	for i := range p.evs[p.nSuite:] {
		c := &p.evs[p.nSuite+i]
		if skip&(1<<(p.nSuite+i)) != 0 {
			out.results = append(out.results, eval.Result{Skipped: true, Label: eval.LabelNotSampled})
			continue
		}
		var r eval.Result
		if !p.guard.Run(c.what, func() { r = c.ev.Evaluate(in) }) {
			p.errors.Add(ctx, 1, c.evOpt...)
			r = eval.Result{Skipped: true, Label: "error"}
		}
		out.results = append(out.results, r)
	}
	for i := range out.results {
		out.ran = append(out.ran, !out.results[i].Skipped)
	}
}

// explanation renders findings as rule ids and offsets, never text.
func explanation(r *eval.Result, truncated bool) string {
	if len(r.Findings) == 0 && len(r.Types) == 0 && !truncated &&
		(r.Label == "" || r.Label == contract.LabelPass || r.Label == contract.LabelFail) {
		return ""
	}
	var b strings.Builder
	const maxFindings = 16
	// One allocation: rule, side, offsets and separator fit in ~len(rule)+24.
	n := 32
	for i := range min(len(r.Findings), maxFindings) {
		n += len(r.Findings[i].Rule) + 24
	}
	for _, t := range r.Types {
		n += len(t) + 1
	}
	b.Grow(n)
	for i, f := range r.Findings {
		if i == maxFindings {
			b.WriteString("; +")
			b.WriteString(strconv.Itoa(len(r.Findings) - maxFindings))
			b.WriteString(" more")
			break
		}
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(f.Rule)
		switch f.Side {
		case eval.SideInput:
			b.WriteString("@input")
		case eval.SideOutput:
			b.WriteString("@output")
		}
		if f.End > f.Start {
			b.WriteByte(':')
			b.WriteString(strconv.Itoa(f.Start))
			b.WriteByte('-')
			b.WriteString(strconv.Itoa(f.End))
		}
	}
	if len(r.Types) > 0 {
		if b.Len() > 0 {
			b.WriteString("; ")
		}
		b.WriteString("types=")
		b.WriteString(strings.Join(r.Types, ","))
	}
	if r.Label != "" && r.Label != contract.LabelPass && r.Label != contract.LabelFail {
		if b.Len() > 0 {
			b.WriteString("; ")
		}
		b.WriteString("label=")
		b.WriteString(r.Label)
	}
	if truncated {
		if b.Len() > 0 {
			b.WriteString("; ")
		}
		b.WriteString("truncated")
	}
	return b.String()
}

// resultAttrs fills the attributes of one evaluation result.
// noContextAttrs describes an evaluator that did not run because the call
// had nothing to evaluate against: a label, no score (never a guess).
func noContextAttrs(m pcommon.Map, name string) {
	m.EnsureCapacity(m.Len() + 3) // one allocation for the event's attributes
	m.PutStr(contract.AttrEvalName, name)
	m.PutStr(contract.AttrEvalScoreLabel, contract.LabelNoContext)
	m.PutStr(contract.AttrEvalExplanation, "no grounding context: no RAG documents, retrieval spans, tool results, earlier turns or system material")
}

func resultAttrs(m pcommon.Map, name string, score float64, failed bool, expl string) {
	n := 3
	if expl != "" {
		n++
	}
	m.EnsureCapacity(m.Len() + n) // one allocation for the event's attributes
	m.PutStr(contract.AttrEvalName, name)
	m.PutDouble(contract.AttrEvalScoreValue, score)
	label := contract.LabelPass
	if failed {
		label = contract.LabelFail
	}
	m.PutStr(contract.AttrEvalScoreLabel, label)
	if expl != "" {
		m.PutStr(contract.AttrEvalExplanation, expl)
	}
}

// batch is the working memory of one call of processTraces or processLogs,
// pooled: the per-trace maps, the outcome counts (added to the counters once
// per batch) and the redaction scratch. The span views are not pooled:
// clearing a used buffer costs the GC more than a fresh one.
type batch struct {
	docs       traceDocs
	llmTraces  map[pcommon.TraceID]bool
	pass, fail []int64 // evaluations per evaluator
	processed  int64
	red        redaction
}

func (p *evalProcessor) newBatch() *batch {
	return &batch{
		docs:      traceDocs{},
		llmTraces: map[pcommon.TraceID]bool{},
		pass:      make([]int64, len(p.evs)),
		fail:      make([]int64, len(p.evs)),
		red:       newRedaction(p.redactor),
	}
}

// record counts the outcome of one call.
func (b *batch) record(p *evalProcessor, out *outcome) {
	for i := range p.evs {
		if !out.ran[i] {
			continue
		}
		if p.fails(out, i) {
			b.fail[i]++
		} else {
			b.pass[i]++
		}
	}
	b.processed++
}

// release adds the batch's counts to the counters and returns b to the pool
// holding no reference into the batch.
func (p *evalProcessor) release(ctx context.Context, b *batch) {
	for i := range p.evs {
		c := &p.evs[i]
		if n := b.fail[i]; n > 0 {
			p.failures.Add(ctx, n, c.evOpt...)
			p.evals.Add(ctx, n, c.failOpt...)
		}
		if n := b.pass[i]; n > 0 {
			p.evals.Add(ctx, n, c.passOpt...)
		}
	}
	if b.processed > 0 {
		p.processed.Add(ctx, b.processed)
	}
	if p.redactor != nil {
		b.red.flush(ctx, p.redacted)
	}
	clear(b.pass)
	clear(b.fail)
	b.processed = 0
	clear(b.docs)
	clear(b.llmTraces)
	p.batches.Put(b)
}

type traceDocs map[pcommon.TraceID][]string

// spanItem is a span of the batch and its view.
type spanItem struct {
	ref      componentkit.SpanRef
	view     *genai.View
	selected bool
}

func (p *evalProcessor) processTraces(ctx context.Context, td ptrace.Traces) (ptrace.Traces, error) {
	var skips componentkit.Skips
	defer skips.Flush(ctx, p.skipped)
	b := p.batches.Get().(*batch)
	defer p.release(ctx, b)
	// Views are large: the ones genai_normalize handed on are used where
	// they are; the others are read in place into one allocation for the
	// batch, made on the first (guard.ReadSpan would copy each twice
	// more). Both that and the items are made at the first GenAI span:
	// a batch of plain spans allocates nothing per span.
	var items []spanItem
	var own []genai.View // cap fixed at the spans left: pointers stay valid
	total, seen := td.SpanCount(), 0
	docs, llmTraces := b.docs, b.llmTraces
	views := handoff.From(ctx)
	// Read every span first: retrieval spans anywhere in the batch ground
	// the model calls of their trace.
	for s := range componentkit.Spans(td) {
		left := total - seen
		seen++
		var v *genai.View
		if !p.guard.Run("span", func() {
			// The view genai_normalize handed on, else a read of our own.
			if hv, ok := views.View(s.Span, p.sharedOpts); ok {
				v = hv
				return
			}
			if !genai.MayBeGenAI(s.Span) {
				return // read, it would be an empty view
			}
			if own == nil {
				own = make([]genai.View, 0, left)
			}
			own = own[:len(own)+1]
			v = &own[len(own)-1]
			views.Read(s.Span, s.RS.Resource(), p.opts, v)
		}) {
			skips.Add(componentkit.SkipInternalError)
			continue
		}
		if v == nil || !v.IsGenAI() {
			if v != nil && len(own) > 0 && v == &own[len(own)-1] {
				own = own[:len(own)-1] // the slot goes to the next span
			}
			skips.Add(componentkit.SkipNotGenAI)
			continue
		}
		if v.Category == genai.CategoryRetrieval {
			for _, d := range v.Documents {
				if d.Content != "" {
					docs[s.Span.TraceID()] = append(docs[s.Span.TraceID()], d.Content)
				}
			}
		}
		if v.Category == genai.CategoryLLM && hasContent(v) {
			llmTraces[s.Span.TraceID()] = true
		}
		if items == nil {
			items = make([]spanItem, 0, left)
		}
		selected := s.Selected(ctx, p.spanSel)
		// Redaction applies to every selected GenAI span, evaluated or not:
		// a wrapper span carries the same prompt text as its model call.
		// It runs here, while the span's strings are still in cache from
		// the read: the view keeps the unmasked strings the evaluators
		// take, and the results, written later, are not content
		// (TestResultKeysAreNotContent).
		if selected && p.redactor != nil && b.red.redactSpan(s.Span) {
			// The view genai_normalize handed on holds the content
			// unmasked: a later reader must read what is left.
			views.Drop(s.Span)
		}
		items = append(items, spanItem{ref: s, view: v, selected: selected})
	}
	var out outcome
	var in eval.Input // escapes (evaluators take it by interface): one per batch
	for idx := range items {
		it := &items[idx]
		span := it.ref.Span
		if !it.selected {
			skips.Add(componentkit.SkipNotSelected)
			continue
		}
		v := it.view
		evaluated := false
		skip := p.notSampled(span.TraceID())
		switch {
		case !hasContent(v):
			skips.Add(skipNoContent)
		case isWrapper(v.Category) || (v.Category != genai.CategoryLLM && llmTraces[span.TraceID()]):
			// Wrapper spans (agent, workflow, chain) re-report the content
			// of the model call beneath them; evaluate the model call only.
			skips.Add(skipWrapperSpan)
		case p.noneSampled(skip):
			// Its log records, if any, have the same trace id: no
			// instance evaluates this call.
			skips.Add(skipNotSampled)
		default:
			if p.judged != nil {
				// Content on the span and in log records too: the records
				// (released after the span by call assembly) are not judged again.
				p.judged.claim(span.TraceID(), span.SpanID())
			}
			in = p.buildInput(v, docs[span.TraceID()])
			p.evaluate(ctx, &in, skip, &out)
			evaluated = true
		}
		if evaluated {
			p.writeSpan(span, &out)
			b.record(p, &out)
		}
	}
	return td, nil
}

// fails reports whether evaluator i's score in out is at its threshold.
func (p *evalProcessor) fails(out *outcome, i int) bool {
	return out.results[i].Score >= p.evs[i].threshold
}

// sizes counts what writeSpan adds: scores, failing evaluators, events.
func (p *evalProcessor) sizes(out *outcome) (scores, failed, events int) {
	for i := range p.evs {
		switch {
		case out.ran[i]:
			scores++
			events++
			if p.fails(out, i) {
				failed++
			}
		case out.results[i].Label == contract.LabelNoContext:
			events++
		}
	}
	return scores, failed, events
}

func (p *evalProcessor) writeSpan(span ptrace.Span, out *outcome) {
	attrs := span.Attributes()
	// The scores, the failed list and the truncation flag grow the span's
	// attributes at most once, by what they take; the events likewise.
	n, failed, events := p.sizes(out)
	if failed > 0 {
		n++
	}
	if out.truncated {
		n++
	}
	if n > 0 {
		attrs.EnsureCapacity(attrs.Len() + n)
	}
	evs := span.Events()
	if p.cfg.Events && events > 0 {
		evs.EnsureCapacity(evs.Len() + events)
	}
	ts := span.EndTimestamp()
	if ts == 0 {
		ts = pcommon.NewTimestampFromTime(time.Now())
	}
	for i := range p.evs {
		c := &p.evs[i]
		r := &out.results[i]
		if !out.ran[i] {
			// An evaluator that could not run for lack of context says so.
			if p.cfg.Events && r.Label == contract.LabelNoContext {
				ev := evs.AppendEmpty()
				ev.SetName(contract.EventEvaluationResult)
				ev.SetTimestamp(ts)
				noContextAttrs(ev.Attributes(), c.name)
			}
			continue
		}
		attrs.PutDouble(c.scoreKey, r.Score)
		if p.cfg.Events {
			ev := evs.AppendEmpty()
			ev.SetName(contract.EventEvaluationResult)
			ev.SetTimestamp(ts)
			resultAttrs(ev.Attributes(), c.name, r.Score, p.fails(out, i), explanation(r, out.truncated))
		}
	}
	if failed > 0 {
		s := attrs.PutEmptySlice(contract.AttrEvalFailed)
		s.EnsureCapacity(failed)
		for i := range p.evs {
			if out.ran[i] && p.fails(out, i) {
				s.AppendEmpty().SetStr(p.evs[i].name)
			}
		}
	}
	if out.truncated {
		attrs.PutBool(contract.AttrEvalTruncated, true)
	}
}

func (p *evalProcessor) processLogs(ctx context.Context, ld plog.Logs) (plog.Logs, error) {
	var skips componentkit.Skips
	defer skips.Flush(ctx, p.skipped)
	b := p.batches.Get().(*batch)
	defer p.release(ctx, b)
	// Where each record lives: for the selector and to place results.
	loc := componentkit.NewLocations(ld)
	groups := genai.GroupLogRecords(ld)
	type judgement struct {
		sl      plog.ScopeLogs
		trace   pcommon.TraceID
		span    pcommon.SpanID
		ts      pcommon.Timestamp
		dims    callDims
		results []eval.Result
		ran     []bool
		trunc   bool
	}
	var todo []judgement
	var redact []genai.LogGroup
	docs := b.docs
	views := make([]genai.View, len(groups))
	read := make([]bool, len(groups))
	handed := handoff.From(ctx)
	for gi, g := range groups {
		if _, ok := handed.GetCall(g.Records, p.opts, &views[gi]); ok {
			read[gi] = true
		} else {
			views[gi], read[gi] = p.guard.ReadLogs(g, p.opts)
		}
		if views[gi].Category == genai.CategoryRetrieval {
			for _, d := range views[gi].Documents {
				if d.Content != "" {
					docs[g.TraceID] = append(docs[g.TraceID], d.Content)
				}
			}
		}
	}
	var out outcome
	var in eval.Input // escapes (evaluators take it by interface): one per batch
	for gi, g := range groups {
		// One selected record selects the call; its results go to the
		// scope of the call's first record.
		if !loc.AnySelected(ctx, p.logSel, g.Records) {
			skips.Add(componentkit.SkipNotSelected)
			continue
		}
		l, ok := loc.Of(g.Records[0])
		if !ok {
			// Not possible for groups of ld; never append to a foreign batch.
			skips.Add(componentkit.SkipInternalError)
			continue
		}
		v := &views[gi]
		if p.redactor != nil {
			// Every selected record is redacted, judged or not (a
			// redelivered call is skipped below but must not leak).
			redact = append(redact, g)
		}
		if !read[gi] {
			skips.Add(componentkit.SkipInternalError)
			continue
		}
		if !hasContent(v) {
			skips.Add(skipNoContent)
			continue
		}
		// genai_normalize's call assembly hands over each call's records
		// together; a call seen again (redelivered, or judged on its span
		// already) is not judged twice.
		if !g.SpanID.IsEmpty() && p.judged != nil && !p.judged.claim(g.TraceID, g.SpanID) {
			skips.Add(skipAlreadyJudged)
			continue
		}
		skip := p.notSampled(g.TraceID)
		if p.noneSampled(skip) {
			skips.Add(skipNotSampled)
			continue
		}
		in = p.buildInput(v, docs[g.TraceID])
		p.evaluate(ctx, &in, skip, &out)
		b.record(p, &out)
		ts := pcommon.Timestamp(0)
		for _, r := range g.Records {
			if r.Timestamp() > ts {
				ts = r.Timestamp()
			}
		}
		todo = append(todo, judgement{sl: l.SL, trace: g.TraceID, span: g.SpanID, ts: ts, dims: dimsOf(v, g.Records),
			results: append([]eval.Result(nil), out.results...), ran: append([]bool(nil), out.ran...), trunc: out.truncated})
	}
	for _, g := range redact {
		masked := false
		for _, r := range g.Records {
			masked = b.red.redactLog(r) || masked
		}
		if masked {
			// The view genai_normalize handed on holds the content
			// unmasked: a later reader must read what is left.
			handed.DropCall(g.Records)
		}
	}
	// Append result records after grouping so they are not read as content.
	for _, t := range todo {
		if t.ts == 0 {
			t.ts = pcommon.NewTimestampFromTime(time.Now())
		}
		for i, c := range p.evs {
			r := &t.results[i]
			if !t.ran[i] && r.Label != contract.LabelNoContext {
				continue
			}
			isFail := r.Score >= c.threshold
			lr := t.sl.LogRecords().AppendEmpty()
			lr.SetEventName(contract.EventEvaluationResult)
			lr.SetTimestamp(t.ts)
			lr.SetObservedTimestamp(pcommon.NewTimestampFromTime(time.Now()))
			lr.SetTraceID(t.trace)
			lr.SetSpanID(t.span)
			lr.SetSeverityNumber(plog.SeverityNumberInfo)
			a := lr.Attributes()
			a.PutStr("event.name", contract.EventEvaluationResult)
			t.dims.put(a)
			if !t.ran[i] {
				noContextAttrs(a, c.name)
				continue
			}
			resultAttrs(a, c.name, r.Score, isFail, explanation(r, t.trunc))
			if t.trunc {
				a.PutBool(contract.AttrEvalTruncated, true)
			}
		}
	}
	return ld, nil
}

func hasContent(v *genai.View) bool {
	return len(v.InputMessages) > 0 || len(v.OutputMessages) > 0 || len(v.SystemInstructions) > 0
}
