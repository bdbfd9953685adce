package genaipromptprocessor

import (
	"context"
	"strings"
	"sync"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/processor"
	"go.opentelemetry.io/otel/metric"
	"go.uber.org/zap"

	"github.com/periscope-otel/periscope/internal/componentkit"
	"github.com/periscope-otel/periscope/internal/contract"
	"github.com/periscope-otel/periscope/internal/genai"
	"github.com/periscope-otel/periscope/internal/handoff"
	"github.com/periscope-otel/periscope/internal/selector"
	"github.com/periscope-otel/periscope/processor/genaipromptprocessor/internal/miner"
	"github.com/periscope-otel/periscope/processor/genaipromptprocessor/internal/registry"
	"github.com/periscope-otel/periscope/processor/genaipromptprocessor/internal/textmask"
)

// attrTruncated marks a call whose prompt text was cut at max_template_bytes
// before fingerprinting.
const attrTruncated = contract.AttrPromptTruncated

type promptProcessor struct {
	signal string // traces or logs: names the storage client
	cfg    *Config
	set    processor.Settings
	logger *zap.Logger

	spanSel *selector.Spans
	logSel  *selector.Logs

	reg   *registry.Registry
	miner *miner.Miner
	seen  *seenSet
	opts  genai.Options
	// metaOpts is opts without content: what a declared identity needs.
	metaOpts genai.Options
	mopts    textmask.Options

	store *persister
	guard *componentkit.Guard

	pool sync.Pool // *[]textmask.Token

	processed, skipped, identified, newVersions, truncated, evictions metric.Int64Counter
	lastEvicted                                                       uint64
	evMu                                                              sync.Mutex
}

func newPromptProcessor(set processor.Settings, cfg *Config, signal string) (*promptProcessor, error) {
	p := &promptProcessor{
		signal: signal,
		cfg:    cfg,
		set:    set,
		logger: set.Logger,
		opts:   genai.Options{Content: true, MaxContentBytes: cfg.MaxContentBytes, SkipToolDefinitions: true, SkipOutputMessages: true}, // templates come from the system and first user text
		mopts:  textmask.Options{MaxBytes: cfg.MaxTemplateBytes},
		miner:  miner.New(miner.Params{MaxTemplates: cfg.Inference.MaxTemplates, MaxBytes: cfg.Inference.MaxStateBytes}),
		seen:   newSeenSet(cfg.Inference.MaxVersions),
		guard:  componentkit.NewGuard(set.Logger, "genai_prompt"),
	}
	p.metaOpts = p.opts
	p.metaOpts.Content = false
	p.pool.New = func() any { s := make([]textmask.Token, 0, 512); return &s }
	var err error
	if p.spanSel, err = selector.NewSpans(cfg.Conditions, set.TelemetrySettings); err != nil {
		return nil, err
	}
	if p.logSel, err = selector.NewLogs(cfg.Conditions, set.TelemetrySettings); err != nil {
		return nil, err
	}
	var entries []registry.Entry
	for _, rp := range cfg.Registry {
		for _, v := range rp.Versions {
			entries = append(entries, registry.Entry{Name: rp.Name, Version: v.Version, Template: v.Template})
		}
	}
	p.reg = registry.New(entries)
	if err := p.initTelemetry(); err != nil {
		return nil, err
	}
	if cfg.Storage != nil {
		p.store = newPersister(p, *cfg.Storage)
	}
	return p, nil
}

func (p *promptProcessor) start(ctx context.Context, host component.Host) error {
	p.logger.Info("genai_prompt started",
		zap.Int("registry_versions", p.reg.Len()),
		zap.Bool("inference", p.cfg.Inference.Enabled),
		zap.Int("max_templates", p.cfg.Inference.MaxTemplates),
		zap.Bool("persistent", p.store != nil))
	if p.store != nil {
		return p.store.start(ctx, host)
	}
	return nil
}

func (p *promptProcessor) shutdown(ctx context.Context) error {
	if p.store != nil {
		return p.store.shutdown(ctx)
	}
	return nil
}

// batchStats counts one batch; counters are updated once per batch.
type batchStats struct {
	processed, truncated int64
	skipped              map[string]int64
	identified, newVers  [3]int64 // by version source index

	toks *[]textmask.Token // the batch's token buffer, see tokenBuf
}

// tokenBuf returns the token buffer of the batch's calls: taken from the
// pool once per batch and cleared once, by flush.
func (p *promptProcessor) tokenBuf(st *batchStats) *[]textmask.Token {
	if st.toks == nil {
		st.toks = p.pool.Get().(*[]textmask.Token)
	}
	return st.toks
}

// releaseTokens returns the batch's token buffer to the pool, cleared
// whole: it must not keep the batch's text alive.
func (p *promptProcessor) releaseTokens(st *batchStats) {
	if st.toks == nil {
		return
	}
	buf := *st.toks
	clear(buf[:cap(buf)])
	*st.toks = buf[:0]
	p.pool.Put(st.toks)
	st.toks = nil
}

func sourceIndex(s string) int {
	switch s {
	case contract.VersionSourceAttribute:
		return 0
	case contract.VersionSourceRegistry:
		return 1
	}
	return 2
}

var sourceNames = [3]string{contract.VersionSourceAttribute, contract.VersionSourceRegistry, contract.VersionSourceInferred}

func (p *promptProcessor) flush(ctx context.Context, st *batchStats) {
	p.releaseTokens(st)
	if st.processed > 0 {
		p.processed.Add(ctx, st.processed)
	}
	if st.truncated > 0 {
		p.truncated.Add(ctx, st.truncated)
	}
	for r, n := range st.skipped {
		p.skipped.Add(ctx, n, metric.WithAttributeSet(reasonSet(r)))
	}
	for i := range sourceNames {
		if st.identified[i] > 0 {
			p.identified.Add(ctx, st.identified[i], metric.WithAttributeSet(sourceSet(sourceNames[i])))
		}
		if st.newVers[i] > 0 {
			p.newVersions.Add(ctx, st.newVers[i], metric.WithAttributeSet(sourceSet(sourceNames[i])))
		}
	}
	p.countEvictions(ctx)
}

func (st *batchStats) skip(reason string) {
	if st.skipped == nil {
		st.skipped = map[string]int64{}
	}
	st.skipped[reason]++
}

func (p *promptProcessor) processTraces(ctx context.Context, td ptrace.Traces) ptrace.Traces {
	var st batchStats
	defer p.flush(ctx, &st)
	views := handoff.From(ctx)
	for s := range componentkit.Spans(td) {
		if !s.Selected(ctx, p.spanSel) {
			st.skip(componentkit.SkipNotSelected)
			continue
		}
		if !genai.MayBeGenAI(s.Span) {
			// Read, it would be an empty view (one handed on is never
			// one of these: genai_normalize hands on calls only).
			st.skip("not_genai")
			continue
		}
		res := s.RS.Resource()
		p.safely(&st, "span", func() {
			// A declared version or template is read the same with or
			// without content, and a call declaring one is identified
			// from it and its metadata alone: such a call (a key that can
			// declare one says so) is read without content first. Any
			// other span is read once, with content.
			var v genai.View
			var ref handoff.Ref
			if genai.MayDeclarePromptIdentity(s.Span) {
				ref = views.Read(s.Span, res, p.metaOpts, &v)
				if v.Prompt.Version == "" && v.Prompt.Template == "" {
					ref = views.Read(s.Span, res, p.opts, &v)
				}
			} else {
				ref = views.Read(s.Span, res, p.opts, &v)
			}
			id, wrote := p.apply(&st, &v, serviceName(res), s.Span.Attributes())
			handOn(ref, &v, id, wrote)
		})
	}
	return td
}

func (p *promptProcessor) processLogs(ctx context.Context, ld plog.Logs) plog.Logs {
	var st batchStats
	defer p.flush(ctx, &st)
	groups := genai.GroupLogRecords(ld)
	if len(groups) == 0 {
		return ld
	}
	// the selector needs each record's resource and scope
	loc := componentkit.NewLocations(ld)
	views := handoff.From(ctx)
	for _, g := range groups {
		if !loc.AnySelected(ctx, p.logSel, g.Records) {
			st.skip(componentkit.SkipNotSelected)
			continue
		}
		p.safely(&st, "log records", func() {
			var v genai.View
			ref := views.ReadCall(g.Records, g.Resource, p.opts, &v)
			attrs := make([]pcommon.Map, len(g.Records))
			for i, lr := range g.Records {
				attrs[i] = lr.Attributes()
			}
			id, wrote := p.apply(&st, &v, serviceName(g.Resource), attrs...)
			handOn(ref, &v, id, wrote && genai.ReadsWrittenPrompt(g.Records))
		})
	}
	return ld
}

// safely runs fn (the read and the identification of one call) under the
// component guard: a panic on one span becomes a counted skip, the span
// passes unchanged and the batch goes on.
func (p *promptProcessor) safely(st *batchStats, what string, fn func()) {
	if !p.guard.Run(what, fn) {
		st.skip(componentkit.SkipInternalError)
	}
}

func serviceName(res pcommon.Resource) string {
	if v, ok := res.Attributes().Get("service.name"); ok {
		return v.AsString()
	}
	return ""
}

// identity is what the processor writes on a call.
type identity struct {
	name, version, source string
	hash                  uint64
	hashHex               string // hex16(hash), built once by hashText
	newVersion            bool
	template              string
	truncated             bool
}

// hashText is the template hash as written: hex16(hash), built once per
// template.
func (id *identity) hashText() string {
	if id.hashHex == "" {
		id.hashHex = hexTexts.get(id.hash, id.hash, func() string { return hex16(id.hash) })
	}
	return id.hashHex
}

// apply computes the identity of the call read into v and writes it to
// every attribute map given (the span, or the call's log records); it
// returns the identity when it wrote one.
func (p *promptProcessor) apply(st *batchStats, v *genai.View, service string, targets ...pcommon.Map) (identity, bool) {
	if !v.IsGenAI() {
		st.skip("not_genai")
		return identity{}, false
	}
	if len(targets) > 0 {
		if _, done := targets[0].Get(contract.AttrPromptVersionSource); done {
			// identified upstream (a gateway after an agent): our own
			// output must not come back as a declared identity
			st.skip("already_identified")
			return identity{}, false
		}
	}
	if v.Prompt.Empty() && !modelCall(v) {
		// agent, tool, retrieval... spans without a declared prompt carry no
		// template of their own
		st.skip("not_model_call")
		return identity{}, false
	}
	id, ok := p.identify(p.tokenBuf(st), v, service)
	if !ok {
		if v.Truncated {
			// the reader's content budget cut the prompt away: say so
			for _, m := range targets {
				m.PutBool(attrTruncated, true)
			}
			st.truncated++
		}
		st.skip("no_prompt")
		return identity{}, false
	}
	for _, m := range targets {
		if id.name != "" {
			m.PutStr(contract.AttrPromptName, id.name)
		}
		m.PutStr(contract.AttrPromptVersion, id.version)
		m.PutStr(contract.AttrPromptVersionSource, id.source)
		m.PutStr(contract.AttrPromptTemplateHash, id.hashText())
		if id.newVersion {
			m.PutBool(contract.AttrPromptNewVersion, true)
		}
		if p.cfg.EmitTemplate && id.template != "" {
			m.PutStr(contract.AttrPromptTemplate, id.template)
		}
		if id.truncated {
			m.PutBool(attrTruncated, true)
		}
	}
	st.processed++
	st.identified[sourceIndex(id.source)]++
	if id.newVersion {
		st.newVers[sourceIndex(id.source)]++
	}
	if id.truncated {
		st.truncated++
	}
	return id, true
}

// handOn brings the view handed on (ref) in line with the identity apply
// wrote over the call read into v.
func handOn(ref handoff.Ref, v *genai.View, id identity, wrote bool) {
	switch {
	case !wrote:
	case v.Prompt.Name != "" && v.Prompt.Name != id.name:
		// A declared name and another one written: which a reader takes
		// depends on the keys' precedence and order; the next reader
		// decodes the call again.
		ref.Drop()
	default:
		ref.Patch(func(hv *genai.View) { hv.Prompt.SetWritten(id.name, id.version) })
	}
}

func (p *promptProcessor) countEvictions(ctx context.Context) {
	ev := p.miner.Evicted()
	p.seen.mu.Lock()
	ev += p.seen.evicted
	p.seen.mu.Unlock()
	p.evMu.Lock()
	d := ev - p.lastEvicted
	p.lastEvicted = ev
	p.evMu.Unlock()
	if d > 0 {
		p.evictions.Add(ctx, int64(d))
	}
}

// identify applies the three sources in order: attribute, registry,
// inference. The call is tokenized into *bufp.
func (p *promptProcessor) identify(bufp *[]textmask.Token, v *genai.View, service string) (identity, bool) {
	buf := *bufp
	var id identity
	pr := v.Prompt

	// 1. explicit identity declared by the instrumentation (a declared
	// template without a version is fingerprinted: it beats inference)
	if pr.Version != "" || pr.Template != "" {
		id.source = contract.VersionSourceAttribute
		id.name = pr.Name
		if pr.Template != "" {
			var tr bool
			buf, tr = textmask.AppendTemplate(buf[:0], pr.Template, p.mopts)
			id.truncated = tr
			id.hash = textmask.Fingerprint(buf)
			if p.cfg.EmitTemplate {
				id.template = renderTokens(buf)
			}
		}
		if pr.Version != "" {
			id.version = pr.Version
		} else {
			id.version = id.hashText()[:8]
			id.source = contract.VersionSourceInferred
		}
		if id.hash == 0 {
			// no template text: the declared identity is the fingerprint
			id.hash = textmask.Hash(pr.Name + "\x00" + pr.Version)
		}
		if id.name == "" {
			id.name = p.inferredName(v, service, id.hash)
		}
		id.newVersion = p.seen.add(id.name, id.version)
		p.noteNew(id.newVersion)
		*bufp = buf
		return id, true
	}

	if p.reg.Len() == 0 && !p.cfg.Inference.Enabled {
		return id, false // nothing would read the masked text
	}

	// 2. registry
	// the call is tokenized once: system part, separator, user part
	buf, ns, trunc := p.callTokens(buf[:0], v)
	if p.reg.Len() > 0 && len(buf) > 1 {
		sys, user := buf[:ns], buf[ns+1:]
		if m, ok := p.reg.Lookup(sys, user); ok {
			id = identity{name: m.Name, version: m.Version, source: contract.VersionSourceRegistry, hash: m.Hash, truncated: trunc}
			id.newVersion = p.seen.add(id.name, id.version)
			p.noteNew(id.newVersion)
			*bufp = buf
			return id, true
		}
	}

	// 3. inference
	if !p.cfg.Inference.Enabled {
		*bufp = buf
		return id, false
	}
	id.truncated = trunc
	if len(buf) <= 1 { // separator only: no prompt text at all
		*bufp = buf
		return id, false
	}
	res := p.miner.Match(buf)
	id.source = contract.VersionSourceInferred
	id.hash = res.ID
	id.version = id.hashText()[:8]
	id.newVersion = res.New
	if pr.Name != "" {
		id.name = pr.Name
	} else {
		id.name = p.inferredName(v, service, res.Family)
	}
	if p.cfg.EmitTemplate {
		id.template, _ = p.miner.Template(res.ID)
	}
	p.noteNew(res.New)
	*bufp = buf
	return id, true
}

func (p *promptProcessor) noteNew(isNew bool) {
	if isNew && p.store != nil {
		p.store.markDirty()
	}
}

// callTokens masks the system instructions and the first user turn.
// It returns the tokens, the index of the separator and whether text was
// cut.
func (p *promptProcessor) callTokens(dst []textmask.Token, v *genai.View) ([]textmask.Token, int, bool) {
	var t1, t2 bool
	dst, t1 = textmask.Append(dst, v.SystemText(), p.mopts)
	ns := len(dst)
	dst = append(dst, textmask.Sep())
	dst, t2 = textmask.Append(dst, firstUserText(v), p.mopts)
	return dst, ns, t1 || t2 || v.Truncated
}

// modelCall reports whether v is a model call carrying its own prompt: an
// LLM span, or GenAI content not tied to a span kind (log events).
func modelCall(v *genai.View) bool {
	switch v.Category {
	case genai.CategoryLLM:
		return true
	case genai.CategoryOther, genai.CategoryNone:
		return len(v.InputMessages) > 0 || len(v.SystemInstructions) > 0
	}
	return false
}

// explicitComplete reports whether the declared identity is complete
// without the template text (name and version, no template to hash).
func explicitComplete(v *genai.View) bool {
	return v.Prompt.Name != "" && v.Prompt.Version != ""
}

func firstUserText(v *genai.View) string {
	for _, m := range v.InputMessages {
		if m.Role == "user" {
			if t := m.Text(); t != "" {
				return t
			}
		}
	}
	return ""
}

// inferredName groups the versions of one prompt under one name, using the
// strongest signal configured in inference.name_from.
func (p *promptProcessor) inferredName(v *genai.View, service string, family uint64) string {
	for _, s := range p.cfg.Inference.NameFrom {
		switch s {
		case "agent":
			if v.AgentName != "" {
				return v.AgentName
			}
		case "workflow":
			if v.WorkflowName != "" {
				return v.WorkflowName
			}
		case "service_operation":
			if service == "" {
				service = "unknown_service"
			}
			op := v.Operation
			if op == "" {
				op = "chat"
			}
			return opNames.get(family, opName{service, op, family}, func() string { return serviceOpName(service, op, family) })
		}
	}
	if family != 0 {
		return "prompt-" + hex16(family)[:8]
	}
	return ""
}

// serviceOpName is the name "service/operation/family".
func serviceOpName(service, op string, family uint64) string {
	var b strings.Builder
	b.Grow(len(service) + len(op) + 10)
	b.WriteString(service)
	b.WriteByte('/')
	b.WriteString(op)
	if family != 0 {
		b.WriteByte('/')
		b.WriteString(hex16(family)[:8])
	}
	return b.String()
}

// hex16 is h as 16 lower-case hex digits (one allocation).
func hex16(h uint64) string {
	const digits = "0123456789abcdef"
	var b [16]byte
	for i := len(b) - 1; i >= 0; i-- {
		b[i] = digits[h&0xF]
		h >>= 4
	}
	return string(b[:])
}

func renderTokens(t []textmask.Token) string {
	var b strings.Builder
	for i, k := range t {
		if i > 0 && k.Kind != textmask.KindNewline && b.Len() > 0 && b.String()[b.Len()-1] != '\n' {
			b.WriteByte(' ')
		}
		b.WriteString(k.Text)
	}
	return b.String()
}
