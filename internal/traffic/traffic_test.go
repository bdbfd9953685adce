package traffic

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/periscope-otel/periscope/internal/testutil"
)

func TestInsertTextKeepsJSONValid(t *testing.T) {
	for _, s := range []string{
		`[{"role":"user","parts":[{"type":"text","content":"hi"}]}]`,
		`{"messages":[{"role":"user","content":"hi"}]}`,
		`[{"type":"text","text":"hi"}]`,
	} {
		got, ok := insertText(s, "ref-1 pad ")
		if !ok || !json.Valid([]byte(got)) || !strings.Contains(got, "ref-1 pad hi") {
			t.Errorf("insertText(%s) = %s, %v", s, got, ok)
		}
	}
	if got, _ := insertText("plain", "x "); got != "x plain" {
		t.Errorf("plain text: %q", got)
	}
}

// TestBatchesAreDistinctAndPadded: every span of the real samples gets its
// own ids and its own content, padded to about the requested size.
func TestBatchesAreDistinctAndPadded(t *testing.T) {
	tpls, err := LoadTemplates([]string{filepath.Join(testutil.SharedDir(t), "data", "genai-samples")})
	if err != nil {
		t.Fatal(err)
	}
	g := NewGenerator(tpls, 2048)
	td := g.Batch(0, 2*len(tpls))
	ids := map[pcommon.SpanID]bool{}
	contents := map[string]bool{}
	padded := 0
	for _, rs := range td.ResourceSpans().All() {
		for _, ss := range rs.ScopeSpans().All() {
			for _, sp := range ss.Spans().All() {
				ids[sp.SpanID()] = true
				var all strings.Builder
				for k, v := range sp.Attributes().All() {
					if contentKey(k) && v.Type() == pcommon.ValueTypeStr {
						all.WriteString(v.Str())
						if s := strings.TrimSpace(v.Str()); s != "" && (s[0] == '[' || s[0] == '{') && !json.Valid([]byte(s)) {
							t.Errorf("%s: JSON content made invalid", k)
						}
					}
				}
				if all.Len() > 0 {
					if contents[all.String()] {
						t.Errorf("span %s repeats another span's content", sp.SpanID())
					}
					contents[all.String()] = true
					if all.Len() >= 2048 {
						padded++
					}
				}
			}
		}
	}
	if len(ids) != td.SpanCount() {
		t.Errorf("%d distinct span ids for %d spans", len(ids), td.SpanCount())
	}
	if padded == 0 {
		t.Error("no span was padded")
	}
}

// TestIdentityKeysStayAsSent: prompt names, versions, roles and the like
// are not text; a nonce there would make every span its own prompt.
func TestIdentityKeysStayAsSent(t *testing.T) {
	for _, k := range []string{"langfuse.observation.prompt.name", "traceloop.prompt.version", "traceloop.prompt.key",
		"llm.prompt_template.version", "gen_ai.prompt.0.role", "gen_ai.completion.0.finish_reason", "input.mime_type"} {
		if contentKey(k) {
			t.Errorf("%s is treated as content", k)
		}
	}
	for _, k := range []string{"gen_ai.input.messages", "gen_ai.prompt.0.content", "llm.prompt_template.template", "input.value", "ai.prompt.messages"} {
		if !contentKey(k) {
			t.Errorf("%s is not treated as content", k)
		}
	}
}
