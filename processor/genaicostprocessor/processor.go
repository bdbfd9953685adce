package genaicostprocessor

import (
	"context"
	"strings"
	"time"

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
	"github.com/periscope-otel/periscope/internal/genai"
	"github.com/periscope-otel/periscope/internal/handoff"
	"github.com/periscope-otel/periscope/internal/pricing"
	"github.com/periscope-otel/periscope/internal/ratelog"
	"github.com/periscope-otel/periscope/internal/selector"
)

// Provenance and breakdown keys beyond the DESIGN.md §3 table; all under
// periscope.cost.* (see README).
const (
	attrCostTools     = contract.AttrCostTools
	attrCostMatch     = contract.AttrCostMatch
	attrCostEstimated = contract.AttrCostEstimated
	attrCostTable     = contract.AttrCostTable
	attrCostTier      = contract.AttrCostTier
	attrCostMode      = contract.AttrCostMode
	attrCostUsageMode = contract.AttrCostUsageMode
	attrCostComputed  = contract.AttrCostComputed

	sourceLocal    = "local"
	sourceProvider = "provider"

	eventOperationDetails = "gen_ai.client.inference.operation.details"
)

type costProcessor struct {
	cfg        *Config
	logger     *zap.Logger
	rl         *ratelog.Logger
	store      *store
	keys       *keyIndex
	spanSel    *selector.Spans
	logSel     *selector.Logs
	tel        *telemetry
	draft      bool
	reported   string
	tenantAttr string
	region     string
	guard      *componentkit.Guard
}

func newCostProcessor(set processor.Settings, cfg *Config) (*costProcessor, error) {
	tel, err := newTelemetry(set.TelemetrySettings)
	if err != nil {
		return nil, err
	}
	p := &costProcessor{
		cfg:        cfg,
		logger:     set.Logger,
		rl:         ratelog.New(set.Logger, time.Minute, 5),
		keys:       newKeyIndex(cfg.Attributes),
		tel:        tel,
		draft:      cfg.CostAttributes == "semconv_draft",
		reported:   cfg.ReportedCost,
		tenantAttr: cfg.TenantAttribute,
		region:     strings.ToLower(cfg.Region),
		guard:      componentkit.NewGuard(set.Logger, "genai_cost"),
	}
	if p.reported == "" {
		p.reported = "keep"
	}
	if p.spanSel, err = selector.NewSpans(cfg.Conditions, set.TelemetrySettings); err != nil {
		return nil, err
	}
	if p.logSel, err = selector.NewLogs(cfg.Conditions, set.TelemetrySettings); err != nil {
		return nil, err
	}
	p.store, err = newStore(cfg, set.Logger, func(_ string, ok bool) {
		result := "ok"
		if !ok {
			result = "error"
		}
		tel.tableLoads.Add(context.Background(), 1, metric.WithAttributes(attribute.String("result", result)))
	})
	if err != nil {
		return nil, err
	}
	cat := p.store.catalog()
	n := 0
	for _, t := range cat.Layers {
		n += t.Len()
	}
	set.Logger.Info("genai_cost price catalog ready", zap.Int("tables", len(cat.Layers)), zap.Int("entries", n),
		zap.Int("overrides", len(cat.Overrides)), zap.String("hash", cat.Hash))
	return p, nil
}

func (p *costProcessor) start(context.Context, component.Host) error {
	p.store.start(p.cfg.ReloadInterval)
	return nil
}

func (p *costProcessor) shutdown(context.Context) error {
	p.store.stop()
	return nil
}

// outcome kinds (calls skipped never reach an outcome: skipReason).
const (
	outPriced uint8 = iota + 1
	outReported
	outUnpriced
)

type outcome struct {
	kind     uint8
	reason   string // unpriced reason
	family   string
	match    pricing.Match
	res      pricing.Result
	reported float64
	computed bool // res holds a local price beside a reported one
	hash     string
}

var viewOpts = genai.Options{}

// skipReason is why a call is not priced at all, or "". It is decided
// before anything else is read, so a non-GenAI span costs no more.
func skipReason(v *genai.View) string {
	if !v.IsGenAI() {
		return "not_genai"
	}
	if !v.Billable() && !unitOperation(v.Operation) {
		return "not_billable"
	}
	return ""
}

// evaluate prices one model call that skipReason let through. attrs are
// the span's (or log record's) attributes, used for pricing inputs the
// View does not carry.
func (p *costProcessor) evaluate(v *genai.View, attrs pcommon.Map, res pcommon.Resource, start time.Time) outcome {
	o := outcome{family: pricing.Family(v.Provider)}
	x := p.keys.extras(v, attrs)

	if v.ReportedCost != nil && p.reported != "ignore" && !ownCost(attrs) {
		o.kind, o.reported = outReported, v.ReportedCost.USD
		if p.reported != "compare" {
			return o
		}
	}

	u := v.Usage
	if !validUsage(u) || v.UsageUnreadable {
		p.rl.Warn("invalid_usage", "genai_cost: token counts negative or above 1e9; call left unpriced",
			zap.String("provider", providerLabel(o.family)))
		return p.unpriced(o, contract.UnpricedMissingUsage)
	}
	cat := p.store.catalog()
	o.hash = cat.Hash
	tenant := p.tenant(attrs, res)
	region := x.Region
	if region == "" && o.family == "azure" {
		region = p.region
	}
	m, ok := cat.Resolve(o.family, v.ResponseModel, tenant, region)
	if !ok && v.RequestModel != "" && v.RequestModel != v.ResponseModel {
		m, ok = cat.Resolve(o.family, v.RequestModel, tenant, region)
	}
	hasTokens := u.Has&(genai.HasInput|genai.HasOutput) != 0
	if !ok {
		if !hasTokens && x.AudioMillis == 0 {
			return p.unpriced(o, contract.UnpricedMissingUsage)
		}
		if v.Model() != "" {
			p.rl.Warn("unknown_model", "genai_cost: no price for model; add an alias or a price under models:",
				zap.String("provider", providerLabel(o.family)), zap.String("model", clip(v.Model(), 64)))
		}
		return p.unpriced(o, contract.UnpricedUnknownModel)
	}
	switch m.Entry.Kind {
	case pricing.KindImage:
	case pricing.KindAudio:
		if x.AudioMillis == 0 && !hasTokens {
			return p.unpriced(o, contract.UnpricedMissingUsage)
		}
	default:
		if !hasTokens {
			return p.unpriced(o, contract.UnpricedMissingUsage)
		}
	}

	req := pricing.Request{
		Usage: pricing.Usage{
			Input: u.Input, Output: u.Output, CacheRead: u.CacheRead, CacheWrite: u.CacheWrite,
			CacheWrite1h: x.CacheWrite1h, CacheWrite5m: x.CacheWrite5m, Reasoning: u.Reasoning,
			AudioIn: x.AudioIn, AudioOut: x.AudioOut,
			ImageIn: x.ImageIn, VideoIn: x.VideoIn, CacheAudioRead: x.CachedAudioIn, ImageOut: x.ImageOut,
			Citation: x.Citations,
			HasInput: u.Has&genai.HasInput != 0, HasOutput: u.Has&genai.HasOutput != 0,
		},
		Mode:          modeOf(&x),
		InferenceGeo:  x.InferenceGeo,
		SearchContext: x.SearchContext,
		Searches:      x.WebSearches,
		Images:        x.Images,
		Millis:        x.AudioMillis,
		Time:          start,
		Region:        residency(v.ServerAddress, x.Region),
	}
	o.match = m
	o.res = pricing.Compute(m.Entry, &req)
	if o.kind == outReported {
		o.computed = true
		return o
	}
	o.kind = outPriced
	return o
}

// unitOperation reports model calls billed per image or per second that
// carry no token counts (and so are not billable by token rules alone).
func unitOperation(op string) bool {
	switch op {
	case "image_generation", "generate_image", "audio_transcription", "transcription", "transcribe",
		"audio_speech", "speech", "text_to_speech", "audio_translation", "translation":
		return true
	}
	return false
}

func (p *costProcessor) unpriced(o outcome, reason string) outcome {
	if o.kind == outReported {
		return o // the provider's figure stands
	}
	o.kind, o.reason = outUnpriced, reason
	return o
}

// ownCost reports whether the cost on the span was written by genai_cost
// itself (a second pass re-prices instead of treating it as reported).
func ownCost(attrs pcommon.Map) bool {
	v, ok := attrs.Get(contract.AttrCostSource)
	return ok && v.Str() == sourceLocal
}

func validUsage(u genai.Usage) bool {
	for _, n := range [...]int64{u.Input, u.Output, u.CacheRead, u.CacheWrite, u.Reasoning} {
		if n < 0 || n > pricing.MaxTokens {
			return false
		}
	}
	return true
}

func modeOf(x *genai.PricingExtras) pricing.Mode {
	switch x.ServiceTier {
	case "flex":
		return pricing.Flex
	case "priority":
		return pricing.Priority
	case "fast":
		return pricing.Fast
	case "batch":
		return pricing.Batch
	}
	if x.Speed == "fast" {
		return pricing.Fast
	}
	if x.Batch {
		return pricing.Batch
	}
	return pricing.Standard
}

// residency derives a data-residency region from the API host
// (eu.api.openai.com) unless an attribute set one.
func residency(server, attr string) string {
	if attr != "" {
		return attr
	}
	switch {
	case strings.HasPrefix(server, "eu."):
		return "eu"
	case strings.HasPrefix(server, "us."):
		return "us"
	}
	return ""
}

func (p *costProcessor) tenant(attrs pcommon.Map, res pcommon.Resource) string {
	if p.tenantAttr == "" {
		return ""
	}
	if v, ok := attrs.Get(p.tenantAttr); ok {
		return v.AsString()
	}
	if v, ok := res.Attributes().Get(p.tenantAttr); ok {
		return v.AsString()
	}
	return ""
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

var partKeys = [pricing.NumParts]string{
	pricing.PartInput:      contract.AttrCostInput,
	pricing.PartOutput:     contract.AttrCostOutput,
	pricing.PartCacheRead:  contract.AttrCostCacheRead,
	pricing.PartCacheWrite: contract.AttrCostCacheWrite,
	pricing.PartReasoning:  contract.AttrCostReasoning,
	pricing.PartTools:      attrCostTools,
}

// write applies an outcome to attributes and counts it.
func (p *costProcessor) write(attrs pcommon.Map, o *outcome, t *tally) {
	switch o.kind {
	case outUnpriced:
		if ownCost(attrs) { // stale cost from an earlier pass
			attrs.Remove(contract.AttrCost)
			attrs.Remove(contract.AttrCostSource)
		}
		attrs.PutStr(contract.AttrCostUnpriced, o.reason)
		t.addUnpriced(providerLabel(o.family), o.reason)
		return
	case outReported:
		if _, ok := attrs.Get(contract.AttrCost); !ok {
			attrs.PutDouble(contract.AttrCost, o.reported)
		}
		attrs.PutStr(contract.AttrCostSource, sourceProvider)
		if p.draft {
			attrs.PutDouble(contract.AttrCostDraftAmount, o.reported)
			attrs.PutStr(contract.AttrCostDraftCurr, "USD")
			attrs.PutStr(contract.AttrCostDraftSource, sourceProvider)
		}
		if o.computed {
			attrs.PutDouble(attrCostComputed, o.res.Total.USD())
			attrs.PutStr(contract.AttrCostPriceID, o.match.Entry.ID)
		}
		t.cost += o.reported
		t.addPriced(providerLabel(o.family), sourceProvider, false)
		return
	}
	total := o.res.Total.USD()
	attrs.EnsureCapacity(attrs.Len() + 12) // one growth for all the keys below
	attrs.PutDouble(contract.AttrCost, total)
	for i, a := range o.res.Parts {
		if !a.IsZero() {
			attrs.PutDouble(partKeys[i], a.USD())
		}
	}
	attrs.PutStr(contract.AttrCostPriceID, o.match.Entry.ID)
	attrs.PutStr(contract.AttrCostSource, sourceLocal)
	attrs.Remove(contract.AttrCostUnpriced)
	if p.draft {
		attrs.PutDouble(contract.AttrCostDraftAmount, total)
		attrs.PutStr(contract.AttrCostDraftCurr, "USD")
		attrs.PutStr(contract.AttrCostDraftSource, sourceLocal)
	}
	if p.cfg.Provenance {
		attrs.PutStr(attrCostMatch, o.match.Rule)
		attrs.PutStr(attrCostTable, o.hash)
		if o.match.Estimated {
			attrs.PutBool(attrCostEstimated, true)
		}
		if o.res.Tier > 0 {
			attrs.PutInt(attrCostTier, o.res.Tier)
		}
		if o.res.Mode != pricing.Standard {
			attrs.PutStr(attrCostMode, o.res.Mode.String())
		}
		if o.res.UsageMode != pricing.Inclusive {
			attrs.PutStr(attrCostUsageMode, o.res.UsageMode.String())
		}
	}
	t.cost += total
	t.addPriced(providerLabel(o.family), sourceLocal, o.match.Estimated)
}

func (p *costProcessor) processTraces(ctx context.Context, td ptrace.Traces) (ptrace.Traces, error) {
	var t tally
	views := handoff.From(ctx)
	for s := range componentkit.Spans(td) {
		t.processed++
		if !s.Selected(ctx, p.spanSel) {
			t.addSkipped(componentkit.SkipNotSelected)
			continue
		}
		if !genai.MayBeGenAI(s.Span) {
			t.addSkipped("not_genai") // what skipReason says, without reading
			continue
		}
		// A reader or pricing panic skips the span (counted, rate-limited
		// warning); the span passes unpriced and the batch goes on.
		if !p.guard.Run("span", func() { p.priceSpan(s, views, &t) }) {
			t.addSkipped(componentkit.SkipInternalError)
		}
	}
	p.tel.flush(ctx, "traces", &t)
	return td, nil
}

// priceSpan prices one span, from the view genai_normalize handed on when
// there is one. What it writes is nothing a reader maps into the view (the
// reader ignores a cost it can tell is ours), so the view goes on as it is.
func (p *costProcessor) priceSpan(s componentkit.SpanRef, views *handoff.Table, t *tally) {
	res := s.RS.Resource()
	span := s.Span
	var v genai.View
	views.Read(span, res, viewOpts, &v)
	if r := skipReason(&v); r != "" {
		t.addSkipped(r)
		return
	}
	o := p.evaluate(&v, span.Attributes(), res, span.StartTimestamp().AsTime())
	p.write(span.Attributes(), &o, t)
}

func (p *costProcessor) processLogs(ctx context.Context, ld plog.Logs) (plog.Logs, error) {
	var t tally
	loc := componentkit.NewLocations(ld) // built only when a selector asks
	views := handoff.From(ctx)
	for _, g := range genai.GroupLogRecords(ld) {
		if len(g.Records) == 0 {
			continue
		}
		t.processed++
		target := g.Records[len(g.Records)-1]
		for _, lr := range g.Records {
			if genai.EventName(lr) == eventOperationDetails {
				target = lr
				break
			}
		}
		if !loc.Selected(ctx, p.logSel, target) {
			t.addSkipped(componentkit.SkipNotSelected)
			continue
		}
		if !p.guard.Run("log records", func() { p.priceCall(g, target, views, &t) }) {
			t.addSkipped(componentkit.SkipInternalError)
		}
	}
	p.tel.flush(ctx, "logs", &t)
	return ld, nil
}

// priceCall prices a call read from its log records and writes the cost on
// target (the details event, else the last record).
func (p *costProcessor) priceCall(g genai.LogGroup, target plog.LogRecord, views *handoff.Table, t *tally) {
	var v genai.View
	views.ReadCall(g.Records, g.Resource, viewOpts, &v)
	if r := skipReason(&v); r != "" {
		t.addSkipped(r)
		return
	}
	ts := target.Timestamp()
	if ts == 0 {
		ts = target.ObservedTimestamp()
	}
	var start time.Time
	if ts != 0 {
		start = ts.AsTime()
	}
	o := p.evaluate(&v, target.Attributes(), g.Resource, start)
	p.write(target.Attributes(), &o, t)
}
