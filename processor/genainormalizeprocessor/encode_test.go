package genainormalizeprocessor

import (
	"encoding/json"
	"math"
	"strings"
	"testing"

	"github.com/periscope-otel/periscope/internal/genai"
)

func encodeSeeds() [][]genai.Message {
	return [][]genai.Message{
		{{Role: "user", Parts: []genai.Part{{Type: genai.PartText, Content: "hi <b>&amp;</b> \"q\" \\ \n\r\t\b\f\x01\x1f \u2028\u2029 é 😀 \xff\xfe end"}}}},
		{{Role: "assistant", Name: "bot", FinishReason: "stop", Parts: []genai.Part{
			{Type: genai.PartToolCall, ID: "c1", Name: "f", Arguments: ` {"a": [1, 2], "h": "<x>"} `},
			{Type: genai.PartToolCall, ID: "c2", Name: "g", Arguments: "not json"},
			{Type: genai.PartToolCall, ID: "c3", Name: "h", Arguments: "  "},
			{Type: genai.PartToolCall, ID: "c4", Name: "i", Arguments: `"str"`},
			{Type: genai.PartToolCallResponse, ID: "c1", Content: "ok"},
			{Type: genai.PartBlob, Modality: "image", MimeType: "image/png", Content: "AAAA"},
			{Type: genai.PartURI, Modality: "image", Content: "https://x/y.png?a=1&b=2"},
			{Type: genai.PartFile, Modality: "document", Content: "file-1"},
			{Type: genai.PartReasoning, Content: "think"},
			{Type: "custom", Content: ""},
		}}},
		{{Role: "", Parts: nil}, {Role: "system", Parts: []genai.Part{}}},
		{{Role: "user", Parts: []genai.Part{{Type: genai.PartText, Content: strings.Repeat("long <text> ", 300)}}}},
	}
}

func checkEncode(t *testing.T, msgs []genai.Message) {
	for _, output := range []bool{false, true} {
		want, err := json.Marshal(semconvMessages(msgs, output))
		if err != nil {
			t.Fatal(err)
		}
		if got := encodeMessages(msgs, output); got != string(want) {
			t.Fatalf("messages (output=%v):\ngot  %s\nwant %s", output, got, want)
		}
	}
	for _, m := range msgs {
		want, _ := json.Marshal(semconvParts(m.Parts))
		if got := encodeParts(m.Parts); got != string(want) {
			t.Fatalf("parts:\ngot  %s\nwant %s", got, want)
		}
	}
}

func TestEncodeMatchesJSONMarshal(t *testing.T) {
	for _, msgs := range encodeSeeds() {
		checkEncode(t, msgs)
	}
}

func FuzzEncode(f *testing.F) {
	f.Add("user", "text", "hello <world> \u2028", "", "stop")
	f.Add("assistant", "tool_call", "", `{"x": [1, "<"]}`, "")
	f.Add("tool", "tool_call_response", "\xff\x00\"", "", "")
	f.Fuzz(func(t *testing.T, role, typ, content, args, finish string) {
		p := genai.Part{Type: typ, Content: content, ID: content, Name: role, Arguments: args, Modality: finish, MimeType: content}
		checkEncode(t, []genai.Message{{Role: role, Name: content, FinishReason: finish, Parts: []genai.Part{p, {Type: genai.PartToolCall, Arguments: content}}}})
	})
}

// checkEncodeDocs: the direct encoders of tool definitions and documents
// write what json.Marshal writes of the reference structs, and a document
// set json.Marshal refuses (a NaN or infinite score) is left unwritten.
func checkEncodeDocs(t *testing.T, defs []genai.ToolDefinition, docs []genai.Document) {
	want, err := json.Marshal(semconvToolDefs(defs))
	if err != nil {
		t.Fatal(err)
	}
	if got := encodeToolDefs(defs); got != string(want) {
		t.Fatalf("tool definitions:\ngot  %s\nwant %s", got, want)
	}
	want, err = json.Marshal(semconvDocs(docs))
	if finiteScores(docs) != (err == nil) {
		t.Fatalf("documents %v: finiteScores %v, json.Marshal error %v", docs, finiteScores(docs), err)
	}
	if err == nil {
		if got := encodeDocs(docs); got != string(want) {
			t.Fatalf("documents:\ngot  %s\nwant %s", got, want)
		}
	}
}

func TestEncodeDocsMatchesJSONMarshal(t *testing.T) {
	defs := []genai.ToolDefinition{
		{Type: "function", Name: "get_weather", Description: "Weather <now> & later", Parameters: ` {"type": "object", "properties": {"q": {"type": "string", "pattern": "<a>"}}} `},
		{Type: "function", Name: "f", Parameters: "not json"},
		{Type: "", Name: "", Parameters: "  "},
		{Type: "function", Name: "g", Parameters: `"str"`},
		{Type: "function", Name: "h\u2028", Description: "\xff", Parameters: `[1, 2.50, {"a":"\u2028"}]`},
		{Type: "function", Name: "i", Parameters: "{\"a\": \"x\u2028y\u2029 \u00e9\"}"},
		{Type: "function", Name: "j", Parameters: "{\"a\": 1,}"},
		{Type: "function", Name: "k", Parameters: "[\"5 €\", {\"b\" : \"&\"}]"},
	}
	var docs []genai.Document
	for _, s := range []float64{0, 1, -1, 0.5, 1e-7, -1e-7, 1.5e-6, 1e20, 1e21, 123456789012345678901234.0, 5e-324, math.MaxFloat64, math.SmallestNonzeroFloat64, -0.0, 0.000001, 1.0000001e-9} {
		docs = append(docs, genai.Document{ID: "d<1>", Content: "text & more", Score: s, HasScore: true})
	}
	docs = append(docs, genai.Document{}, genai.Document{ID: "x"}, genai.Document{Content: "y"}, genai.Document{Score: 2, HasScore: true})
	checkEncodeDocs(t, defs, docs)
	for _, d := range defs {
		// Tool-call arguments take the same compaction.
		checkEncode(t, []genai.Message{{Role: "assistant", Parts: []genai.Part{{Type: genai.PartToolCall, Name: d.Name, Arguments: d.Parameters}}}})
	}
	for _, bad := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
		checkEncodeDocs(t, defs[:1], []genai.Document{{ID: "a", Score: bad, HasScore: true}})
	}
}

func FuzzEncodeDocs(f *testing.F) {
	f.Add("function", "f", "desc <b>", `{"a": [1, "<"]}`, "doc-1", "content", 0.25, true)
	f.Add("", "", "", "", "", "", 1e-9, false)
	f.Add("x", "\xff", "\u2028", `[1e400]`, "\x00", "\"", 1e21, true)
	f.Fuzz(func(t *testing.T, typ, name, desc, params, id, content string, score float64, hasScore bool) {
		checkEncodeDocs(t, []genai.ToolDefinition{{Type: typ, Name: name, Description: desc, Parameters: params}, {Name: content, Parameters: content}},
			[]genai.Document{{ID: id, Content: content, Score: score, HasScore: hasScore}, {ID: content, Score: -score, HasScore: true}})
	})
}

// TestWriteStringEveryByte: the 8-byte fast path of writeString finds every
// byte that needs escaping, at each position of a word.
func TestWriteStringEveryByte(t *testing.T) {
	for c := 0; c < 256; c++ {
		for pos := 0; pos < 16; pos++ {
			s := []byte(strings.Repeat("abcdefgh", 3))
			s[pos] = byte(c)
			var b strings.Builder
			writeString(&b, string(s))
			want, _ := json.Marshal(string(s))
			if b.String() != string(want) {
				t.Fatalf("byte %#x at %d: got %s want %s", c, pos, b.String(), want)
			}
		}
	}
}
