package pricing

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

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

// TestProviderFirst: the span provider's own row under any spelling beats
// another provider's exact name; another provider's row is flagged.
func TestProviderFirst(t *testing.T) {
	tbl := NewTable("test")
	for _, e := range []struct{ f, n string }{
		{"anthropic", "claude-sonnet-4-5-20250929"}, {"vertex_ai", "claude-sonnet-4-5@20250929"},
		{"anthropic", "claude-opus-4-20250514"}, {"vertex_ai", "claude-opus-4"},
		{"anthropic", "claude-3-7-sonnet-latest"},
		{"openrouter", "anthropic/claude-sonnet-4.5"}, {"openrouter", "anthropic/claude-3.7-sonnet:thinking"},
		{"openrouter", "openai/gpt-4o"},
	} {
		tbl.Add(&Entry{Family: e.f, Name: e.n, Versions: []Version{{}}})
	}
	c := NewCatalog(nil, []*Table{tbl}, "")
	for _, tc := range []struct {
		family, model, id string
		estimated         bool
	}{
		// Vertex's "@" spelling on an Anthropic span: Anthropic's own dated row.
		{"anthropic", "claude-sonnet-4-5@20250929", "anthropic/claude-sonnet-4-5-20250929", false},
		// An undated alias: the provider's own single dated snapshot, not Vertex's alias row.
		{"anthropic", "claude-opus-4", "anthropic/claude-opus-4-20250514", false},
		{"vertex_ai", "claude-opus-4", "vertex_ai/claude-opus-4", false},
		// Undated name → the provider's -latest alias.
		{"anthropic", "claude-3-7-sonnet", "anthropic/claude-3-7-sonnet-latest", false},
		// Router grammars: the router's own row under every spelling.
		{"openrouter", "anthropic/claude-4.5-sonnet", "openrouter/anthropic/claude-sonnet-4.5", false},
		{"openrouter", "anthropic/claude-sonnet-4-5", "openrouter/anthropic/claude-sonnet-4.5", false},
		{"openrouter", "anthropic/claude-3-7-sonnet:thinking", "openrouter/anthropic/claude-3.7-sonnet:thinking", false},
		{"openrouter", "openai/gpt-4o:nitro", "openrouter/openai/gpt-4o", false},
		{"openrouter", "openai/gpt-4o-latest", "openrouter/openai/gpt-4o", true},
		// Not on the router: the upstream provider's price, flagged.
		{"openrouter", "anthropic/claude-4.5-sonnet-20250929", "anthropic/claude-sonnet-4-5-20250929", true},
		// A free variant the catalog does not list costs nothing.
		{"openrouter", "meta-llama/llama-3.3-70b-instruct:free", "openrouter/meta-llama/llama-3.3-70b-instruct:free", false},
	} {
		m, ok := c.Resolve(tc.family, tc.model, "", "")
		if !ok {
			t.Errorf("%s %s: not priced", tc.family, tc.model)
			continue
		}
		if m.Entry.ID != tc.id || m.Estimated != tc.estimated {
			t.Errorf("%s %s: priced from %s (rule %s, estimated %v), want %s estimated %v",
				tc.family, tc.model, m.Entry.ID, m.Rule, m.Estimated, tc.id, tc.estimated)
		}
	}
	if _, ok := c.Resolve("openai", "gpt-4o:free", "", ""); ok {
		t.Error(":free outside a router must not be priced at zero")
	}
}

func TestClaudeReorder(t *testing.T) {
	for in, want := range map[string]string{
		"claude-4.5-sonnet-20250929": "claude-sonnet-4-5-20250929",
		"claude-4-opus":              "claude-opus-4",
		"claude-3.7-sonnet":          "claude-sonnet-3-7",
		"claude-sonnet-4-20250514":   "claude-4-sonnet-20250514",
		"claude-haiku-3-5":           "claude-3-5-haiku",
		"claude-instant-1":           "",
		"gpt-4o":                     "",
	} {
		if got := claudeReorder(in); got != want {
			t.Errorf("claudeReorder(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestResolveMemoMatchesResolve: Resolve through the last-resolution memo
// and the cache answers what resolving afresh answers, for random keys
// with runs and alternations, from concurrent callers (run with -race).
func TestResolveMemoMatchesResolve(t *testing.T) {
	tbl := NewTable("test")
	for _, e := range []struct{ f, n string }{
		{"openai", "gpt-4o"}, {"openai", "gpt-4o-mini"}, {"azure", "gpt-4o-mini"}, {"azure", "eu/gpt-4o-mini"},
		{"anthropic", "claude-opus-4-20250514"}, {"vertex_ai", "claude-opus-4"}, {"openrouter", "openai/gpt-4o"},
	} {
		tbl.Add(&Entry{Family: e.f, Name: e.n, Versions: []Version{{}}})
	}
	ov := []Override{
		{Names: []string{"my-model"}, Entry: &Entry{ID: "override/my-model", Versions: []Version{{}}}},
		{Names: []string{"corp-gpt"}, Tenants: []string{"acme"}, TargetFamily: "openai", TargetName: "gpt-4o"},
	}
	c := NewCatalog(ov, []*Table{tbl}, "")
	families := []string{"", "openai", "azure", "anthropic", "openrouter"}
	models := []string{"gpt-4o", "GPT-4o ", "gpt-4o-mini", "claude-opus-4", "my-model", "corp-gpt", "unknown", "x:free", "openrouter/y:free", ""}
	tenants, regions := []string{"", "acme"}, []string{"", "eu", "global"}
	same := func(a, b Match) bool {
		id := func(m Match) string {
			if m.Entry == nil {
				return ""
			}
			return m.Entry.ID + "|" + m.Entry.Name
		}
		return id(a) == id(b) && a.Rule == b.Rule && a.Estimated == b.Estimated && a.Region == b.Region
	}
	done := make(chan string, 8)
	for g := 0; g < 8; g++ {
		go func(g int) {
			r := rand.New(rand.NewPCG(uint64(g), 1))
			f, m, tn, rg := "", "", "", ""
			for i := 0; i < 5000; i++ {
				if r.IntN(3) != 0 { // runs of the same key, as in a batch
					f, m = families[r.IntN(len(families))], models[r.IntN(len(models))]
					tn, rg = tenants[r.IntN(len(tenants))], regions[r.IntN(len(regions))]
				}
				got, ok := c.Resolve(f, m, tn, rg)
				want := Match{}
				if m != "" {
					want = c.resolve(f, m, tn, rg)
				}
				if !same(got, want) || ok != (want.Entry != nil) {
					done <- fmt.Sprintf("%q %q %q %q: got %+v, want %+v", f, m, tn, rg, got, want)
					return
				}
			}
			done <- ""
		}(g)
	}
	for range 8 {
		if msg := <-done; msg != "" {
			t.Fatal(msg)
		}
	}
}
