package pricing

import (
	"fmt"
	"sort"
	"strings"
)

// Warning is one load-time data defect. Kind is one of the Warn* values.
type Warning struct {
	Kind  string
	Entry string
	Msg   string
}

// Warning kinds (the defect classes of the pricing reference, §9).
const (
	WarnRateRange      = "rate_out_of_range"
	WarnAnthropicRatio = "anthropic_cache_ratio"
	WarnTierBelowBase  = "tier_below_base"
	WarnBatchAboveBase = "batch_above_base"
	WarnGeoBelowGlobal = "regional_below_global"
	WarnAliasMismatch  = "alias_disagrees_with_dated"
	WarnMissingField   = "missing_provider_or_mode"
	WarnBadEntry       = "bad_entry"
	WarnRateRounded    = "rate_rounded"
)

// WarnTierMismatch flags siblings (geo routes, dated snapshot vs alias)
// where only one carries context tiers.
const WarnTierMismatch = "sibling_tier_mismatch"

// Rate sanity bounds: 1e-10 .. 1e-2 USD per token.
const (
	minRate = 100_000            // 1e-10 USD
	maxRate = 10_000_000_000_000 // 1e-2 USD
)

// Validate checks a table for the data defects the pricing reference lists
// (§9): out-of-range rates, Anthropic cache ratios, context tiers cheaper
// than the base, batch dearer than standard, regional routes cheaper than
// global, dated snapshots disagreeing with their alias, siblings where only
// one has tiers. It reports, it never rejects: the operator decides.
func Validate(t *Table) []Warning {
	var w []Warning
	add := func(kind string, e *Entry, format string, args ...any) {
		w = append(w, Warning{Kind: kind, Entry: e.ID, Msg: sprintf(format, args...)})
	}
	t.Entries(func(e *Entry) {
		v := e.Current()
		checkRange := func(where string, r *Rates) {
			for c := Component(0); c < numComponents; c++ {
				if r.Has(c) && r.V[c] != 0 && (r.V[c] < minRate || r.V[c] > maxRate) {
					add(WarnRateRange, e, "%s %s rate %s USD/token outside 1e-10..1e-2", where, c, FormatRate(r.V[c]))
				}
			}
		}
		checkRange("base", &v.Base)
		for _, tr := range v.Tiers {
			checkRange("tier", &tr.Rates)
			for c := Component(0); c < numComponents; c++ {
				if tr.Rates.Has(c) && v.Base.Has(c) && tr.Rates.V[c] < v.Base.V[c] {
					add(WarnTierBelowBase, e, "%s above %d tokens (%s) is below the base rate (%s)", c, tr.Threshold, FormatRate(tr.Rates.V[c]), FormatRate(v.Base.V[c]))
				}
			}
		}
		for m, mp := range v.Modes {
			if mp == nil {
				continue
			}
			checkRange(Mode(m).String(), &mp.Rates)
			if Mode(m) == Batch {
				for c := Component(0); c < numComponents; c++ {
					if mp.Rates.Has(c) && v.Base.Has(c) && mp.Rates.V[c] > v.Base.V[c] {
						add(WarnBatchAboveBase, e, "batch %s rate %s above standard %s", c, FormatRate(mp.Rates.V[c]), FormatRate(v.Base.V[c]))
					}
				}
			}
		}
		if strings.Contains(e.Name, "claude") && v.Base.Has(Input) && v.Base.V[Input] > 0 {
			in := float64(v.Base.V[Input])
			ratio := func(c Component, lo, hi float64, want string) {
				if v.Base.Has(c) {
					if r := float64(v.Base.V[c]) / in; r < lo || r > hi {
						add(WarnAnthropicRatio, e, "%s is %.3gx input, expected %s", c, r, want)
					}
				}
			}
			ratio(CacheRead, 0.08, 0.125, "0.1x")
			ratio(CacheWrite, 1.2, 1.3, "1.25x")
			ratio(CacheWrite1h, 1.9, 2.1, "2x")
		}
		// Regional / geo routes must not be cheaper than the global route.
		if g := globalSibling(t, e); g != nil && v.Base.V[Input] < g.Current().Base.V[Input] {
			add(WarnGeoBelowGlobal, e, "input %s below global %s (%s)", FormatRate(v.Base.V[Input]), FormatRate(g.Current().Base.V[Input]), g.ID)
		}
		// Dated snapshot vs its alias; geo route vs its base id.
		if s := stripDate(e.Name); s != e.Name {
			if a := t.Get(e.Family, s); a != nil {
				av := a.Current()
				for _, c := range [...]Component{Input, Output, CacheRead} {
					if av.Base.V[c] != v.Base.V[c] {
						add(WarnAliasMismatch, e, "%s %s differs from alias %s (%s)", c, FormatRate(v.Base.V[c]), a.ID, FormatRate(av.Base.V[c]))
						break
					}
				}
				if (len(av.Tiers) == 0) != (len(v.Tiers) == 0) {
					add(WarnTierMismatch, e, "context tiers differ from alias %s", a.ID)
				}
			}
		}
		if _, base, geo := bedrockID(e.Name); geo != "" {
			if b := t.Get(e.Family, base); b != nil && (len(b.Current().Tiers) == 0) != (len(v.Tiers) == 0) {
				add(WarnTierMismatch, e, "context tiers differ from %s", b.ID)
			}
		}
	})
	sort.Slice(w, func(i, j int) bool {
		if w[i].Kind != w[j].Kind {
			return w[i].Kind < w[j].Kind
		}
		return w[i].Entry < w[j].Entry
	})
	return w
}

// globalSibling finds the global route of a regional entry:
// us.anthropic.x → global.anthropic.x; azure eu/x → global/x or x.
func globalSibling(t *Table, e *Entry) *Entry {
	if _, base, geo := bedrockID(e.Name); geo != "" && geo != "global." {
		return t.Get(e.Family, "global."+base)
	}
	for _, r := range [...]string{"eu/", "us/"} {
		if rest, ok := strings.CutPrefix(e.Name, r); ok {
			if g := t.Get(e.Family, "global/"+rest); g != nil {
				return g
			}
			return t.Get(e.Family, rest)
		}
	}
	return nil
}

// Summarize counts warnings by kind.
func Summarize(w []Warning) map[string]int {
	out := map[string]int{}
	for _, x := range w {
		out[x.Kind]++
	}
	return out
}

func sprintf(format string, args ...any) string { return fmt.Sprintf(format, args...) }
