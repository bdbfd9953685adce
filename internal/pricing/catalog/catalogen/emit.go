package catalogen

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/periscope-otel/periscope/internal/pricing"
)

// Scales of the catalog format (see ../spec.go): token rates are USD per
// million tokens (femto-USD/token → 9 decimals), fees USD per unit
// (15 decimals), multipliers plain factors (PPM → 6 decimals).
const (
	rateScale = 9
	feeScale  = 15
	ppmScale  = 6
)

// decimal renders v·10^-scale without trailing zeros.
func decimal(v int64, scale int) string {
	neg := v < 0
	if neg {
		v = -v
	}
	s := strconv.FormatInt(v, 10)
	for len(s) <= scale {
		s = "0" + s
	}
	intPart, frac := s[:len(s)-scale], strings.TrimRight(s[len(s)-scale:], "0")
	out := intPart
	if frac != "" {
		out += "." + frac
	}
	if neg {
		out = "-" + out
	}
	return out
}

var rateOrder = []struct {
	c   pricing.Component
	key string
}{
	{pricing.Input, "in"}, {pricing.Output, "out"}, {pricing.CacheRead, "cache_read"},
	{pricing.CacheWrite, "cache_write"}, {pricing.CacheWrite1h, "cache_write_1h"},
	{pricing.Reasoning, "reasoning"}, {pricing.AudioIn, "audio_in"}, {pricing.AudioOut, "audio_out"},
	{pricing.ImageIn, "image_in"}, {pricing.VideoIn, "video_in"}, {pricing.CacheAudioRead, "cache_audio_read"},
	{pricing.ImageOut, "image_out"}, {pricing.Citation, "citation"},
}

var kindNames = map[pricing.Kind]string{
	pricing.KindEmbedding: "embedding", pricing.KindImage: "image", pricing.KindAudio: "audio", pricing.KindRerank: "rerank",
}

var plainName = regexp.MustCompile(`^[a-z0-9][a-z0-9._/+-]*(@[a-z0-9._-]+)?$`)

func quote(s string) string {
	if plainName.MatchString(s) && s != "true" && s != "false" && s != "null" && s != "yes" && s != "no" {
		if _, err := strconv.ParseFloat(s, 64); err != nil {
			return s
		}
	}
	return strconv.Quote(s)
}

type kv struct{ k, v string }

func flow(items []kv) string {
	parts := make([]string, len(items))
	for i, x := range items {
		parts[i] = x.k + ": " + x.v
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

func rates(r *pricing.Rates) []kv {
	var out []kv
	for _, x := range rateOrder {
		if r.Has(x.c) {
			out = append(out, kv{x.key, decimal(r.V[x.c], rateScale)})
		}
	}
	return out
}

func tiers(list []pricing.Tier) string {
	parts := make([]string, len(list))
	for i, t := range list {
		b := "above"
		if t.Boundary == pricing.AtLeast {
			b = "at_least"
		}
		parts[i] = flow(append([]kv{{b, strconv.FormatInt(t.Threshold, 10)}}, rates(&t.Rates)...))
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

func factors(m map[string]uint64) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	items := make([]kv, len(keys))
	for i, k := range keys {
		items[i] = kv{k, decimal(int64(m[k]), ppmScale)}
	}
	return flow(items)
}

// version renders the fields of one price version in the catalog format.
func version(v *pricing.Version) []kv {
	out := rates(&v.Base)
	if len(v.Tiers) > 0 {
		out = append(out, kv{"tiers", tiers(v.Tiers)})
	}
	for _, m := range []pricing.Mode{pricing.Batch, pricing.Flex, pricing.Priority, pricing.Fast} {
		mp := v.Modes[m]
		if mp == nil {
			continue
		}
		var items []kv
		if mp.Factor != 0 {
			items = append(items, kv{"factor", decimal(int64(mp.Factor), ppmScale)})
		}
		items = append(items, rates(&mp.Rates)...)
		if len(mp.Tiers) > 0 {
			items = append(items, kv{"tiers", tiers(mp.Tiers)})
		}
		if len(items) > 0 {
			out = append(out, kv{m.String(), flow(items)})
		}
	}
	if len(v.Residency) > 0 {
		out = append(out, kv{"residency", factors(v.Residency)})
	}
	if len(v.Geo) > 0 {
		out = append(out, kv{"geo", factors(v.Geo)})
	}
	for _, f := range []struct {
		k string
		v int64
	}{{"search", v.PerSearch}, {"image", v.PerImage}, {"second", v.PerSecond}, {"per_request", v.PerRequest}} {
		if f.v != 0 {
			out = append(out, kv{f.k, decimal(f.v, feeScale)})
		}
	}
	if v.ThinkingOutput {
		out = append(out, kv{"thinking_output", "true"})
	}
	if len(v.RequestBySearchContext) > 0 {
		keys := make([]string, 0, len(v.RequestBySearchContext))
		for k := range v.RequestBySearchContext {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		items := make([]kv, len(keys))
		for i, k := range keys {
			items[i] = kv{k, decimal(v.RequestBySearchContext[k], feeScale)}
		}
		out = append(out, kv{"request_fee", flow(items)})
	}
	return out
}

func date(t time.Time) string {
	t = t.UTC()
	if t.Hour() == 0 && t.Minute() == 0 && t.Second() == 0 && t.Nanosecond() == 0 {
		return t.Format("2006-01-02")
	}
	return t.Format(time.RFC3339)
}

// Line renders an entry as one flow-style list item of its family.
func Line(e *pricing.Entry) string {
	items := []kv{{"name", quote(e.Name)}}
	if k, ok := kindNames[e.Kind]; ok {
		items = append(items, kv{"kind", k})
	}
	items = append(items, version(e.Current())...)
	if n := len(e.Versions); n > 1 {
		hist := make([]string, 0, n-1)
		for i := 0; i < n-1; i++ {
			h := append([]kv{{"until", date(e.Versions[i+1].From)}}, version(&e.Versions[i])...)
			hist = append(hist, flow(h))
		}
		items = append(items, kv{"history", "[" + strings.Join(hist, ", ") + "]"})
	}
	return "  - " + flow(items)
}

// priceSummary is a short human rendering of an entry's current base rates
// for the diff report.
func priceSummary(e *pricing.Entry) string {
	v := e.Current()
	var parts []string
	for _, x := range rates(&v.Base) {
		parts = append(parts, x.k+" "+x.v)
	}
	if len(v.Tiers) > 0 {
		parts = append(parts, fmt.Sprintf("%d tier(s)", len(v.Tiers)))
	}
	for _, f := range []struct {
		k string
		v int64
	}{{"image", v.PerImage}, {"second", v.PerSecond}, {"per_request", v.PerRequest}, {"search", v.PerSearch}} {
		if f.v != 0 {
			parts = append(parts, f.k+" "+decimal(f.v, feeScale))
		}
	}
	if len(parts) == 0 {
		return "(no token rates)"
	}
	return strings.Join(parts, ", ")
}
