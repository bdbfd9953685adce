package genai

import (
	"encoding/json"
	"strconv"
	"strings"
	"unicode/utf8"

	"go.opentelemetry.io/collector/pdata/pcommon"
)

// budget bounds the content bytes kept for one span.
type budget struct {
	remaining int
	used      int
	truncated bool
}

// take returns s cut to the remaining budget (at a UTF-8 boundary) and
// charges it; invalid UTF-8 is replaced so downstream text is always valid.
func (b *budget) take(s string) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	return b.takeValid(s)
}

// takeIf is takeValid when valid is set, else take.
func (b *budget) takeIf(valid bool, s string) string {
	if valid {
		return b.takeValid(s)
	}
	return b.take(s)
}

// takeValid is take for text known to be valid UTF-8 (what the JSON
// scanner reads).
func (b *budget) takeValid(s string) string {
	if len(s) <= b.remaining {
		b.remaining -= len(s)
		b.used += len(s)
		return s
	}
	b.truncated = true
	n := b.remaining
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	b.remaining -= n
	b.used += n
	return s[:n]
}

// maxParseFactor bounds how large a JSON content attribute may be, relative
// to the content budget, before it is not parsed at all.
const maxParseFactor = 4

// decodeJSON parses a JSON document held in a string attribute. It refuses
// documents far beyond the budget instead of spending unbounded CPU.
func (r *reader) decodeJSON(key, s string) (any, bool) {
	if len(s) > r.b.remaining*maxParseFactor+4096 {
		r.b.truncated = true
		r.problem(key, "too_large")
		if msgs := salvageMessages(s, 2*r.b.remaining+4096); len(msgs) > 0 {
			return msgs, true
		}
		return nil, false
	}
	x, err := unmarshalAny(s)
	if err != nil {
		r.problem(key, "invalid_json")
		return nil, false
	}
	return x, true
}

// unmarshalAny decodes JSON text as json.Unmarshal into an any does,
// reading it once when the scanner can (fastAny).
func unmarshalAny(s string) (any, error) {
	if x, ok := fastAny(s); ok {
		return x, nil
	}
	var x any
	err := json.Unmarshal([]byte(s), &x)
	return x, err
}

// contentValue turns a content attribute (JSON string or structured value)
// into a generic Go value. Plain strings that are not JSON are returned as
// strings.
func (r *reader) contentValue(key string, v pcommon.Value) (any, bool) {
	switch v.Type() {
	case pcommon.ValueTypeStr:
		s := strings.TrimSpace(v.Str())
		if s == "" {
			return nil, false
		}
		if s[0] == '[' || s[0] == '{' || s[0] == '"' {
			return r.decodeJSON(key, s)
		}
		return s, true
	case pcommon.ValueTypeMap, pcommon.ValueTypeSlice:
		return v.AsRaw(), true
	case pcommon.ValueTypeEmpty:
		return nil, false
	}
	r.problem(key, "wrong_type")
	return nil, false
}

// decodeMessages reads chat messages from any of the shapes in circulation:
// semconv {role, parts}, OpenAI {role, content, tool_calls}, Anthropic and
// Vercel content-part lists, Gemini {role, parts:[{text}]}, LangChain
// serialized messages, and wrappers such as {messages: [...]} or
// {choices: [{message}]}. defaultRole applies to bare strings.
func (r *reader) decodeMessages(x any, defaultRole string) []Message {
	if d, ok := x.(lazyDoc); ok {
		if msgs, ok := r.scanChat(d.s, defaultRole, true); ok {
			return msgs
		}
	}
	var out []Message
	r.appendMessages(&out, x, defaultRole, 0)
	return out
}

const maxDepth = 8

func (r *reader) appendMessages(out *[]Message, x any, defaultRole string, depth int) {
	if depth > maxDepth {
		return
	}
	x = force(x)
	switch t := x.(type) {
	case string:
		if t != "" {
			*out = append(*out, Message{Role: defaultRole, Parts: []Part{{Type: PartText, Content: r.b.take(t)}}})
		}
	case []any:
		for _, e := range t {
			r.appendMessages(out, e, defaultRole, depth+1)
		}
	case map[string]any:
		if msgs, ok := t["messages"]; ok {
			r.appendMessages(out, msgs, defaultRole, depth+1)
			return
		}
		if choices, ok := t["choices"].([]any); ok {
			for _, c := range choices {
				r.appendMessages(out, c, defaultRole, depth+1)
			}
			return
		}
		if cands, ok := t["candidates"].([]any); ok { // Gemini responses
			for _, c := range cands {
				if cm, ok := c.(map[string]any); ok {
					m := r.decodeMessage(asMap(cm["content"]), "assistant")
					m.FinishReason = NormalizeFinishReason(str(cm["finishReason"]))
					*out = append(*out, m)
				}
			}
			return
		}
		if inner, ok := t["message"].(map[string]any); ok { // gen_ai.choice body, OpenAI choice
			m := r.decodeMessage(inner, defaultRole)
			if fr := str(t["finish_reason"]); fr != "" {
				m.FinishReason = NormalizeFinishReason(fr)
			}
			*out = append(*out, m)
			return
		}
		if kw, ok := t["kwargs"].(map[string]any); ok { // LangChain serialized message
			role := str(kw["type"])
			if role == "" {
				if ids, ok := t["id"].([]any); ok && len(ids) > 0 {
					role = langchainRole(str(ids[len(ids)-1]))
				}
			}
			m := r.decodeMessage(kw, role)
			if role != "" {
				m.Role, m.OriginalRole = normalizeRole(role)
			}
			*out = append(*out, m)
			return
		}
		if _, ok := t["role"]; ok {
			*out = append(*out, r.decodeMessage(t, defaultRole))
			return
		}
		if _, ok := t["content"]; ok {
			*out = append(*out, r.decodeMessage(t, defaultRole))
			return
		}
		if _, ok := t["parts"]; ok {
			*out = append(*out, r.decodeMessage(t, defaultRole))
		}
	}
}

func langchainRole(class string) string {
	switch class {
	case "HumanMessage", "HumanMessageChunk":
		return "user"
	case "AIMessage", "AIMessageChunk":
		return "assistant"
	case "SystemMessage":
		return "system"
	case "ToolMessage", "FunctionMessage":
		return "tool"
	}
	return ""
}

func (r *reader) decodeMessage(m map[string]any, defaultRole string) Message {
	var msg Message
	role := str(m["role"])
	if role == "" {
		role = defaultRole
	}
	msg.Role, msg.OriginalRole = normalizeRole(role)
	msg.Name = str(m["name"])
	if fr := str(m["finish_reason"]); fr != "" {
		msg.FinishReason = NormalizeFinishReason(fr)
	}
	toolCallID := str(m["tool_call_id"])
	if str(m["role"]) == "" && toolCallID != "" {
		msg.Role = "tool" // no role, but it answers a tool call
	}
	if parts, ok := m["parts"].([]any); ok {
		msg.Parts = r.decodeParts(parts)
	}
	switch c := m["content"].(type) {
	case string:
		if toolCallID != "" || msg.Role == "tool" {
			msg.Parts = append(msg.Parts, Part{Type: PartToolCallResponse, ID: toolCallID, Content: r.b.take(c)})
		} else if c != "" {
			msg.Parts = append(msg.Parts, Part{Type: PartText, Content: r.b.take(c)})
		}
	case []any:
		msg.Parts = append(msg.Parts, r.decodeParts(c)...)
	case map[string]any:
		msg.Parts = append(msg.Parts, r.decodeParts([]any{c})...)
	}
	if tcs, ok := m["tool_calls"].([]any); ok {
		msg.Parts = append(msg.Parts, r.decodeParts(toolCallParts(tcs))...)
	}
	if refusal := str(m["refusal"]); refusal != "" {
		msg.Parts = append(msg.Parts, Part{Type: PartText, Content: r.b.take(refusal)})
	}
	return msg
}

// toolCallParts tags OpenAI-style tool calls so decodeParts reads them.
func toolCallParts(tcs []any) []any {
	out := make([]any, 0, len(tcs))
	for _, tc := range tcs {
		if m, ok := tc.(map[string]any); ok {
			if _, typed := m["type"]; !typed || m["type"] == "function" {
				c := make(map[string]any, len(m)+1)
				for k, v := range m {
					c[k] = v
				}
				c["type"] = PartToolCall
				out = append(out, c)
				continue
			}
		}
		out = append(out, tc)
	}
	return out
}

func (r *reader) decodeParts(parts []any) []Part {
	out := make([]Part, 0, len(parts))
	for _, p := range parts {
		switch t := p.(type) {
		case string:
			out = append(out, Part{Type: PartText, Content: r.b.take(t)})
		case map[string]any:
			if part, ok := r.decodePart(t); ok {
				out = append(out, part)
			}
		}
	}
	return out
}

func (r *reader) decodePart(m map[string]any) (Part, bool) {
	typ := str(m["type"])
	switch typ {
	case "text", "input_text", "output_text", "":
		text := firstStr(m, "content", "text")
		if text == "" && typ == "" {
			return Part{}, false
		}
		return Part{Type: PartText, Content: r.b.take(text)}, true
	case "reasoning", "thinking":
		return Part{Type: PartReasoning, Content: r.b.take(firstStr(m, "content", "text", "thinking"))}, true
	case "refusal":
		return Part{Type: PartText, Content: r.b.take(firstStr(m, "content", "refusal", "text"))}, true
	case "tool_call", "tool-call", "tool_use", "function_call":
		p := Part{Type: PartToolCall, ID: firstStr(m, "id", "toolCallId", "call_id"), Name: firstStr(m, "name", "toolName")}
		args := firstAny(m, "arguments", "input", "args")
		if fn, ok := m["function"].(map[string]any); ok {
			if p.Name == "" {
				p.Name = str(fn["name"])
			}
			if args == nil {
				args = fn["arguments"]
			}
		}
		p.Arguments = r.b.take(anyText(args))
		return p, true
	case "tool_call_response", "tool-result", "tool_result", "function_call_output":
		p := Part{Type: PartToolCallResponse, ID: firstStr(m, "id", "toolCallId", "tool_use_id", "call_id"), Name: firstStr(m, "name", "toolName")}
		p.Content = r.b.take(anyText(firstAny(m, "response", "result", "output", "content")))
		return p, true
	case "blob", "image", "audio", "input_audio", "document":
		mod := str(m["modality"])
		if mod == "" {
			mod = typ
		}
		// Binary payloads are not content for text evaluators: keep the
		// shape, not the bytes.
		return Part{Type: PartBlob, Modality: mod, MimeType: firstStr(m, "mime_type", "mimeType", "media_type")}, true
	case "file", "input_file":
		return Part{Type: PartFile, Modality: str(m["modality"]), MimeType: firstStr(m, "mime_type", "mimeType"), Content: firstStr(m, "file_id", "fileId")}, true
	case "uri", "image_url", "input_image":
		u := firstStr(m, "uri", "url", "image_url")
		if iu, ok := m["image_url"].(map[string]any); ok {
			u = str(iu["url"])
		}
		mod := str(m["modality"])
		if mod == "" {
			mod = "image" // image_url / input_image; a bare uri part names its modality
		}
		p := r.mediaPart(mod, u)
		if mt := firstStr(m, "mime_type", "mimeType"); mt != "" {
			p.MimeType = mt
		}
		return p, true
	}
	// Generic part: keep its type and any text it carries.
	return Part{Type: typ, Content: r.b.take(firstStr(m, "content", "text"))}, true
}

func str(x any) string {
	switch t := x.(type) {
	case string:
		return t
	case float64:
		return strconv.FormatFloat(t, 'f', -1, 64)
	case int64:
		return strconv.FormatInt(t, 10)
	case bool:
		return strconv.FormatBool(t)
	}
	return ""
}

func asMap(x any) map[string]any {
	m, _ := x.(map[string]any)
	return m
}

func firstStr(m map[string]any, keys ...string) string {
	for _, k := range keys {
		if s := str(m[k]); s != "" {
			return s
		}
	}
	return ""
}

func firstAny(m map[string]any, keys ...string) any {
	for _, k := range keys {
		if v, ok := m[k]; ok && v != nil {
			return v
		}
	}
	return nil
}

// anyText renders a tool argument or result as text: strings as they are,
// anything else as compact JSON.
func anyText(x any) string {
	switch t := x.(type) {
	case nil:
		return ""
	case string:
		return t
	case []any:
		// Anthropic tool_result content: a list of text blocks.
		var sb strings.Builder
		for _, e := range t {
			if m, ok := e.(map[string]any); ok && str(m["type"]) == "text" {
				if sb.Len() > 0 {
					sb.WriteByte('\n')
				}
				sb.WriteString(str(m["text"]))
			}
		}
		if sb.Len() > 0 {
			return sb.String()
		}
	}
	b, err := marshalAny(x)
	if err != nil {
		return ""
	}
	return b
}

// decodeDocuments reads retrieval documents from JSON ([{id, score,
// content}], LangChain/MLflow {page_content, metadata, id}) or plain text.
func (r *reader) decodeDocuments(x any) []Document {
	x = force(x)
	var out []Document
	switch t := x.(type) {
	case []any:
		for _, e := range t {
			switch d := e.(type) {
			case map[string]any:
				doc := Document{ID: firstStr(d, "id", "document_id", "doc_id")}
				doc.Content = r.b.take(firstStr(d, "content", "page_content", "text", "document"))
				if s, ok := d["score"].(float64); ok {
					doc.Score, doc.HasScore = s, true
				}
				if doc.ID != "" || doc.Content != "" {
					out = append(out, doc)
				}
			case string:
				out = append(out, Document{Content: r.b.take(d)})
			}
		}
	case map[string]any:
		if docs, ok := t["documents"]; ok {
			return r.decodeDocuments(docs)
		}
	}
	return out
}

// maxURIBytes bounds a media URL kept as a uri part; longer ones are data:
// URLs carrying the payload, kept within the content budget.
const maxURIBytes = 2048

// maxBlobBytes bounds the base64 payload of a data: URL kept as a blob.
const maxBlobBytes = 64 << 10

// mediaPart turns a media URL into a semconv part: an http(s) or other URL
// is a uri part (the URL kept); a data: URL is a blob with its MIME type and
// base64 payload (semconv v1.38 media parts).
func (r *reader) mediaPart(modality, u string) Part {
	if modality == "" {
		modality = "image"
	}
	if rest, ok := strings.CutPrefix(u, "data:"); ok {
		meta, payload, _ := strings.Cut(rest, ",")
		mime, _, _ := strings.Cut(meta, ";")
		if len(payload) > maxBlobBytes || len(payload) > r.b.remaining {
			// Media must not crowd the text evaluators read out of the budget.
			r.b.truncated = true
			payload = ""
		}
		return Part{Type: PartBlob, Modality: modality, MimeType: mime, Content: r.b.take(payload)}
	}
	if len(u) > maxURIBytes {
		r.b.truncated = true
		u = ""
	}
	return Part{Type: PartURI, Modality: modality, Content: u}
}
