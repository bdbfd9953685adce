package genainormalizeprocessor

import (
	"encoding/json"
	"strings"

	"github.com/periscope-otel/periscope/internal/genai"
)

// The reference encoding of the semconv content shapes: json.Marshal of these
// structs. encode.go must produce the same bytes (encode_test.go).

type semconvMessage struct {
	Role         string        `json:"role"`
	Parts        []semconvPart `json:"parts"`
	Name         string        `json:"name,omitempty"`
	FinishReason string        `json:"finish_reason,omitempty"`
}

type semconvPart struct {
	Type      string `json:"type"`
	Content   string `json:"content,omitempty"`
	ID        string `json:"id,omitempty"`
	Name      string `json:"name,omitempty"`
	Arguments any    `json:"arguments,omitempty"`
	Response  string `json:"response,omitempty"`
	Modality  string `json:"modality,omitempty"`
	MimeType  string `json:"mime_type,omitempty"`
	URI       string `json:"uri,omitempty"`
	FileID    string `json:"file_id,omitempty"`
}

func semconvMessages(msgs []genai.Message, output bool) []semconvMessage {
	out := make([]semconvMessage, len(msgs))
	for i, m := range msgs {
		out[i] = semconvMessage{Role: m.Role, Name: m.Name, Parts: semconvParts(m.Parts)}
		if output {
			// Absent only when the instrumentation reported no reason at
			// all: never invented (see the conformance table).
			out[i].FinishReason = m.FinishReason
		}
	}
	return out
}

func semconvParts(parts []genai.Part) []semconvPart {
	out := make([]semconvPart, 0, len(parts))
	for _, p := range parts {
		sp := semconvPart{Type: p.Type}
		switch p.Type {
		case genai.PartToolCall:
			sp.ID, sp.Name = p.ID, p.Name
			if a := strings.TrimSpace(p.Arguments); a != "" {
				if json.Valid([]byte(a)) && (a[0] == '{' || a[0] == '[') {
					sp.Arguments = json.RawMessage(a)
				} else {
					sp.Arguments = a
				}
			}
		case genai.PartToolCallResponse:
			sp.ID, sp.Response = p.ID, p.Content
		case genai.PartBlob:
			sp.Modality, sp.MimeType, sp.Content = p.Modality, p.MimeType, p.Content
		case genai.PartURI:
			sp.Modality, sp.MimeType, sp.URI = p.Modality, p.MimeType, p.Content
		case genai.PartFile:
			sp.Modality, sp.MimeType, sp.FileID = p.Modality, p.MimeType, p.Content
		default:
			sp.Content = p.Content
		}
		out = append(out, sp)
	}
	return out
}

type semconvToolDef struct {
	Type        string          `json:"type"`
	Name        string          `json:"name"`
	Description string          `json:"description,omitempty"`
	Parameters  json.RawMessage `json:"parameters,omitempty"`
}

func semconvToolDefs(tds []genai.ToolDefinition) []semconvToolDef {
	defs := make([]semconvToolDef, len(tds))
	for i, d := range tds {
		defs[i] = semconvToolDef{Type: d.Type, Name: d.Name, Description: d.Description}
		if p := strings.TrimSpace(d.Parameters); p != "" && json.Valid([]byte(p)) {
			defs[i].Parameters = json.RawMessage(p)
		}
	}
	return defs
}

type semconvDoc struct {
	ID      string   `json:"id,omitempty"`
	Score   *float64 `json:"score,omitempty"`
	Content string   `json:"content,omitempty"`
}

func semconvDocs(ds []genai.Document) []semconvDoc {
	docs := make([]semconvDoc, len(ds))
	for i, d := range ds {
		docs[i] = semconvDoc{ID: d.ID, Content: d.Content}
		if d.HasScore {
			s := d.Score
			docs[i].Score = &s
		}
	}
	return docs
}
