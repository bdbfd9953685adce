package genainormalizeprocessor

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"unsafe"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/periscope-otel/periscope/internal/genai"
)

// contentView has every content key, its text escaping to up to six times
// its size: the shared buffer outgrows its room on the way.
func contentView(text string) *genai.View {
	return &genai.View{
		Dialect:            genai.DialectOpenLLMetry,
		Category:           genai.CategoryLLM,
		SystemInstructions: []genai.Part{{Type: genai.PartText, Content: "sys " + text}},
		InputMessages: []genai.Message{{Role: "user", Parts: []genai.Part{{Type: genai.PartText, Content: text},
			{Type: genai.PartToolCall, ID: "c1", Name: "f", Arguments: `{"q": "` + strings.ReplaceAll(text, `"`, `'`) + `"}`}}}},
		OutputMessages:  []genai.Message{{Role: "assistant", FinishReason: "stop", Parts: []genai.Part{{Type: genai.PartText, Content: "out " + text}}}},
		ToolDefinitions: []genai.ToolDefinition{{Type: "function", Name: "f", Description: text, Parameters: `{"type": "object"}`}},
		Documents:       []genai.Document{{ID: "d1", Content: text, Score: 0.5, HasScore: true}},
	}
}

// TestContentKeysShareOneBuffer: every content key holds what json.Marshal
// writes of its reference structs, whether or not the buffer had room.
func TestContentKeysShareOneBuffer(t *testing.T) {
	for _, text := range []string{"plain text", strings.Repeat("<&>", 500), strings.Repeat("a\x01\"", 300) + "\u2028", "\xff" + strings.Repeat("é", 99)} {
		v := contentView(text)
		attrs := pcommon.NewMap()
		attrs.PutStr("other", "x")
		w := writer{cfg: createDefaultConfig(), attrs: attrs}
		w.writeContent(v)
		for k, want := range map[string]any{
			keySystemInstr:     semconvParts(v.SystemInstructions),
			keyInputMessages:   semconvMessages(v.InputMessages, false),
			keyOutputMessages:  semconvMessages(v.OutputMessages, true),
			keyToolDefinitions: semconvToolDefs(v.ToolDefinitions),
			keyRetrievalDocs:   semconvDocs(v.Documents),
		} {
			b, err := json.Marshal(want)
			if err != nil {
				t.Fatal(err)
			}
			if got, _ := attrs.Get(k); got.Str() != string(b) {
				t.Fatalf("%s:\ngot  %s\nwant %s", k, got.Str(), b)
			}
		}
		if w.n != contentKinds {
			t.Fatalf("%d keys written, want %d", w.n, contentKinds)
		}
	}
}

// TestContentBufferShared: with room enough, the content keys of a span
// are slices of one allocation, and a key already present is left alone.
func TestContentBufferShared(t *testing.T) {
	v := contentView("plain text")
	attrs := pcommon.NewMap()
	attrs.PutStr(keyOutputMessages, "kept")
	w := writer{cfg: createDefaultConfig(), attrs: attrs}
	w.writeContent(v)
	in, _ := attrs.Get(keyInputMessages)
	sys, _ := attrs.Get(keySystemInstr)
	out, _ := attrs.Get(keyOutputMessages)
	if out.Str() != "kept" {
		t.Fatalf("present key rewritten: %s", out.Str())
	}
	if unsafe.Pointer(unsafe.StringData(in.Str())) != unsafe.Add(unsafe.Pointer(unsafe.StringData(sys.Str())), len(sys.Str())) {
		t.Fatal("input messages do not follow the system instructions in one buffer")
	}
}

// TestReplacementKeysFit: removeOriginals keeps the presence of the
// replacement keys in one uint64.
func TestReplacementKeysFit(t *testing.T) {
	if n := len(genai.ReplacementKeys()); n > 64 || len(replacementBit) != n {
		t.Fatalf("%d replacement keys (%d distinct): removeOriginals needs a wider set", n, len(replacementBit))
	}
}

// refRemoveOriginals is removeOriginals as it was, the reference: the
// presence of each replacement key looked up on its own.
func refRemoveOriginals(w *writer, v *genai.View) {
	present := make(map[string]bool)
	for _, t := range genai.ReplacementKeys() {
		if _, ok := w.attrs.Get(t); ok {
			present[t] = true
		}
	}
	contentKept := v.Truncated || !w.cfg.Content
	w.attrs.RemoveIf(func(k string, _ pcommon.Value) bool {
		rep, ok := v.Replaced(k)
		if !ok || k == rep.Semconv {
			return false
		}
		if rep.Content && contentKept {
			return false
		}
		return present[rep.Semconv]
	})
	if !w.cfg.EmitLegacySystem && present[keyProvider] {
		w.attrs.Remove(keySystem)
	}
}

// TestRemoveOriginalsMatchesReference: on every span of the samples, each
// configuration leaves the attributes the reference leaves, in order.
func TestRemoveOriginalsMatchesReference(t *testing.T) {
	n := 0
	for _, f := range samples(t) {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		td, err := (&ptrace.JSONUnmarshaler{}).UnmarshalTraces(raw)
		if err != nil {
			continue // a logs sample
		}
		forEachSpan(td, func(res pcommon.Resource, sp ptrace.Span) {
			for _, cfg := range []Config{{RemoveOriginals: true}, {RemoveOriginals: true, Content: true},
				{RemoveOriginals: true, Content: true, EmitLegacySystem: true}, {RemoveOriginals: true, Content: true, Overwrite: true}} {
				v := genai.ReadSpan(sp, res, genai.Options{Content: cfg.Content, MaxContentBytes: 256 << 10})
				got, want := pcommon.NewMap(), pcommon.NewMap()
				sp.Attributes().CopyTo(got)
				sp.Attributes().CopyTo(want)
				for _, m := range []pcommon.Map{got, want} {
					w := writer{cfg: &cfg, attrs: m}
					w.writeMetadata(&v)
					if cfg.Content {
						w.writeContent(&v)
					}
					if m == got {
						w.removeOriginals(&v)
					} else {
						refRemoveOriginals(&w, &v)
					}
				}
				if g, w := fmt.Sprint(got.AsRaw()), fmt.Sprint(want.AsRaw()); g != w || got.Len() != want.Len() {
					t.Fatalf("%s %s %+v:\ngot  %s\nwant %s", f, sp.Name(), cfg, g, w)
				}
				var gk, wk []string
				for k := range got.All() {
					gk = append(gk, k)
				}
				for k := range want.All() {
					wk = append(wk, k)
				}
				if fmt.Sprint(gk) != fmt.Sprint(wk) {
					t.Fatalf("%s %s: key order %v, want %v", f, sp.Name(), gk, wk)
				}
				n++
			}
		})
	}
	if n < 50 {
		t.Fatalf("only %d spans", n)
	}
}
