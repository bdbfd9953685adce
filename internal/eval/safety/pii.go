package safety

import (
	"math/bits"
	"net/netip"
	"strings"

	"github.com/periscope-otel/periscope/internal/contract"
	"github.com/periscope-otel/periscope/internal/eval"
)

// PII types reported in Result.Types and Finding.Rule.
const (
	PIIEmail         = "email"
	PIIPhone         = "phone"
	PIICreditCard    = "credit_card"
	PIISSN           = "us_ssn"
	PIIIBAN          = "iban"
	PIIIPAddress     = "ip_address"
	PIIStreetAddress = "street_address"
)

// PIITypes lists every PII type the evaluator detects.
var PIITypes = []string{PIIEmail, PIIPhone, PIICreditCard, PIISSN, PIIIBAN, PIIIPAddress, PIIStreetAddress}

// piiWeight is how strongly one finding of a type raises the score.
var piiWeight = map[string]float64{
	PIIEmail: 0.9, PIICreditCard: 0.95, PIISSN: 0.95, PIIIBAN: 0.95,
	PIIPhone: 0.75, PIIIPAddress: 0.6, PIIStreetAddress: 0.6,
}

// PIIOptions configures the pii evaluator.
type PIIOptions struct {
	Sides eval.Side
	// Types limits detection to these types (empty = all).
	Types []string
}

// PII detects e-mail addresses, phone numbers, payment cards (Luhn), IBANs
// (mod-97), US social security numbers, IP addresses and street addresses.
type PII struct {
	sides eval.Side
	types map[string]bool
}

// NewPII returns the pii evaluator.
func NewPII(o PIIOptions) *PII {
	e := &PII{sides: o.Sides, types: map[string]bool{}}
	if e.sides == 0 {
		e.sides = eval.SideInput | eval.SideOutput
	}
	if len(o.Types) == 0 {
		o.Types = PIITypes
	}
	for _, t := range o.Types {
		e.types[t] = true
	}
	return e
}

func (e *PII) Name() string { return contract.EvalPII }

func (e *PII) Evaluate(in *eval.Input) eval.Result { return evaluateOne(e, in) }

func (e *PII) run(p *prepared) eval.Result {
	var findings []eval.Finding
	for _, side := range []eval.Side{eval.SideInput, eval.SideOutput} {
		if e.sides&side == 0 {
			continue
		}
		findings = ScanPII(p.side(side).raw, side, e.types, findings)
	}
	return piiResult(findings, piiWeight)
}

func piiResult(findings []eval.Finding, weights map[string]float64) eval.Result {
	r := eval.Result{Findings: findings}
	prod := 1.0
	for _, f := range findings {
		known := false
		for _, t := range r.Types {
			if t == f.Rule {
				known = true
				break
			}
		}
		if !known {
			r.Types = append(r.Types, f.Rule)
			prod *= 1 - weights[f.Rule]
		}
	}
	r.Score = clamp01(1 - prod)
	return r
}

// ScanPII appends PII findings of the enabled types in s to dst. Offsets
// are byte offsets in s. The scan is one pass over s with local lookahead.
func ScanPII(s string, side eval.Side, types map[string]bool, dst []eval.Finding) []eval.Finding {
	add := func(t string, a, b int) {
		if types == nil || types[t] {
			dst = append(dst, eval.Finding{Rule: t, Side: side, Start: a, End: b})
		}
	}
	lastEnd := 0
	for i := 0; i < len(s); i++ {
		if vectorScan {
			i = piiTriggers.index(s, i)
		} else {
			i = skipQuiet(s, i)
		}
		if i == len(s) {
			break // s ended in a quiet block
		}
		c := s[i]
		if !piiTrigger[c] {
			continue // most bytes start no detection: one table load
		}
		switch {
		case c == '@':
			if a, b, ok := emailAt(s, i); ok && a >= lastEnd {
				add(PIIEmail, a, b)
				lastEnd = b
				i = b - 1
			}
		case c >= 'A' && c <= 'Z' && i >= lastEnd && boundary(s, i):
			if b, ok := ibanAt(s, i); ok {
				add(PIIIBAN, i, b)
				lastEnd = b
				i = b - 1
				continue
			}
		case (isDigit(c) || c == '+' || c == '(') && i >= lastEnd && boundary(s, i):
			t, b := numberAt(s, i)
			if t != "" {
				add(t, i, b)
				lastEnd = b
				i = b - 1
				continue
			}
			if isDigit(c) {
				if b, ok := streetAt(s, i); ok {
					add(PIIStreetAddress, i, b)
					lastEnd = b
					i = b - 1
					continue
				}
			}
			// skip the rest of this number so we do not restart inside it
			if b > i {
				i = b - 1
			}
		case c == ':' && i >= lastEnd:
			if a, b, ok := ipv6Around(s, i, lastEnd); ok {
				add(PIIIPAddress, a, b)
				lastEnd = b
				i = b - 1
			}
		}
	}
	return dst
}

// piiTrigger marks the bytes ScanPII looks at: '@', capitals (IBAN),
// digits, '+' and '(' (numbers), ':' (IPv6).
var piiTrigger = func() (t [256]bool) {
	for _, c := range []byte("@+(:") {
		t[c] = true
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	for c := 'A'; c <= 'Z'; c++ {
		t[c] = true
	}
	return t
}()

// piiTriggers finds the next trigger with the vector scan.
var piiTriggers = newByteSet(piiTrigger)

// quietBlock is the span skipQuiet rules out at once.
const quietBlock = 16

// skipQuiet returns the first i' >= i where a detection may start, or the
// start of the last short block: prose is mostly lowercase, so 16 bytes
// are ruled out with a few word operations instead of a table load per
// byte. A detection starts at a byte 0x30-0x5F (digits, ':', '@',
// capitals; loud over-reports, never misses) or at a run of '+' and '('
// right before one. Elsewhere such a run is followed by a non-digit, so at
// it ScanPII finds nothing and moves past it.
func skipQuiet(s string, i int) int {
	for ; i+quietBlock <= len(s); i += quietBlock {
		b := s[i : i+quietBlock] // one bounds check
		x, y := le64(b[:8]), le64(b[8:])
		k := 0
		switch last := byte(y >> 56); {
		case loud(x) != 0:
			k = bits.TrailingZeros64(loud(x)) / 8
		case loud(y) != 0:
			k = 8 + bits.TrailingZeros64(loud(y))/8
		case last == '+' || last == '(':
			k = quietBlock - 1
		default:
			continue
		}
		for k > 0 && (b[k-1] == '+' || b[k-1] == '(') {
			k--
		}
		return i + k
	}
	return i
}

// loud is non-zero when a byte of x may be 0x30-0x5F: bit 6 differs from
// bit 5 (0x20-0x5F) and bit 6 or bit 4 is set (not 0x20-0x2F).
func loud(x uint64) uint64 {
	return (x ^ x<<1) & (x | x<<2) & 0x4040404040404040
}

// le64 reads 8 bytes of s little-endian (one load once compiled).
func le64(s string) uint64 {
	_ = s[7]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
func isAlnum(c byte) bool {
	return isDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}
func isHex(c byte) bool { return isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') }

func emailLocal(c byte) bool {
	return isAlnum(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-'
}

// emailAt reads an e-mail address around the '@' at i.
func emailAt(s string, at int) (int, int, bool) {
	a := at
	for a > 0 && at-a < 64 && emailLocal(s[a-1]) {
		a--
	}
	for a < at && (s[a] == '.' || s[a] == '-') {
		a++
	}
	if a == at {
		return 0, 0, false
	}
	b := at + 1
	lastDot := -1
	for b < len(s) && b-at < 255 && (isAlnum(s[b]) || s[b] == '-' || s[b] == '.') {
		if s[b] == '.' {
			if b == at+1 || s[b-1] == '.' {
				break
			}
			lastDot = b
		}
		b++
	}
	for b > at+1 && (s[b-1] == '.' || s[b-1] == '-') {
		b--
	}
	lastDot = strings.LastIndexByte(s[at+1:b], '.')
	if lastDot >= 0 {
		lastDot += at + 1
	}
	if lastDot < 0 || lastDot >= b-2 {
		return 0, 0, false
	}
	for k := lastDot + 1; k < b; k++ {
		if !((s[k] >= 'a' && s[k] <= 'z') || (s[k] >= 'A' && s[k] <= 'Z')) {
			return 0, 0, false
		}
	}
	return a, b, true
}

// ibanAt validates an IBAN starting at i: country code, check digits and
// 11-30 alphanumerics, optionally grouped by single spaces, with mod-97 = 1.
func ibanAt(s string, i int) (int, bool) {
	if i+4 > len(s) || !(s[i+1] >= 'A' && s[i+1] <= 'Z') || !isDigit(s[i+2]) || !isDigit(s[i+3]) {
		return 0, false
	}
	var buf [34]byte
	n := 0
	end := i
	for k := i; k < len(s) && n < 34; k++ {
		c := s[k]
		if isDigit(c) || (c >= 'A' && c <= 'Z') {
			buf[n] = c
			n++
			end = k + 1
			continue
		}
		if c == ' ' && k+1 < len(s) && (isDigit(s[k+1]) || (s[k+1] >= 'A' && s[k+1] <= 'Z')) && n >= 4 && n%4 == 0 {
			continue
		}
		break
	}
	if end < len(s) && isAlnum(s[end]) {
		return 0, false
	}
	if n < 15 || n > 34 {
		return 0, false
	}
	// Move the first four characters to the end and compute mod 97.
	rem := 0
	feed := func(c byte) {
		if isDigit(c) {
			rem = (rem*10 + int(c-'0')) % 97
		} else {
			v := int(c-'A') + 10
			rem = (rem*100 + v) % 97
		}
	}
	for k := 4; k < n; k++ {
		feed(buf[k])
	}
	for k := 0; k < 4; k++ {
		feed(buf[k])
	}
	return end, rem == 1
}

// numberAt classifies the number-like run starting at i as a card, SSN,
// IPv4 address or phone number.
func numberAt(s string, i int) (string, int) {
	t, end, runEnd := classifyNumber(s, i)
	if t == "" {
		// Skip a dotted run as a whole (never restart inside 1.2.3.4.5);
		// elsewhere only the first group, so "12 Main Street" is still seen.
		if runEnd > i && strings.IndexByte(s[i:runEnd], ' ') < 0 {
			return "", runEnd
		}
		j := i
		for j < len(s) && (isDigit(s[j]) || s[j] == '+' || s[j] == '(') {
			j++
		}
		return "", j
	}
	return t, end
}

func classifyNumber(s string, i int) (string, int, int) {
	// Collect the run: digits and single separators between digit groups.
	var groups [12]int // digit count per group
	var seps [12]byte
	ng, digits := 0, 0
	j := i
	open := false
	if s[j] == '+' {
		j++
	}
	if j < len(s) && s[j] == '(' {
		open = true
		j++
	}
	if j >= len(s) || !isDigit(s[j]) {
		return "", 0, 0
	}
	end := j
	for j < len(s) && ng < len(groups) {
		k := j
		for k < len(s) && isDigit(s[k]) {
			k++
		}
		if k == j {
			break
		}
		groups[ng] = k - j
		digits += k - j
		ng++
		end = k
		j = k
		if j >= len(s) {
			break
		}
		c := s[j]
		if c == ')' && open {
			open = false
			j++
			if j < len(s) && (s[j] == ' ' || s[j] == '-') {
				j++
			}
			seps[ng-1] = ')'
			continue
		}
		if (c == '-' || c == '.' || c == ' ' || c == '/') && j+1 < len(s) && isDigit(s[j+1]) {
			seps[ng-1] = c
			j++
			continue
		}
		break
	}
	if end < len(s) && (isAlnum(s[end]) && !(s[end] == 'x' || s[end] == 'X')) {
		return "", 0, end
	}
	gs := groups[:ng]
	sp := seps[:max(ng-1, 0)]
	allSep := func(c ...byte) bool {
		for _, x := range sp {
			ok := false
			for _, y := range c {
				if x == y {
					ok = true
				}
			}
			if !ok {
				return false
			}
		}
		return true
	}
	start := i
	// IPv4
	if ng >= 4 && allSep('.') && s[start] != '+' && s[start] != '(' {
		if ng == 4 {
			if ip, err := netip.ParseAddr(s[start:end]); err == nil && ip.Is4() {
				return PIIIPAddress, end, end
			}
		}
	}
	// SSN: 3-2-4
	if ng == 3 && gs[0] == 3 && gs[1] == 2 && gs[2] == 4 && sp[0] == sp[1] && (sp[0] == '-' || (sp[0] == ' ' && ssnContext(s, start))) {
		area := s[start : start+3]
		if area != "000" && area != "666" && area[0] != '9' && s[start+4:start+6] != "00" && s[end-4:end] != "0000" {
			return PIISSN, end, end
		}
	}
	// Payment card: 13-19 digits, no or uniform space/dash separators, Luhn.
	if digits >= 12 && digits <= 19 && allSep('-', ' ') && s[start] != '+' && s[start] != '(' && (ng == 1 || gs[0] == 4) {
		if luhn(s[start:end]) && cardPrefix(s[start:end]) && (digits >= 13 || maestro(s[start:end])) {
			return PIICreditCard, end, end
		}
	}
	// An SSN-shaped number that failed validation is not a phone either.
	if ng == 3 && gs[0] == 3 && gs[1] == 2 && gs[2] == 4 && (sp[0] == '-' || sp[0] == ' ') {
		return "", 0, end
	}
	// Dates and times are not phones.
	if ng == 3 && (gs[0] == 4 || gs[2] == 4 || gs[2] == 2) && gs[1] <= 2 && allSep('-', '/', '.') && digits <= 8 {
		return "", 0, end
	}
	if allSep('/') && ng > 1 {
		return "", 0, end
	}
	// Phone: 7-15 digits with phone-like grouping, or a leading + / (.
	lead := s[start] == '+' || s[start] == '('
	if digits < 7 || digits > 15 || gs[0] > 5 && ng > 1 {
		return "", 0, end
	}
	if allSep('.') && ng == 2 {
		return "", 0, end // decimal number
	}
	if ng >= 2 && gs[ng-1] == 1 {
		return "", 0, end
	}
	punct := lead
	for _, x := range sp {
		if x == '-' || x == '.' || x == ')' {
			punct = true
		}
	}
	// Space-separated or unseparated digit runs are also house numbers,
	// postcodes and ids: they need a phone word nearby.
	if !punct && !phoneContext(s, start) && !(s[start] == '0' && digits >= 9 && ng >= 2) && !(ng >= 4 && digits >= 8 && shortGroups(gs[1:])) {
		return "", 0, end
	}
	if ng == 1 && !lead && (digits < 10 || digits > 12) {
		return "", 0, end
	}
	// extension: x123
	if end+1 < len(s) && (s[end] == 'x' || s[end] == 'X') && isDigit(s[end+1]) {
		k := end + 1
		for k < len(s) && isDigit(s[k]) && k-end <= 6 {
			k++
		}
		end = k
	}
	return PIIPhone, end, end
}

func luhn(s string) bool {
	sum, n := 0, 0
	for k := len(s) - 1; k >= 0; k-- {
		c := s[k]
		if !isDigit(c) {
			continue
		}
		d := int(c - '0')
		if n%2 == 1 {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
		n++
	}
	return n > 0 && sum%10 == 0
}

// cardPrefix checks the issuer prefix of major card networks.
func cardPrefix(s string) bool {
	var d [6]byte
	n := 0
	for k := 0; k < len(s) && n < 6; k++ {
		if isDigit(s[k]) {
			d[n] = s[k]
			n++
		}
	}
	p2 := int(d[0]-'0')*10 + int(d[1]-'0')
	p4 := p2*100 + int(d[2]-'0')*10 + int(d[3]-'0')
	switch {
	case d[0] == '4': // Visa
		return true
	case p2 >= 51 && p2 <= 55, p4 >= 2221 && p4 <= 2720: // Mastercard
		return true
	case p2 == 34 || p2 == 37: // Amex
		return true
	case p4 == 6011 || p2 == 65 || (p4 >= 6440 && p4 <= 6499): // Discover
		return true
	case p2 == 35, p2 == 30 || p2 == 36 || p2 == 38 || p2 == 39: // JCB, Diners
		return true
	case p2 == 62, p2 == 50 || (p2 >= 56 && p2 <= 69): // UnionPay, Maestro
		return true
	}
	return false
}

// ipv6Around validates an IPv6 address containing the ':' at i.
func ipv6Around(s string, i, lastEnd int) (int, int, bool) {
	a := i
	for a > lastEnd && (isHex(s[a-1]) || s[a-1] == ':') {
		a--
	}
	b := i
	for b < len(s) && (isHex(s[b]) || s[b] == ':' || s[b] == '.') {
		b++
	}
	for b > i && s[b-1] == '.' {
		b--
	}
	if b-a < 6 || strings.Count(s[a:b], ":") < 2 {
		return 0, 0, false
	}
	if (a > 0 && isAlnum(s[a-1])) || (b < len(s) && isAlnum(s[b])) {
		return 0, 0, false
	}
	ip, err := netip.ParseAddr(s[a:b])
	if err != nil || !ip.Is6() {
		return 0, 0, false
	}
	// "::" alone or time-like values are not addresses.
	if strings.Count(s[a:b], ":") < 3 && !strings.Contains(s[a:b], "::") {
		return 0, 0, false
	}
	return a, b, true
}

// streetSuffix lists street-type words (lowercase) that end an address line.
var streetSuffix = map[string]bool{
	"street": true, "st": true, "avenue": true, "ave": true, "road": true, "rd": true,
	"boulevard": true, "blvd": true, "lane": true, "ln": true, "drive": true, "dr": true,
	"court": true, "ct": true, "way": true, "place": true, "pl": true, "terrace": true,
	"circle": true, "parkway": true, "pkwy": true, "highway": true, "hwy": true, "square": true,
	"trail": true, "crescent": true, "alley": true, "plaza": true, "route": true,
	"straße": true, "strasse": true, "rue": true, "via": true, "calle": true,
	"gata": true, "gatan": true, "vej": true, "katu": true, "weg": true, "laan": true, "ring": true,
	"crossing": true, "ridge": true, "ville": true, "mews": true, "row": true,
	"summit": true, "bypass": true, "forks": true, "gardens": true, "hills": true, "springs": true,
	"views": true, "junction": true, "meadows": true, "mill": true, "mills": true, "park": true,
	"point": true, "port": true, "center": true, "centre": true, "estates": true, "extension": true,
	"falls": true, "ferry": true, "fields": true, "flats": true, "glen": true, "green": true,
	"grove": true, "harbor": true, "haven": true, "heights": true, "island": true, "isle": true,
	"knoll": true, "lake": true, "lakes": true, "landing": true, "loop": true, "manor": true,
	"orchard": true, "pass": true, "path": true, "pike": true, "pine": true, "plains": true,
	"prairie": true, "ranch": true, "rapids": true, "rest": true, "river": true, "shoal": true,
	"shore": true, "shores": true, "spring": true, "station": true, "stream": true, "track": true,
	"turnpike": true, "underpass": true, "union": true, "valley": true, "viaduct": true, "view": true,
	"village": true, "vista": true, "walk": true, "wall": true, "well": true, "wells": true,
}

// streetAt recognises "<number> <Capitalised words> <street suffix>" with an
// optional unit ("Apt. 12", "Suite 300").
// isStreetSuffix reports whether word, lower-cased, is a street suffix
// (ASCII words are folded on the stack: most calls are capitalised words
// that are not).
func isStreetSuffix(word string) bool {
	var buf [16]byte
	if len(word) > len(buf) {
		return streetSuffix[strings.ToLower(word)]
	}
	for i := 0; i < len(word); i++ {
		c := word[i]
		if c >= 0x80 {
			return streetSuffix[strings.ToLower(word)]
		}
		if c >= 'A' && c <= 'Z' {
			c += 32
		}
		buf[i] = c
	}
	return streetSuffix[string(buf[:len(word)])]
}

func streetAt(s string, i int) (int, bool) {
	j := i
	for j < len(s) && isDigit(s[j]) {
		j++
	}
	if j-i > 6 || j >= len(s) || s[j] != ' ' {
		return 0, false
	}
	words := 0
	k := j
	for words < 5 {
		for k < len(s) && s[k] == ' ' {
			k++
		}
		if k >= len(s) || !(s[k] >= 'A' && s[k] <= 'Z') {
			return 0, false
		}
		w := k
		for k < len(s) && (isAlnum(s[k]) || s[k] >= 0x80) {
			k++
		}
		words++
		if words >= 2 && isStreetSuffix(s[w:k]) {
			end := k
			if end < len(s) && s[end] == '.' {
				end++
			}
			// Optional unit.
			rest := s[end:]
			for _, u := range []string{" Apt. ", " Suite ", " Apt ", " Unit ", ", Apt. ", ", Suite "} {
				if strings.HasPrefix(rest, u) {
					m := end + len(u)
					q := m
					for q < len(s) && isDigit(s[q]) {
						q++
					}
					if q > m {
						end = q
					}
					break
				}
			}
			return end, true
		}
		if k < len(s) && s[k] == '.' {
			k++
		}
	}
	return 0, false
}

// maestro reports Maestro prefixes, the only cards with 12 digits.
func maestro(s string) bool {
	p2 := int(s[0]-'0')*10 + int(s[1]-'0')
	return p2 == 50 || (p2 >= 56 && p2 <= 69)
}

var phoneWords = []string{"phone", "call", "tel", "mobile", "cell", "fax", "contact", "reach", "number", "dial", "text me", "whatsapp", "sms", "ring"}

// phoneContext reports a phone word in the 48 bytes before i.
func phoneContext(s string, i int) bool {
	a := max(0, i-48)
	w := strings.ToLower(s[a:i])
	for _, p := range phoneWords {
		if strings.Contains(w, p) {
			return true
		}
	}
	return false
}

// ssnContext reports an SSN word in the 48 bytes before i.
func ssnContext(s string, i int) bool {
	w := strings.ToLower(s[max(0, i-48):i])
	return strings.Contains(w, "ssn") || strings.Contains(w, "social security") || strings.Contains(w, "social sec")
}

// boundary reports a word start at i; an escape such as \n in JSON text
// counts as a separator.
func boundary(s string, i int) bool {
	return i == 0 || !isAlnum(s[i-1]) || (i >= 2 && s[i-2] == '\\' && (s[i-1] == 'n' || s[i-1] == 't' || s[i-1] == 'r'))
}

func shortGroups(gs []int) bool {
	for _, g := range gs {
		if g > 3 {
			return false
		}
	}
	return true
}
