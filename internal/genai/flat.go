package genai

import (
	"strconv"
	"strings"

	"go.opentelemetry.io/collector/pdata/pcommon"
)

// maxFlatIndex bounds indexes of flattened lists so a hostile key such as
// gen_ai.prompt.99999999.role cannot allocate a huge slice.
const maxFlatIndex = 1024

// flatMessage collects one message of a flattened list.
type flatMessage struct {
	set          bool
	role, name   string
	content      string
	contentParts []flatPart // OpenInference message.contents.J.*
	toolCallID   string
	finish       string
	toolCalls    []flatPart
}

type flatPart struct {
	typ, text, id, name, args string
	url                       string // OpenInference image.image.url
}

// flatMessages reassembles <i>.<field> keys, sorted by numeric index.
type flatMessages struct {
	msgs []flatMessage
}

func splitIndex(rest string) (int, string, bool) {
	dot := strings.IndexByte(rest, '.')
	if dot <= 0 {
		return 0, "", false
	}
	i, err := strconv.Atoi(rest[:dot])
	if err != nil || i < 0 || i >= maxFlatIndex {
		return 0, "", false
	}
	return i, rest[dot+1:], true
}

func (f *flatMessages) at(i int) *flatMessage {
	for len(f.msgs) <= i {
		f.msgs = append(f.msgs, flatMessage{})
	}
	m := &f.msgs[i]
	m.set = true
	return m
}

func partAt(parts *[]flatPart, i int) *flatPart {
	for len(*parts) <= i {
		*parts = append(*parts, flatPart{})
	}
	return &(*parts)[i]
}

// set records "<i>.<field>" where field is role, content, name,
// tool_call_id, finish_reason, refusal, contents.<j>.<type|text>,
// tool_calls.<j>.<id|name|arguments>.
func (f *flatMessages) set(r *reader, rest string, v pcommon.Value) {
	i, field, ok := splitIndex(rest)
	if !ok || field == "" { // "0.message." names no field: no message
		return
	}
	m := f.at(i)
	switch field {
	case "role":
		m.role = strVal(v)
	case "content":
		switch v.Type() {
		case pcommon.ValueTypeStr:
			m.content = r.b.take(v.Str())
		case pcommon.ValueTypeInt, pcommon.ValueTypeDouble, pcommon.ValueTypeBool:
			m.content = r.b.take(v.AsString()) // a number is text, not nothing
		default:
			if x, ok := r.contentValue(field, v); ok {
				m.content = r.b.take(anyText(x))
			}
		}
	case "name":
		m.name = strVal(v)
	case "tool_call_id":
		m.toolCallID = strVal(v)
	case "finish_reason":
		m.finish = strVal(v)
	case "refusal":
		if s := strVal(v); s != "" && m.content == "" {
			m.content = r.b.take(s)
		}
	default:
		if strings.HasPrefix(field, "contents.") {
			j, sub, ok := splitIndex(field[len("contents."):])
			if !ok {
				return
			}
			p := partAt(&m.contentParts, j)
			switch sub {
			case "type":
				p.typ = strVal(v)
			case "text":
				p.text = r.b.take(strVal(v))
			case "image.image.url", "image.url", "image_url.url", "audio.audio.url":
				p.url = strVal(v)
				if p.typ == "" {
					p.typ = strings.SplitN(sub, ".", 2)[0]
				}
			}
			return
		}
		if strings.HasPrefix(field, "tool_calls.") {
			j, sub, ok := splitIndex(field[len("tool_calls."):])
			if !ok {
				return
			}
			p := partAt(&m.toolCalls, j)
			switch sub {
			case "id":
				p.id = strVal(v)
			case "name":
				p.name = strVal(v)
			case "arguments":
				p.args = r.b.take(strVal(v))
			}
		}
	}
}

// messages converts the collected list; content that is itself a JSON list
// of parts (OpenLLMetry multimodal) is decoded.
func (f *flatMessages) messages(r *reader, defaultRole string) []Message {
	if len(f.msgs) == 0 {
		return nil
	}
	out := make([]Message, 0, len(f.msgs))
	for _, fm := range f.msgs {
		if !fm.set {
			continue
		}
		if fm.role == "" && fm.content == "" && fm.name == "" && len(fm.contentParts) == 0 && len(fm.toolCalls) == 0 && fm.toolCallID == "" {
			continue // only unknown fields: nothing to say
		}
		role := fm.role
		switch {
		case role == "" && fm.toolCallID != "":
			role = "tool" // answers a tool call
		case role == "":
			role = defaultRole
		}
		var m Message
		m.Role, m.OriginalRole = normalizeRole(role)
		m.Name = fm.name
		m.FinishReason = NormalizeFinishReason(fm.finish)
		if c := fm.content; c != "" {
			switch {
			case fm.toolCallID != "" || m.Role == "tool":
				m.Parts = append(m.Parts, Part{Type: PartToolCallResponse, ID: fm.toolCallID, Content: c})
			case c[0] == '[' && strings.Contains(c, `"type"`):
				if x, ok := r.decodeJSON("content", c); ok {
					if parts, ok := x.([]any); ok {
						m.Parts = append(m.Parts, r.decodeParts(parts)...)
						break
					}
				}
				m.Parts = append(m.Parts, Part{Type: PartText, Content: c})
			default:
				m.Parts = append(m.Parts, Part{Type: PartText, Content: c})
			}
		}
		for _, p := range fm.contentParts {
			typ := p.typ
			switch {
			case typ == "" || typ == "text":
				if p.text != "" {
					m.Parts = append(m.Parts, Part{Type: PartText, Content: p.text})
				}
			case p.url != "":
				m.Parts = append(m.Parts, r.mediaPart(strings.TrimSuffix(typ, "_url"), p.url))
			default:
				m.Parts = append(m.Parts, Part{Type: typ, Content: p.text})
			}
		}
		for _, tc := range fm.toolCalls {
			m.Parts = append(m.Parts, Part{Type: PartToolCall, ID: tc.id, Name: tc.name, Arguments: tc.args})
		}
		out = append(out, m)
	}
	return out
}

// flatDocs reassembles retrieval.documents.<i>.document.<field>.
type flatDocs struct {
	docs []Document
	seen []bool
}

func (f *flatDocs) set(r *reader, rest string, v pcommon.Value) {
	i, field, ok := splitIndex(rest)
	if !ok {
		return
	}
	for len(f.docs) <= i {
		f.docs = append(f.docs, Document{})
		f.seen = append(f.seen, false)
	}
	f.seen[i] = true
	d := &f.docs[i]
	switch strings.TrimPrefix(field, "document.") {
	case "id":
		d.ID = strVal(v)
	case "content":
		d.Content = r.b.take(strVal(v))
	case "score":
		if s, ok := toFloat(v); ok {
			d.Score, d.HasScore = s, true
		}
	}
}

func (f *flatDocs) documents() []Document {
	var out []Document
	for i, d := range f.docs {
		if f.seen[i] && (d.Content != "" || d.ID != "") {
			out = append(out, d)
		}
	}
	return out
}
