package genai

import (
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// Canonical string fields, each read from several source keys in priority
// order (genai-span-formats.md §3.2). A slot index is the priority.
type strField uint8

const (
	fOperation strField = iota
	fProvider
	fRequestModel
	fResponseModel
	fResponseID
	fConversation
	fUser
	fAgent
	fWorkflow
	fTool
	fPromptName
	fPromptVersion
	fPromptTemplate
	numStrFields
)

const slotsPerField = 10

// Token counts, same scheme.
type intField uint8

const (
	iInput intField = iota
	iOutput
	iTotal
	iCacheRead
	iCacheWrite
	iReasoning
	numIntFields
)

// Dialect marks seen while scanning; the strongest wins (see dialect()).
type mark uint16

const (
	mSemconv mark = 1 << iota
	mSemconvLegacy
	mOpenLLMetry
	mOpenInference
	mOpenLIT
	mVercel
	mLangfuse
	mLogfire
	mMLflow
)

// reader accumulates what one span (or one group of log records) says.
type reader struct {
	opts  Options
	b     budget
	v     View // the result, filled in place (a field, so nothing escapes)
	marks mark

	// Per field, a bit per slot that had a candidate and the candidate of
	// the lowest one: the only one resolve uses (the reader is zeroed per
	// span, so keeping every slot's would cost).
	strs   [numStrFields]string
	strSet [numStrFields]uint16
	ints   [numIntFields]int64
	intSet [numIntFields]uint16

	// Category markers in priority order.
	opName, oiKind, lfType, mlType, llmReqType, tlKind, aiOpID string

	entity       string // traceloop.entity.name: an agent's or workflow's name, by tlKind
	provFromHost string
	finish       []string // from gen_ai.response.finish_reasons or equivalents
	finishAlt    string   // llm.finish_reason, ai.response.finishReason
	netOfCache   bool     // dialect reports input net of cache (Langfuse)
	netReasoning bool     // dialect reports output net of reasoning (Langfuse)

	cost       *Cost
	costPrio   int // precedence of cost's key
	costIsOurs bool

	// Streaming: Vercel's ms to finish (seconds; 0 = use the span's
	// duration), Langfuse's completion start time (unix nanos).
	streamSeconds   float64
	completionStart int64

	// Tool-call spans: name, id, arguments, result.
	toolName, toolID, toolArgs, toolResult string

	// Content candidates, by family; resolved in priority order.
	sysInstr        any
	inMsgs, outMsgs any
	// What the semconv scanners read, kept typed (boxing a slice in an any
	// costs an allocation); the any fields then stay nil.
	sysParts                   []Part
	inRead, outRead            []Message
	legacyPrompt, legacyCompl  any
	vercelPrompt, vercelMsgs   any
	vercelText, vercelTools    string
	lfInput, lfOutput          any
	mlInputs, mlOutputs        any
	logfireReq, logfireResp    any
	oiInputValue, oiOutputVal  string
	flatIn, flatOut            flatMessages // OpenLLMetry gen_ai.prompt.N / llm.prompts.N
	oiIn, oiOut                flatMessages // OpenInference llm.input_messages.N
	docs                       flatDocs     // retrieval.documents.N
	semconvDocs                any
	eventIn, eventOut          []Message // from span events / log records
	eventFinish                []string
	promptVars                 map[string]string
	invocationParams, lfParams string

	params    RequestParams
	paramPrio [numParams]uint8
	// Tool definitions: semconv / OpenInference / Vercel lists, OpenLLMetry flattened.
	toolDefs  []any
	flatTools flatTools
	toolDesc  string
}

// init prepares a reader; readers live on the caller's stack (a reader per
// span must not cost a heap allocation on the pass-through path).
func (r *reader) init(opts Options) {
	r.opts, r.b = opts, budget{remaining: opts.budget()}
}

func (r *reader) problem(key, kind string) {
	if len(r.v.Problems) < 16 {
		r.v.Problems = append(r.v.Problems, Problem{Key: key, Kind: kind})
	}
}

// setStr offers a candidate for a slot of f: the first for the slot counts.
func (r *reader) setStr(f strField, slot int, s string) {
	b := uint16(1) << slot
	if s != "" && r.strSet[f]&b == 0 {
		if r.strSet[f]&(b-1) == 0 {
			r.strs[f] = s
		}
		r.strSet[f] |= b
	}
}

// first returns the highest-priority candidate of f.
func (r *reader) first(f strField) string { return r.strs[f] }

func (r *reader) setInt(f intField, slot int, key string, v pcommon.Value) {
	n, ok := toInt(v)
	switch {
	case !ok:
		r.problem(key, "wrong_type")
		r.v.UsageUnreadable = true
	case n < 0:
		r.problem(key, "negative")
		r.v.UsageUnreadable = true
	default:
		r.setIntN(f, slot, n)
	}
}

func (r *reader) setIntN(f intField, slot int, n int64) {
	b := uint16(1) << slot
	if n < 0 || r.intSet[f]&b != 0 {
		return
	}
	if r.intSet[f]&(b-1) == 0 {
		r.ints[f] = n
	}
	r.intSet[f] |= b
}

func (r *reader) firstInt(f intField) (int64, bool) {
	return r.ints[f], r.intSet[f] != 0
}

// toInt accepts ints, integral doubles and numeric strings (MLflow and some
// SDKs send numbers as strings).
func toInt(v pcommon.Value) (int64, bool) {
	switch v.Type() {
	case pcommon.ValueTypeInt:
		return v.Int(), true
	case pcommon.ValueTypeDouble:
		// A count is a whole number: 3.14 tokens is invalid, not 3.
		d := v.Double()
		if math.IsNaN(d) || math.IsInf(d, 0) || d > 1e15 || d < -1e15 || d != math.Trunc(d) {
			return 0, false
		}
		return int64(d), true
	case pcommon.ValueTypeStr:
		s := strings.Trim(strings.TrimSpace(v.Str()), `"`)
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			return n, true
		}
		if d, err := strconv.ParseFloat(s, 64); err == nil && d > -1e15 && d < 1e15 && d == math.Trunc(d) {
			return int64(d), true
		}
	}
	return 0, false
}

func toFloat(v pcommon.Value) (float64, bool) {
	switch v.Type() {
	case pcommon.ValueTypeDouble:
		d := v.Double()
		return d, !math.IsNaN(d) && !math.IsInf(d, 0)
	case pcommon.ValueTypeInt:
		return float64(v.Int()), true
	case pcommon.ValueTypeStr:
		d, err := strconv.ParseFloat(strings.TrimSpace(v.Str()), 64)
		return d, err == nil && !math.IsNaN(d) && !math.IsInf(d, 0)
	}
	return 0, false
}

// strVal returns a string attribute, or the text form of a scalar one.
// MLflow's JSON-encoded strings are decoded by the callers (unquote).
func strVal(v pcommon.Value) string {
	switch v.Type() {
	case pcommon.ValueTypeStr:
		return v.Str()
	case pcommon.ValueTypeInt, pcommon.ValueTypeDouble, pcommon.ValueTypeBool:
		return v.AsString()
	}
	return ""
}

func unquote(s string) string {
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		if u, err := strconv.Unquote(s); err == nil {
			return u
		}
	}
	return s
}

// ReadSpan reads one span (its attributes, and span events for dialects that
// carry content in events). res is the span's resource (used for dialect
// hints such as telemetry.sdk.name); it may be an empty pcommon.NewResource().
func ReadSpan(span ptrace.Span, res pcommon.Resource, opts Options) View {
	if !MayBeGenAI(span) {
		return View{}
	}
	var r reader
	r.init(opts)
	if sdk, ok := res.Attributes().Get("telemetry.sdk.name"); ok && sdk.Type() == pcommon.ValueTypeStr && strings.EqualFold(sdk.Str(), "openlit") {
		r.marks |= mOpenLIT
	}
	for k, val := range span.Attributes().All() {
		r.attr(k, val)
	}
	if span.Events().Len() > 0 {
		r.spanEvents(span.Events())
	}
	if r.aiOpID == "" && r.marks&mVercel != 0 {
		r.aiOpID = span.Name()
	}
	if span.Status().Code() == ptrace.StatusCodeError && r.v.ErrorType == "" {
		r.v.ErrorType = "_OTHER"
	}
	r.resolve(span.Name())
	if r.v.HasTimeToFirstChunk || r.completionStart != 0 {
		r.streamTiming(int64(span.StartTimestamp()), int64(span.EndTimestamp()))
	}
	return r.v
}

// genAIKey reports whether k belongs to a namespace of a dialect the reader
// knows. Switching on the first byte keeps the common non-GenAI key (http.*,
// db.*, net.*) to one comparison.
func genAIKey(k string) bool {
	if len(k) < 3 {
		return false
	}
	switch k[0] {
	case 'g':
		return strings.HasPrefix(k, "gen_ai.")
	case 'l':
		return strings.HasPrefix(k, "llm.") || strings.HasPrefix(k, "langfuse.") || strings.HasPrefix(k, "logfire.")
	case 'a':
		return strings.HasPrefix(k, "ai.")
	case 'm':
		return strings.HasPrefix(k, "mlflow.")
	case 't':
		return strings.HasPrefix(k, "traceloop.") || strings.HasPrefix(k, "tool.")
	case 'o':
		return strings.HasPrefix(k, "openinference.") || k == "operation.cost"
	case 'e':
		return strings.HasPrefix(k, "embedding.")
	case 'r':
		return strings.HasPrefix(k, "retrieval.") || strings.HasPrefix(k, "reranker.") || k == "request_data" || k == "response_data"
	case 'p':
		return strings.HasPrefix(k, "prompt.")
	}
	return false
}

// MayBeGenAI is the pass-through fast path: a span with no key of a GenAI
// namespace and no GenAI event is not read at all (no allocation). A
// component may call it first to skip even ReadSpan's empty View.
func MayBeGenAI(span ptrace.Span) bool {
	found := false
	span.Attributes().Range(func(k string, _ pcommon.Value) bool {
		found = genAIKey(k)
		return !found
	})
	if found {
		return true
	}
	evs := span.Events()
	for i := 0; i < evs.Len() && i < maxEvents; i++ {
		name := evs.At(i).Name()
		if strings.HasPrefix(name, "gen_ai.") || name == eventDBQueryResult {
			return true
		}
	}
	return false
}

// toolText renders a tool argument/result attribute (string or structured)
// as text within the budget.
func (r *reader) toolText(v pcommon.Value) string {
	switch v.Type() {
	case pcommon.ValueTypeStr:
		return r.b.take(v.Str())
	case pcommon.ValueTypeMap, pcommon.ValueTypeSlice:
		return r.b.take(anyText(v.AsRaw()))
	}
	return r.b.take(v.AsString())
}

func (r *reader) setPromptSource(src string) {
	if r.v.Prompt.Source == "" {
		r.v.Prompt.Source = src
	}
}

// content returns a content attribute's decoded value when content reading
// is enabled.
func (r *reader) content(k string, v pcommon.Value) any {
	if !r.opts.Content {
		return nil
	}
	x, _ := r.contentValue(k, v)
	return x
}

func (r *reader) promptVar(name string, v pcommon.Value) { r.promptVarText(name, strVal(v)) }

// promptVarText is promptVar of a value already read as text.
func (r *reader) promptVarText(name, s string) {
	if name == "" {
		return
	}
	if r.promptVars == nil {
		r.promptVars = make(map[string]string)
	}
	if len(r.promptVars) < 64 {
		r.promptVars[name] = r.promptText(s)
	}
}

// promptText bounds prompt-identity strings (templates, variable values)
// that are read even without content reading.
func (r *reader) promptText(s string) string {
	const maxIdentity = 16 << 10
	if len(s) > maxIdentity {
		r.v.Truncated = true
		s = s[:maxIdentity]
	}
	if utf8.ValidString(s) {
		return s // ToValidUTF8 decodes rune by rune even when nothing is invalid
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}

func appendFinish(dst []string, v pcommon.Value) []string {
	switch v.Type() {
	case pcommon.ValueTypeSlice:
		s := v.Slice()
		for i := 0; i < s.Len() && i < 64; i++ {
			if f := NormalizeFinishReason(strVal(s.At(i))); f != "" {
				dst = append(dst, f)
			}
		}
	case pcommon.ValueTypeStr:
		raw := strings.TrimSpace(v.Str())
		if strings.HasPrefix(raw, "[") { // JSON-encoded list
			raw = strings.Trim(raw, "[]")
			for _, p := range strings.Split(raw, ",") {
				if f := NormalizeFinishReason(strings.Trim(strings.TrimSpace(p), `"'`)); f != "" {
					dst = append(dst, f)
				}
			}
		} else if f := NormalizeFinishReason(raw); f != "" {
			dst = append(dst, f)
		}
	}
	return dst
}

// firstChunk records the time to the first streamed chunk, in seconds; a
// negative or non-numeric value is a read problem.
func (r *reader) firstChunk(k string, v pcommon.Value, scale float64) {
	d, ok := toFloat(v)
	if !ok || d < 0 {
		r.problem(k, "wrong_type")
		return
	}
	if !r.v.HasTimeToFirstChunk {
		r.v.TimeToFirstChunk, r.v.HasTimeToFirstChunk = d*scale, true
	}
}

// perChunk records a reported time per output chunk (or token), in
// seconds.
func (r *reader) perChunk(k string, v pcommon.Value, scale float64) {
	d, ok := toFloat(v)
	if !ok || d < 0 {
		r.problem(k, "wrong_type")
		return
	}
	if !r.v.HasTimePerOutputChunk {
		r.v.TimePerOutputChunk, r.v.HasTimePerOutputChunk = d*scale, true
	}
}

// streamTiming completes the streaming latencies of a span (start and end
// in unix nanos; 0 when unknown, as for log records):
//   - time to first chunk from Langfuse's completion start time when no
//     dialect key reported it;
//   - time per output chunk, when not reported, derived for a streamed call
//     as (duration - time to first chunk) / (visible output tokens - 1): the
//     chunks after the first share the rest of the call. Duration is
//     Vercel's ms to finish when present, else the span's; visible output
//     tokens are output minus reasoning (reasoning happens before the first
//     visible chunk). Underivable (no TTFC, fewer than 2 visible tokens, or
//     a duration not above the TTFC): left unset.
func (r *reader) streamTiming(start, end int64) {
	v := &r.v
	if !v.HasTimeToFirstChunk && r.completionStart > 0 && start > 0 && r.completionStart >= start {
		v.TimeToFirstChunk, v.HasTimeToFirstChunk = float64(r.completionStart-start)/1e9, true
	}
	if v.HasTimePerOutputChunk || !v.HasTimeToFirstChunk || v.Usage.Has&HasOutput == 0 {
		return
	}
	dur := r.streamSeconds
	if dur == 0 && start > 0 && end > start {
		dur = float64(end-start) / 1e9
	}
	visible := v.Usage.Output - v.Usage.Reasoning
	if visible < 2 || dur <= v.TimeToFirstChunk {
		return
	}
	v.TimePerOutputChunk, v.HasTimePerOutputChunk = (dur-v.TimeToFirstChunk)/float64(visible-1), true
}

// completionStart reads Langfuse's completion start time: an ISO 8601
// string, often JSON-quoted.
func (r *reader) langfuseCompletionStart(k string, v pcommon.Value) {
	s := unquote(strings.TrimSpace(strVal(v)))
	if s == "" {
		return
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		// Python's isoformat without a zone: UTC.
		if t, err = time.Parse("2006-01-02T15:04:05.999999999", s); err != nil {
			r.problem(k, "wrong_type")
			return
		}
	}
	r.completionStart = t.UnixNano()
}

func (r *reader) setCost(k string, v pcommon.Value, prio int) {
	d, ok := toFloat(v)
	if !ok || d < 0 {
		r.problem(k, "wrong_type")
		return
	}
	// OpenLIT reports 0 for models it cannot price: that is not a cost.
	if k == costKey && d == 0 {
		return
	}
	if r.cost == nil || prio < r.costPrio {
		r.cost, r.costPrio = &Cost{USD: d, Source: k}, prio
	}
}

// costPrioJSON is the precedence of costs read from JSON cost objects
// (Langfuse cost_details, MLflow mlflow.llm.cost): after every scalar key.
const costPrioJSON = 4
