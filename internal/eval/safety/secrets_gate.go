package safety

import (
	"math/bits"
	"slices"
	"strings"
)

// The secrets gate tells, far faster than the keyword automaton runs, that
// no rule can match a text, so that ordinary prose skips the automaton.
//
// Every finding is one of two kinds (TestSecretGateCoversCatalogue checks
// each catalogue rule from its expression, group, entropy floor and
// allowlists):
//   - a long token: at least gateLong bytes of gateRun, or at least
//     gateShort of them holding a gateDigit byte (gitleaks' generic rule
//     drops secrets of letters alone);
//   - a rule gated by keywords that each contain one of secretAnchors (the
//     structural checks' anchors among them).
//
// A text with neither needs no automaton. The anchors are rare substrings
// of the keywords (their first three bytes are what the vector scan looks
// for), so that prose seldom sends a text to the full scan for nothing.

const (
	gateLong  = 16
	gateShort = 12
)

// gateBuckets are the anchors by vector-scan bucket: each has its own but
// two whose first three bytes combine into nothing prose spells.
var gateBuckets = [16][]string{
	{"ecret"},       // secret (kubernetes-secret-yaml)
	{"sword"},       // password (hashicorp-tf-password)
	{"curl"},        // curl-auth-header, curl-auth-user
	{"<add key="},   // nuget-config-password
	{"zxlk", "xox"}, // jwt-base64; slack tokens with short values
	{"bhook"},       // microsoft-teams-webhook
	{"_pub"},        // lob-pub-api-key
	{"test_"},       // lob-api-key
	{"live_"},       // lob-api-key
	{"--begin"},     // private-key
	{"nked"},        // linkedin
	{"umo"},         // sumologic
	{"pbox"},        // dropbox
	{"bsys"},        // sidekiq (contribsys)
	{"://"},         // credentials in URLs and connection strings
	{"rization:"},   // Authorization headers
}

var secretAnchors = slices.Concat(gateBuckets[:]...)

// gateRun holds the bytes of long tokens; gateDigit the bytes of gateRun
// that are neither letters nor "_.-".
var gateRun, gateDigit = func() (run, digit [256]bool) {
	for c := 0; c < 256; c++ {
		b := byte(c)
		switch {
		case b >= 'a' && b <= 'z', b >= 'A' && b <= 'Z', b == '_', b == '.', b == '-':
			run[c] = true
		case b >= '0' && b <= '9', b >= 0x80, strings.IndexByte("=+/~%|", b) >= 0:
			run[c], digit[c] = true, true
		}
	}
	return run, digit
}()

// anchorsByByte lists the anchors by their first byte, both cases.
var anchorsByByte = func() (t [256][]string) {
	for _, a := range secretAnchors {
		c := a[0]
		t[c] = append(t[c], a)
		if u := upper(c); u != c {
			t[u] = append(t[u], a)
		}
	}
	return t
}()

func upper(c byte) byte {
	if c >= 'a' && c <= 'z' {
		return c - 32
	}
	return c
}

// anchorAt reports whether an anchor starts at s[i].
func anchorAt(s string, i int) bool {
next:
	for _, a := range anchorsByByte[s[i]] {
		if len(s)-i < len(a) {
			continue
		}
		for j := 1; j < len(a); j++ {
			// Anchors are lower case: an upper-case letter matches too.
			if c := s[i+j]; c != a[j] && !(c >= 'A' && c <= 'Z' && c+32 == a[j]) {
				continue next
			}
		}
		return true
	}
	return false
}

// longRun reports whether a long token overlaps s[a:b].
func longRun(s string, a, b int) bool {
	// Back to the start of the token holding s[a].
	for a > 0 && gateRun[s[a-1]] {
		a--
	}
	run, digit := 0, false
	for i := a; i < len(s); i++ {
		c := s[i]
		if !gateRun[c] {
			if i >= b {
				return false
			}
			run, digit = 0, false
			continue
		}
		run++
		digit = digit || gateDigit[c]
		if run >= gateLong || (run >= gateShort && digit) {
			return true
		}
	}
	return false
}

// secretsPossibleRef is the gate's definition, byte by byte.
func secretsPossibleRef(s string) bool {
	for i := range len(s) {
		if anchorAt(s, i) {
			return true
		}
	}
	return longRun(s, 0, len(s))
}

// gateMinLen is the shortest text the vector scan takes; shorter ones go
// to the automaton directly.
const gateMinLen = 64

// secretsPossible is secretsPossibleRef, with the vector scan where the
// CPU has one: it reports the 32-byte blocks holding an anchor's first
// three bytes (anchors and prefix alike, both cases) or 12 token bytes in a
// row, and only those are looked at byte by byte.
func secretsPossible(s string) bool {
	if !vectorScan || len(s) < gateMinLen {
		return true
	}
	t := &gateTab
	off := 0
	for {
		n, flags := gateBlocks(s[off:], t)
		off += n
		if off+gateBlockNeeds > len(s) {
			break
		}
		if cand := uint32(flags); cand != 0 {
			for m := cand; m != 0; m &= m - 1 {
				if anchorAt(s, off+bits.TrailingZeros32(m)) {
					return true
				}
			}
		}
		end := off + 32
		switch {
		case flags>>32 != 0:
			if longRun(s, max(0, off-32), end) {
				return true
			}
		case gateRun[s[end-1]]:
			// The scan resumes after this block knowing nothing of it: a
			// token across the boundary is looked at here.
			if longRun(s, end-1, end) {
				return true
			}
		}
		off = end
	}
	// The tail: one more block, ending where the text does (it overlaps
	// blocks seen; their anchors were not there). The scan knows nothing of
	// the bytes before it, nor sees runs in the last two bytes: the tokens
	// across its start and at the text's end are looked at here.
	if (gateRun[s[len(s)-1]] || gateRun[s[len(s)-2]]) && longRun(s, len(s)-2, len(s)) {
		return true
	}
	if off >= len(s)-2 {
		return false // the last two bytes start no anchor
	}
	last := len(s) - gateBlockNeeds
	if gateRun[s[last]] && longRun(s, last, last+1) {
		return true
	}
	n, flags := gateBlocks(s[last:], t)
	if n != 0 || flags == 0 {
		return false
	}
	for m := uint32(flags); m != 0; m &= m - 1 {
		if anchorAt(s, last+bits.TrailingZeros32(m)) {
			return true
		}
	}
	return flags>>32 != 0 && longRun(s, last, last+32)
}

// gateBlockNeeds is how many bytes a block's scan reads: the block and the
// two bytes after it (an anchor prefix starting at its end).
const gateBlockNeeds = 34

// gateTables is what the vector scan reads: the low-nibble mask, for each
// of the three prefix bytes the bucket tables of the low and high nibble
// (buckets 0-7 and 8-15), and the nibble
// tables of gateRun. Every 16-byte table is repeated for both lanes.
type gateTables struct {
	nib    [32]byte
	prefix [3][4][32]byte // [byte][lowA, highA, lowB, highB]
	runLo  [32]byte
	runHi  [32]byte
}

var gateTab = func() (t gateTables) {
	for i := range t.nib {
		t.nib[i] = 0x0f
	}
	set := func(tab *[32]byte, i int, bit byte) {
		tab[i] |= bit
		tab[i+16] |= bit
	}
	for k, bucket := range gateBuckets {
		half, bit := 2*(k/8), byte(1)<<(k%8)
		for _, a := range bucket {
			for p := range 3 {
				for _, c := range []byte{a[p], upper(a[p])} {
					set(&t.prefix[p][half], int(c&15), bit)
					set(&t.prefix[p][half+1], int(c>>4), bit)
				}
			}
		}
	}
	// gateRun by high-nibble group: bit g for high nibble g+2 (0x20-0x7f),
	// bit 6 for every byte from 0x80 (all of them are in gateRun).
	for c := 0x20; c < 0x80; c++ {
		if gateRun[c] {
			set(&t.runLo, c&15, 1<<(c>>4-2))
		}
	}
	for lo := range 16 {
		set(&t.runLo, lo, 1<<6)
	}
	for hi := 2; hi < 8; hi++ {
		set(&t.runHi, hi, 1<<(hi-2))
	}
	for hi := 8; hi < 16; hi++ {
		set(&t.runHi, hi, 1<<6)
	}
	return t
}()
