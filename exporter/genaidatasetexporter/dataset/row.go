// Package dataset defines the rows the genai_dataset exporter writes (one
// JSON object per line, one model call per row) and that periscope-replay
// reads. The shape is versioned: SchemaVersion changes on any incompatible
// change, and row.v1.json is the JSON Schema of version 1.
package dataset

import (
	_ "embed"
	"encoding/json"
)

// SchemaVersion is the version of the row shape written by this package.
const SchemaVersion = 1

// SchemaV1 is the JSON Schema (draft 2020-12) of a version 1 row.
//
//go:embed row.v1.json
var SchemaV1 []byte

// Sources of a row: where the call's content was read.
const (
	SourceSpan = "span"
	SourceLogs = "logs"
)

// Row is one model call. Content fields use the OpenTelemetry GenAI
// semantic-convention message shapes (gen_ai.input.messages etc.).
type Row struct {
	SchemaVersion int    `json:"schema_version"`
	Time          string `json:"time"` // RFC 3339, UTC: the call's end (span) or last record
	TraceID       string `json:"trace_id"`
	SpanID        string `json:"span_id"`
	Service       string `json:"service,omitempty"`
	Operation     string `json:"operation,omitempty"`
	Provider      string `json:"provider,omitempty"`
	RequestModel  string `json:"request_model,omitempty"`
	ResponseModel string `json:"response_model,omitempty"`

	Prompt             *Prompt     `json:"prompt,omitempty"`
	SystemInstructions []Part      `json:"system_instructions,omitempty"`
	InputMessages      []Message   `json:"input_messages"`
	OutputMessages     []Message   `json:"output_messages"`
	ToolDefinitions    []ToolDef   `json:"tool_definitions,omitempty"`
	RetrievalDocuments []Document  `json:"retrieval_documents,omitempty"`
	Request            *Request    `json:"request,omitempty"`
	Usage              *Usage      `json:"usage,omitempty"`
	Cost               *Cost       `json:"cost,omitempty"`
	Session            *Session    `json:"session,omitempty"`
	Evaluations        Evaluations `json:"evaluations"`
	Failed             []string    `json:"failed"`
	Dialect            string      `json:"dialect,omitempty"`
	Source             string      `json:"source"`
	Truncated          bool        `json:"truncated,omitempty"`
}

// Prompt is the call's prompt identity (genai_prompt).
type Prompt struct {
	Name         string `json:"name,omitempty"`
	Version      string `json:"version,omitempty"`
	TemplateHash string `json:"template_hash,omitempty"`
}

// Message is a semconv chat message.
type Message struct {
	Role         string `json:"role"`
	Name         string `json:"name,omitempty"`
	Parts        []Part `json:"parts"`
	FinishReason string `json:"finish_reason,omitempty"`
}

// Part is a semconv message part: text, reasoning, tool_call,
// tool_call_response, blob, uri or file.
type Part struct {
	Type      string          `json:"type"`
	Content   string          `json:"content,omitempty"`
	ID        string          `json:"id,omitempty"`
	Name      string          `json:"name,omitempty"`
	Arguments json.RawMessage `json:"arguments,omitempty"` // JSON value (a string when the call's arguments were not JSON)
	Response  string          `json:"response,omitempty"`
	Modality  string          `json:"modality,omitempty"`
	MimeType  string          `json:"mime_type,omitempty"`
	URI       string          `json:"uri,omitempty"`
	FileID    string          `json:"file_id,omitempty"`
}

// ToolDef is a tool offered to the model (semconv gen_ai.tool.definitions).
type ToolDef struct {
	Type        string          `json:"type"`
	Name        string          `json:"name"`
	Description string          `json:"description,omitempty"`
	Parameters  json.RawMessage `json:"parameters,omitempty"`
}

// Document is one retrieved context document.
type Document struct {
	ID      string   `json:"id,omitempty"`
	Content string   `json:"content,omitempty"`
	Score   *float64 `json:"score,omitempty"`
}

// Request holds the sampling parameters of the call, for a faithful replay.
type Request struct {
	Temperature      *float64 `json:"temperature,omitempty"`
	TopP             *float64 `json:"top_p,omitempty"`
	TopK             *float64 `json:"top_k,omitempty"`
	FrequencyPenalty *float64 `json:"frequency_penalty,omitempty"`
	PresencePenalty  *float64 `json:"presence_penalty,omitempty"`
	MaxTokens        *int64   `json:"max_tokens,omitempty"`
	Seed             *int64   `json:"seed,omitempty"`
	StopSequences    []string `json:"stop_sequences,omitempty"`
}

// Usage holds token counts in OpenTelemetry's convention (input includes
// cached tokens, output includes reasoning). Absent counts are omitted.
type Usage struct {
	InputTokens         *int64 `json:"input_tokens,omitempty"`
	OutputTokens        *int64 `json:"output_tokens,omitempty"`
	CacheReadTokens     *int64 `json:"cache_read_input_tokens,omitempty"`
	CacheCreationTokens *int64 `json:"cache_creation_input_tokens,omitempty"`
	ReasoningTokens     *int64 `json:"reasoning_output_tokens,omitempty"`
}

// Cost is what genai_cost wrote: USD (absent when unpriced), the catalog
// entry that priced it, or the reason it is unpriced.
type Cost struct {
	USD      *float64 `json:"usd,omitempty"`
	PriceID  string   `json:"price_id,omitempty"`
	Unpriced string   `json:"unpriced,omitempty"`
}

// Session is the running total of the call's session (conversation) as
// the exporter saw it, up to and including this call: every model call of
// the session counts, whether or not it became a row.
type Session struct {
	ID           string   `json:"id"`
	Calls        int64    `json:"calls"`
	InputTokens  int64    `json:"input_tokens"`
	OutputTokens int64    `json:"output_tokens"`
	CostUSD      *float64 `json:"cost_usd,omitempty"`
	// UnpricedCalls counts calls of the session that carried no cost.
	UnpricedCalls int64  `json:"unpriced_calls,omitempty"`
	FirstCall     string `json:"first_call,omitempty"` // RFC 3339, UTC
}

// Evaluation is one evaluator's result on the call.
type Evaluation struct {
	Score       *float64 `json:"score,omitempty"`
	Label       string   `json:"label,omitempty"` // pass, fail, no_context, ...
	Explanation string   `json:"explanation,omitempty"`
}

// Evaluations maps an evaluator (or judge rubric) name to its result.
type Evaluations map[string]Evaluation

// InputText returns the text of the non-system input messages.
func (r *Row) InputText() string { return joinText(r.InputMessages, false) }

// OutputText returns the text of the output messages.
func (r *Row) OutputText() string { return joinText(r.OutputMessages, true) }

// SystemText returns the system instructions, else the system messages.
func (r *Row) SystemText() string {
	if len(r.SystemInstructions) > 0 {
		return partsText(r.SystemInstructions)
	}
	var out string
	for _, m := range r.InputMessages {
		if m.Role == "system" {
			if t := partsText(m.Parts); t != "" {
				if out != "" {
					out += "\n"
				}
				out += t
			}
		}
	}
	return out
}

func joinText(msgs []Message, includeSystem bool) string {
	var out string
	for _, m := range msgs {
		if !includeSystem && m.Role == "system" {
			continue
		}
		if t := partsText(m.Parts); t != "" {
			if out != "" {
				out += "\n"
			}
			out += t
		}
	}
	return out
}

func partsText(parts []Part) string {
	var out string
	for _, p := range parts {
		if (p.Type == "text" || p.Type == "reasoning") && p.Content != "" {
			if out != "" {
				out += "\n"
			}
			out += p.Content
		}
	}
	return out
}
