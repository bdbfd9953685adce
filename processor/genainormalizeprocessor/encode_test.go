package genainormalizeprocessor

import (
	"encoding/json"
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
