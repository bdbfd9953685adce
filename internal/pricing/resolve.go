package pricing

import (
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
)

// Override is an operator's inline entry from the collector configuration:
// either a price (Entry) or an alias to a catalog key (TargetFamily,
// TargetName), matched by exact names or an anchored regular expression,
// optionally only for some provider family or some tenants.
type Override struct {
	Names        []string // lower case, exact
	Re           *regexp.Regexp
	Family       string
	Tenants      []string
	Entry        *Entry
	TargetFamily string
	TargetName   string
	Region       string // region to price an aliased deployment in (azure/<region>/<model>)
}

func (o *Override) matches(family, model, tenant string) bool {
	if o.Family != "" && o.Family != family {
		return false
	}
	if len(o.Tenants) > 0 && !slices.Contains(o.Tenants, tenant) {
		return false
	}
	if slices.Contains(o.Names, model) {
		return true
	}
	return o.Re != nil && o.Re.MatchString(model)
}

// Match is the outcome of resolving a model string.
type Match struct {
	Entry     *Entry
	Rule      string // matcher rule that hit: exact, provider_prefix, alias, override, date_stripped, ...
	Estimated bool
	Region    string // region chosen by an alias
}

// Catalog is an immutable set of layered tables (highest precedence first)
// plus the operator's overrides, with a bounded cache of resolutions. A new
// Catalog is built on every reload, so the cache never outlives its data.
type Catalog struct {
	Overrides []Override // tenant-specific ones are tried first
	Layers    []*Table
	Hash      string

	mu    sync.RWMutex
	cache map[cacheKey]*resolution
	// last is the latest resolution handed out: the calls of a batch
	// mostly name the model of the call before, and comparing the strings
	// is cheaper than hashing them under the lock. Entries are immutable.
	last atomic.Pointer[resolution]
}

type cacheKey struct{ family, model, tenant, region string }

type resolution struct {
	key cacheKey
	m   Match
}

// MaxCache bounds the resolution cache; it is cleared when full so that
// a stream of random model names cannot grow memory.
const MaxCache = 16384

// NewCatalog builds a catalog.
func NewCatalog(overrides []Override, layers []*Table, hash string) *Catalog {
	c := &Catalog{Layers: layers, Hash: hash, cache: make(map[cacheKey]*resolution)}
	// Tenant-specific overrides first, each group in configuration order.
	for _, o := range overrides {
		if len(o.Tenants) > 0 {
			c.Overrides = append(c.Overrides, o)
		}
	}
	for _, o := range overrides {
		if len(o.Tenants) == 0 {
			c.Overrides = append(c.Overrides, o)
		}
	}
	return c
}

// Resolve finds the entry pricing model for a provider family and tenant.
// region selects regional keys (azure/eu/<model>) when the table has them.
// The result is cached per (family, model, tenant, region).
func (c *Catalog) Resolve(family, model, tenant, region string) (Match, bool) {
	if model == "" || len(model) > MaxModelLen {
		return Match{}, false
	}
	k := cacheKey{family, model, tenant, region}
	if r := c.last.Load(); r != nil && r.key == k {
		return r.m, r.m.Entry != nil
	}
	c.mu.RLock()
	r, ok := c.cache[k]
	c.mu.RUnlock()
	if !ok {
		r = &resolution{key: k, m: c.resolve(family, model, tenant, region)}
		c.mu.Lock()
		if len(c.cache) >= MaxCache {
			clear(c.cache)
		}
		c.cache[k] = r
		c.mu.Unlock()
	}
	c.last.Store(r)
	return r.m, r.m.Entry != nil
}

func (c *Catalog) resolve(family, model, tenant, region string) Match {
	lower := strings.ToLower(strings.TrimSpace(model))
	aliased := false
	for i := range c.Overrides {
		o := &c.Overrides[i]
		if !o.matches(family, lower, tenant) {
			continue
		}
		if o.Entry != nil {
			return Match{Entry: o.Entry, Rule: "override"}
		}
		if aliased {
			continue
		}
		aliased = true
		if o.TargetFamily != "" {
			family = o.TargetFamily
		}
		lower = o.TargetName
		if o.Region != "" {
			region = o.Region
		}
		// Prices may be overridden for the alias target too.
		for j := range c.Overrides {
			t := &c.Overrides[j]
			if t.Entry != nil && t.matches(family, lower, tenant) {
				return Match{Entry: t.Entry, Rule: "alias+override", Region: region}
			}
		}
		break
	}
	m, ok := c.lookup(family, lower, region)
	if !ok {
		return Match{}
	}
	if region != "" && region != "global" && m.Entry.Family == "azure" && !strings.Contains(m.Rule, "+region") {
		m.Estimated = true // a data-zone deployment priced at the global rate
	}
	if aliased {
		m.Rule = "alias+" + m.Rule
	}
	m.Region = region
	return m
}

func (c *Catalog) lookup(family, model, region string) (Match, bool) {
	cands := Candidates(family, model)
	// A candidate keyed under another provider than the span's (Vertex's
	// row for an Anthropic span, the upstream vendor of a router id, the
	// vendor of a Bedrock id) is another provider's price.
	other := func(cd Cand) bool { return family != "" && cd.Family != family && cd.Family != "" }
	// Pass 1: the span provider's own rows under every exact spelling;
	// pass 2: its own dated snapshot of an undated alias; pass 3: its own
	// rows under spellings whose price may differ (flagged). Only then
	// another provider's row, always flagged: pass 4 names another
	// provider explicitly, pass 5 the documented fallbacks (Vertex for
	// Anthropic and Gemini, OpenAI for Azure), pass 6 the same name under
	// any provider.
	for _, cd := range cands {
		if !other(cd) && !cd.Estimated {
			if m, ok := c.key(cd, region); ok {
				return m, true
			}
		}
	}
	for _, cd := range cands {
		if !other(cd) && !cd.Estimated {
			if m, ok := c.dated(cd); ok {
				return m, true
			}
		}
	}
	for _, cd := range cands {
		if !other(cd) && cd.Estimated {
			if m, ok := c.key(cd, region); ok {
				return m, true
			}
		}
	}
	for _, cd := range cands {
		if other(cd) {
			if m, ok := c.key(cd, region); ok {
				m.Estimated = true
				if !strings.Contains(m.Rule, "other_provider") {
					m.Rule += "+other_provider"
				}
				return m, true
			}
		}
	}
	for _, cd := range cands {
		if other(cd) {
			continue
		}
		for _, fb := range fallbackFamilies(cd.Family) {
			for _, t := range c.Layers {
				if e := t.Get(fb, cd.Name); e != nil {
					// Another provider's row (Vertex for an Anthropic span,
					// OpenAI for Azure): its price is an estimate, and says so.
					return Match{Entry: e, Rule: cd.Rule + "+provider_fallback", Estimated: true}, true
				}
			}
		}
	}
	for _, cd := range cands {
		if p, _, ok := strings.Cut(cd.Name, "/"); ok && (prefixFamily(p) != "" || p == cd.Family) {
			continue // "openai/gpt-4o": the provider_prefix candidate decides
		}
		for _, t := range c.Layers {
			if list := t.ByName(cd.Name); len(list) > 0 {
				rule := cd.Rule
				if cd.Family != "" {
					rule += "+other_provider"
				}
				return Match{Entry: list[0], Rule: rule, Estimated: cd.Estimated || cd.Family != ""}, true
			}
		}
	}
	if m, ok := freeVariant(family, model); ok {
		return m, true
	}
	return Match{}, false
}

// key looks one candidate up in its own family: the regional key first when
// a region is set (azure/eu/gpt-4o-2024-08-06), then the key, then the
// tables' patterns.
func (c *Catalog) key(cd Cand, region string) (Match, bool) {
	if region != "" && cd.Family != "" {
		for _, t := range c.Layers {
			if e := t.Get(cd.Family, region+"/"+cd.Name); e != nil {
				return Match{Entry: e, Rule: cd.Rule + "+region", Estimated: cd.Estimated}, true
			}
		}
	}
	for _, t := range c.Layers {
		if e := t.Get(cd.Family, cd.Name); e != nil {
			return Match{Entry: e, Rule: cd.Rule, Estimated: cd.Estimated}, true
		}
	}
	for _, t := range c.Layers {
		for _, p := range t.Patterns {
			if (p.Family == "" || p.Family == cd.Family || cd.Family == "") && p.Re.MatchString(cd.Name) {
				return Match{Entry: p.Entry, Rule: cd.Rule + "+pattern", Estimated: cd.Estimated}, true
			}
		}
	}
	return Match{}, false
}

// dated prices an undated alias ("claude-opus-4") at the provider's own
// dated snapshot of it ("claude-opus-4-20250514"): exact when the alias has
// one snapshot, flagged when several (the newest is used).
func (c *Catalog) dated(cd Cand) (Match, bool) {
	if cd.Family == "" {
		return Match{}, false
	}
	for _, t := range c.Layers {
		list := t.Dated(cd.Family, cd.Name)
		if len(list) == 0 {
			continue
		}
		est := false
		for _, e := range list[1:] {
			if !sameCurrentRates(e, list[0]) {
				est = true
			}
		}
		return Match{Entry: list[len(list)-1], Rule: cd.Rule + "+dated_snapshot", Estimated: est}, true
	}
	return Match{}, false
}

func sameCurrentRates(a, b *Entry) bool {
	x, y := a.Current(), b.Current()
	return x.Base == y.Base && len(x.Tiers) == len(y.Tiers)
}

// freeVariant prices OpenRouter's ":free" variants, which cost nothing
// (openrouter.ai/docs: free model variants), when the catalog has no row of
// its own for the id.
func freeVariant(family, model string) (Match, bool) {
	m := strings.ToLower(strings.TrimSpace(model))
	if !strings.HasSuffix(m, ":free") {
		return Match{}, false
	}
	if rest, ok := strings.CutPrefix(m, "openrouter/"); ok {
		m, family = rest, "openrouter"
	}
	if family != "openrouter" {
		return Match{}, false
	}
	var v Version
	v.Base.Put(Input, 0)
	v.Base.Put(Output, 0)
	e := &Entry{ID: "openrouter/" + m, Family: "openrouter", Name: m, Versions: []Version{v}, Table: "builtin"}
	return Match{Entry: e, Rule: "free_variant"}, true
}
