package pricing

import (
	"strings"
	"unicode/utf8"
)

// MaxModelLen bounds the model strings the matcher looks at; longer strings
// are not model names and stay unpriced.
const MaxModelLen = 256

// Cand is one (family, name) key the matcher tries, with the rule that
// produced it. Estimated marks keys whose price may differ from the real one
// (a dated snapshot priced at its alias, a geo route priced at the base).
type Cand struct {
	Family, Name, Rule string
	Estimated          bool
}

// Candidates returns the ordered lookup keys for a model string: exact
// first, then provider prefix, client decoration, ARN, Bedrock route and
// version, Vertex @version, fine-tune, stable suffix, dot/dash spelling and
// finally the date-stripped alias. It never matches by substring.
func Candidates(family, raw string) []Cand {
	list := candidates(family, raw)
	if isRouter(family) && len(list) > 0 {
		return routerCandidates(family, list[0].Name, list)
	}
	return list
}

func candidates(family, raw string) []Cand {
	m := strings.TrimSpace(raw)
	if m == "" || len(m) > MaxModelLen {
		return nil
	}
	if !utf8.ValidString(m) {
		return nil // not a model name
	}
	m = strings.ToLower(m)
	if len(m) > MaxModelLen {
		return nil
	}
	c := &cands{}
	c.add(family, m, "exact", false)

	f, cur := family, m
	// Provider and route prefixes: "openai/gpt-4o", "bedrock/converse/...",
	// "openrouter/anthropic/claude-sonnet-4.5", "models/gemini-2.5-pro".
	est := false
	for range 4 {
		p, rest, ok := strings.Cut(cur, "/")
		if !ok || rest == "" {
			break
		}
		switch p {
		case "converse", "invoke", "converse_like", "us-east-1", "us-west-2", "eu-west-1", "eu-central-1", "ap-northeast-1", "ap-southeast-1", "ap-south-1", "us-east-2", "eu-west-3":
			cur = rest
			c.add(f, cur, "route_prefix", false)
			continue
		}
		pf := prefixFamily(p)
		if pf == "" && p == f {
			pf = f // a provider's own prefix, known or not: "gigachat/embeddings-2"
		}
		if pf == "" {
			break
		}
		if f == "openrouter" && pf != "openrouter" {
			est = true // a reseller priced at the upstream list price
		}
		f, cur = pf, rest
		c.add(f, cur, "provider_prefix", est)
	}

	// Client decorations: "claude-opus-4-6[1m]", "...:thinking".
	if i := strings.IndexByte(cur, '['); i > 0 && strings.HasSuffix(cur, "]") {
		cur = cur[:i]
		c.add(f, cur, "decoration", est)
	}
	for _, suf := range [...]string{":thinking", ":extended", ":beta", ":online", ":nitro", ":floor", ":exacto"} {
		if strings.HasSuffix(cur, suf) {
			cur = strings.TrimSuffix(cur, suf)
			c.add(f, cur, "decoration", est)
		}
	}

	// Bedrock ARNs: system profiles and foundation models embed the id;
	// application profiles are opaque and need an operator alias.
	if strings.HasPrefix(cur, "arn:") {
		for _, mark := range [...]string{":inference-profile/", ":foundation-model/"} {
			if i := strings.Index(cur, mark); i >= 0 {
				cur = cur[i+len(mark):]
				f = "bedrock"
				c.add(f, cur, "arn", false)
				break
			}
		}
		if strings.HasPrefix(cur, "arn:") {
			return c.list
		}
	}

	// Bedrock ids: "us.anthropic.claude-...-v1:0", "meta.llama3-...-v1:0".
	if vendor, base, geo := bedrockID(cur); vendor != "" {
		bf := f
		if bf == "" || bf == vendor || bf == "anthropic" || bf == "amazon" {
			bf = "bedrock"
		}
		c.add(bf, cur, "bedrock_id", false)
		for _, v := range bedrockVersions(cur) {
			c.add(bf, v, "bedrock_version", false)
		}
		if geo != "" {
			c.add(bf, base, "geo_stripped", true)
			for _, v := range bedrockVersions(base) {
				c.add(bf, v, "geo_stripped", true)
			}
		}
		// The vendor's own API name: anthropic.claude-sonnet-4-5-20250929-v1:0 → claude-sonnet-4-5-20250929.
		name := strings.TrimPrefix(base, vendor+".")
		if i := strings.LastIndex(name, "-v"); i > 0 && isVersionTail(name[i+2:]) {
			name = name[:i]
		}
		if vf := prefixFamily(vendor); vf != "" {
			c.add(vf, name, "bedrock_vendor", true)
		}
	}

	// Vertex "@" versions: claude-sonnet-4-5@20250929.
	// The provider's own dated name comes first; Vertex's row for another
	// provider's span is another provider's price (an estimate).
	if i := strings.IndexByte(cur, '@'); i > 0 {
		c.add(f, cur[:i]+"-"+cur[i+1:], "vertex_version", est)
		if f != "vertex_ai" {
			c.add("vertex_ai", cur, "vertex_version", true)
		}
	}

	// Fine-tunes: ft:<base>:<org>:<suffix>:<id> → ft:<base>; Azure <base>.ft-<id>.
	if strings.HasPrefix(cur, "ft:") {
		parts := strings.SplitN(cur, ":", 3)
		if len(parts) >= 2 && parts[1] != "" {
			c.add(f, "ft:"+parts[1], "fine_tune", false)
		}
	} else if i := strings.Index(cur, ".ft-"); i > 0 {
		c.add(f, "ft:"+cur[:i], "fine_tune", false)
	}

	// Gemini stable suffix: gemini-2.0-flash-001.
	if n := len(cur); n > 4 && cur[n-4] == '-' && isDigits(cur[n-3:]) {
		c.add(f, cur[:n-4], "stable_suffix", est)
	}

	// Spelling: claude-sonnet-4.5 ↔ claude-sonnet-4-5, gpt-5-6-luna ↔ gpt-5.6-luna.
	alt := swapDotDash(cur)
	if alt != cur {
		c.add(f, alt, "spelling", est)
	}

	// Router spellings of Claude: claude-4.5-sonnet-20250929 ↔
	// claude-sonnet-4-5-20250929, claude-haiku-3.5 ↔ claude-3-5-haiku.
	for _, n := range [...]string{cur, alt} {
		if r := claudeReorder(n); r != "" {
			c.add(f, r, "claude_order", est)
			if a := swapDotDash(r); a != r {
				c.add(f, a, "claude_order", est)
			}
		}
	}
	// An undated name is the provider's moving alias: claude-3-7-sonnet →
	// claude-3-7-sonnet-latest.
	for _, n := range [...]string{cur, alt} {
		if stripDate(n) == n && !strings.HasSuffix(n, "-latest") && strings.IndexByte(n, ':') < 0 {
			c.add(f, n+"-latest", "latest_alias", est)
		}
	}

	// Last: a dated snapshot (or -latest alias) priced at its undated alias.
	for _, n := range [...]string{cur, alt} {
		if s := stripDate(n); s != n {
			c.add(f, s, "date_stripped", true)
			if s2 := stripDate(s); s2 != s {
				c.add(f, s2, "date_stripped", true)
			}
		}
	}
	// Hosting paths: accounts/fireworks/models/<model>.
	if i := strings.LastIndex(cur, "/models/"); i >= 0 {
		c.add(f, cur[i+len("/models/"):], "path_segment", true)
	}
	return c.list
}

type cands struct{ list []Cand }

func (c *cands) add(f, n, rule string, est bool) {
	if n == "" {
		return
	}
	for _, x := range c.list {
		if x.Family == f && x.Name == n {
			return
		}
	}
	c.list = append(c.list, Cand{f, n, rule, est})
}

var bedrockGeos = [...]string{"us-gov.", "global.", "apac.", "us.", "eu.", "jp.", "au.", "ca."}

var bedrockVendors = [...]string{"anthropic", "amazon", "meta", "mistral", "cohere", "ai21", "deepseek", "openai", "qwen", "writer", "twelvelabs", "stability", "moonshot", "minimax", "google", "nvidia", "luma"}

// bedrockID recognizes [geo.]vendor.model ids and returns the vendor, the
// id without geo prefix and the geo prefix.
func bedrockID(s string) (vendor, base, geo string) {
	base = s
	for _, g := range bedrockGeos {
		if strings.HasPrefix(s, g) {
			geo, base = g, s[len(g):]
			break
		}
	}
	v, _, ok := strings.Cut(base, ".")
	if !ok {
		return "", "", ""
	}
	for _, x := range bedrockVendors {
		if v == x {
			return v, base, geo
		}
	}
	return "", "", ""
}

// bedrockVersions returns the usual version spellings of an id missing
// part of its suffix: x → x-v1:0, x-v1; x-v1 → x-v1:0; x-v1:0 → x-v1.
func bedrockVersions(s string) []string {
	if i := strings.LastIndex(s, "-v"); i > 0 && isVersionTail(s[i+2:]) {
		if strings.Contains(s[i:], ":") {
			return []string{s[:strings.LastIndexByte(s, ':')]}
		}
		return []string{s + ":0"}
	}
	return []string{s + "-v1:0", s + "-v1"}
}

func isVersionTail(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if (s[i] < '0' || s[i] > '9') && s[i] != ':' {
			return false
		}
	}
	return s[0] != ':'
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// swapDotDash turns single-digit version separators into the other
// spelling: "4.5" → "4-5" when the name has dots, "5-6" → "5.6" otherwise.
func swapDotDash(s string) string {
	b := []byte(s)
	changed := false
	hasDot := strings.ContainsRune(s, '.')
	for i := 1; i+1 < len(b); i++ {
		if !isDigitByte(b[i-1]) || !isDigitByte(b[i+1]) {
			continue
		}
		if (i >= 2 && isDigitByte(b[i-2])) || (i+2 < len(b) && isDigitByte(b[i+2])) {
			continue // part of a multi-digit number (a date)
		}
		if hasDot && b[i] == '.' {
			b[i], changed = '-', true
		} else if !hasDot && b[i] == '-' {
			b[i], changed = '.', true
			break // only the version, not a following date
		}
	}
	if !changed {
		return s
	}
	return string(b)
}

func isDigitByte(c byte) bool { return c >= '0' && c <= '9' }

// stripDate removes one trailing date or moving-alias marker:
// -2024-08-06, -20250929, @20250929, -0709 (MMDD), -latest, -preview-05-06.
func stripDate(s string) string {
	n := len(s)
	switch {
	case strings.HasSuffix(s, "-latest"):
		return s[:n-7]
	case n > 11 && s[n-11] == '-' && isDigits(s[n-10:n-6]) && s[n-6] == '-' && isDigits(s[n-5:n-3]) && s[n-3] == '-' && isDigits(s[n-2:]):
		return s[:n-11]
	case n > 9 && (s[n-9] == '-' || s[n-9] == '@') && isDigits(s[n-8:]) && (s[n-8:n-6] == "19" || s[n-8:n-6] == "20"):
		return s[:n-9]
	case n > 5 && s[n-5] == '-' && isDigits(s[n-4:]) && validMMDD(s[n-4:]):
		return s[:n-5]
	case n > 6 && s[n-6] == '-' && isDigits(s[n-5:n-3]) && s[n-3] == '-' && isDigits(s[n-2:]):
		return s[:n-6]
	}
	if i := strings.LastIndex(s, "-preview"); i > 0 {
		return s[:i]
	}
	return s
}

func validMMDD(s string) bool {
	mm := int(s[0]-'0')*10 + int(s[1]-'0')
	dd := int(s[2]-'0')*10 + int(s[3]-'0')
	return mm >= 1 && mm <= 12 && dd >= 1 && dd <= 31
}

var claudeTiers = [...]string{"opus", "sonnet", "haiku"}

// claudeReorder swaps the version and tier of a Claude name into the other
// order: "claude-4.5-sonnet-20250929" → "claude-sonnet-4-5-20250929",
// "claude-sonnet-3-7" → "claude-3-7-sonnet". Returns "" for other names.
func claudeReorder(s string) string {
	rest, ok := strings.CutPrefix(s, "claude-")
	if !ok {
		return ""
	}
	isVer := func(v string) bool {
		if v == "" || !isDigitByte(v[0]) {
			return false
		}
		if len(v) == 1 {
			return true
		}
		return len(v) == 3 && (v[1] == '.' || v[1] == '-') && isDigitByte(v[2])
	}
	dashed := func(v string) string { return strings.ReplaceAll(v, ".", "-") }
	for _, tier := range claudeTiers {
		// version-first: claude-<ver>-<tier><tail>
		for _, n := range [...]int{3, 1} {
			if len(rest) > n && isVer(rest[:n]) && strings.HasPrefix(rest[n:], "-"+tier) {
				tail := rest[n+1+len(tier):]
				if tail == "" || tail[0] == '-' || tail[0] == '@' {
					return "claude-" + tier + "-" + dashed(rest[:n]) + tail
				}
			}
		}
		// tier-first: claude-<tier>-<ver><tail>
		if t, ok := strings.CutPrefix(rest, tier+"-"); ok {
			for _, n := range [...]int{3, 1} {
				if len(t) >= n && isVer(t[:n]) && (len(t) == n || t[n] == '-' || t[n] == '@') {
					return "claude-" + dashed(t[:n]) + "-" + tier + t[n:]
				}
			}
		}
	}
	return ""
}

// routers are families whose model ids name the upstream vendor:
// "anthropic/claude-sonnet-4.5", "openai/gpt-4o:free".
func isRouter(f string) bool { return f == "openrouter" || f == "vercel_ai_gateway" }

// routerCandidates puts the router's own rows under every spelling of the
// upstream name first ("anthropic/claude-4.5-sonnet-20250929" →
// openrouter/anthropic/claude-sonnet-4.5 ...), then the upstream
// provider's rows (estimates: a reseller priced at list price).
func routerCandidates(family, m string, list []Cand) []Cand {
	p, rest, ok := strings.Cut(m, "/")
	if !ok || rest == "" || strings.Contains(rest, "/") {
		return list
	}
	up := prefixFamily(p)
	if up == "" {
		up = p
	}
	c := &cands{}
	c.add(family, m, "exact", false)
	// Router decorations the router prices itself (:free, :thinking) stay on
	// the router's key; spellings of the base name follow.
	if i := strings.LastIndexByte(rest, ':'); i > 0 && rest[i:] != ":free" {
		// "claude-3-7-sonnet:thinking": the router's ":thinking" row under
		// every spelling of the base name.
		base, suffix := rest[:i], rest[i:]
		for _, x := range candidates(up, base) {
			if x.Family == up && !strings.Contains(x.Name, "/") {
				c.add(family, p+"/"+x.Name+suffix, "router_"+x.Rule, x.Estimated)
			}
		}
	}
	for _, x := range candidates(up, rest) {
		if x.Family != up || strings.Contains(x.Name, "/") {
			continue
		}
		c.add(family, p+"/"+x.Name, "router_"+x.Rule, x.Estimated)
	}
	for _, x := range list {
		c.add(x.Family, x.Name, x.Rule, x.Estimated)
	}
	return c.list
}
