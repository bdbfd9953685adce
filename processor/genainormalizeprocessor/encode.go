package genainormalizeprocessor

import (
	"math"
	"strconv"
	"strings"

	"github.com/periscope-otel/periscope/internal/genai"
	"github.com/periscope-otel/periscope/internal/jsonesc"
)

// A direct encoder of the semconv content shapes: the same bytes as
// json.Marshal of the reference structs of semconv_ref_test.go (messages,
// parts, tool definitions, documents: field order, omitempty,
// HTML-safe escaping, invalid UTF-8 as \ufffd), written once into the
// span's content buffer (writeContent) without reflection or intermediate
// structs.

// writeMessages writes the JSON of json.Marshal(semconvMessages(msgs, output)).
func writeMessages(b *strings.Builder, msgs []genai.Message, output bool) {
	b.WriteByte('[')
	for i := range msgs {
		m := &msgs[i]
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`{"role":`)
		writeString(b, m.Role)
		b.WriteString(`,"parts":`)
		writeParts(b, m.Parts)
		field(b, `,"name":`, m.Name)
		if output {
			field(b, `,"finish_reason":`, m.FinishReason)
		}
		b.WriteByte('}')
	}
	b.WriteByte(']')
}

// writeToolDefs writes the JSON of json.Marshal(semconvToolDefs(defs)).
func writeToolDefs(b *strings.Builder, defs []genai.ToolDefinition) {
	b.WriteByte('[')
	for i := range defs {
		d := &defs[i]
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`{"type":`)
		writeString(b, d.Type)
		b.WriteString(`,"name":`)
		writeString(b, d.Name)
		field(b, `,"description":`, d.Description)
		if p := strings.TrimSpace(d.Parameters); p != "" {
			if t := scanJSON(p); t != notJSON {
				b.WriteString(`,"parameters":`)
				writeJSON(b, p, t)
			}
		}
		b.WriteByte('}')
	}
	b.WriteByte(']')
}

// finiteScores reports whether json.Marshal can encode the documents'
// scores: it fails on NaN and infinities.
func finiteScores(docs []genai.Document) bool {
	for i := range docs {
		if s := docs[i].Score; docs[i].HasScore && (math.IsNaN(s) || math.IsInf(s, 0)) {
			return false
		}
	}
	return true
}

// writeDocs writes the JSON of json.Marshal(semconvDocs(docs)); the
// scores are finite (finiteScores).
func writeDocs(b *strings.Builder, docs []genai.Document) {
	b.WriteByte('[')
	for i := range docs {
		d := &docs[i]
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('{')
		sep := ""
		if d.ID != "" {
			b.WriteString(`"id":`)
			writeString(b, d.ID)
			sep = ","
		}
		if d.HasScore {
			b.WriteString(sep)
			b.WriteString(`"score":`)
			writeFloat(b, d.Score)
			sep = ","
		}
		if d.Content != "" {
			b.WriteString(sep)
			b.WriteString(`"content":`)
			writeString(b, d.Content)
		}
		b.WriteByte('}')
	}
	b.WriteByte(']')
}

// writeFloat writes a finite f as encoding/json does: like %g with the
// exponent cut-offs of ES6 and no padding of the exponent.
func writeFloat(b *strings.Builder, f float64) {
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	var buf [32]byte
	out := strconv.AppendFloat(buf[:0], f, format, -1, 64)
	if n := len(out); format == 'e' && n >= 4 && out[n-4] == 'e' && out[n-3] == '-' && out[n-2] == '0' {
		out[n-2] = out[n-1] // e-09 becomes e-9
		out = out[:n-1]
	}
	b.Write(out)
}

// The room the JSON of each content shape takes, escapes aside: the
// content keys of a span are written into one buffer of their total size.

func messagesSize(msgs []genai.Message) int {
	n := 2
	for i := range msgs {
		m := &msgs[i]
		n += 48 + len(m.Role) + len(m.Name) + len(m.FinishReason) + partsSize(m.Parts)
	}
	return n
}

func partsSize(parts []genai.Part) int {
	n := 16
	for i := range parts {
		p := &parts[i]
		m := 32 + len(p.Type) + len(p.Content) + len(p.ID) + len(p.Name) + len(p.Arguments) + len(p.Modality) + len(p.MimeType)
		n += m + m/32 // room for some escapes
	}
	return n
}

func toolDefsSize(defs []genai.ToolDefinition) int {
	n := 2
	for i := range defs {
		d := &defs[i]
		n += 64 + len(d.Type) + len(d.Name) + len(d.Description) + len(d.Parameters)
	}
	return n
}

func docsSize(docs []genai.Document) int {
	n := 2
	for i := range docs {
		n += 48 + len(docs[i].ID) + len(docs[i].Content)
	}
	return n + n/32
}

func writeParts(b *strings.Builder, parts []genai.Part) {
	b.WriteByte('[')
	for i := range parts {
		if i > 0 {
			b.WriteByte(',')
		}
		writePart(b, &parts[i])
	}
	b.WriteByte(']')
}

// writePart mirrors semconvParts and the semconvPart field order.
func writePart(b *strings.Builder, p *genai.Part) {
	var content, id, name, response, modality, mimeType, uri, fileID string
	var args string
	argsJSON := notJSON
	switch p.Type {
	case genai.PartToolCall:
		id, name = p.ID, p.Name
		if a := strings.TrimSpace(p.Arguments); a != "" {
			args = a
			if a[0] == '{' || a[0] == '[' {
				argsJSON = scanJSON(a)
			}
		}
	case genai.PartToolCallResponse:
		id, response = p.ID, p.Content
	case genai.PartBlob:
		modality, mimeType, content = p.Modality, p.MimeType, p.Content
	case genai.PartURI:
		modality, mimeType, uri = p.Modality, p.MimeType, p.Content
	case genai.PartFile:
		modality, mimeType, fileID = p.Modality, p.MimeType, p.Content
	default:
		content = p.Content
	}
	b.WriteString(`{"type":`)
	writeString(b, p.Type)
	field(b, `,"content":`, content)
	field(b, `,"id":`, id)
	field(b, `,"name":`, name)
	switch {
	case argsJSON != notJSON:
		b.WriteString(`,"arguments":`)
		writeJSON(b, args, argsJSON)
	case args != "":
		b.WriteString(`,"arguments":`)
		writeString(b, args)
	}
	field(b, `,"response":`, response)
	field(b, `,"modality":`, modality)
	field(b, `,"mime_type":`, mimeType)
	field(b, `,"uri":`, uri)
	field(b, `,"file_id":`, fileID)
	b.WriteByte('}')
}

// field writes an omitempty string field.
func field(b *strings.Builder, key, v string) {
	if v == "" {
		return
	}
	b.WriteString(key)
	writeString(b, v)
}

// writeString writes s as a JSON string exactly as encoding/json does.
func writeString(b *strings.Builder, s string) { jsonesc.Write(b, s) }
