package genai

import (
	"bytes"
	"encoding/json"
)

// Typed decoding of the semconv message shape. Current instrumentations
// (Python util-genai, OpenLLMetry gen D, Vercel v7, OpenLIT) all emit it, and
// decoding into structs costs a fraction of decoding into maps. Anything
// that does not fit the shape exactly falls back to the generic decoder.

type fastPart struct {
	Type      string          `json:"type"`
	Content   string          `json:"content"`
	ID        string          `json:"id"`
	Name      string          `json:"name"`
	Arguments json.RawMessage `json:"arguments"`
	Response  json.RawMessage `json:"response"`
	Result    json.RawMessage `json:"result"`
	Modality  string          `json:"modality"`
	MimeType  string          `json:"mime_type"`
	URI       string          `json:"uri"`
	FileID    string          `json:"file_id"`
}

type fastMessage struct {
	Role         string          `json:"role"`
	Name         string          `json:"name"`
	FinishReason string          `json:"finish_reason"`
	Parts        []fastPart      `json:"parts"`
	Content      json.RawMessage `json:"content"`
	ToolCalls    json.RawMessage `json:"tool_calls"`
}

// fastMessages decodes a JSON array of semconv messages. ok is false when
// the text is not exactly that shape (the caller then uses the generic
// decoder, so nothing is lost).
func (r *reader) fastMessages(s, defaultRole string) ([]Message, bool) {
	if len(s) > r.b.remaining*maxParseFactor+4096 {
		return nil, false
	}
	var msgs []fastMessage
	if err := json.Unmarshal([]byte(s), &msgs); err != nil {
		return nil, false
	}
	for i := range msgs {
		if msgs[i].Parts == nil || msgs[i].Content != nil || msgs[i].ToolCalls != nil {
			return nil, false
		}
	}
	out := make([]Message, len(msgs))
	for i := range msgs {
		fm := &msgs[i]
		role := fm.Role
		if role == "" {
			role = defaultRole
		}
		m := &out[i]
		m.Role, m.OriginalRole = normalizeRole(role)
		m.Name = fm.Name
		m.FinishReason = NormalizeFinishReason(fm.FinishReason)
		m.Parts = r.fastParts(fm.Parts)
	}
	return out, true
}

// fastParts decodes a JSON array of semconv parts (system instructions).
func (r *reader) fastPartList(s string) ([]Part, bool) {
	if len(s) > r.b.remaining*maxParseFactor+4096 {
		return nil, false
	}
	var parts []fastPart
	if err := json.Unmarshal([]byte(s), &parts); err != nil {
		return nil, false
	}
	return r.fastParts(parts), true
}

func (r *reader) fastParts(parts []fastPart) []Part {
	out := make([]Part, 0, len(parts))
	for i := range parts {
		fp := &parts[i]
		sp := scanPart{
			typ: fp.Type, content: fp.Content, id: fp.ID, name: fp.Name,
			modality: fp.Modality, mimeType: fp.MimeType, uri: fp.URI, fileID: fp.FileID,
			arguments: rawText(fp.Arguments), response: rawText(fp.Response), result: rawText(fp.Result),
			hasResponse: fp.Response != nil,
		}
		out = append(out, r.part(&sp, false))
	}
	return out
}

// rawText renders a raw JSON value as text: strings unquoted, anything else
// as it was sent.
func rawText(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	if raw[0] == '"' {
		var s string
		if json.Unmarshal(raw, &s) == nil {
			return s
		}
	}
	return string(raw)
}
