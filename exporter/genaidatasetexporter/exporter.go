package genaidatasetexporter

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/exporter"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.uber.org/zap"

	"github.com/periscope-otel/periscope/exporter/genaidatasetexporter/dataset"
	"github.com/periscope-otel/periscope/internal/componentkit"
	"github.com/periscope-otel/periscope/internal/contract"
	"github.com/periscope-otel/periscope/internal/genai"
	"github.com/periscope-otel/periscope/internal/ratelog"
	"github.com/periscope-otel/periscope/internal/selector"
	"github.com/periscope-otel/periscope/internal/tracesample"
)

// datasetExporter is one signal's instance of a configured genai_dataset.
type datasetExporter struct {
	cfg     *Config
	logger  *zap.Logger
	rl      *ratelog.Logger
	tel     *telemetry
	shared  *shared
	spanSel *selector.Spans
	logSel  *selector.Logs
	opts    genai.Options
	guard   *componentkit.Guard
	sample  tracesample.Ratio // unflagged calls kept, by trace id
}

func newDatasetExporter(set exporter.Settings, cfg *Config, sh *shared, traces bool) (*datasetExporter, error) {
	tel, err := newTelemetry(set.TelemetrySettings)
	if err != nil {
		return nil, err
	}
	e := &datasetExporter{
		cfg:    cfg,
		logger: set.Logger,
		rl:     ratelog.New(set.Logger, time.Minute, 5),
		tel:    tel,
		shared: sh,
		opts:   genai.Options{Content: true, MaxContentBytes: cfg.MaxContentBytes},
		guard:  componentkit.NewGuard(set.Logger, "genai_dataset"),
	}
	if traces {
		e.spanSel, err = selector.NewSpans(cfg.Conditions, set.TelemetrySettings)
	} else {
		e.logSel, err = selector.NewLogs(cfg.Conditions, set.TelemetrySettings)
	}
	if err != nil {
		return nil, fmt.Errorf("conditions: %w", err)
	}
	e.sample = tracesample.New(cfg.SampleRatio)
	return e, nil
}

func (e *datasetExporter) start(context.Context, component.Host) error {
	e.logger.Info("genai_dataset started", zap.String("directory", e.cfg.Directory), zap.String("select", e.cfg.Select),
		zap.Float64("sample_ratio", e.cfg.SampleRatio), zap.String("compression", e.cfg.Compression))
	return nil
}

func (e *datasetExporter) shutdown(context.Context) error {
	return e.shared.writer.close()
}

// sampled decides, by trace id alone, whether an unflagged call is kept:
// every instance and every collector of a tier keeps the same traces, and
// genai_eval's evaluators sampled at the same or a larger ratio scored them.
func (e *datasetExporter) sampled(t pcommon.TraceID) bool { return e.sample.Keep(t) }

// batch collects the rows of one push.
type batch struct {
	buf  bytes.Buffer
	ends []int
	keys []callKey
	seen map[callKey]bool
	n    tally
}

// keep decides whether a call becomes a row, and appends it.
func (e *datasetExporter) keep(b *batch, c *call) {
	k := callKey{c.trace, c.span}
	if !k.span.IsEmpty() && (b.seen[k] || e.shared.written.has(k)) {
		b.n.skip(skipDuplicate)
		return
	}
	flagged := len(c.ann.failed) > 0
	if !flagged && e.cfg.Select != SelectAll && !e.sampled(c.trace) {
		b.n.skip(skipNotFlagged)
		return
	}
	// A panic of the row builder skips the call (one bad call never fails
	// the batch) and drops whatever it had written.
	var err error
	mark := b.buf.Len()
	if !e.guard.Run("row", func() { err = appendRow(&b.buf, c) }) {
		b.buf.Truncate(mark)
		b.n.skip(skipUnreadable)
		return
	}
	if err != nil {
		b.n.skip(skipUnreadable)
		e.rl.Warn("row", "call could not be written as a row", zap.Error(err))
		return
	}
	b.ends = append(b.ends, b.buf.Len())
	if !k.span.IsEmpty() {
		if b.seen == nil {
			b.seen = map[callKey]bool{}
		}
		b.seen[k] = true
		b.keys = append(b.keys, k)
	}
	if flagged {
		b.n.flagged++
	} else {
		b.n.sampled++
	}
}

// appendRow encodes the row of c, newline-terminated (keep runs it under
// the component guard).
func appendRow(buf *bytes.Buffer, c *call) error {
	row := buildRow(c)
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	mark := buf.Len()
	if err := enc.Encode(&row); err != nil {
		buf.Truncate(mark)
		return err
	}
	return nil
}

// flush writes the batch; the calls count as written only once on disk,
// so a retried batch writes again what failed and nothing twice.
func (e *datasetExporter) flush(ctx context.Context, b *batch) error {
	defer e.tel.record(ctx, &b.n)
	if b.buf.Len() == 0 {
		return nil
	}
	if err := e.shared.writer.writeRows(b.buf.Bytes(), b.ends); err != nil {
		b.n.flagged, b.n.sampled = 0, 0
		return err
	}
	b.n.bytes = int64(b.buf.Len())
	e.shared.written.add(b.keys)
	return nil
}

func hasContent(v *genai.View) bool {
	return len(v.InputMessages) > 0 || len(v.OutputMessages) > 0
}

func serviceName(res pcommon.Resource) string {
	if v, ok := res.Attributes().Get("service.name"); ok {
		return v.AsString()
	}
	return ""
}

func (e *datasetExporter) pushTraces(ctx context.Context, td ptrace.Traces) error {
	var b batch
	// Retrieval spans' documents by trace: a model call without documents
	// of its own gets those of its trace's retrieval spans in the batch (the
	// context genai_eval grounded it in), so a replay grounds it the same way.
	var docs map[pcommon.TraceID][]genai.Document
	var pending []*call
	service, lastRS := "", -1
	for s := range componentkit.Spans(td) {
		if s.RSIndex != lastRS {
			lastRS, service = s.RSIndex, serviceName(s.RS.Resource())
		}
		span := s.Span
		if !genai.MayBeGenAI(span) {
			// Read, it would be an empty view: not a model call. (The
			// view escapes to the pending calls: reading every span would
			// allocate one per span.)
			b.n.skip(skipNotModelCall)
			continue
		}
		v, ok := e.guard.ReadSpan(span, s.RS.Resource(), e.opts)
		if !ok {
			b.n.skip(skipUnreadable)
			continue
		}
		if v.Category == genai.CategoryRetrieval && len(v.Documents) > 0 {
			if docs == nil {
				docs = map[pcommon.TraceID][]genai.Document{}
			}
			docs[span.TraceID()] = append(docs[span.TraceID()], v.Documents...)
		}
		if v.Category != genai.CategoryLLM && (v.Category != genai.CategoryOther || !hasContent(&v)) {
			b.n.skip(skipNotModelCall)
			continue
		}
		c := call{trace: span.TraceID(), span: span.SpanID(), time: span.EndTimestamp(), service: service,
			source: dataset.SourceSpan, view: &v}
		if c.time == 0 {
			c.time = span.StartTimestamp()
		}
		c.ann.readAttrs(span.Attributes())
		evs := span.Events()
		for x := 0; x < evs.Len(); x++ {
			if evs.At(x).Name() == contract.EventEvaluationResult {
				c.ann.readResult(evs.At(x).Attributes())
			}
		}
		c.session = e.countSession(callKey{c.trace, c.span}, &v, c.ann.cost, c.time)
		if !hasContent(&v) {
			// The call's content comes as log records (official
			// instrumentations): remember what the span says for
			// the row the records will make.
			e.shared.spans.put(&spanNote{key: callKey{c.trace, c.span}, time: c.time, service: service,
				operation: v.Operation, provider: v.Provider, requestModel: v.RequestModel,
				responseModel: v.ResponseModel, conversationID: v.ConversationID, usage: v.Usage, ann: c.ann})
			b.n.skip(skipNoContent)
			continue
		}
		if !s.Selected(ctx, e.spanSel) {
			b.n.skip(skipNotSelected)
			continue
		}
		pending = append(pending, &c)
	}
	for _, c := range pending {
		if len(c.view.Documents) == 0 {
			c.view.Documents = docs[c.trace]
		}
		e.keep(&b, c)
	}
	return e.flush(ctx, &b)
}

func (e *datasetExporter) pushLogs(ctx context.Context, ld plog.Logs) error {
	// Evaluation results by call.
	results := map[callKey][]plog.LogRecord{}
	for r := range componentkit.LogRecords(ld) {
		if genai.EventName(r.Record) == contract.EventEvaluationResult {
			key := callKey{r.Record.TraceID(), r.Record.SpanID()}
			results[key] = append(results[key], r.Record)
		}
	}
	loc := componentkit.NewLocations(ld)
	var b batch
	for _, g := range genai.GroupLogRecords(ld) {
		v, ok := e.guard.ReadLogs(g, e.opts)
		if !ok {
			b.n.skip(skipUnreadable)
			continue
		}
		switch v.Category {
		case genai.CategoryLLM, genai.CategoryOther:
		default:
			b.n.skip(skipNotModelCall)
			continue
		}
		if !hasContent(&v) {
			b.n.skip(skipNoContent)
			continue
		}
		c := call{trace: g.TraceID, span: g.SpanID, service: serviceName(g.Resource), source: dataset.SourceLogs, view: &v}
		for _, r := range g.Records {
			c.ann.readAttrs(r.Attributes())
			ts := r.Timestamp()
			if ts == 0 {
				ts = r.ObservedTimestamp()
			}
			if ts > c.time {
				c.time = ts
			}
		}
		key := callKey{g.TraceID, g.SpanID}
		for _, r := range results[key] {
			c.ann.readResult(r.Attributes())
		}
		if n := e.shared.spans.take(key); n != nil {
			mergeSpanNote(&c, n)
		}
		// Every model call counts toward its session, selected or not.
		c.session = e.countSession(key, &v, c.ann.cost, c.time)
		if !loc.Selected(ctx, e.logSel, g.Records[0]) {
			b.n.skip(skipNotSelected)
			continue
		}
		e.keep(&b, &c)
	}
	return e.flush(ctx, &b)
}

// mergeSpanNote completes a call read from log records with what its span
// said: the span is the authority on usage, cost and the call's identity.
func mergeSpanNote(c *call, n *spanNote) {
	v := c.view
	if c.service == "" {
		c.service = n.service
	}
	if n.time > c.time {
		c.time = n.time
	}
	if v.Operation == "" {
		v.Operation = n.operation
	}
	if v.Provider == "" {
		v.Provider = n.provider
	}
	if v.RequestModel == "" {
		v.RequestModel = n.requestModel
	}
	if v.ResponseModel == "" {
		v.ResponseModel = n.responseModel
	}
	if v.ConversationID == "" {
		v.ConversationID = n.conversationID
	}
	if !v.Usage.Any() {
		v.Usage = n.usage
	}
	c.ann.merge(&n.ann)
}
