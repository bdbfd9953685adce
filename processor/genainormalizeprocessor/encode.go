package genainormalizeprocessor

import (
	"encoding/json"
	"strings"
	"unicode/utf8"

	"github.com/periscope-otel/periscope/internal/genai"
)

// A direct encoder of the semconv message shape: the same bytes as
// json.Marshal of semconvMessages / semconvParts (field order, omitempty,
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
			if json.Valid([]byte(a)) && (a[0] == '{' || a[0] == '[') {
				// json.Marshal compacts (and HTML-escapes) a RawMessage.
				if enc, err := json.Marshal(json.RawMessage(a)); err == nil {
					args, argsRaw = string(enc), true
				}
			} else {
				args = a
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
		// 8 bytes at a time while none needs escaping (a check that may say
		// no spuriously, never yes wrongly; written out to stay inlined).
		for i+8 <= len(s) {
			w := load8(s, i)
			if (hasByte(w, '"')|hasByte(w, '\\')|hasByte(w, '<')|hasByte(w, '>')|hasByte(w, '&')|
				(w-0x20*lsb)&^w|w)&msb != 0 {
				break
			}
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
