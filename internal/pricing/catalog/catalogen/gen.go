// Package catalogen builds the embedded price catalog (../catalog.yaml) from
// pinned, licence-compatible sources and Periscope's own dated overrides,
// and reports what changed. The output is deterministic: the same inputs
// always give the same bytes, so a check can compare it with the committed
// catalog.
//
// Precedence, per (family, model) key, highest first:
//
//  1. Periscope overrides (sources/overrides.yaml): curated, dated entries
//     — models no source carries and corrections where a source is wrong.
//  2. @pydantic/genai-prices: curated per provider with dated price
//     changes (history). When LiteLLM has the same key at the same base
//     rates, LiteLLM's richer row (batch/flex/priority modes, residency,
//     fees) is kept and genai-prices' history is added to it.
//  3. LiteLLM model map.
//  4. Langfuse default model prices (first-party OpenAI, Anthropic and
//     Gemini names only; Langfuse rows carry no provider).
//
// Rows a source carries with data defects the validator rejects (rates out
// of range, tiers below base, batch above standard, regional below global)
// are left out and listed in the report.
package catalogen

import (
	"bytes"
	"fmt"
	"sort"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/periscope-otel/periscope/internal/pricing"
	"github.com/periscope-otel/periscope/internal/pricing/catalog"
	"github.com/periscope-otel/periscope/internal/pricing/loaders"
)

// Source describes one pinned input for the catalog header and report.
type Source struct {
	Name    string // litellm, langfuse, genai-prices
	Version string // pin: commit, npm version
	Date    string // data as of, YYYY-MM-DD
	License string
}

// Inputs are the raw bytes of every input.
type Inputs struct {
	LiteLLM, Langfuse, GenAIPrices, Overrides []byte
	Previous                                  []byte // the committed catalog, for the diff report (optional)
	Sources                                   []Source
}

// Result is the generated catalog and its report.
type Result struct {
	Catalog  []byte
	Report   string
	Date     string
	Models   int
	Families map[string]int
	BySource map[string]int // entries per winning source

	summaryLines []string
}

// Source labels in the report and in the catalog's per-family counts.
const (
	srcPeriscope = "periscope"
	srcGenAI     = "genai-prices"
	srcLiteLLM   = "litellm"
	srcLangfuse  = "langfuse"
)

// liteLLMFamilies are the LiteLLM families imported (the providers the
// processor maps spans onto); the rest of the map (search APIs, image and
// video services, regional resellers) stays out of the embedded catalog
// and remains available through `tables:`.
var liteLLMFamilies = map[string]bool{
	"openai": true, "azure": true, "azure_ai": true, "anthropic": true, "gemini": true, "vertex_ai": true,
	"bedrock": true, "mistral": true, "cohere": true, "deepseek": true, "xai": true, "groq": true,
	"together_ai": true, "fireworks_ai": true, "perplexity": true, "openrouter": true, "meta_llama": true,
	"cerebras": true, "dashscope": true, "moonshot": true, "zai": true, "huggingface": true,
	"novita": true, "minimax": true,
}

type slot struct {
	family, name string
	by           map[string]*pricing.Entry
	meta         overrideMeta
}

type overrideMeta struct{ since, note string }

// Generate builds the catalog.
func Generate(in Inputs) (*Result, error) {
	slots := map[string]*slot{}
	get := func(family, name string) *slot {
		k := family + "/" + name
		s := slots[k]
		if s == nil {
			s = &slot{family: family, name: name, by: map[string]*pricing.Entry{}}
			slots[k] = s
		}
		return s
	}
	var notes []string

	// Periscope overrides.
	ovs, err := parseOverrides(in.Overrides)
	if err != nil {
		return nil, err
	}
	for _, o := range ovs {
		s := get(o.e.Family, o.e.Name)
		if s.by[srcPeriscope] != nil {
			return nil, fmt.Errorf("overrides: %s/%s listed twice", o.e.Family, o.e.Name)
		}
		s.by[srcPeriscope] = o.e
		s.meta = o.meta
	}

	// genai-prices: ids first, then the extra names of their match rules.
	gp, skipped, err := loadGenAIPrices(in.GenAIPrices)
	if err != nil {
		return nil, err
	}
	gpFams := sortedKeys(gp)
	for _, f := range gpFams {
		for _, ge := range gp[f] {
			s := get(f, ge.e.Name)
			if s.by[srcGenAI] == nil {
				s.by[srcGenAI] = ge.e
			}
		}
	}
	for _, f := range gpFams {
		for _, ge := range gp[f] {
			for _, a := range ge.aliases {
				if a == ge.e.Name {
					continue
				}
				s := get(f, a)
				if s.by[srcGenAI] == nil {
					c := *ge.e
					c.Name, c.ID = a, ""
					s.by[srcGenAI] = &c
				}
			}
		}
	}
	var gpSkipped []string
	for _, k := range sortedKeys(skipped) {
		gpSkipped = append(gpSkipped, fmt.Sprintf("%s ×%d", k, skipped[k]))
	}
	if len(gpSkipped) > 0 {
		notes = append(notes, "genai-prices: not imported (no engine component or provider): "+strings.Join(gpSkipped, ", "))
	}

	// LiteLLM.
	ll, err := loaders.LoadLiteLLM(in.LiteLLM, srcLiteLLM)
	if err != nil {
		return nil, err
	}
	otherKinds := 0
	ll.Entries(func(e *pricing.Entry) {
		if !liteLLMFamilies[e.Family] {
			return
		}
		if e.Kind == pricing.KindOther {
			otherKinds++
			return
		}
		get(e.Family, e.Name).by[srcLiteLLM] = e
	})
	tiered, err := liteLLMTiered(in.LiteLLM)
	if err != nil {
		return nil, err
	}
	for _, e := range tiered {
		s := get(e.Family, e.Name)
		if s.by[srcLiteLLM] == nil {
			s.by[srcLiteLLM] = e
		}
	}
	if otherKinds > 0 {
		notes = append(notes, fmt.Sprintf("litellm: %d rows of modes the engine does not price (moderation, OCR, video, ...) left out", otherKinds))
	}

	// Langfuse (first-party names only).
	if len(in.Langfuse) > 0 {
		lf, err := loaders.LoadLangfuse(in.Langfuse, srcLangfuse)
		if err != nil {
			return nil, err
		}
		lf.Entries(func(e *pricing.Entry) {
			if f := langfuseFamily(e.Name); f != "" {
				c := *e
				c.Family, c.ID = f, ""
				get(f, e.Name).by[srcLangfuse] = &c
			}
		})
	}

	// Choose a winner per key.
	keys := sortedKeys(slots)
	chosen := map[string]*pricing.Entry{}
	winner := map[string]string{}
	var conflicts []string
	for _, k := range keys {
		s := slots[k]
		e, src := choose(s)
		if e == nil {
			continue
		}
		c := *e
		c.Family, c.Name, c.ID = s.family, s.name, ""
		if c.Family == "dashscope" && src != srcPeriscope {
			thinkingOutput(&c)
		}
		chosen[k], winner[k] = &c, src
		if line := conflictLine(k, s, src); line != "" {
			conflicts = append(conflicts, line)
		}
	}

	// Leave out rows from sources that fail validation.
	tab := pricing.NewTable("generated")
	for _, k := range keys {
		if e := chosen[k]; e != nil {
			tab.Add(e)
		}
	}
	var dropped []string
	for _, w := range pricing.Validate(tab) {
		switch w.Kind {
		case pricing.WarnAliasMismatch, pricing.WarnTierMismatch, pricing.WarnAnthropicRatio, pricing.WarnRateRounded:
			continue
		}
		if _, ok := chosen[w.Entry]; !ok || winner[w.Entry] == srcPeriscope {
			continue
		}
		if winner[w.Entry] == srcLiteLLM+"+"+srcGenAI {
			// The merged row is inconsistent: keep LiteLLM's own.
			s := slots[w.Entry]
			c := *s.by[srcLiteLLM]
			c.Family, c.Name, c.ID = s.family, s.name, ""
			chosen[w.Entry], winner[w.Entry] = &c, srcLiteLLM
			dropped = append(dropped, fmt.Sprintf("%s: merged row %s: %s; LiteLLM's row used as is", w.Entry, w.Kind, w.Msg))
			continue
		}
		dropped = append(dropped, fmt.Sprintf("%s (%s): %s: %s", w.Entry, winner[w.Entry], w.Kind, w.Msg))
		delete(chosen, w.Entry)
	}
	sort.Strings(dropped)
	dropped = dedupe(dropped)

	date := catalogDate(in.Sources)
	out := render(chosen, winner, slots, date, in.Sources)

	// The output must parse and round-trip exactly.
	parsed, err := catalog.Parse(out, "generated")
	if err != nil {
		return nil, fmt.Errorf("generated catalog does not parse: %w", err)
	}
	n := 0
	fams := map[string]int{}
	var mismatch []string
	parsed.Entries(func(e *pricing.Entry) {
		n++
		fams[e.Family]++
		k := e.Family + "/" + e.Name
		if want := chosen[k]; want == nil || Line(want) != Line(e) {
			mismatch = append(mismatch, k)
		}
	})
	if len(mismatch) > 0 || n != len(chosen) {
		sort.Strings(mismatch)
		return nil, fmt.Errorf("generated catalog does not round-trip (%d of %d entries): %v", len(mismatch), len(chosen), head(mismatch, 10))
	}
	bySrc := map[string]int{}
	for k := range chosen {
		bySrc[winner[k]]++
	}
	res := &Result{Catalog: out, Date: date, Models: n, Families: fams, BySource: bySrc}
	res.Report = report(in, parsed, chosen, winner, slots, conflicts, dropped, notes, res)
	return res, nil
}

func choose(s *slot) (*pricing.Entry, string) {
	if e := s.by[srcPeriscope]; e != nil {
		return e, srcPeriscope
	}
	gp, ll := s.by[srcGenAI], s.by[srcLiteLLM]
	switch {
	case gp != nil && ll != nil && compatible(gp.Current(), ll.Current()):
		return enrich(ll, gp), srcLiteLLM + "+" + srcGenAI
	case gp != nil && ll != nil:
		return supersede(ll, gp), srcGenAI
	case gp != nil:
		return gp, srcGenAI
	case ll != nil:
		return ll, srcLiteLLM
	}
	if e := s.by[srcLangfuse]; e != nil {
		return e, srcLangfuse
	}
	return nil, ""
}

var baseComponents = []pricing.Component{pricing.Input, pricing.Output, pricing.CacheRead, pricing.CacheWrite}

// sameBase: the current standard rates agree (missing cache rates fall
// back to the input rate, as the engine prices them).
func sameBase(a, b *pricing.Entry) bool {
	x, y := &a.Current().Base, &b.Current().Base
	for _, c := range baseComponents {
		if x.Get(c) != y.Get(c) {
			return false
		}
	}
	return true
}

// compatible: every standard rate both versions state agrees. A rate one
// source leaves out (genai-prices has no batch modes, LiteLLM misses some
// cache-read rates) is not a disagreement.
func compatible(a, b *pricing.Version) bool {
	for c := pricing.Component(0); c <= pricing.ImageOut; c++ {
		if a.Base.Has(c) && b.Base.Has(c) && a.Base.V[c] != b.Base.V[c] {
			return false
		}
	}
	return true
}

// enrich keeps LiteLLM's row (kind, modes, fees, residency), adds the rates
// and context tiers only genai-prices states, and its dated history.
func enrich(ll, gp *pricing.Entry) *pricing.Entry {
	out := *ll
	cur := cloneVersion(ll.Current())
	g := gp.Current()
	if len(cur.Tiers) == 0 && len(g.Tiers) > 0 {
		cur.Tiers = g.Tiers
	}
	for c := pricing.Component(0); c <= pricing.ImageOut; c++ {
		if !cur.Base.Has(c) && g.Base.Has(c) {
			cur.Base.Put(c, g.Base.V[c])
		}
	}
	if cur.PerRequest == 0 && cur.RequestBySearchContext == nil {
		// genai-prices records Perplexity's highest request fee only;
		// LiteLLM's fee by search context size is kept when present.
		cur.PerRequest = g.PerRequest
	}
	out.Versions = nil
	if len(gp.Versions) > 1 {
		out.Versions = append(out.Versions, gp.Versions[:len(gp.Versions)-1]...)
		cur.From = g.From
	}
	out.Versions = append(out.Versions, cur)
	return &out
}

// supersede: genai-prices states a different current price. Its row wins;
// when one of its earlier prices is LiteLLM's current one (LiteLLM's
// snapshot predates the change), LiteLLM's full row stands for that
// period. The entry kind comes from LiteLLM (genai-prices has none).
func supersede(ll, gp *pricing.Entry) *pricing.Entry {
	out := *gp
	out.Kind = ll.Kind
	out.Versions = append([]pricing.Version(nil), gp.Versions...)
	if l := ll.Current(); l.RequestBySearchContext != nil {
		c := &out.Versions[len(out.Versions)-1]
		c.RequestBySearchContext, c.PerRequest = l.RequestBySearchContext, 0
	}
	for i := len(out.Versions) - 2; i >= 0; i-- {
		if compatible(&out.Versions[i], ll.Current()) {
			v := cloneVersion(ll.Current())
			v.From = out.Versions[i].From
			out.Versions[i] = v
			break
		}
	}
	return &out
}

func cloneVersion(v *pricing.Version) pricing.Version {
	c := *v
	c.Tiers = append([]pricing.Tier(nil), v.Tiers...)
	return c
}

func conflictLine(k string, s *slot, src string) string {
	order := []string{srcPeriscope, srcGenAI, srcLiteLLM, srcLangfuse}
	var present []string
	for _, o := range order {
		if s.by[o] != nil {
			present = append(present, o)
		}
	}
	if len(present) < 2 {
		return ""
	}
	// A conflict is two sources stating different rates for the same
	// component; a rate only one source states is not a conflict.
	agree := true
	for i, a := range present {
		for _, b := range present[i+1:] {
			if !compatible(s.by[a].Current(), s.by[b].Current()) {
				agree = false
			}
		}
	}
	if agree {
		return ""
	}
	parts := make([]string, 0, len(present))
	for _, o := range present {
		parts = append(parts, fmt.Sprintf("%s: %s", o, priceSummary(s.by[o])))
	}
	return fmt.Sprintf("%s — used %s — %s", k, src, strings.Join(parts, " | "))
}

func langfuseFamily(name string) string {
	switch {
	case strings.HasPrefix(name, "claude-"):
		return "anthropic"
	case strings.HasPrefix(name, "gemini-"):
		return "gemini"
	case strings.HasPrefix(name, "gpt-"), strings.HasPrefix(name, "o1"), strings.HasPrefix(name, "o3"),
		strings.HasPrefix(name, "o4"), strings.HasPrefix(name, "chatgpt-"), strings.HasPrefix(name, "text-embedding-"):
		return "openai"
	}
	return ""
}

type override struct {
	e    *pricing.Entry
	meta overrideMeta
}

// parseOverrides reads sources/overrides.yaml: the catalog format plus two
// keys per entry, since (the date Periscope recorded the price, required)
// and note (why the entry is ours).
func parseOverrides(data []byte) ([]override, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, fmt.Errorf("overrides: %w", err)
	}
	if len(root.Content) == 0 {
		return nil, nil
	}
	doc := root.Content[0]
	if doc.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("overrides: want a map of provider families")
	}
	var out []override
	for i := 0; i+1 < len(doc.Content); i += 2 {
		family := doc.Content[i].Value
		list := doc.Content[i+1]
		if list.Kind != yaml.SequenceNode {
			return nil, fmt.Errorf("overrides: %s: want a list", family)
		}
		for j, item := range list.Content {
			s, ok := catalog.NodeValue(item).(map[string]any)
			if !ok {
				return nil, fmt.Errorf("overrides: %s[%d]: want a map", family, j)
			}
			var m overrideMeta
			m.since, _ = s["since"].(string)
			m.note, _ = s["note"].(string)
			delete(s, "since")
			delete(s, "note")
			if _, err := time.Parse("2006-01-02", m.since); err != nil {
				return nil, fmt.Errorf("overrides: %s[%d] (%v): since: want YYYY-MM-DD", family, j, s["name"])
			}
			e, err := catalog.BuildEntry(family, s)
			if err != nil {
				return nil, fmt.Errorf("overrides: %s[%d]: %w", family, j, err)
			}
			out = append(out, override{e, m})
		}
	}
	return out, nil
}

func catalogDate(src []Source) string {
	d := ""
	for _, s := range src {
		if s.Date > d {
			d = s.Date
		}
	}
	return d
}

func familyLess(a, b string) bool {
	ra, rb := pricing.FamilyRank(a), pricing.FamilyRank(b)
	if ra != rb {
		return ra < rb
	}
	return a < b
}

func render(chosen map[string]*pricing.Entry, winner map[string]string, slots map[string]*slot, date string, src []Source) []byte {
	byFam := map[string][]string{}
	for k, e := range chosen {
		byFam[e.Family] = append(byFam[e.Family], k)
	}
	fams := sortedKeys(byFam)
	sort.SliceStable(fams, func(i, j int) bool { return familyLess(fams[i], fams[j]) })
	var b bytes.Buffer
	b.WriteString(header)
	b.WriteString("# Sources (pinned; see sources/pins.yaml), highest precedence first:\n")
	b.WriteString("#   periscope     sources/overrides.yaml (dated entries: since YYYY-MM-DD)\n")
	for _, s := range src {
		fmt.Fprintf(&b, "#   %-13s %s, data as of %s, %s\n", s.Name, s.Version, s.Date, s.License)
	}
	b.WriteString("#\n# GENERATED by `make catalog` (internal/catalog/cmd/periscope-catalog). Do not\n")
	b.WriteString("# edit: change sources/overrides.yaml or the pins and regenerate.\n")
	fmt.Fprintf(&b, "version: %q\n", date)
	for _, f := range fams {
		keys := byFam[f]
		sort.Slice(keys, func(i, j int) bool { return chosen[keys[i]].Name < chosen[keys[j]].Name })
		fmt.Fprintf(&b, "\n%s:\n", quote(f))
		for _, k := range keys {
			b.WriteString(Line(chosen[k]))
			if winner[k] == srcPeriscope {
				m := slots[k].meta
				fmt.Fprintf(&b, "  # periscope since %s", m.since)
				if m.note != "" {
					b.WriteString(": " + strings.ReplaceAll(m.note, "\n", " "))
				}
			}
			b.WriteString("\n")
		}
	}
	return b.Bytes()
}

const header = `# Periscope price catalog (embedded default of the genai_cost processor).
#
# Layout: one list per provider family; each entry is a model name within the
# family (lower case). The price id written to spans is "<family>/<name>".
# Token rates are USD per million tokens; fees (search, request_fee, image,
# second, per_request) are USD per unit; multipliers (residency, geo,
# fast.factor) are plain factors.
#
#   in, out                 uncached input, output (text)
#   cache_read              input served from the prompt cache
#   cache_write             cache creation (5-minute TTL)
#   cache_write_1h          cache creation (1-hour TTL)
#   reasoning               reasoning tokens when billed apart from output
#   audio_in, audio_out     audio tokens
#   image_in, video_in      image / video input tokens
#   cache_audio_read        audio input served from the prompt cache
#   image_out               image output tokens
#   tiers                   whole-request context tiers: above (>) or at_least (>=) N prompt tokens
#   batch, flex, priority   execution-mode rates (overlay the standard ones) or {factor: x}
#   fast                    fast mode: rates or {factor: x}
#   residency               data-residency uplift by region (server host eu./us.)
#   geo                     uplift by provider-reported inference geography
#   search                  USD per web-search / grounding query
#   request_fee             USD per request by search context size (low/medium/high)
#   per_request             USD per request
#   image, second           USD per generated image / per second of audio
#   thinking_output         true: a call with reasoning tokens bills all output at the reasoning rate
#   history                 earlier prices, each in force until the given date (UTC)
#
`

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func dedupe(s []string) []string {
	out := s[:0]
	for i, x := range s {
		if i == 0 || x != s[i-1] {
			out = append(out, x)
		}
	}
	return out
}

func head(s []string, n int) []string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// thinkingOutput marks DashScope (Alibaba Model Studio) rows that carry a
// thinking-mode output rate: Qwen bills every output token of a
// thinking-mode call at that rate, not only the reasoning tokens.
func thinkingOutput(e *pricing.Entry) {
	vs := append([]pricing.Version(nil), e.Versions...)
	for i := range vs {
		if vs[i].Base.Has(pricing.Reasoning) {
			vs[i].ThinkingOutput = true
		}
	}
	e.Versions = vs
}
