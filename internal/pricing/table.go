package pricing

import (
	"regexp"
	"sort"
	"strings"
)

// Pattern prices every model name its regular expression matches in full.
type Pattern struct {
	Re     *regexp.Regexp
	Family string // "" = any provider
	Entry  *Entry
}

// Table is one price table (embedded catalog, a loaded file). Keys are lower
// case.
type Table struct {
	Name     string
	Hash     string
	byFamily map[string]map[string]*Entry
	byName   map[string][]*Entry
	dated    map[string]map[string][]*Entry // family → undated alias → dated snapshots, ascending
	Patterns []Pattern
	Warnings []Warning
	n        int
}

// NewTable returns an empty table.
func NewTable(name string) *Table {
	return &Table{Name: name, byFamily: map[string]map[string]*Entry{}, byName: map[string][]*Entry{}, dated: map[string]map[string][]*Entry{}}
}

// Add inserts e (replacing an entry with the same family and name).
func (t *Table) Add(e *Entry) {
	e.Family = strings.ToLower(e.Family)
	e.Name = strings.ToLower(e.Name)
	if e.ID == "" {
		e.ID = e.Family + "/" + e.Name
	}
	e.Table = t.Name
	m := t.byFamily[e.Family]
	if m == nil {
		m = map[string]*Entry{}
		t.byFamily[e.Family] = m
	}
	if old, ok := m[e.Name]; ok {
		list := t.byName[e.Name]
		for i, x := range list {
			if x == old {
				list[i] = e
			}
		}
	} else {
		t.n++
		t.byName[e.Name] = append(t.byName[e.Name], e)
		sort.SliceStable(t.byName[e.Name], func(i, j int) bool {
			return FamilyRank(t.byName[e.Name][i].Family) < FamilyRank(t.byName[e.Name][j].Family)
		})
	}
	m[e.Name] = e
	if alias := stripDate(e.Name); alias != e.Name && !strings.HasSuffix(e.Name, "-latest") && !strings.Contains(e.Name, "-preview") {
		d := t.dated[e.Family]
		if d == nil {
			d = map[string][]*Entry{}
			t.dated[e.Family] = d
		}
		list := d[alias]
		for i, x := range list {
			if x.Name == e.Name {
				list = append(list[:i], list[i+1:]...)
				break
			}
		}
		list = append(list, e)
		sort.Slice(list, func(i, j int) bool { return list[i].Name < list[j].Name })
		d[alias] = list
	}
}

// Dated returns family's dated snapshots whose undated alias is alias
// ("claude-opus-4" → claude-opus-4-20250514), oldest first.
func (t *Table) Dated(family, alias string) []*Entry { return t.dated[family][alias] }

// AddPattern adds a regex-matched entry. The expression is anchored.
func (t *Table) AddPattern(p Pattern) {
	p.Entry.Table = t.Name
	t.Patterns = append(t.Patterns, p)
}

// Len is the number of keyed entries plus patterns.
func (t *Table) Len() int { return t.n + len(t.Patterns) }

// Get returns the entry of family/name.
func (t *Table) Get(family, name string) *Entry {
	if m := t.byFamily[family]; m != nil {
		return m[name]
	}
	return nil
}

// ByName returns the entries named name in any family, first-party first.
func (t *Table) ByName(name string) []*Entry { return t.byName[name] }

// Entries calls fn for every keyed entry.
func (t *Table) Entries(fn func(*Entry)) {
	for _, m := range t.byFamily {
		for _, e := range m {
			fn(e)
		}
	}
}

// familyOrder ranks provider families for name-only lookups: when the
// provider is unknown, the first party's price wins over resellers.
var familyOrder = []string{
	"openai", "anthropic", "gemini", "vertex_ai", "bedrock", "azure", "mistral", "cohere",
	"deepseek", "xai", "meta_llama", "groq", "together_ai", "fireworks_ai", "perplexity", "openrouter",
}

// FamilyRank orders families (unknown families last).
func FamilyRank(f string) int {
	for i, x := range familyOrder {
		if x == f {
			return i
		}
	}
	return len(familyOrder)
}
