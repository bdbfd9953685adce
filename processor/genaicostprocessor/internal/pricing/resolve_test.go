package pricing

import "testing"

// TestAnotherProvidersPriceIsAnEstimate: a model the span's provider has no
// row for may be priced from a documented sibling (Claude on Vertex for an
// Anthropic span, OpenAI for Azure), but never silently: the match says it
// is an estimate; the provider's own row is exact.
func TestAnotherProvidersPriceIsAnEstimate(t *testing.T) {
	tbl := NewTable("test")
	tbl.Add(&Entry{Family: "vertex_ai", Name: "claude-3-7-sonnet@20250219", Versions: []Version{{}}})
	tbl.Add(&Entry{Family: "openai", Name: "gpt-4o", Versions: []Version{{}}})
	tbl.Add(&Entry{Family: "azure", Name: "gpt-4o-mini", Versions: []Version{{}}})
	c := NewCatalog(nil, []*Table{tbl}, "")
	for _, tc := range []struct {
		family, model, id string
		estimated         bool
	}{
		{"anthropic", "claude-3-7-sonnet@20250219", "vertex_ai/claude-3-7-sonnet@20250219", true},
		{"azure", "gpt-4o", "openai/gpt-4o", true},
		{"azure", "gpt-4o-mini", "azure/gpt-4o-mini", false},
		{"openai", "gpt-4o", "openai/gpt-4o", false},
	} {
		m, ok := c.Resolve(tc.family, tc.model, "", "")
		if !ok {
			t.Fatalf("%s %s: not priced", tc.family, tc.model)
		}
		if m.Entry.ID != tc.id || m.Estimated != tc.estimated {
			t.Errorf("%s %s: priced from %s (rule %s, estimated %v), want %s estimated %v",
				tc.family, tc.model, m.Entry.ID, m.Rule, m.Estimated, tc.id, tc.estimated)
		}
	}
}
