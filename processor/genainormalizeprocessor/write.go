package genainormalizeprocessor

import (
	"encoding/json"
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

func (w *writer) putStr(k, v string) {
	if v == "" {
		return
	}
	if cur, ok := w.attrs.Get(k); ok {
		if !w.cfg.Overwrite || (cur.Type() == pcommon.ValueTypeStr && cur.Str() == v) {
			return
		}
	}
	w.attrs.PutStr(k, v)
	w.n++
}

func (w *writer) putInt(k string, v int64) {
	if cur, ok := w.attrs.Get(k); ok {
		if !w.cfg.Overwrite || (cur.Type() == pcommon.ValueTypeInt && cur.Int() == v) {
			return
		}
	}
	w.attrs.PutInt(k, v)
	w.n++
}

func (w *writer) putDouble(k string, v float64) {
	if cur, ok := w.attrs.Get(k); ok {
		if !w.cfg.Overwrite || (cur.Type() == pcommon.ValueTypeDouble && cur.Double() == v) {
			return
		}
	}
	w.attrs.PutDouble(k, v)
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
	if cur, ok := w.attrs.Get(k); ok {
		if !w.cfg.Overwrite || sameStrs(cur, vs) {
			return
		}
	}
	s := w.attrs.PutEmptySlice(k)
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

// putJSON writes a content key as a JSON string, only when it is missing
// (or overwrite is on and the existing value is not already semconv
// shaped: content keys are never rewritten just to reformat them).
func (w *writer) putJSON(k string, x any) {
	if _, ok := w.attrs.Get(k); ok {
		return
	}
	b, err := json.Marshal(x)
	if err != nil {
		return
	}
	w.attrs.PutStr(k, string(b))
	w.n++
}

func (w *writer) missing(k string) bool {
	_, ok := w.attrs.Get(k)
	return !ok
}

func (w *writer) putContent(k, s string) {
	w.attrs.PutStr(k, s)
	w.n++
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
		if _, ok := w.attrs.Get(keyRequestStream); !ok {
			w.attrs.PutBool(keyRequestStream, true)
			w.n++
		}
	}
	w.writeRequest(&v.Request)
	if v.Category == genai.CategoryTool {
		w.putStr(keyToolDescription, v.ToolDescription)
	}
	w.putStr(keyPromptName, v.Prompt.Name)
	w.putStr(keyPromptVersion, v.Prompt.Version)
	for name, val := range v.Prompt.Variables {
		w.putStr(keyPromptVarPrefix+name, val)
	}
}

// writeContent writes messages, system instructions and documents in the
// semconv JSON shape.
func (w *writer) writeContent(v *genai.View) {
	if v.Category == genai.CategoryTool {
		w.writeToolCall(v)
		return
	}
	// Messages are encoded directly (encode.go), only when missing: content
	// already in the semconv shape is never re-encoded.
	if len(v.SystemInstructions) > 0 && w.missing(keySystemInstr) {
		w.putContent(keySystemInstr, encodeParts(v.SystemInstructions))
	}
	if len(v.InputMessages) > 0 && w.missing(keyInputMessages) {
		w.putContent(keyInputMessages, encodeMessages(v.InputMessages, false))
	}
	if len(v.OutputMessages) > 0 && w.missing(keyOutputMessages) {
		w.putContent(keyOutputMessages, encodeMessages(v.OutputMessages, true))
	}
	if len(v.ToolDefinitions) > 0 {
		defs := make([]semconvToolDef, len(v.ToolDefinitions))
		for i, d := range v.ToolDefinitions {
			defs[i] = semconvToolDef{Type: d.Type, Name: d.Name, Description: d.Description}
			if p := strings.TrimSpace(d.Parameters); p != "" && json.Valid([]byte(p)) {
				defs[i].Parameters = json.RawMessage(p)
			}
		}
		w.putJSON(keyToolDefinitions, defs)
	}
	if len(v.Documents) > 0 {
		docs := make([]semconvDoc, len(v.Documents))
		for i, d := range v.Documents {
			docs[i] = semconvDoc{ID: d.ID, Content: d.Content}
			if d.HasScore {
				s := d.Score
				docs[i].Score = &s
			}
		}
		w.putJSON(keyRetrievalDocs, docs)
	}
	w.putStr(keyRetrievalQuery, v.RetrievalQuery)
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

type semconvToolDef struct {
	Type        string          `json:"type"`
	Name        string          `json:"name"`
	Description string          `json:"description,omitempty"`
	Parameters  json.RawMessage `json:"parameters,omitempty"`
}

type semconvDoc struct {
	ID      string   `json:"id,omitempty"`
	Score   *float64 `json:"score,omitempty"`
	Content string   `json:"content,omitempty"`
}

// originals maps dialect-specific metadata keys to the semconv key that
// replaces them; remove_originals deletes a key only once its replacement
// is present.
var originals = map[string]string{
	"gen_ai.usage.prompt_tokens":                   keyInputTokens,
	"gen_ai.usage.completion_tokens":               keyOutputTokens,
	"llm.token_count.prompt":                       keyInputTokens,
	"llm.token_count.completion":                   keyOutputTokens,
	"llm.token_count.prompt_details.cache_read":    keyCacheRead,
	"llm.token_count.prompt_details.cache_write":   keyCacheCreation,
	"llm.token_count.completion_details.reasoning": keyReasoning,
	"llm.usage.prompt_tokens":                      keyInputTokens,
	"llm.usage.completion_tokens":                  keyOutputTokens,
	"llm.usage.reasoning_tokens":                   keyReasoning,
	"gen_ai.usage.cache_read_input_tokens":         keyCacheRead,
	"gen_ai.usage.cache_creation_input_tokens":     keyCacheCreation,
	"gen_ai.usage.reasoning_tokens":                keyReasoning,
	"ai.usage.promptTokens":                        keyInputTokens,
	"ai.usage.inputTokens":                         keyInputTokens,
	"ai.usage.completionTokens":                    keyOutputTokens,
	"ai.usage.outputTokens":                        keyOutputTokens,
	"ai.usage.cachedInputTokens":                   keyCacheRead,
	"ai.usage.reasoningTokens":                     keyReasoning,
	"llm.model_name":                               keyResponseModel,
	"llm.request.model":                            keyRequestModel,
	"llm.response.model":                           keyResponseModel,
	"ai.model.id":                                  keyRequestModel,
	"ai.response.model":                            keyResponseModel,
	"ai.response.id":                               keyResponseID,
	"llm.provider":                                 keyProvider,
	"llm.system":                                   keyProvider,
	"llm.vendor":                                   keyProvider,
	"ai.model.provider":                            keyProvider,
	"llm.finish_reason":                            keyFinishReasons,
	"ai.response.finishReason":                     keyFinishReasons,
	"llm.request.type":                             keyOperation,
	"ai.response.text":                             keyOutputMessages,
	"ai.response.toolCalls":                        keyOutputMessages,
	"ai.prompt.messages":                           keyInputMessages,
	"gen_ai.prompt":                                keyInputMessages,
	"gen_ai.completion":                            keyOutputMessages,
	"ai.toolCall.name":                             keyToolName,
	"ai.toolCall.id":                               keyToolCallID,
	"ai.toolCall.args":                             keyToolArguments,
	"ai.toolCall.result":                           keyToolResult,
	"llm.response.finish_reason":                   keyFinishReasons,
	"llm.response.stop_reason":                     keyFinishReasons,
	"llm.temperature":                              keyTemperature,
	"llm.top_p":                                    keyTopP,
	"llm.top_k":                                    keyTopK,
	"llm.frequency_penalty":                        keyFrequencyPenalty,
	"llm.presence_penalty":                         keyPresencePenalty,
	"llm.request.max_tokens":                       keyMaxTokens,
	"llm.chat.stop_sequences":                      keyStopSequences,
	"gen_ai.openai.request.seed":                   keySeed,
	"ai.settings.temperature":                      keyTemperature,
	"ai.settings.topP":                             keyTopP,
	"ai.settings.topK":                             keyTopK,
	"ai.settings.frequencyPenalty":                 keyFrequencyPenalty,
	"ai.settings.presencePenalty":                  keyPresencePenalty,
	"ai.settings.maxOutputTokens":                  keyMaxTokens,
	"ai.settings.maxTokens":                        keyMaxTokens,
	"ai.settings.seed":                             keySeed,
	"ai.settings.stopSequences":                    keyStopSequences,
	"tool.description":                             keyToolDescription,
	"ai.prompt.tools":                              keyToolDefinitions,
}

// originalOf returns the semconv key replacing k, for flattened content
// families too.
func originalOf(k string) (string, bool) {
	if t, ok := originals[k]; ok {
		return t, true
	}
	switch {
	case strings.HasPrefix(k, "llm.input_messages."), strings.HasPrefix(k, "llm.prompts."):
		return keyInputMessages, true
	case strings.HasPrefix(k, "llm.output_messages."), strings.HasPrefix(k, "llm.completions."), strings.HasPrefix(k, "llm.choices."):
		return keyOutputMessages, true
	case strings.HasPrefix(k, "retrieval.documents."):
		return keyRetrievalDocs, true
	case strings.HasPrefix(k, "llm.request.functions."):
		return keyToolDefinitions, true
	case strings.HasPrefix(k, "gen_ai.prompt.") && len(k) > len("gen_ai.prompt.") && isDigit(k[len("gen_ai.prompt.")]):
		return keyInputMessages, true
	case strings.HasPrefix(k, "gen_ai.completion.") && len(k) > len("gen_ai.completion.") && isDigit(k[len("gen_ai.completion.")]):
		return keyOutputMessages, true
	}
	return "", false
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isContentKey(target string) bool {
	switch target {
	case keyInputMessages, keyOutputMessages, keyRetrievalDocs, keySystemInstr, keyToolArguments, keyToolResult, keyToolDefinitions:
		return true
	}
	return false
}

// removeOriginals deletes mapped keys whose replacement exists. Content
// originals stay when the copy was truncated.
func (w *writer) removeOriginals(v *genai.View) {
	// Presence of the replacement keys is settled before removal starts:
	// the map must not be read while RemoveIf compacts it.
	present := make(map[string]bool, 8)
	for _, t := range []string{keyInputTokens, keyOutputTokens, keyCacheRead, keyCacheCreation, keyReasoning,
		keyRequestModel, keyResponseModel, keyResponseID, keyProvider, keyFinishReasons, keyOperation,
		keyInputMessages, keyOutputMessages, keyRetrievalDocs, keyToolName, keyToolCallID, keyToolArguments, keyToolResult,
		keyTemperature, keyTopP, keyTopK, keyFrequencyPenalty, keyPresencePenalty, keyMaxTokens, keySeed, keyStopSequences,
		keyToolDescription, keyToolDefinitions} {
		_, present[t] = w.attrs.Get(t)
	}
	contentKept := v.Truncated || !w.cfg.Content
	w.attrs.RemoveIf(func(k string, _ pcommon.Value) bool {
		target, ok := originalOf(k)
		if !ok || k == target {
			return false
		}
		if isContentKey(target) && contentKept {
			return false
		}
		return present[target]
	})
	if !w.cfg.EmitLegacySystem && present[keyProvider] {
		w.attrs.Remove(keySystem)
	}
}
