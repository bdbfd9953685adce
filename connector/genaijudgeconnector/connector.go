package genaijudgeconnector

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"sync"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/connector"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.uber.org/zap"

	"github.com/periscope-otel/periscope/connector/genaijudgeconnector/internal/metadata"
	"github.com/periscope-otel/periscope/internal/componentkit"
	"github.com/periscope-otel/periscope/internal/contract"
	"github.com/periscope-otel/periscope/internal/genai"
	"github.com/periscope-otel/periscope/internal/selector"
	"github.com/periscope-otel/periscope/internal/tracesample"
)

const (
	selectedByFailed      = "failed"
	selectedByUncertain   = "uncertain"
	selectedBySample      = "sample"
	maxEvaluatorsPerCall  = 16
	attrEventName         = "event.name"
	defaultResultSeverity = plog.SeverityNumberInfo
	maxContextDocuments   = 16
	maxRetryWait          = 30 * time.Second
	truncationMarker      = "…"
)

// job is one call to judge against one rubric.
type job struct {
	trace      pcommon.TraceID
	span       pcommon.SpanID
	rubric     *rubric
	selectedBy string
	evaluator  string
	heurLabel  string
	content    *content
	resource   pcommon.Resource
	dims       callDims
	ts         pcommon.Timestamp
}

// callDims are the judged call's identity, copied onto results so that
// genai_metrics splits judge results like heuristic ones.
type callDims struct {
	operation, provider, model string
}

type judgeConnector struct {
	cfg     *Config
	set     connector.Settings
	next    consumer.Logs
	rubrics []*rubric
	client  *judgeClient
	pricer  *pricer
	spanSel *selector.Spans
	logSel  *selector.Logs
	opts    genai.Options
	guard   *componentkit.Guard
	sample  tracesample.Ratio // the calibration sample, by trace id

	q       *queue
	pace    *pacer
	budget  *spend
	breaker *breaker
	seen    *seenCalls
	release func()

	runCtx    context.Context
	cancelRun context.CancelFunc
	stop      chan struct{}
	stopOnce  sync.Once
	wg        sync.WaitGroup
	started   bool

	queued   metric.Int64Counter
	dropped  metric.Int64Counter
	judged   metric.Int64Counter
	failures metric.Int64Counter
	costUSD  metric.Float64Counter
	tel      *metadata.TelemetryBuilder // unregisters the gauges on Shutdown
}

func newJudgeConnector(set connector.Settings, cfg *Config, next consumer.Logs) (*judgeConnector, error) {
	client, err := newJudgeClient(cfg)
	if err != nil {
		return nil, err
	}
	pr, err := newPricer(cfg)
	if err != nil {
		return nil, fmt.Errorf("price catalog: %w", err)
	}
	c := &judgeConnector{cfg: cfg, set: set, next: next, rubrics: compileRubrics(cfg), client: client, pricer: pr,
		opts:  genai.Options{Content: true, SkipToolDefinitions: true, MaxContentBytes: 4 * cfg.MaxContentBytes},
		guard: componentkit.NewGuard(set.Logger, "genai_judge"),
		q:     newQueue(cfg.QueueSize, cfg.Concurrency), stop: make(chan struct{})}
	lim, release := limitsRegistry.Acquire(set.ID, func() *limits {
		// Once per configured id (the traces and logs instances share it).
		if !pr.priced() {
			if cfg.Budget.MaxUSDPerHour > 0 {
				set.Logger.Warn("judge model has no price in the catalog and no price is configured: "+
					"budget.max_usd_per_hour is not enforced, only budget.max_calls_per_minute; set price or provider",
					zap.String("model", cfg.Model), zap.String("provider", judgeProvider(cfg)))
			} else {
				set.Logger.Info("judge model has no price in the catalog and no price is configured: judge calls are not costed",
					zap.String("model", cfg.Model))
			}
		}
		if !cfg.Redact {
			set.Logger.Info("redact: false: judged content is sent to the judge without masking PII and secrets")
		}
		return newLimits(cfg)
	})
	c.pace, c.budget, c.breaker, c.seen, c.release = lim.pace, lim.budget, lim.breaker, lim.seen, release
	c.sample = tracesample.New(cfg.Select.SampleRatio)
	if c.spanSel, err = selector.NewSpans(cfg.Select.Conditions, set.TelemetrySettings); err != nil {
		release()
		return nil, err
	}
	if c.logSel, err = selector.NewLogs(cfg.Select.Conditions, set.TelemetrySettings); err != nil {
		release()
		return nil, err
	}
	c.runCtx, c.cancelRun = context.WithCancel(context.Background())
	if err := c.initTelemetry(); err != nil {
		release()
		return nil, err
	}
	return c, nil
}

func (c *judgeConnector) Capabilities() consumer.Capabilities {
	return consumer.Capabilities{MutatesData: false}
}

func (c *judgeConnector) Start(context.Context, component.Host) error {
	c.started = true
	for i := 0; i < c.cfg.Concurrency; i++ {
		c.wg.Add(1)
		go c.worker()
	}
	return nil
}

// Shutdown lets the workers drain the queue for up to shutdown_timeout (or
// the context's deadline), then abandons what is left and in flight.
func (c *judgeConnector) Shutdown(ctx context.Context) error {
	c.stopOnce.Do(func() { close(c.stop) })
	done := make(chan struct{})
	go func() { c.wg.Wait(); close(done) }()
	t := time.NewTimer(c.cfg.ShutdownTimeout)
	defer t.Stop()
	select {
	case <-done:
	case <-t.C:
	case <-ctx.Done():
	}
	c.cancelRun()
	<-done // workers return promptly once runCtx is cancelled
	for j := c.q.pop(); j != nil; j = c.q.pop() {
		c.dropped.Add(context.Background(), 1, metric.WithAttributes(attribute.String("reason", "shutdown")))
	}
	c.client.http.CloseIdleConnections()
	if c.tel != nil {
		c.tel.Shutdown()
	}
	c.release()
	return nil
}

// ConsumeTraces queues the selected model calls and returns at once: the
// spans are never changed, delayed or dropped by the judge.
func (c *judgeConnector) ConsumeTraces(ctx context.Context, td ptrace.Traces) error {
	type hit struct {
		componentkit.SpanRef
		sel []selection
	}
	var hits []hit
	for s := range componentkit.Spans(td) {
		var sc scores
		sc.fromAttrs(s.Span.Attributes())
		sel := c.selectCall(&sc, s.Span.TraceID(), nil)
		if len(sel) == 0 {
			continue
		}
		hits = append(hits, hit{s, sel})
	}
	if len(hits) == 0 {
		return nil
	}
	want := make(map[pcommon.TraceID]bool, len(hits))
	for _, h := range hits {
		want[h.Span.TraceID()] = true
	}
	docs := c.traceDocs(td, want)
	for _, h := range hits {
		if !h.Selected(ctx, c.spanSel) {
			continue
		}
		v := c.readSpan(h.Span, h.RS.Resource())
		if v.Category != genai.CategoryLLM || !hasContent(&v) {
			continue
		}
		ts := h.Span.EndTimestamp()
		c.enqueue(ctx, h.Span.TraceID(), h.Span.SpanID(), ts, &v, docs[h.Span.TraceID()], h.RS.Resource(), h.sel)
	}
	return nil
}

// traceDocs collects the documents of retrieval spans in the batch, for the
// traces of selected calls only.
func (c *judgeConnector) traceDocs(td ptrace.Traces, want map[pcommon.TraceID]bool) map[pcommon.TraceID][]string {
	var docs map[pcommon.TraceID][]string
	for s := range componentkit.Spans(td) {
		span := s.Span
		if !want[span.TraceID()] || !looksLikeRetrieval(span) {
			continue
		}
		v := c.readSpan(span, s.RS.Resource())
		if v.Category != genai.CategoryRetrieval {
			continue
		}
		for _, d := range v.Documents {
			if d.Content != "" {
				if docs == nil {
					docs = map[pcommon.TraceID][]string{}
				}
				docs[span.TraceID()] = append(docs[span.TraceID()], d.Content)
			}
		}
	}
	return docs
}

// looksLikeRetrieval is a cheap pre-check before reading a span as a
// retrieval span: it carries documents in one of the known shapes.
func looksLikeRetrieval(span ptrace.Span) bool {
	found := false
	span.Attributes().Range(func(k string, _ pcommon.Value) bool {
		if strings.Contains(k, "retriev") || strings.Contains(k, "documents") || strings.Contains(k, "operation.name") {
			found = true
		}
		return !found
	})
	return found
}

// ConsumeLogs queues the selected calls carried as GenAI log records (their
// heuristic results are the gen_ai.evaluation.result records of the same
// batch) and returns at once.
func (c *judgeConnector) ConsumeLogs(ctx context.Context, ld plog.Logs) error {
	heur := heuristicResults(ld)
	groups := genai.GroupLogRecords(ld)
	loc := componentkit.NewLocations(ld)
	var docs map[pcommon.TraceID][]string
	for _, g := range groups {
		sc := heur[spanKey{g.TraceID, g.SpanID}]
		if sc == nil {
			sc = &scores{}
		}
		sel := c.selectCall(sc, g.TraceID, nil)
		if len(sel) == 0 {
			continue
		}
		if !loc.Selected(ctx, c.logSel, g.Records[0]) {
			continue
		}
		v := c.readLogs(g)
		if !hasContent(&v) || len(v.OutputMessages) == 0 {
			continue
		}
		if docs == nil {
			docs = c.logDocs(groups)
		}
		var ts pcommon.Timestamp
		for _, r := range g.Records {
			ts = max(ts, r.Timestamp())
		}
		c.enqueue(ctx, g.TraceID, g.SpanID, ts, &v, docs[g.TraceID], g.Resource, sel)
	}
	return nil
}

func (c *judgeConnector) logDocs(groups []genai.LogGroup) map[pcommon.TraceID][]string {
	docs := map[pcommon.TraceID][]string{}
	for _, g := range groups {
		v := c.readLogs(g)
		if v.Category != genai.CategoryRetrieval {
			continue
		}
		for _, d := range v.Documents {
			if d.Content != "" {
				docs[g.TraceID] = append(docs[g.TraceID], d.Content)
			}
		}
	}
	return docs
}

type spanKey struct {
	trace pcommon.TraceID
	span  pcommon.SpanID
}

// heuristicResults collects the heuristic evaluation result records of a
// batch by call. The judge's own results are left out.
func heuristicResults(ld plog.Logs) map[spanKey]*scores {
	var out map[spanKey]*scores
	for r := range componentkit.LogRecords(ld) {
		lr := r.Record
		if genai.EventName(lr) != contract.EventEvaluationResult {
			continue
		}
		a := lr.Attributes()
		if s, ok := a.Get(contract.AttrEvalSource); ok && s.Str() == contract.EvalSourceJudge {
			continue
		}
		name, ok := a.Get(contract.AttrEvalName)
		if !ok {
			continue
		}
		sv, ok := a.Get(contract.AttrEvalScoreValue)
		if !ok {
			continue
		}
		score, ok := componentkit.Number(sv)
		if !ok {
			continue
		}
		if out == nil {
			out = map[spanKey]*scores{}
		}
		key := spanKey{lr.TraceID(), lr.SpanID()}
		sc := out[key]
		if sc == nil {
			sc = &scores{}
			out[key] = sc
		}
		failed := false
		if l, ok := a.Get(contract.AttrEvalScoreLabel); ok {
			failed = l.Str() == contract.LabelFail
		}
		sc.add(name.Str(), score, failed)
	}
	return out
}

// scores are a call's heuristic results: score per evaluator and whether
// genai_eval failed it.
type scores struct {
	n      int
	names  [maxEvaluatorsPerCall]string
	vals   [maxEvaluatorsPerCall]float64
	failed [maxEvaluatorsPerCall]bool
}

func (s *scores) add(name string, v float64, failed bool) {
	for i := 0; i < s.n; i++ {
		if s.names[i] == name {
			s.vals[i], s.failed[i] = v, s.failed[i] || failed
			return
		}
	}
	if s.n < maxEvaluatorsPerCall {
		s.names[s.n], s.vals[s.n], s.failed[s.n] = name, v, failed
		s.n++
	}
}

func (s *scores) get(name string) (float64, bool, bool) {
	for i := 0; i < s.n; i++ {
		if s.names[i] == name {
			return s.vals[i], s.failed[i], true
		}
	}
	return 0, false, false
}

// fromAttrs reads the periscope.eval.<name> scores and the
// periscope.eval.failed list written on a span by genai_eval.
func (s *scores) fromAttrs(attrs pcommon.Map) {
	attrs.Range(func(k string, v pcommon.Value) bool {
		if len(k) <= len(contract.AttrEvalPrefix) || k[:len(contract.AttrEvalPrefix)] != contract.AttrEvalPrefix {
			return true
		}
		if k == contract.AttrEvalFailed {
			if v.Type() != pcommon.ValueTypeSlice {
				return true
			}
			sl := v.Slice()
			for i := 0; i < sl.Len(); i++ {
				s.markFailed(sl.At(i).AsString())
			}
			return true
		}
		if f, ok := componentkit.Number(v); ok {
			s.add(k[len(contract.AttrEvalPrefix):], f, false)
		}
		return true
	})
}

func (s *scores) markFailed(name string) {
	for i := 0; i < s.n; i++ {
		if s.names[i] == name {
			s.failed[i] = true
			return
		}
	}
	if s.n < maxEvaluatorsPerCall {
		s.names[s.n], s.vals[s.n], s.failed[s.n] = name, 1, true
		s.n++
	}
}

// selection is one rubric a call is selected for, and why.
type selection struct {
	rubric    *rubric
	by        string
	evaluator string
	heurLabel string
}

// selectCall decides, per rubric, whether a call is judged: a failed
// heuristic evaluator of the rubric, a score within the uncertain band of
// its threshold, or the deterministic sample by trace id.
func (c *judgeConnector) selectCall(sc *scores, trace pcommon.TraceID, dst []selection) []selection {
	s := &c.cfg.Select
	sampled := c.sample.Keep(trace)
	for _, r := range c.rubrics {
		var pick selection
		for _, e := range r.evaluators {
			v, failed, ok := sc.get(e)
			if !ok {
				continue
			}
			thr := s.threshold(e)
			failed = failed || v >= thr
			if failed && s.Failed {
				pick = selection{r, selectedByFailed, e, contract.LabelFail}
				break
			}
			if s.UncertainBand > 0 && math.Abs(v-thr) <= s.UncertainBand && pick.rubric == nil {
				label := contract.LabelPass
				if failed {
					label = contract.LabelFail
				}
				pick = selection{r, selectedByUncertain, e, label}
			}
		}
		if pick.rubric == nil && sampled {
			pick = selection{rubric: r, by: selectedBySample}
		}
		if pick.rubric != nil {
			dst = append(dst, pick)
		}
	}
	return dst
}

func hasContent(v *genai.View) bool {
	return len(v.InputMessages) > 0 || len(v.OutputMessages) > 0
}

// readSpan reads a span through the shared reader; a reader panic skips
// the span with a rate-limited warning (it is never the judge's business
// to fail a batch).
func (c *judgeConnector) readSpan(span ptrace.Span, res pcommon.Resource) genai.View {
	v, _ := c.guard.ReadSpan(span, res, c.opts)
	return v
}

func (c *judgeConnector) readLogs(g genai.LogGroup) genai.View {
	v, _ := c.guard.ReadLogs(g, c.opts)
	return v
}

// contentOf captures the parts of a call the rubrics may quote, each cut
// to max_content_bytes.
func (c *judgeConnector) contentOf(v *genai.View, docs []string) *content {
	limit := c.cfg.MaxContentBytes
	var ctx strings.Builder
	add := func(title, text string) {
		if text == "" || ctx.Len() >= limit {
			return
		}
		if ctx.Len() > 0 {
			ctx.WriteString("\n\n")
		}
		ctx.WriteString("[" + title + "]\n")
		ctx.WriteString(text)
	}
	all := append(append([]string(nil), docs...), docTexts(v)...)
	for i, d := range all {
		if i >= maxContextDocuments {
			break
		}
		add("document", d)
	}
	for _, m := range v.InputMessages {
		for _, p := range m.Parts {
			if p.Type == genai.PartToolCallResponse && p.Content != "" {
				add("tool result", p.Content)
			}
		}
	}
	add("system", v.SystemText())
	return &content{
		system:  truncate(v.SystemText(), limit),
		input:   truncate(v.InputText(), limit),
		output:  truncate(v.OutputText(), limit),
		context: truncate(ctx.String(), limit),
	}
}

func docTexts(v *genai.View) []string {
	var out []string
	for _, d := range v.Documents {
		if d.Content != "" {
			out = append(out, d.Content)
		}
	}
	return out
}

// truncate cuts s to at most n bytes on a rune boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && cut < len(s) && s[cut]&0xC0 == 0x80 {
		cut--
	}
	return s[:cut] + truncationMarker
}

func (c *judgeConnector) enqueue(ctx context.Context, trace pcommon.TraceID, span pcommon.SpanID, ts pcommon.Timestamp,
	v *genai.View, docs []string, res pcommon.Resource, sel []selection) {
	ct := c.contentOf(v, docs)
	ct.redact = c.cfg.Redact
	r := pcommon.NewResource()
	res.CopyTo(r)
	dims := callDims{operation: v.Operation, provider: v.Provider, model: v.Model()}
	for _, s := range sel {
		if !c.seen.claim(trace, span, s.rubric.name) {
			continue
		}
		j := &job{trace: trace, span: span, rubric: s.rubric, selectedBy: s.by, evaluator: s.evaluator, heurLabel: s.heurLabel,
			content: ct, resource: r, dims: dims, ts: ts}
		c.queued.Add(ctx, 1, metric.WithAttributes(attribute.String("rubric", s.rubric.name), attribute.String("selected_by", s.by)))
		if d := c.q.push(j); d != nil {
			c.dropped.Add(ctx, 1, metric.WithAttributes(attribute.String("reason", "queue_full")))
		}
	}
}

func (c *judgeConnector) worker() {
	defer c.wg.Done()
	for {
		if j := c.q.pop(); j != nil {
			c.process(j)
			continue
		}
		select {
		case <-c.q.notify:
		case <-c.stop:
			if c.q.len() == 0 {
				return
			}
		case <-c.runCtx.Done():
			return
		}
	}
}

func (c *judgeConnector) fail(reason string) {
	c.failures.Add(context.Background(), 1, metric.WithAttributes(attribute.String("reason", reason)))
}

func (c *judgeConnector) process(j *job) {
	ctx := c.runCtx
	if ctx.Err() != nil {
		c.dropped.Add(context.Background(), 1, metric.WithAttributes(attribute.String("reason", "shutdown")))
		return
	}
	// The spend budget holds a reservation of one call while it is in
	// flight, so concurrent workers cannot overshoot it together.
	held, ok := c.budget.reserve()
	if !ok {
		c.fail("budget")
		return
	}
	spent := 0.0
	defer func() { c.budget.settle(held, spent) }()
	// The breaker before the pacer: while the judge is down, queued calls
	// fail fast instead of each waiting for a rate slot, so the queue
	// drains and stays small.
	if !c.breaker.allow() {
		c.fail("circuit_open")
		return
	}
	if !c.pace.wait(ctx) {
		c.dropped.Add(context.Background(), 1, metric.WithAttributes(attribute.String("reason", "shutdown")))
		return
	}
	j.content.prepare()
	user := buildUserPrompt(j.rubric, j.content, newNonce())
	reply, err := c.callWithRetry(ctx, user)
	c.breaker.result(err == nil)
	if err != nil {
		var ce *callError
		reason := "network"
		if errors.As(err, &ce) {
			reason = ce.reason
		}
		if ctx.Err() != nil {
			reason = "shutdown"
		}
		c.fail(reason)
		return
	}
	cost, priced := c.pricer.cost(reply.model, reply.usage)
	if priced {
		spent = cost
		if cost > 0 {
			c.costUSD.Add(context.Background(), cost)
		}
	}
	c.emit(j, reply, cost)
}

func (c *judgeConnector) callWithRetry(ctx context.Context, user string) (judgeReply, error) {
	var last error
	for attempt := 0; attempt <= c.cfg.Retries; attempt++ {
		if attempt > 0 {
			wait := c.cfg.RetryBackoff << (attempt - 1)
			wait += time.Duration(rand.Int64N(int64(wait)/5 + 1)) // jitter
			var ce *callError
			if errors.As(last, &ce) && ce.retryAfter > wait {
				wait = ce.retryAfter
			}
			wait = min(wait, maxRetryWait)
			t := time.NewTimer(wait)
			select {
			case <-t.C:
			case <-ctx.Done():
				t.Stop()
				return judgeReply{}, last
			}
		}
		reply, err := c.client.call(ctx, user)
		if err == nil {
			return reply, nil
		}
		last = err
		var ce *callError
		if !errors.As(err, &ce) || !ce.retryable || ctx.Err() != nil {
			break
		}
	}
	return judgeReply{}, last
}

// emit sends one gen_ai.evaluation.result record, linked to the judged
// call's trace and span, to the next logs consumer.
func (c *judgeConnector) emit(j *job, reply judgeReply, cost float64) {
	ld := plog.NewLogs()
	rl := ld.ResourceLogs().AppendEmpty()
	j.resource.CopyTo(rl.Resource())
	sl := rl.ScopeLogs().AppendEmpty()
	sl.Scope().SetName(metadata.ScopeName)
	lr := sl.LogRecords().AppendEmpty()
	now := pcommon.NewTimestampFromTime(time.Now())
	ts := j.ts
	if ts == 0 {
		ts = now
	}
	lr.SetTimestamp(ts)
	lr.SetObservedTimestamp(now)
	lr.SetEventName(contract.EventEvaluationResult)
	lr.SetTraceID(j.trace)
	lr.SetSpanID(j.span)
	lr.SetSeverityNumber(defaultResultSeverity)
	a := lr.Attributes()
	a.PutStr(attrEventName, contract.EventEvaluationResult)
	a.PutStr(contract.AttrEvalName, j.rubric.name)
	a.PutDouble(contract.AttrEvalScoreValue, reply.Score)
	a.PutStr(contract.AttrEvalScoreLabel, reply.Label)
	if r := truncateChars(strings.TrimSpace(reply.Reason), c.cfg.MaxExplanationChars); r != "" {
		a.PutStr(contract.AttrEvalExplanation, r)
	}
	a.PutStr(contract.AttrEvalSource, contract.EvalSourceJudge)
	a.PutStr(contract.AttrJudgeModel, reply.model)
	a.PutStr(contract.AttrJudgeSelectedBy, j.selectedBy)
	if j.evaluator != "" {
		a.PutStr(contract.AttrJudgeEvaluator, j.evaluator)
		a.PutStr(contract.AttrJudgeHeuristicLbl, j.heurLabel)
	}
	if !reply.usage.estimated { // only tokens the judge reported
		a.PutInt(contract.AttrJudgeInputTokens, reply.usage.input)
		a.PutInt(contract.AttrJudgeOutputTokens, reply.usage.output)
	}
	if cost > 0 {
		a.PutDouble(contract.AttrJudgeCost, cost)
	}
	if j.dims.operation != "" {
		a.PutStr(genai.KeyOperation, j.dims.operation)
	}
	if j.dims.provider != "" {
		a.PutStr(genai.KeyProvider, j.dims.provider)
	}
	if j.dims.model != "" {
		a.PutStr(genai.KeyRequestModel, j.dims.model)
	}
	c.judged.Add(context.Background(), 1, metric.WithAttributes(attribute.String("rubric", j.rubric.name), attribute.String("verdict", reply.Label)))
	if err := c.next.ConsumeLogs(context.Background(), ld); err != nil {
		c.fail("export")
		c.set.Logger.Debug("judge result not accepted downstream", zap.Error(err))
	}
}

// truncateChars cuts s to n characters (0 = no limit).
func truncateChars(s string, n int) string {
	if n <= 0 {
		return s
	}
	i := 0
	for pos := range s {
		if i == n {
			return s[:pos] + truncationMarker
		}
		i++
	}
	return s
}
