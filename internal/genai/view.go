// Package genai reads GenAI telemetry of every known dialect (OpenTelemetry
// semantic conventions old and new, OpenLLMetry, OpenInference, OpenLIT,
// Vercel AI SDK, Langfuse, Logfire, MLflow) into one normalized View.
//
// Every Periscope component reads spans and GenAI log records through this
// package, so a dialect is parsed in exactly one place. The package depends
// on pdata (and the output keys of internal/contract) only and never
// mutates its input.
//
// Each dialect's keys are one table in dialect_<name>.go: key -> View field
// and precedence (or a named handler in handlers.go for keys that need
// parsing), content or metadata, and the semconv key that replaces it.
// Everything else derives from the tables: the reader's key lookup
// (keyswitch.go, generated), View.Sources and View.Replaced (what
// genai_normalize's remove_originals deletes), IsContentKey (what redaction
// scans), UserKeys and ToolArguments for components that read a map
// directly, and View.Pricing (pricing inputs beyond tokens). Adding a
// dialect: its table file, a handler if a key needs parsing, a sample and
// its golden view (testdata/views); TestNoDialectKeysOutsideGenAI fails
// if a dialect key is spelled anywhere else.
package genai

import "strings"

// Dialect names the instrumentation family a span was read as. The value is
// written to spans as periscope.genai.dialect.
type Dialect string

const (
	DialectNone          Dialect = ""
	DialectSemconv       Dialect = "semconv"        // gen_ai.* v1.37+ (provider.name, input/output messages)
	DialectSemconvLegacy Dialect = "semconv_legacy" // gen_ai.system, per-message events, gen_ai.prompt/completion
	DialectOpenLLMetry   Dialect = "openllmetry"    // traceloop.*, llm.*, flattened gen_ai.prompt.N.*
	DialectOpenInference Dialect = "openinference"  // openinference.span.kind, llm.*, retrieval.documents.N.*
	DialectOpenLIT       Dialect = "openlit"        // telemetry.sdk.name=openlit, gen_ai.client.token.usage
	DialectVercel        Dialect = "vercel_ai"      // ai.*
	DialectLangfuse      Dialect = "langfuse"       // langfuse.*
	DialectLogfire       Dialect = "logfire"        // logfire.*, request_data / response_data
	DialectMLflow        Dialect = "mlflow"         // mlflow.* (JSON-encoded values)
)

// Category is the role of a span in a GenAI trace. Only model-call
// categories (LLM, Embedding, Rerank) are billable.
type Category uint8

const (
	CategoryNone Category = iota // not a GenAI span
	CategoryLLM
	CategoryEmbedding
	CategoryRerank
	CategoryRetrieval
	CategoryTool
	CategoryAgent
	CategoryWorkflow
	CategoryChain
	CategoryGuardrail
	CategoryEvaluator
	CategoryOther
)

var categoryNames = [...]string{"none", "llm", "embedding", "rerank", "retrieval", "tool", "agent", "workflow", "chain", "guardrail", "evaluator", "other"}

func (c Category) String() string {
	if int(c) < len(categoryNames) {
		return categoryNames[c]
	}
	return "other"
}

// Usage holds token counts in OpenTelemetry's convention: Input includes
// cache reads and writes, Output includes reasoning. A dialect that reports
// input net of cache is converted on read. Has records which counts the
// span actually carried (a count of zero is different from no count).
type Usage struct {
	Input      int64
	Output     int64
	Total      int64
	CacheRead  int64
	CacheWrite int64
	Reasoning  int64
	Has        UsageField
}

// UsageField is a bit set of the Usage counts present on the span.
type UsageField uint8

const (
	HasInput UsageField = 1 << iota
	HasOutput
	HasTotal
	HasCacheRead
	HasCacheWrite
	HasReasoning
)

// Any reports whether the span carried any token count.
func (u Usage) Any() bool { return u.Has != 0 }

// Message is one chat message in semconv shape.
type Message struct {
	Role         string // normalized: system, user, assistant, tool (or the raw value when unknown)
	OriginalRole string // set when Role was mapped (e.g. developer, human, model)
	Name         string
	Parts        []Part
	FinishReason string // output messages only, normalized
}

// Text joins the text and reasoning parts of the message with newlines.
func (m Message) Text() string {
	switch len(m.Parts) {
	case 0:
		return ""
	case 1:
		if m.Parts[0].Type == PartText || m.Parts[0].Type == PartReasoning {
			return m.Parts[0].Content
		}
		return ""
	}
	n := 0
	for _, p := range m.Parts {
		if p.Type == PartText || p.Type == PartReasoning {
			n += len(p.Content) + 1
		}
	}
	b := make([]byte, 0, n)
	for _, p := range m.Parts {
		if p.Type != PartText && p.Type != PartReasoning {
			continue
		}
		if len(b) > 0 {
			b = append(b, '\n')
		}
		b = append(b, p.Content...)
	}
	return string(b)
}

// Part types of semconv messages that the reader produces.
const (
	PartText             = "text"
	PartReasoning        = "reasoning"
	PartToolCall         = "tool_call"
	PartToolCallResponse = "tool_call_response"
	PartBlob             = "blob"
	PartURI              = "uri"
	PartFile             = "file"
)

// Part is one message part. Content holds text for text/reasoning parts,
// the response (as text or JSON) for tool_call_response parts and the
// base64 payload, URI or file id for blob/uri/file parts.
type Part struct {
	Type      string
	Content   string
	ID        string // tool call id
	Name      string // tool name
	Arguments string // tool call arguments as JSON text
	Modality  string // blob/uri/file
	MimeType  string
}

// Document is one retrieved context document (RAG).
type Document struct {
	ID       string
	Content  string
	Score    float64
	HasScore bool
}

// Prompt is the prompt identity the instrumentation declared, if any.
type Prompt struct {
	Name      string
	Version   string
	Template  string
	Variables map[string]string
	// Source is the attribute family the identity came from, e.g.
	// "gen_ai.prompt", "traceloop.prompt", "llm.prompt_template",
	// "langfuse.observation.prompt", "mlflow.linkedPrompts".
	Source string
}

// SetWritten makes p what a reader reads back once gen_ai.prompt.name
// (when name is not empty) and gen_ai.prompt.version are written on the
// span p was read from, when no other declared name competes: the family
// is the one read first, gen_ai.prompt when there was none.
func (p *Prompt) SetWritten(name, version string) {
	if name != "" {
		p.Name = name
	}
	p.Version = version
	if p.Source == "" {
		p.Source = "gen_ai.prompt"
	}
}

// Empty reports whether no prompt identity was declared.
func (p Prompt) Empty() bool {
	return p.Name == "" && p.Version == "" && p.Template == "" && len(p.Variables) == 0
}

// Cost is a cost the instrumentation already computed.
type Cost struct {
	USD    float64
	Source string // attribute the value came from, e.g. "gen_ai.usage.cost", "llm.cost.total"
}

// Problem records something the reader could not interpret. The span is
// still passed on; components count problems by Kind.
type Problem struct {
	Key  string // attribute or event the problem is about
	Kind string // e.g. "wrong_type", "invalid_json", "invalid_utf8", "truncated"
}

// View is the normalized reading of one span (or of the GenAI log records of
// one span). Zero values mean "not present".
type View struct {
	Dialect  Dialect
	Category Category

	Operation     string // normalized gen_ai.operation.name
	Provider      string // normalized gen_ai.provider.name
	RequestModel  string
	ResponseModel string
	ResponseID    string
	ServerAddress string
	ErrorType     string
	Streaming     bool
	// TimeToFirstChunk is the seconds from request to the first streamed
	// chunk, when the dialect reports it (HasTimeToFirstChunk).
	TimeToFirstChunk    float64
	HasTimeToFirstChunk bool
	// TimePerOutputChunk is the seconds per streamed chunk after the first
	// (HasTimePerOutputChunk): reported by the dialect (semconv
	// time_per_output_chunk, OpenLIT time_per_output_token), else derived
	// for a streamed span as (duration - TimeToFirstChunk) / (output tokens
	// - reasoning tokens - 1); see streamTiming. Tokens stand in for chunks.
	TimePerOutputChunk    float64 `json:",omitzero"`
	HasTimePerOutputChunk bool    `json:",omitzero"`

	Usage Usage
	// UsageUnreadable is set when a token count (or usage object) was
	// present but could not be read (wrong type, negative, invalid JSON):
	// pricing the rest would under-report.
	UsageUnreadable bool     `json:",omitzero"`
	FinishReasons   []string // normalized (stop, length, tool_call, content_filter, error, or raw)
	ReportedCost    *Cost

	ConversationID string
	UserID         string
	AgentName      string
	WorkflowName   string
	ToolName       string // tool spans only

	// Content. Filled only when Options.Content is set.
	SystemInstructions []Part
	InputMessages      []Message
	OutputMessages     []Message
	Documents          []Document // RAG context on this span (retrieval spans: the retrieved documents)
	RetrievalQuery     string

	Prompt Prompt

	// Request holds the sampling parameters; ToolDefinitions the tools
	// offered to the model (content reading only); ToolDescription the
	// description on a tool-call span.
	Request         RequestParams
	ToolDefinitions []ToolDefinition
	ToolDescription string

	// Pricing holds the pricing inputs beyond token counts (service tier,
	// batch, cache-write TTLs, audio/image tokens, web searches, ...).
	Pricing PricingExtras `json:",omitzero"`

	// Sources records the dialect keys the view was read from (see
	// Replaced).
	Sources Sources `json:",omitzero"`

	// ContentBytes is the number of content bytes read; Truncated is set when
	// the byte budget cut content off.
	ContentBytes int
	Truncated    bool
	Problems     []Problem
}

// Model returns the model that pricing and metrics should use: the response
// model when known, else the requested one.
func (v *View) Model() string {
	if v.ResponseModel != "" {
		return v.ResponseModel
	}
	return v.RequestModel
}

// IsGenAI reports whether the span carried any GenAI key at all.
func (v *View) IsGenAI() bool { return v.Dialect != DialectNone }

// Billable reports whether the span is a provider model call whose usage and
// cost must be counted (never agent/workflow/chain spans that re-report
// their children's totals).
func (v *View) Billable() bool {
	switch v.Category {
	case CategoryLLM, CategoryEmbedding, CategoryRerank:
		return true
	}
	return false
}

// SystemText returns the system instructions: the separate
// system_instructions parts if present, else the text of system messages
// in the input.
func (v *View) SystemText() string {
	if len(v.SystemInstructions) > 0 {
		return Message{Parts: v.SystemInstructions}.Text()
	}
	var out string
	for _, m := range v.InputMessages {
		if m.Role == "system" {
			if out != "" {
				out += "\n"
			}
			out += m.Text()
		}
	}
	return out
}

// InputText returns the text of the non-system input messages, in order.
func (v *View) InputText() string { return joinText(v.InputMessages, false) }

// LastUserText returns the text of the last user message.
func (v *View) LastUserText() string {
	for i := len(v.InputMessages) - 1; i >= 0; i-- {
		if v.InputMessages[i].Role == "user" {
			return v.InputMessages[i].Text()
		}
	}
	return ""
}

// OutputText returns the text of the output messages.
func (v *View) OutputText() string { return joinText(v.OutputMessages, true) }

func joinText(msgs []Message, includeSystem bool) string {
	// Sized first: one text (the usual answer) is returned as it is, more
	// are joined in one allocation.
	var first string
	n, texts := 0, 0
	for _, m := range msgs {
		if !includeSystem && m.Role == "system" {
			continue
		}
		if t := m.Text(); t != "" {
			if texts == 0 {
				first = t
			}
			texts++
			n += len(t) + 1
		}
	}
	if texts <= 1 {
		return first
	}
	var b strings.Builder
	b.Grow(n - 1)
	for _, m := range msgs {
		if !includeSystem && m.Role == "system" {
			continue
		}
		if t := m.Text(); t != "" {
			if b.Len() > 0 {
				b.WriteByte('\n')
			}
			b.WriteString(t)
		}
	}
	return b.String()
}

// Options control how much the reader does.
type Options struct {
	// Content enables reading messages, system instructions, documents and
	// prompt templates. Metadata-only readers (cost, metrics) leave it off.
	Content bool
	// SkipToolDefinitions leaves View.ToolDefinitions empty: the tool
	// schemas offered to the model are decoded (and re-encoded) only for
	// readers that use them. Nothing else in the View depends on them.
	SkipToolDefinitions bool
	// SkipOutputMessages leaves View.OutputMessages empty (and finish
	// reasons to what the call declares): readers of the request side only
	// (genai_prompt) skip decoding the answer.
	SkipOutputMessages bool
	// MaxContentBytes bounds the content bytes read per span (0 = default
	// 256 KiB, negative = unlimited). What is cut sets View.Truncated.
	MaxContentBytes int
}

// DefaultMaxContentBytes is the per-span content budget when none is set.
const DefaultMaxContentBytes = 256 << 10

// Budget is the content budget in bytes these options read with.
func (o Options) Budget() int { return o.budget() }

func (o Options) budget() int {
	switch {
	case o.MaxContentBytes == 0:
		return DefaultMaxContentBytes
	case o.MaxContentBytes < 0:
		return int(^uint(0) >> 1)
	}
	return o.MaxContentBytes
}
