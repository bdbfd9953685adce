package genaievalprocessor

import (
	"context"
	"fmt"
	"strconv"
	"strings"
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

	"github.com/periscope-otel/periscope/internal/contract"
	"github.com/periscope-otel/periscope/internal/eval"
	"github.com/periscope-otel/periscope/internal/eval/evaluators"
	"github.com/periscope-otel/periscope/internal/eval/safety"
	"github.com/periscope-otel/periscope/internal/genai"
	"github.com/periscope-otel/periscope/internal/ratelog"
	"github.com/periscope-otel/periscope/internal/selector"
)

// configured is one enabled evaluator with its threshold.
type configured struct {
	name      string
	ev        eval.Evaluator
	threshold float64
	scoreKey  string
	// Pre-built metric attribute sets (no allocation per span).
	passOpt, failOpt, evOpt []metric.AddOption
}

func (c *configured) initOpts() {
	c.passOpt = []metric.AddOption{metric.WithAttributeSet(attribute.NewSet(attribute.String("evaluator", c.name), attribute.String("label", contract.LabelPass)))}
	c.failOpt = []metric.AddOption{metric.WithAttributeSet(attribute.NewSet(attribute.String("evaluator", c.name), attribute.String("label", contract.LabelFail)))}
	c.evOpt = []metric.AddOption{metric.WithAttributeSet(attribute.NewSet(attribute.String("evaluator", c.name)))}
}

var skipOpts = map[string][]metric.AddOption{}

func skipOpt(reason string) []metric.AddOption {
	if o, ok := skipOpts[reason]; ok {
		return o
	}
	return []metric.AddOption{metric.WithAttributes(attribute.String("reason", reason))}
}

func init() {
	for _, r := range []string{"not_genai", "not_selected", "no_content", "wrapper_span"} {
		skipOpts[r] = []metric.AddOption{metric.WithAttributeSet(attribute.NewSet(attribute.String("reason", r)))}
	}
}

type evalProcessor struct {
	cfg      *Config
	logger   *zap.Logger
	rl       *ratelog.Logger
	spanSel  *selector.Spans
	logSel   *selector.Logs
	evs      []configured
	suite    *safety.Suite // the safety evaluators of evs, run together
	nSuite   int           // evs[:nSuite] are in suite
	redactor *redactor
	opts     genai.Options
	budget   int
	judged   *judgedCalls // shared with the other signal's instance

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
		rl:     ratelog.New(set.Logger, time.Minute, 5),
		budget: cfg.MaxContentBytes,
	}
	if p.budget == 0 {
		p.budget = genai.DefaultMaxContentBytes
	}
	// The reader's budget covers all content in attribute order; reading
	// with headroom lets the scan budget below decide what is cut, in the
	// order input, output, system, context.
	p.opts = genai.Options{Content: true, MaxContentBytes: 4 * p.budget, SkipToolDefinitions: true}
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
		enabled, threshold := b.Base()
		if !enabled {
			continue
		}
		e, err := b.New(eval.Build{})
		if err != nil {
			return nil, fmt.Errorf("evaluators.%s: %w", spec.Name, err)
		}
		c := configured{name: spec.Name, ev: e, threshold: threshold, scoreKey: contract.AttrEvalPrefix + spec.Name}
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
	for i := range p.evs {
		p.evs[i].initOpts()
	}
	if len(cfg.Redact) > 0 {
		p.redactor = newRedactor(cfg.Redact)
	}
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

// evaluate runs every evaluator; a panicking evaluator is skipped and counted.
func (p *evalProcessor) evaluate(ctx context.Context, in *eval.Input, out *outcome) {
	out.results = out.results[:0]
	out.ran = out.ran[:0]
	out.truncated = in.Truncated
	if p.suite != nil {
		func() {
			defer func() {
				if r := recover(); r != nil {
					p.errors.Add(ctx, 1, metric.WithAttributes(attribute.String("evaluator", "safety")))
					p.rl.Warn("panic", "safety evaluator failed; span passed on without safety results", zap.Any("panic", fmt.Sprint(r)))
					out.results = out.results[:0]
				}
			}()
			out.results = p.suite.Evaluate(in, out.results)
		}()
	}
	for len(out.results) < p.nSuite {
		out.results = append(out.results, eval.Result{Skipped: true, Label: "error"})
	}
	for _, c := range p.evs[p.nSuite:] {
		var r eval.Result
		func() {
			defer func() {
				if rec := recover(); rec != nil {
					p.errors.Add(ctx, 1, metric.WithAttributes(attribute.String("evaluator", c.name)))
					p.rl.Warn("panic."+c.name, "evaluator failed; span passed on without its result", zap.String("evaluator", c.name))
					r = eval.Result{Skipped: true, Label: "error"}
				}
			}()
			r = c.ev.Evaluate(in)
		}()
		out.results = append(out.results, r)
	}
	for i := range out.results {
		out.ran = append(out.ran, !out.results[i].Skipped)
	}
}

// explanation renders findings as rule ids and offsets, never text.
func explanation(r *eval.Result, truncated bool) string {
	var b strings.Builder
	const maxFindings = 16
	for i, f := range r.Findings {
		if i == maxFindings {
			fmt.Fprintf(&b, "; +%d more", len(r.Findings)-maxFindings)
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
	m.EnsureCapacity(m.Len() + 4) // one allocation for the event's attributes
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

func (p *evalProcessor) record(ctx context.Context, out *outcome) {
	for i, c := range p.evs {
		if !out.ran[i] {
			continue
		}
		if out.results[i].Score >= c.threshold {
			p.failures.Add(ctx, 1, c.evOpt...)
			p.evals.Add(ctx, 1, c.failOpt...)
		} else {
			p.evals.Add(ctx, 1, c.passOpt...)
		}
	}
}

type traceDocs map[pcommon.TraceID][]string

func (p *evalProcessor) processTraces(ctx context.Context, td ptrace.Traces) (ptrace.Traces, error) {
	type item struct {
		rs   ptrace.ResourceSpans
		ss   ptrace.ScopeSpans
		span ptrace.Span
		view genai.View
	}
	var items []item
	docs := traceDocs{}
	llmTraces := map[pcommon.TraceID]bool{}
	rss := td.ResourceSpans()
	for i := 0; i < rss.Len(); i++ {
		rs := rss.At(i)
		sss := rs.ScopeSpans()
		for j := 0; j < sss.Len(); j++ {
			ss := sss.At(j)
			spans := ss.Spans()
			for k := 0; k < spans.Len(); k++ {
				span := spans.At(k)
				v := p.readSpan(span, rs.Resource())
				if !v.IsGenAI() {
					p.skipped.Add(ctx, 1, skipOpt("not_genai")...)
					continue
				}
				if v.Category == genai.CategoryRetrieval {
					for _, d := range v.Documents {
						if d.Content != "" {
							docs[span.TraceID()] = append(docs[span.TraceID()], d.Content)
						}
					}
				}
				if v.Category == genai.CategoryLLM && hasContent(&v) {
					llmTraces[span.TraceID()] = true
				}
				items = append(items, item{rs, ss, span, v})
			}
		}
	}
	var out outcome
	for idx := range items {
		it := &items[idx]
		if !p.spanSel.Match(ctx, it.rs, it.ss, it.span) {
			p.skipped.Add(ctx, 1, skipOpt("not_selected")...)
			continue
		}
		v := &it.view
		switch {
		case !hasContent(v):
			p.skipped.Add(ctx, 1, skipOpt("no_content")...)
		case isWrapper(v.Category) || (v.Category != genai.CategoryLLM && llmTraces[it.span.TraceID()]):
			// Wrapper spans (agent, workflow, chain) re-report the content
			// of the model call beneath them; evaluate the model call only.
			p.skipped.Add(ctx, 1, skipOpt("wrapper_span")...)
		default:
			if p.judged != nil {
				// Content on the span and in log records too: the records
				// (released after the span by call assembly) are not judged again.
				p.judged.claim(it.span.TraceID(), it.span.SpanID())
			}
			in := p.buildInput(v, docs[it.span.TraceID()])
			p.evaluate(ctx, &in, &out)
			p.writeSpan(it.span, &out)
			p.record(ctx, &out)
			p.processed.Add(ctx, 1)
		}
		// Redaction applies to every selected GenAI span, evaluated or not:
		// a wrapper span carries the same prompt text as its model call.
		if p.redactor != nil {
			p.redactSpan(ctx, it.span)
		}
	}
	return td, nil
}

// readSpan reads a span through the shared reader, turning a reader panic
// into "not GenAI" so one bad span never fails the batch.
func (p *evalProcessor) readSpan(span ptrace.Span, res pcommon.Resource) (v genai.View) {
	defer func() {
		if r := recover(); r != nil {
			p.rl.Warn("read", "span could not be read; passed on unevaluated")
			v = genai.View{}
		}
	}()
	return genai.ReadSpan(span, res, p.opts)
}

func (p *evalProcessor) writeSpan(span ptrace.Span, out *outcome) {
	attrs := span.Attributes()
	// The scores, the failed list and the truncation flag grow the span's
	// attributes once, not by doubling.
	n := 0
	for _, ran := range out.ran {
		if ran {
			n++
		}
	}
	if n > 0 {
		attrs.EnsureCapacity(attrs.Len() + n + 2)
	}
	if p.cfg.Events {
		span.Events().EnsureCapacity(span.Events().Len() + len(p.evs))
	}
	var failed []string
	ts := span.EndTimestamp()
	if ts == 0 {
		ts = pcommon.NewTimestampFromTime(time.Now())
	}
	for i, c := range p.evs {
		if !out.ran[i] {
			// An evaluator that could not run for lack of context says so.
			if p.cfg.Events && out.results[i].Label == contract.LabelNoContext {
				ev := span.Events().AppendEmpty()
				ev.SetName(contract.EventEvaluationResult)
				ev.SetTimestamp(ts)
				noContextAttrs(ev.Attributes(), c.name)
			}
			continue
		}
		r := &out.results[i]
		score := r.Score
		isFail := score >= c.threshold
		attrs.PutDouble(c.scoreKey, score)
		if isFail {
			failed = append(failed, c.name)
		}
		if p.cfg.Events {
			ev := span.Events().AppendEmpty()
			ev.SetName(contract.EventEvaluationResult)
			ev.SetTimestamp(ts)
			resultAttrs(ev.Attributes(), c.name, score, isFail, explanation(r, out.truncated))
		}
	}
	if len(failed) > 0 {
		s := attrs.PutEmptySlice(contract.AttrEvalFailed)
		s.EnsureCapacity(len(failed))
		for _, f := range failed {
			s.AppendEmpty().SetStr(f)
		}
	}
	if out.truncated {
		attrs.PutBool(contract.AttrEvalTruncated, true)
	}
}

func (p *evalProcessor) processLogs(ctx context.Context, ld plog.Logs) (plog.Logs, error) {
	// Where each record lives, for the selector and to place results.
	type loc struct {
		rl plog.ResourceLogs
		sl plog.ScopeLogs
	}
	where := map[plog.LogRecord]loc{}
	rls := ld.ResourceLogs()
	for i := 0; i < rls.Len(); i++ {
		rl := rls.At(i)
		sls := rl.ScopeLogs()
		for j := 0; j < sls.Len(); j++ {
			sl := sls.At(j)
			lrs := sl.LogRecords()
			for k := 0; k < lrs.Len(); k++ {
				where[lrs.At(k)] = loc{rl, sl}
			}
		}
	}
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
	var redact []plog.LogRecord
	docs := traceDocs{}
	views := make([]genai.View, len(groups))
	for gi, g := range groups {
		views[gi] = p.readLogs(g)
		if views[gi].Category == genai.CategoryRetrieval {
			for _, d := range views[gi].Documents {
				if d.Content != "" {
					docs[g.TraceID] = append(docs[g.TraceID], d.Content)
				}
			}
		}
	}
	var out outcome
	for gi, g := range groups {
		first := g.Records[0]
		l := where[first]
		if !p.logSel.Match(ctx, l.rl, l.sl, first) {
			p.skipped.Add(ctx, 1, skipOpt("not_selected")...)
			continue
		}
		v := &views[gi]
		if p.redactor != nil {
			// Every selected record is redacted, judged or not (a
			// redelivered call is skipped below but must not leak).
			redact = append(redact, g.Records...)
		}
		if !hasContent(v) {
			p.skipped.Add(ctx, 1, skipOpt("no_content")...)
			continue
		}
		// genai_normalize's call assembly hands over each call's records
		// together; a call seen again (redelivered, or judged on its span
		// already) is not judged twice.
		if !g.SpanID.IsEmpty() && p.judged != nil && !p.judged.claim(g.TraceID, g.SpanID) {
			p.skipped.Add(ctx, 1, skipOpt("already_judged")...)
			continue
		}
		in := p.buildInput(v, docs[g.TraceID])
		p.evaluate(ctx, &in, &out)
		p.record(ctx, &out)
		p.processed.Add(ctx, 1)
		ts := pcommon.Timestamp(0)
		for _, r := range g.Records {
			if r.Timestamp() > ts {
				ts = r.Timestamp()
			}
		}
		todo = append(todo, judgement{sl: l.sl, trace: g.TraceID, span: g.SpanID, ts: ts, dims: dimsOf(v, g.Records),
			results: append([]eval.Result(nil), out.results...), ran: append([]bool(nil), out.ran...), trunc: out.truncated})
	}
	for _, r := range redact {
		p.redactLog(ctx, r)
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

func (p *evalProcessor) readLogs(g genai.LogGroup) (v genai.View) {
	defer func() {
		if r := recover(); r != nil {
			p.rl.Warn("read", "log records could not be read; passed on unevaluated")
			v = genai.View{}
		}
	}()
	return genai.ReadLogRecords(g.Records, g.Resource, p.opts)
}

func hasContent(v *genai.View) bool {
	return len(v.InputMessages) > 0 || len(v.OutputMessages) > 0 || len(v.SystemInstructions) > 0
}
