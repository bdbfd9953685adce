package genainormalizeprocessor

import (
	"maps"
	"slices"
	"strings"

	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/periscope-otel/periscope/internal/contract"
	"github.com/periscope-otel/periscope/internal/genai"
)

// Current semconv keys written by the normalizer (v1.41).
const (
	keyOperation       = "gen_ai.operation.name"
	keyProvider        = "gen_ai.provider.name"
	keySystem          = "gen_ai.system"
	keyRequestModel    = "gen_ai.request.model"
	keyResponseModel   = "gen_ai.response.model"
	keyResponseID      = "gen_ai.response.id"
	keyInputTokens     = "gen_ai.usage.input_tokens"
	keyOutputTokens    = "gen_ai.usage.output_tokens"
	keyCacheRead       = "gen_ai.usage.cache_read.input_tokens"
	keyCacheCreation   = "gen_ai.usage.cache_creation.input_tokens"
	keyReasoning       = "gen_ai.usage.reasoning.output_tokens"
	keyFinishReasons   = "gen_ai.response.finish_reasons"
	keyConversationID  = "gen_ai.conversation.id"
	keyAgentName       = "gen_ai.agent.name"
	keyWorkflowName    = "gen_ai.workflow.name"
	keyRequestStream   = "gen_ai.request.stream"
	keySystemInstr     = "gen_ai.system_instructions"
	keyInputMessages   = "gen_ai.input.messages"
	keyOutputMessages  = "gen_ai.output.messages"
	keyRetrievalDocs   = "gen_ai.retrieval.documents"
	keyRetrievalQuery  = "gen_ai.retrieval.query.text"
	keyToolName        = "gen_ai.tool.name"
	keyToolCallID      = "gen_ai.tool.call.id"
	keyToolArguments   = "gen_ai.tool.call.arguments"
	keyToolResult      = "gen_ai.tool.call.result"
	keyPromptName      = contract.AttrPromptName
	keyPromptVersion   = contract.AttrPromptVersion
	keyPromptVarPrefix = "gen_ai.prompt.variable."
	keyToolDescription = "gen_ai.tool.description"
	keyToolDefinitions = "gen_ai.tool.definitions"

	keyTemperature      = "gen_ai.request.temperature"
	keyTopP             = "gen_ai.request.top_p"
	keyTopK             = "gen_ai.request.top_k"
	keyFrequencyPenalty = "gen_ai.request.frequency_penalty"
	keyPresencePenalty  = "gen_ai.request.presence_penalty"
	keyMaxTokens        = "gen_ai.request.max_tokens"
	keySeed             = "gen_ai.request.seed"
	keyChoiceCount      = "gen_ai.request.choice.count"
	keyStopSequences    = "gen_ai.request.stop_sequences"
)

// SchemaURL is the semantic-conventions version the normalizer writes; it
// is set on the scopes of normalized spans and records.
const SchemaURL = "https://opentelemetry.io/schemas/1.41.0"

// writer writes one view back onto an attribute map.
type writer struct {
	cfg   *Config
	attrs pcommon.Map
	n     int // keys written
}

// putStr writes k unless v is empty or k is present and not to be
// overwritten. The put helpers look k up once (GetOrPutEmpty): a lookup
// scans the span's attributes, and a Get followed by a Put scans twice.
func (w *writer) putStr(k, v string) {
	if v == "" {
		return
	}
	cur, ok := w.attrs.GetOrPutEmpty(k)
	if ok && (!w.cfg.Overwrite || (cur.Type() == pcommon.ValueTypeStr && cur.Str() == v)) {
		return
	}
	cur.SetStr(v)
	w.n++
}

func (w *writer) putInt(k string, v int64) {
	cur, ok := w.attrs.GetOrPutEmpty(k)
	if ok && (!w.cfg.Overwrite || (cur.Type() == pcommon.ValueTypeInt && cur.Int() == v)) {
		return
	}
	cur.SetInt(v)
	w.n++
}

func (w *writer) putDouble(k string, v float64) {
	cur, ok := w.attrs.GetOrPutEmpty(k)
	if ok && (!w.cfg.Overwrite || (cur.Type() == pcommon.ValueTypeDouble && cur.Double() == v)) {
		return
	}
	cur.SetDouble(v)
	w.n++
}

// writeRequest writes the request parameters with their semconv types
// (double, int, string[]).
func (w *writer) writeRequest(p *genai.RequestParams) {
	if p.Has == 0 {
		return
	}
	for _, d := range [...]struct {
		f genai.ParamField
		k string
		v float64
	}{
		{genai.HasTemperature, keyTemperature, p.Temperature}, {genai.HasTopP, keyTopP, p.TopP}, {genai.HasTopK, keyTopK, p.TopK},
		{genai.HasFrequencyPenalty, keyFrequencyPenalty, p.FrequencyPenalty}, {genai.HasPresencePenalty, keyPresencePenalty, p.PresencePenalty},
	} {
		if p.Has&d.f != 0 {
			w.putDouble(d.k, d.v)
		}
	}
	for _, d := range [...]struct {
		f genai.ParamField
		k string
		v int64
	}{
		{genai.HasMaxTokens, keyMaxTokens, p.MaxTokens}, {genai.HasSeed, keySeed, p.Seed}, {genai.HasChoiceCount, keyChoiceCount, p.ChoiceCount},
	} {
		if p.Has&d.f != 0 {
			w.putInt(d.k, d.v)
		}
	}
	if p.Has&genai.HasStopSequences != 0 {
		w.putStrs(keyStopSequences, p.StopSequences)
	}
}

func (w *writer) putStrs(k string, vs []string) {
	if len(vs) == 0 {
		return
	}
	cur, ok := w.attrs.GetOrPutEmpty(k)
	if ok && (!w.cfg.Overwrite || sameStrs(cur, vs)) {
		return
	}
	s := cur.SetEmptySlice()
	s.EnsureCapacity(len(vs))
	for _, v := range vs {
		s.AppendEmpty().SetStr(v)
	}
	w.n++
}

func sameStrs(cur pcommon.Value, vs []string) bool {
	if cur.Type() != pcommon.ValueTypeSlice || cur.Slice().Len() != len(vs) {
		return false
	}
	for i, v := range vs {
		if cur.Slice().At(i).AsString() != v {
			return false
		}
	}
	return true
}

// writeMetadata writes identity, model, usage and finish reasons.
func (w *writer) writeMetadata(v *genai.View) {
	w.putStr(keyOperation, v.Operation)
	w.putStr(keyProvider, v.Provider)
	if w.cfg.EmitLegacySystem {
		w.putStr(keySystem, v.Provider)
	}
	w.putStr(keyRequestModel, v.RequestModel)
	w.putStr(keyResponseModel, v.ResponseModel)
	w.putStr(keyResponseID, v.ResponseID)
	u := v.Usage
	if u.Has&genai.HasInput != 0 {
		w.putInt(keyInputTokens, u.Input)
	}
	if u.Has&genai.HasOutput != 0 {
		w.putInt(keyOutputTokens, u.Output)
	}
	if u.Has&genai.HasCacheRead != 0 {
		w.putInt(keyCacheRead, u.CacheRead)
	}
	if u.Has&genai.HasCacheWrite != 0 {
		w.putInt(keyCacheCreation, u.CacheWrite)
	}
	if u.Has&genai.HasReasoning != 0 {
		w.putInt(keyReasoning, u.Reasoning)
	}
	w.putStrs(keyFinishReasons, v.FinishReasons)
	w.putStr(keyConversationID, v.ConversationID)
	w.putStr(keyAgentName, v.AgentName)
	if v.Category == genai.CategoryWorkflow {
		w.putStr(keyWorkflowName, v.WorkflowName)
	}
	if v.Streaming {
		if cur, ok := w.attrs.GetOrPutEmpty(keyRequestStream); !ok {
			cur.SetBool(true)
			w.n++
		}
	}
	w.writeRequest(&v.Request)
	if v.Category == genai.CategoryTool {
		w.putStr(keyToolDescription, v.ToolDescription)
	}
	w.putStr(keyPromptName, v.Prompt.Name)
	w.putStr(keyPromptVersion, v.Prompt.Version)
	// In name order: the same span is written the same way every time.
	// (Sorting allocates, even for no names: only when there are some.)
	if len(v.Prompt.Variables) > 0 {
		for _, name := range slices.Sorted(maps.Keys(v.Prompt.Variables)) {
			w.putStr(keyPromptVarPrefix+name, v.Prompt.Variables[name])
		}
	}
}

// writeContent writes messages, system instructions, tool definitions and
// documents in the semconv JSON shape, only where the key is missing:
// content already in the semconv shape is never re-encoded. The keys
// written share one buffer, allocated once: each string is a slice of it
// (a buffer that outgrows its room moves; the strings set keep the old).
func (w *writer) writeContent(v *genai.View) {
	if v.Category == genai.CategoryTool {
		w.writeToolCall(v)
		return
	}
	var sizes [contentKinds]int
	need := 0
	for i := range sizes {
		sizes[i] = contentSize(v, i)
		need += sizes[i]
	}
	var b strings.Builder
	for i, n := range sizes {
		if n == 0 {
			continue
		}
		if cur, ok := w.attrs.GetOrPutEmpty(contentKeys[i]); !ok {
			b.Grow(need)
			start := b.Len()
			writeContentJSON(&b, v, i)
			cur.SetStr(b.String()[start:])
			w.n++
		}
		need -= n
	}
	w.putStr(keyRetrievalQuery, v.RetrievalQuery)
}

// The content keys, in the order they are written.
const (
	contentSystem = iota
	contentInput
	contentOutput
	contentTools
	contentDocs
	contentKinds
)

var contentKeys = [contentKinds]string{keySystemInstr, keyInputMessages, keyOutputMessages, keyToolDefinitions, keyRetrievalDocs}

// contentSize is the room content i of v takes in JSON, escapes aside; 0
// when v has none to write.
func contentSize(v *genai.View, i int) int {
	switch {
	case i == contentSystem && len(v.SystemInstructions) > 0:
		return partsSize(v.SystemInstructions)
	case i == contentInput && len(v.InputMessages) > 0:
		return messagesSize(v.InputMessages)
	case i == contentOutput && len(v.OutputMessages) > 0:
		return messagesSize(v.OutputMessages)
	case i == contentTools && len(v.ToolDefinitions) > 0:
		return toolDefsSize(v.ToolDefinitions)
	// A score JSON cannot hold (NaN, ±Inf) leaves the documents unwritten.
	case i == contentDocs && len(v.Documents) > 0 && finiteScores(v.Documents):
		return docsSize(v.Documents)
	}
	return 0
}

// writeContentJSON writes content i of v (encode.go).
func writeContentJSON(b *strings.Builder, v *genai.View, i int) {
	switch i {
	case contentSystem:
		writeParts(b, v.SystemInstructions)
	case contentInput:
		writeMessages(b, v.InputMessages, false)
	case contentOutput:
		writeMessages(b, v.OutputMessages, true)
	case contentTools:
		writeToolDefs(b, v.ToolDefinitions)
	case contentDocs:
		writeDocs(b, v.Documents)
	}
}

// writeToolCall writes an execute_tool span's call with the semconv tool
// keys (the reader presents it as a tool_call part and a tool response).
func (w *writer) writeToolCall(v *genai.View) {
	for _, m := range v.InputMessages {
		for _, p := range m.Parts {
			if p.Type == genai.PartToolCall {
				w.putStr(keyToolName, p.Name)
				w.putStr(keyToolCallID, p.ID)
				w.putStr(keyToolArguments, p.Arguments)
			}
		}
	}
	for _, m := range v.OutputMessages {
		for _, p := range m.Parts {
			if p.Type == genai.PartToolCallResponse {
				w.putStr(keyToolResult, p.Content)
			}
		}
	}
}

// replacementBit gives each semconv key that replaces dialect keys (from
// the dialect tables of internal/genai) a bit of a uint64: there are at
// most 64 (TestReplacementKeysFit).
var replacementBit = func() map[string]uint64 {
	keys := genai.ReplacementKeys()
	m := make(map[string]uint64, len(keys))
	for i, k := range keys {
		m[k] = 1 << i
	}
	return m
}()

// removeOriginals deletes the dialect keys the view was read from once
// the semconv key replacing them is present (View.Replaced). Content
// originals stay when content was not read or the copy was truncated.
func (w *writer) removeOriginals(v *genai.View) {
	// Presence of the replacement keys is settled before removal starts,
	// in one pass: the map must not be read while RemoveIf compacts it.
	var present uint64
	for k := range w.attrs.All() {
		present |= replacementBit[k]
	}
	contentKept := v.Truncated || !w.cfg.Content
	w.attrs.RemoveIf(func(k string, _ pcommon.Value) bool {
		rep, ok := v.Replaced(k)
		if !ok || k == rep.Semconv {
			return false
		}
		if rep.Content && contentKept {
			return false
		}
		return present&replacementBit[rep.Semconv] != 0
	})
	if !w.cfg.EmitLegacySystem && present&replacementBit[keyProvider] != 0 {
		w.attrs.Remove(keySystem)
	}
}
