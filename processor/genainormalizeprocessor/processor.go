package genainormalizeprocessor

import (
	"context"
	"sync"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/processor"
	"go.opentelemetry.io/collector/processor/processorhelper"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.uber.org/zap"

	"github.com/periscope-otel/periscope/internal/componentkit"
	"github.com/periscope-otel/periscope/internal/contract"
	"github.com/periscope-otel/periscope/internal/genai"
	"github.com/periscope-otel/periscope/internal/handoff"
	"github.com/periscope-otel/periscope/internal/ratelog"
	"github.com/periscope-otel/periscope/internal/selector"
	"github.com/periscope-otel/periscope/processor/genainormalizeprocessor/internal/assembly"
)

type normalizer struct {
	cfg   *Config
	opts  genai.Options
	spans *selector.Spans
	logs  *selector.Logs
	log   *ratelog.Logger
	tel   telemetry
	asm   *assembly.Assembler // shared with the other signal's instance
	guard *componentkit.Guard
}

// newNormalizer builds the processor for one signal; conditions are OTTL
// span conditions on traces and log conditions on logs.
func newNormalizer(set processor.Settings, cfg *Config, forLogs bool) (*normalizer, error) {
	var (
		spans *selector.Spans
		logs  *selector.Logs
		err   error
	)
	if forLogs {
		logs, err = selector.NewLogs(cfg.Conditions, set.TelemetrySettings)
	} else {
		spans, err = selector.NewSpans(cfg.Conditions, set.TelemetrySettings)
	}
	if err != nil {
		return nil, err
	}
	tel, err := newTelemetry(set.TelemetrySettings)
	if err != nil {
		return nil, err
	}
	set.Logger.Info("genai_normalize ready",
		zap.Bool("overwrite", cfg.Overwrite), zap.Bool("remove_originals", cfg.RemoveOriginals),
		zap.Bool("content", cfg.Content), zap.Int("conditions", len(cfg.Conditions)))
	return &normalizer{
		cfg:   cfg,
		opts:  genai.Options{Content: cfg.Content, MaxContentBytes: cfg.MaxContentBytes},
		spans: spans,
		logs:  logs,
		log:   ratelog.New(set.Logger, time.Minute, 5),
		tel:   tel,
		guard: componentkit.NewGuard(set.Logger, "genai_normalize"),
	}, nil
}

func (p *normalizer) processTraces(ctx context.Context, td ptrace.Traces) (ptrace.Traces, error) {
	var counts dialectCounts
	skips := skipsPool.Get().(*componentkit.Skips)
	views := handoff.From(ctx)
	for s := range componentkit.Spans(td) {
		if !s.Selected(ctx, p.spans) {
			skips.Add(componentkit.SkipNotSelected)
			continue
		}
		var d genai.Dialect
		var genAI bool
		// A reader or writer panic skips the span (counted, rate-limited
		// warning); the batch goes on and the span passes as it is.
		if !p.guard.Run("span", func() { d, genAI = p.normalizeSpan(ctx, s, views) }) {
			skips.Add(componentkit.SkipInternalError)
			continue
		}
		if !genAI {
			skips.Add(componentkit.SkipNotGenAI)
			continue
		}
		counts.add(d)
	}
	p.record(ctx, &counts, skips)
	skipsPool.Put(skips)
	return td, nil
}

// normalizeSpan writes the normalized view on one span and hands the view
// on to the processors after this one; false when the span is not GenAI
// (left untouched).
func (p *normalizer) normalizeSpan(ctx context.Context, s componentkit.SpanRef, views *handoff.Table) (genai.Dialect, bool) {
	span := s.Span
	v := genai.ReadSpan(span, s.RS.Resource(), p.opts)
	if !v.IsGenAI() {
		return "", false
	}
	p.write(ctx, span.Attributes(), &v)
	s.SS.SetSchemaUrl(SchemaURL)
	views.Put(span, &v, p.opts)
	if v.Category == genai.CategoryLLM && p.asm != nil {
		id := v.Identity()
		id.Failed = id.Failed || span.Status().Code() == ptrace.StatusCodeError
		p.asm.Span(assembly.Key{Trace: span.TraceID(), Span: span.SpanID()}, id)
	}
	return v.Dialect, true
}

func (p *normalizer) processLogs(ctx context.Context, ld plog.Logs) (plog.Logs, error) {
	var released assembly.Released
	if p.asm != nil && p.cfg.CallAssembly.Enabled {
		released = p.asm.Logs(ld)
		if ld.ResourceLogs().Len() == 0 {
			return ld, processorhelper.ErrSkipProcessingData // everything is held
		}
	}
	p.normalizeLogs(ctx, ld, released)
	return ld, nil
}

// normalizeLogs writes the normalized view on the GenAI records of each
// call; records of a call released by assembly first get what its span
// said (operation, provider, models), where they do not say it themselves.
func (p *normalizer) normalizeLogs(ctx context.Context, ld plog.Logs, released assembly.Released) {
	var counts dialectCounts
	skips := skipsPool.Get().(*componentkit.Skips)
	loc := componentkit.NewLocations(ld) // built only when a selector asks
	views := handoff.From(ctx)
	for _, g := range genai.GroupLogRecords(ld) {
		if id, ok := released[assembly.Key{Trace: g.TraceID, Span: g.SpanID}]; ok {
			stampIdentity(g.Records, &id)
		}
		v, ok := p.guard.ReadLogs(g, p.opts)
		if !ok {
			skips.AddN(componentkit.SkipInternalError, int64(len(g.Records)))
			continue
		}
		if !v.IsGenAI() {
			continue
		}
		for _, lr := range g.Records {
			if !loc.Selected(ctx, p.logs, lr) {
				skips.Add(componentkit.SkipNotSelected)
				continue
			}
			if !p.guard.Run("log record", func() { p.writeRecord(lr, &v) }) {
				skips.Add(componentkit.SkipInternalError)
			}
		}
		counts.add(v.Dialect)
		p.noteProblems(ctx, &v)
		views.PutCall(g.Records, &v, p.opts)
	}
	if counts.n > 0 {
		setLogsSchemaURL(ld)
	}
	p.record(ctx, &counts, skips)
	skipsPool.Put(skips)
}

// writeRecord writes the call's normalized view on one of its records.
func (p *normalizer) writeRecord(lr plog.LogRecord, v *genai.View) {
	attrs := lr.Attributes()
	if genai.EventName(lr) == genai.EventInferenceDetails {
		// The details event carries the call's attributes: normalize
		// them like a span's (content stays structured, as the spec
		// requires on events).
		w := writer{cfg: p.cfg, attrs: attrs}
		w.writeMetadata(v)
		if p.cfg.RemoveOriginals {
			w.removeOriginals(v)
		}
	} else if v.Provider != "" {
		w := writer{cfg: p.cfg, attrs: attrs}
		w.putStr(keyProvider, v.Provider)
		if p.cfg.RemoveOriginals && !p.cfg.EmitLegacySystem {
			attrs.Remove(keySystem)
		}
	}
	attrs.PutStr(contract.AttrDialect, string(v.Dialect))
}

// setLogsSchemaURL marks the scopes holding normalized records with the
// semconv version written.
func setLogsSchemaURL(ld plog.Logs) {
	for _, rl := range ld.ResourceLogs().All() {
		for _, sl := range rl.ScopeLogs().All() {
			for _, lr := range sl.LogRecords().All() {
				if _, ok := lr.Attributes().Get(contract.AttrDialect); ok {
					sl.SetSchemaUrl(SchemaURL)
					break
				}
			}
		}
	}
}

// stampIdentity copies the call identity of a span onto its content records.
func stampIdentity(records []plog.LogRecord, id *genai.CallIdentity) {
	for _, lr := range records {
		if !genai.IsCallRecord(lr) {
			continue
		}
		attrs := lr.Attributes()
		for _, kv := range [...][2]string{
			{genai.KeyOperation, id.Operation}, {genai.KeyProvider, id.Provider},
			{genai.KeyRequestModel, id.RequestModel}, {genai.KeyResponseModel, id.ResponseModel},
		} {
			if kv[1] == "" {
				continue
			}
			if cur, ok := attrs.GetOrPutEmpty(kv[0]); !ok {
				cur.SetStr(kv[1])
			}
		}
	}
}

func (p *normalizer) write(ctx context.Context, attrs pcommon.Map, v *genai.View) {
	w := writer{cfg: p.cfg, attrs: attrs}
	w.writeMetadata(v)
	if p.cfg.Content {
		w.writeContent(v)
	}
	if p.cfg.RemoveOriginals {
		w.removeOriginals(v)
	}
	attrs.PutStr(contract.AttrDialect, string(v.Dialect))
	p.noteProblems(ctx, v)
}

func (p *normalizer) noteProblems(ctx context.Context, v *genai.View) {
	for _, pr := range v.Problems {
		p.tel.problems.Add(ctx, 1, metric.WithAttributes(attribute.String("kind", pr.Kind)))
		// Key and kind only: never the value.
		p.log.Warn("read:"+pr.Kind, "GenAI attribute could not be read; span passed on",
			zap.String("key", pr.Key), zap.String("kind", pr.Kind))
	}
}

// Attribute sets of the counters, built once: recording must not allocate
// per batch on the pass-through path.
var (
	optNotGenAI      = metric.WithAttributeSet(attribute.NewSet(attribute.String("reason", componentkit.SkipNotGenAI)))
	optNotSelected   = metric.WithAttributeSet(attribute.NewSet(attribute.String("reason", componentkit.SkipNotSelected)))
	optInternalError = metric.WithAttributeSet(attribute.NewSet(attribute.String("reason", componentkit.SkipInternalError)))
	dialectOpts      sync.Map // genai.Dialect -> metric.AddOption
	skipsPool        = sync.Pool{New: func() any { return new(componentkit.Skips) }}
)

func skipOpt(reason string) metric.AddOption {
	switch reason {
	case componentkit.SkipNotGenAI:
		return optNotGenAI
	case componentkit.SkipNotSelected:
		return optNotSelected
	case componentkit.SkipInternalError:
		return optInternalError
	}
	return metric.WithAttributes(attribute.String("reason", reason))
}

func dialectOpt(d genai.Dialect) metric.AddOption {
	if o, ok := dialectOpts.Load(d); ok {
		return o.(metric.AddOption)
	}
	o := metric.WithAttributeSet(attribute.NewSet(attribute.String("dialect", string(d))))
	dialectOpts.Store(d, o) // dialects are a closed set: bounded
	return o
}

// dialectCounts counts a batch's normalized items by dialect without a
// map: a batch holds one or a few dialects.
type dialectCounts struct {
	d    [4]genai.Dialect
	c    [4]int64
	n    int // distinct dialects in d
	more map[genai.Dialect]int64
}

func (dc *dialectCounts) add(d genai.Dialect) {
	for i := 0; i < dc.n; i++ {
		if dc.d[i] == d {
			dc.c[i]++
			return
		}
	}
	if dc.n < len(dc.d) {
		dc.d[dc.n], dc.c[dc.n] = d, 1
		dc.n++
		return
	}
	if dc.more == nil {
		dc.more = map[genai.Dialect]int64{}
	}
	dc.more[d]++
}

// record adds a batch's counts to the counters and resets skips.
func (p *normalizer) record(ctx context.Context, counts *dialectCounts, skips *componentkit.Skips) {
	for i := 0; i < counts.n; i++ {
		p.tel.processed.Add(ctx, counts.c[i], dialectOpt(counts.d[i]))
	}
	for d, n := range counts.more {
		p.tel.processed.Add(ctx, n, dialectOpt(d))
	}
	skips.Each(func(reason string, n int64) { p.tel.skipped.Add(ctx, n, skipOpt(reason)) })
	skips.Flush(ctx, nil) // reset only: counted above with prebuilt sets
}
