package safety

import (
	"math"
	"strings"

	"github.com/periscope-otel/periscope/internal/contract"
	"github.com/periscope-otel/periscope/internal/eval"
)

// Anchors of the structural rules, in the spellings that occur (the
// automaton is case-sensitive so that token prefixes keep their case).
var shapeAnchors = []struct{ text, rule string }{
	{"-----BEGIN", "-----begin"}, {"-----begin", "-----begin"}, {"://", "://"},
	{"curl", "curl"}, {"CURL", "curl"},
	{"Authorization:", "authorization:"}, {"authorization:", "authorization:"}, {"AUTHORIZATION:", "authorization:"},
	{"eyJ", "eyj"}, {"Q~", "q~"},
}

// secretMatcher finds token prefixes and structural anchors in one pass.
var secretMatcher = func() *Matcher {
	p := make([]string, 0, len(prefixRules)+len(shapeAnchors))
	for _, r := range prefixRules {
		p = append(p, r.prefix)
	}
	for _, a := range shapeAnchors {
		p = append(p, a.text)
	}
	return NewMatcher(p, false)
}()

// Secrets detects API keys and tokens by known prefixes and entropy,
// private keys, credentials in URLs and connection strings, curl
// credentials and credential-named assignments.
type Secrets struct{ sides eval.Side }

// NewSecrets returns the secrets evaluator.
func NewSecrets(o Options) *Secrets {
	return &Secrets{sides: o.sides(eval.SideInput | eval.SideOutput)}
}

func (e *Secrets) Name() string { return contract.EvalSecrets }

func (e *Secrets) Evaluate(in *eval.Input) eval.Result { return evaluateOne(e, in) }

func (e *Secrets) run(p *prepared) eval.Result {
	var findings []eval.Finding
	for _, side := range []eval.Side{eval.SideInput, eval.SideOutput} {
		if e.sides&side == 0 {
			continue
		}
		findings, p.hits = ScanSecrets(p.side(side).raw, side, findings, p.hits)
	}
	r := eval.Result{Findings: findings}
	prod := 1.0
	for _, f := range findings {
		w := 0.95
		if f.Rule == "generic-api-key" {
			w = 0.75
		}
		prod *= 1 - w
	}
	r.Score = clamp01(1 - prod)
	if len(findings) > 0 {
		r.Types = []string{"secret"}
	}
	return r
}

// ScanSecrets appends secret findings in s to dst (rule = rule id, offsets
// of the secret value). hits is scratch space.
func ScanSecrets(s string, side eval.Side, dst []eval.Finding, hits []Hit) ([]eval.Finding, []Hit) {
	if len(s) < 8 {
		return dst, hits
	}
	covered := 0 // end of the last reported secret; avoids double reports
	add := func(rule string, a, b int) {
		if a < covered {
			return
		}
		dst = append(dst, eval.Finding{Rule: rule, Side: side, Start: a, End: b})
		covered = b
	}
	hits = secretMatcher.FindString(s, hits[:0])
	np := int32(len(prefixRules))
	sortHitsByStart(hits)
	for _, h := range hits {
		if int(h.Start) < covered {
			continue
		}
		if h.Pat < np {
			if b, ok := prefixToken(s, &prefixRules[h.Pat], int(h.Start)); ok {
				add(prefixRules[h.Pat].id, int(h.Start), b)
			}
			continue
		}
		a, b, rule := shapeRule(s, shapeAnchors[h.Pat-np].rule, int(h.Start), int(h.End))
		if rule != "" {
			add(rule, a, b)
		}
	}
	// Facebook app tokens: 15-16 digits '|' token.
	for i := strings.IndexByte(s, '|'); i >= 0 && i < len(s); {
		if a, b, ok := facebookToken(s, i); ok {
			if a >= covered {
				add("facebook-access-token", a, b)
			}
		}
		j := strings.IndexByte(s[i+1:], '|')
		if j < 0 {
			break
		}
		i += 1 + j
	}
	// Credential-named assignments: key = value, "key": "value".
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '=' && c != ':' && c != '>' && c != ',' {
			continue
		}
		if a, b, ok := assignment(s, i); ok && a >= covered {
			add("generic-api-key", a, b)
			i = b - 1
		}
	}
	return dst, hits
}

func sortHitsByStart(h []Hit) {
	for i := 1; i < len(h); i++ {
		for j := i; j > 0 && h[j].Start < h[j-1].Start; j-- {
			h[j], h[j-1] = h[j-1], h[j]
		}
	}
}

func inCharset(cs string, c byte) bool {
	alnum := isAlnum(c)
	switch cs {
	case csAlnum:
		return alnum
	case csWord:
		return alnum || c == '_'
	case csWordDash, "gitlabrt":
		return alnum || c == '_' || c == '-' || (cs == "gitlabrt" && c == '.')
	case csHexLow:
		return isHex(c)
	case "hexdash":
		return isHex(c) || c == '-'
	case csUpperNum:
		return isDigit(c) || (c >= 'A' && c <= 'Z')
	case "onepw":
		return isDigit(c) || (c >= 'A' && c <= 'Z') || c == '-'
	case "aws":
		return (c >= 'A' && c <= 'Z') || (c >= '2' && c <= '7')
	case csBase64:
		return alnum || c == '+' || c == '/' || c == '='
	case csB64URL:
		return alnum || c == '-' || c == '_' || c == '=' || c == '.'
	case csLower:
		return c >= 'a' && c <= 'z'
	case "letters":
		return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
	case csAlnumLowerNum:
		return isDigit(c) || (c >= 'a' && c <= 'z')
	case "dotted", "yandex":
		return alnum || c == '.' || c == '-' || c == '_'
	case "slack":
		return alnum || c == '-'
	case "path":
		return alnum || c == '/' || c == '+'
	}
	return false
}

// prefixToken validates a prefix hit at a and returns the token end.
func prefixToken(s string, r *prefixRule, a int) (int, bool) {
	// Left boundary: a token does not start inside a word or a base64 run.
	if a > 0 && isAlnum(r.prefix[0]) {
		p := s[a-1]
		b64ish := (p == '+' || p == '/') && !strings.ContainsAny(r.prefix, "./")
		if isAlnum(p) || p == '_' || b64ish || (p == '-' && r.prefix[len(r.prefix)-1] == '-') {
			return 0, false
		}
	}
	start := a + len(r.prefix)
	b := start
	for b < len(s) && b-start <= r.max && inCharset(r.cs, s[b]) {
		b++
	}
	n := b - start
	if n > r.max {
		return 0, false // longer than the format allows: something else
	}
	if n < r.min {
		return 0, false
	}
	// Right boundary.
	if b < len(s) && (isAlnum(s[b]) || s[b] == '_') {
		return 0, false
	}
	body := s[start:b]
	if r.suffix != "" && !strings.HasSuffix(body, r.suffix) {
		return 0, false
	}
	if r.entropy > 0 && entropy(body) < r.entropy {
		return 0, false
	}
	if placeholder(body) || knownPublicKeys[s[a:b]] {
		return 0, false
	}
	// Provider-specific structure.
	switch r.id {
	case "slack-bot-token", "slack-user-token":
		if strings.Count(body, "-") < 2 {
			return 0, false
		}
	case "sourcegraph-access-token":
		if !(strings.HasPrefix(body, "local_") || (len(body) > 17 && body[16] == '_') || len(body) == 40) {
			return 0, false
		}
	}
	return b, true
}

// entropy is the Shannon entropy of s in bits per character.
func entropy(s string) float64 {
	if len(s) == 0 {
		return 0
	}
	var freq [256]int
	for i := 0; i < len(s); i++ {
		freq[s[i]]++
	}
	h := 0.0
	n := float64(len(s))
	for _, f := range freq {
		if f > 0 {
			p := float64(f) / n
			h -= p * math.Log2(p)
		}
	}
	return h
}

var placeholderWords = []string{"example", "xxxx", "****", "your", "placeholder", "redacted", "changeme",
	"dummy", "sample", "<", "${", "{{", "insert", "replace", "fake", "secret_here", "_here", "todo", "....", "----"}

// placeholder reports values that only look like secrets: documentation
// samples, masked values, keyboard runs and sequences.
func placeholder(v string) bool {
	lv := strings.ToLower(v)
	for _, w := range placeholderWords {
		if strings.Contains(lv, w) {
			return true
		}
	}
	// Dominant character.
	var freq [256]int
	for i := 0; i < len(lv); i++ {
		freq[lv[i]]++
	}
	for _, f := range freq {
		if f*2 > len(lv) && len(lv) >= 6 {
			return true
		}
	}
	// Share of characters inside ascending runs (abcd, 1234) of 4+.
	seq, run := 0, 1
	for i := 1; i <= len(lv); i++ {
		if i < len(lv) && lv[i] == lv[i-1]+1 && isAlnum(lv[i]) {
			run++
			continue
		}
		if run >= 4 {
			seq += run
		}
		run = 1
	}
	return len(lv) > 0 && float64(seq)/float64(len(lv)) >= 0.3
}

// shapeRule checks the structural rules anchored at [a,b).
func shapeRule(s, anchor string, a, b int) (int, int, string) {
	switch anchor {
	case "-----begin":
		rest := s[b:min(len(s), b+120)]
		k := strings.Index(strings.ToUpper(rest), "PRIVATE KEY")
		if k < 0 {
			return 0, 0, ""
		}
		bodyStart := b + k + len("PRIVATE KEY")
		for bodyStart < len(s) && (s[bodyStart] == '-' || s[bodyStart] == ' ' || (s[bodyStart] >= 'A' && s[bodyStart] <= 'Z')) {
			bodyStart++
		}
		end := strings.Index(s[bodyStart:], "-----END")
		bodyEnd := len(s)
		if end >= 0 {
			bodyEnd = bodyStart + end
		}
		body := s[bodyStart:bodyEnd]
		n := 0
		for i := 0; i < len(body); i++ {
			if inCharset(csBase64, body[i]) {
				n++
			}
		}
		if n < 64 || placeholder(strings.TrimSpace(body)) {
			return 0, 0, ""
		}
		return a, bodyEnd, "private-key"
	case "://":
		return urlCredentials(s, a)
	case "curl":
		if (a > 0 && isAlnum(s[a-1])) || (b < len(s) && isAlnum(s[b])) {
			return 0, 0, ""
		}
		return curlCredentials(s, b)
	case "authorization:":
		x, y, ok := authHeaderValue(s, b)
		if ok {
			return x, y, "authorization-header"
		}
	case "eyj":
		if s[a:b] != "eyJ" || (a > 0 && (isAlnum(s[a-1]) || s[a-1] == '_' || s[a-1] == '-')) {
			return 0, 0, ""
		}
		// header.payload.signature, payload also JSON (eyJ...).
		i := a
		parts := 0
		partStart := i
		for i < len(s) && (isAlnum(s[i]) || s[i] == '_' || s[i] == '-' || s[i] == '.' || s[i] == '/' || s[i] == '\\' || s[i] == '=') {
			if s[i] == '.' {
				if i-partStart < 10 {
					break
				}
				parts++
				partStart = i + 1
			}
			i++
		}
		if parts >= 2 || (parts == 1 && i-partStart >= 10) {
			if parts >= 1 && strings.HasPrefix(s[strings.IndexByte(s[a:], '.')+a+1:], "eyJ") && i-a >= 40 {
				return a, i, "jwt"
			}
		}
	case "q~":
		// Azure AD client secret: 3 chars, a digit, Q~, 31-34 chars.
		if a < 4 || s[a] != 'Q' || !isDigit(s[a-1]) {
			return 0, 0, ""
		}
		st := a - 4
		for k := st; k < a-1; k++ {
			if !(isAlnum(s[k]) || s[k] == '_' || s[k] == '~' || s[k] == '.') {
				return 0, 0, ""
			}
		}
		if st > 0 && (isAlnum(s[st-1]) || s[st-1] == '_') {
			return 0, 0, ""
		}
		i := b
		for i < len(s) && (isAlnum(s[i]) || s[i] == '_' || s[i] == '~' || s[i] == '.' || s[i] == '-') {
			i++
		}
		if n := i - b; n < 31 || n > 34 || placeholder(s[b:i]) || entropy(s[b:i]) < 3 {
			return 0, 0, ""
		}
		return st, i, "azure-ad-client-secret"
	}
	return 0, 0, ""
}

// urlCredentials finds scheme://user:password@host around the "://" at i.
func urlCredentials(s string, i int) (int, int, string) {
	a := i
	for a > 0 && (isAlnum(s[a-1]) || s[a-1] == '+' || s[a-1] == '.' || s[a-1] == '-') {
		a--
	}
	if a == i {
		return 0, 0, ""
	}
	scheme := strings.ToLower(s[a:i])
	u := i + 3
	at := -1
	colon := -1
	for k := u; k < len(s) && k-u < 256; k++ {
		c := s[k]
		if c == '@' {
			at = k
			break
		}
		if c == '/' || c == ' ' || c == '\n' || c == '"' || c == '\'' || c == '?' || c == '#' || c == '<' || c == '>' {
			break
		}
		if c == ':' && colon < 0 {
			colon = k
		}
	}
	if at < 0 || colon < 0 || colon+1 >= at {
		return 0, 0, ""
	}
	pass := s[colon+1 : at]
	if len(pass) < 3 || placeholder(pass) || pass[0] == '$' || pass[0] == '%' || pass[0] == '[' || pass[0] == '{' || pass[0] == '*' ||
		strings.EqualFold(pass, "password") || strings.EqualFold(pass, "pass") || strings.EqualFold(pass, "pwd") {
		return 0, 0, ""
	}
	// Host after '@' must look like a host.
	h := at + 1
	if h >= len(s) || !(isAlnum(s[h]) || s[h] == '[') {
		return 0, 0, ""
	}
	rule := "url-credentials"
	switch scheme {
	case "postgres", "postgresql", "mysql", "mariadb", "mongodb", "mongodb+srv", "redis", "rediss",
		"amqp", "amqps", "mssql", "sqlserver", "jdbc:mysql", "jdbc:postgresql", "clickhouse", "cockroachdb":
		rule = "connection-string"
	}
	return colon + 1, at, rule
}

// curlCredentials looks for -u/--user and -H/--header credentials in the
// curl command that starts at i (up to the end of the command).
func curlCredentials(s string, i int) (int, int, string) {
	end := i
	for end < len(s) && end-i < 2000 {
		if s[end] == '\n' && (end == 0 || s[end-1] != '\\') {
			break
		}
		end++
	}
	cmd := s[i:end]
	for k := 0; k < len(cmd); k++ {
		if cmd[k] != '-' || (k > 0 && cmd[k-1] != ' ' && cmd[k-1] != '\t' && cmd[k-1] != '\n') {
			continue
		}
		rest := cmd[k:]
		var val int
		switch {
		case strings.HasPrefix(rest, "-u ") || strings.HasPrefix(rest, "-u\"") || strings.HasPrefix(rest, "-u'"):
			val = k + 2
		case strings.HasPrefix(rest, "--user ") || strings.HasPrefix(rest, "--user="):
			val = k + 7
		case strings.HasPrefix(rest, "-H ") || strings.HasPrefix(rest, "-H\"") || strings.HasPrefix(rest, "-H'"):
			if a, b, ok := curlHeader(cmd, k+2); ok {
				return i + a, i + b, "curl-auth-header"
			}
			continue
		case strings.HasPrefix(rest, "--header ") || strings.HasPrefix(rest, "--header="):
			if a, b, ok := curlHeader(cmd, k+9); ok {
				return i + a, i + b, "curl-auth-header"
			}
			continue
		default:
			continue
		}
		for val < len(cmd) && cmd[val] == ' ' {
			val++
		}
		q := byte(0)
		if val < len(cmd) && (cmd[val] == '"' || cmd[val] == '\'') {
			q = cmd[val]
			val++
		}
		ve := val
		for ve < len(cmd) && ((q != 0 && cmd[ve] != q) || (q == 0 && cmd[ve] != ' ' && cmd[ve] != '\t')) {
			ve++
		}
		v := cmd[val:ve]
		c := strings.IndexByte(v, ':')
		if c < 0 {
			continue
		}
		user, pass := v[:c], v[c+1:]
		secret := pass
		if pass == "" {
			secret = user // API-key-as-username style: "key:"
		}
		if len(secret) < 3 || placeholder(secret) || strings.ContainsAny(secret[:1], "$[{<%*") ||
			strings.Contains(secret, "${") || strings.EqualFold(secret, "password") {
			continue
		}
		if entropy(secret) < 2 {
			continue
		}
		return i + val, i + ve, "curl-auth-user"
	}
	return 0, 0, ""
}

// curlHeader validates a quoted "Name: value" header with a credential.
func curlHeader(cmd string, k int) (int, int, bool) {
	for k < len(cmd) && (cmd[k] == ' ' || cmd[k] == '=') {
		k++
	}
	if k >= len(cmd) || (cmd[k] != '"' && cmd[k] != '\'') {
		return 0, 0, false
	}
	q := cmd[k]
	e := strings.IndexByte(cmd[k+1:], q)
	if e < 0 {
		return 0, 0, false
	}
	h := cmd[k+1 : k+1+e]
	c := strings.IndexByte(h, ':')
	if c < 0 {
		return 0, 0, false
	}
	name := strings.ToLower(strings.TrimSpace(h[:c]))
	if !(name == "authorization" || strings.Contains(name, "token") || strings.Contains(name, "key") ||
		strings.Contains(name, "secret") || strings.Contains(name, "auth")) {
		return 0, 0, false
	}
	a, b, ok := authHeaderValue(h, c+1)
	if !ok {
		return 0, 0, false
	}
	return k + 1 + a, k + 1 + b, true
}

// authHeaderValue reads "[scheme] credential" after a header colon.
func authHeaderValue(s string, i int) (int, int, bool) {
	for i < len(s) && s[i] == ' ' {
		i++
	}
	j := i
	for j < len(s) && s[j] != ' ' && s[j] != '"' && s[j] != '\'' && s[j] != '\n' && s[j] != ',' {
		j++
	}
	switch strings.ToLower(s[i:j]) {
	case "bearer", "basic", "token", "digest", "apikey", "key":
		i = j
		for i < len(s) && s[i] == ' ' {
			i++
		}
		j = i
		for j < len(s) && s[j] != ' ' && s[j] != '"' && s[j] != '\'' && s[j] != '\n' && s[j] != ',' {
			j++
		}
	}
	v := s[i:j]
	if len(v) < 8 || placeholder(v) || strings.ContainsAny(v[:1], "$[{<%*") || entropy(v) < 2.75 {
		return 0, 0, false
	}
	return i, j, true
}

// facebookToken: 15-16 digits, '|', 27-40 token characters.
func facebookToken(s string, bar int) (int, int, bool) {
	a := bar
	for a > 0 && isDigit(s[a-1]) {
		a--
	}
	if n := bar - a; n < 15 || n > 16 || (a > 0 && isAlnum(s[a-1])) {
		return 0, 0, false
	}
	b := bar + 1
	for b < len(s) && (isAlnum(s[b]) || s[b] == '-' || s[b] == '_') {
		b++
	}
	if n := b - bar - 1; n < 27 || n > 40 || entropy(s[bar+1:b]) < 3 || placeholder(s[bar+1:b]) {
		return 0, 0, false
	}
	return a, b, true
}

// assignment checks "identifier <op> value" around the operator at i and
// returns the value range when the identifier names a credential and the
// value looks random.
func assignment(s string, i int) (int, int, bool) {
	switch s[i] {
	case '>':
		return xmlElement(s, i)
	case ',':
		return quotedPair(s, i)
	}
	// Operator forms: =, :, :=, =>, ?=, ||=, .=, +=; comparisons are skipped.
	opEnd := i + 1
	if s[i] == ':' && opEnd < len(s) && s[opEnd] == '=' {
		opEnd++
	} else if s[i] == '=' && opEnd < len(s) && (s[opEnd] == '>') {
		opEnd++
	} else if s[i] == '=' && (opEnd < len(s) && s[opEnd] == '=' || i > 0 && (s[i-1] == '=' || s[i-1] == '!' || s[i-1] == '<' || s[i-1] == '>')) {
		return 0, 0, false
	}
	if s[i] == ':' && opEnd < len(s) && s[opEnd] == ':' {
		return 0, 0, false
	}
	// Identifier to the left, skipping a compound-operator prefix, quotes
	// and spaces.
	e := i
	if s[i] == '=' {
		for k := 0; k < 2 && e > 0 && (s[e-1] == '?' || s[e-1] == '|' || s[e-1] == '.' || s[e-1] == '+'); k++ {
			e--
		}
	}
	for e > 0 && (s[e-1] == ' ' || s[e-1] == '"' || s[e-1] == '\'' || s[e-1] == '\t' || s[e-1] == ']') {
		e--
	}
	st := e
	for st > 0 && e-st < 60 && (isAlnum(s[st-1]) || s[st-1] == '_' || s[st-1] == '-' || s[st-1] == '.') {
		st--
	}
	if st == e {
		return 0, 0, false
	}
	kind := identKind(s[st:e])
	if kind == 0 {
		return 0, 0, false
	}
	// Value to the right.
	v := opEnd
	for v < len(s) && (s[v] == ' ' || s[v] == '\t') {
		v++
	}
	q := byte(0)
	if v < len(s) && (s[v] == '"' || s[v] == '\'' || s[v] == '`') {
		q = s[v]
		v++
	}
	ve := v
	for ve < len(s) && ve-v < 300 {
		c := s[ve]
		if q != 0 && c == q {
			break
		}
		if c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '"' || c == '\'' || c == '`' || c == ',' || c == ';' || (q == 0 && (c == ')' || c == '}' || c == ']')) {
			break
		}
		ve++
	}
	val := s[v:ve]
	if !randomValue(val, kind) {
		return 0, 0, false
	}
	return v, ve, true
}

// identKind: 0 = not a credential name, 1 = credential noun (password-like
// values allowed), 2 = provider name only (needs a longer random value).
func identKind(id string) int {
	var words [12]string
	n := 0
	start := 0
	flush := func(end int) {
		if end > start && n < len(words) {
			words[n] = strings.ToLower(id[start:end])
			n++
		}
	}
	for k := 0; k < len(id); k++ {
		c := id[k]
		if c == '_' || c == '-' || c == '.' {
			flush(k)
			start = k + 1
			continue
		}
		// camelCase boundary
		if k > start && c >= 'A' && c <= 'Z' && id[k-1] >= 'a' && id[k-1] <= 'z' {
			flush(k)
			start = k
		}
	}
	flush(len(id))
	if n == 0 {
		return 0
	}
	last := words[n-1]
	if nonSecretTails[last] {
		return 0
	}
	if secretNouns[last] {
		return 1
	}
	// "api_key_value", "secret_value": noun followed by value/str.
	if n >= 2 && secretNouns[words[n-2]] && (last == "value" || last == "str" || last == "string") {
		return 1
	}
	for k := 0; k < n; k++ {
		if providerWords[words[k]] {
			return 2
		}
	}
	return 0
}

// randomValue decides whether an assigned value is a real-looking secret.
func randomValue(v string, kind int) bool {
	if len(v) < 8 || len(v) > 300 {
		return false
	}
	if placeholder(v) || strings.ContainsAny(v[:1], "$%{[<(*&@#") || strings.Contains(v, "://") ||
		strings.Contains(v, "(") || strings.HasPrefix(v, "process.env") || strings.HasPrefix(v, "os.") {
		return false
	}
	if isUUID(v) {
		return false
	}
	var lo, up, dg, sy int
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case c >= 'a' && c <= 'z':
			lo++
		case c >= 'A' && c <= 'Z':
			up++
		case isDigit(c):
			dg++
		default:
			sy++
		}
	}
	classes := 0
	for _, x := range []int{lo, up, dg, sy} {
		if x > 0 {
			classes++
		}
	}
	h := entropy(v)
	// Identifiers, paths and dotted names are not secrets.
	if sy > 0 && (strings.Count(v, ".") >= 2 && dg+up < len(v)/4 || strings.Count(v, "/") >= 2 && !strings.HasSuffix(v, "=")) {
		return false
	}
	if kind == 2 {
		return len(v) >= 16 && h >= 3.5 && classes >= 2
	}
	if len(v) >= 16 {
		return h >= 3.2 && classes >= 2 && dg > 0
	}
	return h >= 2.8 && classes >= 3
}

func isUUID(v string) bool {
	if len(v) != 36 {
		return false
	}
	for i := 0; i < 36; i++ {
		switch i {
		case 8, 13, 18, 23:
			if v[i] != '-' {
				return false
			}
		default:
			if !isHex(v[i]) {
				return false
			}
		}
	}
	return true
}

// xmlElement reads <name>value</name> around the '>' at i.
func xmlElement(s string, i int) (int, int, bool) {
	st := i
	for st > 0 && i-st < 60 && (isAlnum(s[st-1]) || s[st-1] == '_' || s[st-1] == '-' || s[st-1] == '.') {
		st--
	}
	if st == i || st == 0 || s[st-1] != '<' {
		return 0, 0, false
	}
	kind := identKind(s[st:i])
	if kind == 0 {
		return 0, 0, false
	}
	v := i + 1
	ve := v
	for ve < len(s) && ve-v < 300 && s[ve] != '<' && !isSpace(s[ve]) {
		ve++
	}
	if ve >= len(s) || s[ve] != '<' || !randomValue(s[v:ve], kind) {
		return 0, 0, false
	}
	return v, ve, true
}

// quotedPair reads "name", "value" (an argument list or tuple) around the
// ',' at i; both sides must be quoted.
func quotedPair(s string, i int) (int, int, bool) {
	e := i
	if e == 0 || (s[e-1] != '"' && s[e-1] != '\'') {
		return 0, 0, false
	}
	q := s[e-1]
	e--
	st := e
	for st > 0 && e-st < 60 && s[st-1] != q {
		st--
	}
	if st == 0 || st == e {
		return 0, 0, false
	}
	kind := identKind(s[st:e])
	if kind == 0 {
		return 0, 0, false
	}
	v := i + 1
	for v < len(s) && s[v] == ' ' {
		v++
	}
	if v >= len(s) || (s[v] != '"' && s[v] != '\'') {
		return 0, 0, false
	}
	q = s[v]
	v++
	ve := v
	for ve < len(s) && ve-v < 300 && s[ve] != q {
		ve++
	}
	if ve >= len(s) || !randomValue(s[v:ve], kind) {
		return 0, 0, false
	}
	return v, ve, true
}
