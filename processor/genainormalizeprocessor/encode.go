package genainormalizeprocessor

import (
	"bytes"
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/periscope-otel/periscope/internal/genai"
)

// A direct encoder of the semconv content shapes: the same bytes as
// json.Marshal of the reference structs of semconv_ref_test.go (messages,
// parts, tool definitions, documents: field order, omitempty,
// HTML-safe escaping, invalid UTF-8 as \ufffd), written once into the
// attribute's string without reflection or intermediate structs.

// encodeMessages returns the JSON of json.Marshal(semconvMessages(msgs, output)).
func encodeMessages(msgs []genai.Message, output bool) string {
	var b strings.Builder
	b.Grow(estimate(msgs))
	b.WriteByte('[')
	for i := range msgs {
		m := &msgs[i]
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`{"role":`)
		writeString(&b, m.Role)
		b.WriteString(`,"parts":`)
		writeParts(&b, m.Parts)
		if m.Name != "" {
			b.WriteString(`,"name":`)
			writeString(&b, m.Name)
		}
		if output && m.FinishReason != "" {
			b.WriteString(`,"finish_reason":`)
			writeString(&b, m.FinishReason)
		}
		b.WriteByte('}')
	}
	b.WriteByte(']')
	return b.String()
}

// encodeParts returns the JSON of json.Marshal(semconvParts(parts)).
func encodeParts(parts []genai.Part) string {
	var b strings.Builder
	n := 16
	for i := range parts {
		n += partSize(&parts[i])
	}
	b.Grow(n)
	writeParts(&b, parts)
	return b.String()
}

// encodeToolDefs returns the JSON of json.Marshal(semconvToolDefs(defs)).
func encodeToolDefs(defs []genai.ToolDefinition) string {
	var b strings.Builder
	n := 2
	for i := range defs {
		d := &defs[i]
		n += 64 + len(d.Type) + len(d.Name) + len(d.Description) + len(d.Parameters)
	}
	b.Grow(n)
	b.WriteByte('[')
	for i := range defs {
		d := &defs[i]
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`{"type":`)
		writeString(&b, d.Type)
		b.WriteString(`,"name":`)
		writeString(&b, d.Name)
		field(&b, `,"description":`, d.Description)
		if p := strings.TrimSpace(d.Parameters); p != "" {
			if enc, ok := compactJSON(p); ok {
				b.WriteString(`,"parameters":`)
				b.WriteString(enc)
			}
		}
		b.WriteByte('}')
	}
	b.WriteByte(']')
	return b.String()
}

// compactJSON returns s as json.Marshal writes a json.RawMessage of it
// (compacted, HTML-escaped), false when s is not JSON: one validating pass
// where json.Valid and json.Marshal take two.
func compactJSON(s string) (string, bool) {
	var c bytes.Buffer
	c.Grow(len(s))
	if json.Compact(&c, []byte(s)) != nil {
		return "", false
	}
	// HTMLEscape also escapes U+2028 and U+2029, both led by 0xE2.
	if !bytes.ContainsAny(c.Bytes(), "<>&") && bytes.IndexByte(c.Bytes(), 0xE2) < 0 {
		return c.String(), true
	}
	var e bytes.Buffer
	json.HTMLEscape(&e, c.Bytes())
	return e.String(), true
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

// encodeDocs returns the JSON of json.Marshal(semconvDocs(docs)); the
// scores are finite (finiteScores).
func encodeDocs(docs []genai.Document) string {
	var b strings.Builder
	n := 2
	for i := range docs {
		n += 48 + len(docs[i].ID) + len(docs[i].Content)
	}
	b.Grow(n + n/32)
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
			writeString(&b, d.ID)
			sep = ","
		}
		if d.HasScore {
			b.WriteString(sep)
			b.WriteString(`"score":`)
			writeFloat(&b, d.Score)
			sep = ","
		}
		if d.Content != "" {
			b.WriteString(sep)
			b.WriteString(`"content":`)
			writeString(&b, d.Content)
		}
		b.WriteByte('}')
	}
	b.WriteByte(']')
	return b.String()
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

func estimate(msgs []genai.Message) int {
	n := 2
	for i := range msgs {
		m := &msgs[i]
		n += 48 + len(m.Role) + len(m.Name) + len(m.FinishReason)
		for j := range m.Parts {
			n += partSize(&m.Parts[j])
		}
	}
	return n
}

func partSize(p *genai.Part) int {
	n := 32 + len(p.Type) + len(p.Content) + len(p.ID) + len(p.Name) + len(p.Arguments) + len(p.Modality) + len(p.MimeType)
	return n + n/32 // room for some escapes
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
	argsRaw := false
	switch p.Type {
	case genai.PartToolCall:
		id, name = p.ID, p.Name
		if a := strings.TrimSpace(p.Arguments); a != "" {
			args = a
			if a[0] == '{' || a[0] == '[' {
				if enc, ok := compactJSON(a); ok {
					args, argsRaw = enc, true
				}
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
	case argsRaw:
		b.WriteString(`,"arguments":`)
		b.WriteString(args)
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

const hexDigits = "0123456789abcdef"

// plain marks the ASCII bytes encoding/json writes as they are with HTML
// escaping on: printable, not '"', '\\', '<', '>' or '&'.
var plain = func() (t [utf8.RuneSelf]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = true
	}
	for _, c := range `"\<>&` {
		t[c] = false
	}
	return t
}()

// writeString writes s as a JSON string exactly as encoding/json does.
func writeString(b *strings.Builder, s string) {
	b.WriteByte('"')
	start := 0
	for i := 0; i < len(s); {
		// 8 bytes at a time while none needs escaping (special may say yes
		// spuriously, never no wrongly).
		for i+8 <= len(s) && special(load8(s, i))&msb == 0 {
			i += 8
		}
		if i >= len(s) {
			break
		}
		c := s[i]
		if c < utf8.RuneSelf {
			if plain[c] {
				i++
				continue
			}
			b.WriteString(s[start:i])
			switch c {
			case '\\', '"':
				b.WriteByte('\\')
				b.WriteByte(c)
			case '\b':
				b.WriteString(`\b`)
			case '\f':
				b.WriteString(`\f`)
			case '\n':
				b.WriteString(`\n`)
			case '\r':
				b.WriteString(`\r`)
			case '\t':
				b.WriteString(`\t`)
			default:
				b.WriteString(`\u00`)
				b.WriteByte(hexDigits[c>>4])
				b.WriteByte(hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b.WriteString(s[start:i])
			b.WriteString(`\ufffd`)
			i++
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b.WriteString(s[start:i])
			b.WriteString(`\u202`)
			b.WriteByte(hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b.WriteString(s[start:])
	b.WriteByte('"')
}

const (
	lsb = 0x0101010101010101
	msb = 0x8080808080808080
)

// special has the high bit of a byte of w set where a byte of w may need
// escaping: '"', '\\', '<', '>', '&', control or non-ASCII. '"' and '&'
// differ only in bit 2, '<' and '>' only in bit 1: with that bit set, one
// compare finds either of a pair.
func special(w uint64) uint64 {
	return hasByte(w|4*lsb, '&') | hasByte(w|2*lsb, '>') | hasByte(w, '\\') | (w-0x20*lsb)&^w | w
}

func hasByte(w uint64, c byte) uint64 {
	x := w ^ (uint64(c) * lsb)
	return (x - lsb) &^ x
}

// load8 is the 8 bytes of s at i, little-endian: written so that the
// compiler inlines it as one load (the loop runs on every byte of content).
func load8(s string, i int) uint64 {
	s = s[i : i+8]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}
