package genainormalizeprocessor

import (
	"context"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/processor"
	"go.opentelemetry.io/collector/processor/processorhelper"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.uber.org/zap"

	"github.com/periscope-otel/periscope/internal/contract"
	"github.com/periscope-otel/periscope/internal/genai"
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
	}, nil
}

func (p *normalizer) processTraces(ctx context.Context, td ptrace.Traces) (ptrace.Traces, error) {
	var counts map[genai.Dialect]int64 // allocated on the first GenAI span only
	var notGenAI, notSelected int64
	rss := td.ResourceSpans()
	for i := 0; i < rss.Len(); i++ {
		rs := rss.At(i)
		sss := rs.ScopeSpans()
		for j := 0; j < sss.Len(); j++ {
			ss := sss.At(j)
			spans := ss.Spans()
			for k := 0; k < spans.Len(); k++ {
				span := spans.At(k)
				if !p.spans.Match(ctx, rs, ss, span) {
					notSelected++
					continue
				}
				v := genai.ReadSpan(span, rs.Resource(), p.opts)
				if !v.IsGenAI() {
					notGenAI++
					continue
				}
				p.write(ctx, span.Attributes(), &v)
				ss.SetSchemaUrl(SchemaURL)
				if v.Category == genai.CategoryLLM && p.asm != nil {
					id := v.Identity()
					id.Failed = id.Failed || span.Status().Code() == ptrace.StatusCodeError
					p.asm.Span(assembly.Key{Trace: span.TraceID(), Span: span.SpanID()}, id)
				}
				if counts == nil {
					counts = make(map[genai.Dialect]int64, 2)
				}
				counts[v.Dialect]++
			}
		}
	}
	p.record(ctx, counts, notGenAI, notSelected)
	return td, nil
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
	counts := map[genai.Dialect]int64{}
	var notSelected int64
	for _, g := range genai.GroupLogRecords(ld) {
		if id, ok := released[assembly.Key{Trace: g.TraceID, Span: g.SpanID}]; ok {
			stampIdentity(g.Records, &id)
		}
		v := genai.ReadLogRecords(g.Records, g.Resource, p.opts)
		if !v.IsGenAI() {
			continue
		}
		for _, lr := range g.Records {
			if p.logs != nil && !p.matchLog(ctx, ld, lr) {
				notSelected++
				continue
			}
			attrs := lr.Attributes()
			if genai.EventName(lr) == genai.EventInferenceDetails {
				// The details event carries the call's attributes: normalize
				// them like a span's (content stays structured, as the spec
				// requires on events).
				w := writer{cfg: p.cfg, attrs: attrs}
				w.writeMetadata(&v)
				if p.cfg.RemoveOriginals {
					w.removeOriginals(&v)
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
		counts[v.Dialect]++
		p.noteProblems(ctx, &v)
	}
	if len(counts) > 0 {
		setLogsSchemaURL(ld)
	}
	p.record(ctx, counts, 0, notSelected)
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
			if _, ok := attrs.Get(kv[0]); !ok {
				attrs.PutStr(kv[0], kv[1])
			}
		}
	}
}

// matchLog finds the record's resource and scope for the OTTL context.
// Only called when conditions are configured.
func (p *normalizer) matchLog(ctx context.Context, ld plog.Logs, target plog.LogRecord) bool {
	rls := ld.ResourceLogs()
	for i := 0; i < rls.Len(); i++ {
		rl := rls.At(i)
		for j := 0; j < rl.ScopeLogs().Len(); j++ {
			sl := rl.ScopeLogs().At(j)
			lrs := sl.LogRecords()
			for k := 0; k < lrs.Len(); k++ {
				if lrs.At(k) == target {
					return p.logs.Match(ctx, rl, sl, target)
				}
			}
		}
	}
	return false
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

// Attribute sets of the skip counters, built once: recording must not
// allocate per batch on the pass-through path.
var (
	optNotGenAI    = metric.WithAttributeSet(attribute.NewSet(attribute.String("reason", "not_genai")))
	optNotSelected = metric.WithAttributeSet(attribute.NewSet(attribute.String("reason", "not_selected")))
)

func (p *normalizer) record(ctx context.Context, counts map[genai.Dialect]int64, notGenAI, notSelected int64) {
	for d, n := range counts {
		p.tel.processed.Add(ctx, n, metric.WithAttributes(attribute.String("dialect", string(d))))
	}
	if notGenAI > 0 {
		p.tel.skipped.Add(ctx, notGenAI, optNotGenAI)
	}
	if notSelected > 0 {
		p.tel.skipped.Add(ctx, notSelected, optNotSelected)
	}
}
