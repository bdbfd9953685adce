package miner

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/periscope-otel/periscope/processor/genaipromptprocessor/internal/textmask"
)

// The glob matching and index keys as they were before their loops were
// tightened, kept as the reference the equivalence tests compare against.

func refGlobMatch(t []tok, x []textmask.Token) bool {
	ti, xi := 0, 0
	// leading fixed run must be a prefix
	for ti < len(t) && !t[ti].Wild {
		if xi >= len(x) || x[xi].H != t[ti].H {
			return false
		}
		ti++
		xi++
	}
	if ti == len(t) {
		return xi == len(x)
	}
	// trailing fixed run must be a suffix
	te := len(t)
	xe := len(x)
	for te > ti && !t[te-1].Wild {
		if xe <= xi || x[xe-1].H != t[te-1].H {
			return false
		}
		te--
		xe--
	}
	// middle: t[ti:te] starts and ends with a wildcard
	for ti < te {
		if t[ti].Wild {
			ti++
			continue
		}
		run := ti
		for run < te && !t[run].Wild {
			run++
		}
		pos := refFind(x[xi:xe], t[ti:run])
		if pos < 0 {
			return false
		}
		xi += pos + (run - ti)
		ti = run
	}
	return true
}

func refFind(x []textmask.Token, run []tok) int {
	n := len(run)
outer:
	for i := 0; i+n <= len(x); i++ {
		for j := 0; j < n; j++ {
			if x[i+j].H != run[j].H {
				continue outer
			}
		}
		return i
	}
	return -1
}

func refGlobSpans(t []tok, x []textmask.Token, dst []span) ([]span, bool) {
	dst = dst[:0]
	ti, xi := 0, 0
	for ti < len(t) && !t[ti].Wild {
		if xi >= len(x) || x[xi].H != t[ti].H {
			return dst, false
		}
		ti++
		xi++
	}
	if ti == len(t) {
		return dst, xi == len(x)
	}
	te, xe := len(t), len(x)
	for te > ti && !t[te-1].Wild {
		if xe <= xi || x[xe-1].H != t[te-1].H {
			return dst, false
		}
		te--
		xe--
	}
	open := -1 // start in x of the slot being filled
	for ti < te {
		if t[ti].Wild {
			open = xi
			ti++
			continue
		}
		run := ti
		for run < te && !t[run].Wild {
			run++
		}
		pos := refFind(x[xi:xe], t[ti:run])
		if pos < 0 {
			return dst, false
		}
		dst = append(dst, span{open, xi + pos})
		xi += pos + (run - ti)
		ti = run
	}
	dst = append(dst, span{open, xe})
	return dst, true
}

func refKeysOf(t []tok, dst []uint64) []uint64 {
	if k, ok := runKey(t, 0, 1); ok {
		dst = append(dst, k)
	}
	if k, ok := runKey(t, len(t)-1, 2); ok {
		dst = append(dst, k)
	}
	sep := -1
	for i := range t {
		if !t[i].Wild && t[i].Text == textmask.PhSep {
			sep = i
			break
		}
	}
	if sep >= 0 {
		if k, ok := runKey(t, sep+1, 3); ok {
			dst = append(dst, k)
		}
	}
	if sep > 0 {
		h := uint64(4)
		for i := 0; i < sep; i++ {
			if t[i].Wild {
				h = 0
				break
			}
			h = mix(h, t[i].H)
		}
		if h != 0 {
			dst = append(dst, h)
		}
		if sep >= anchorLen { // system ending
			if k, ok := runKey(t, sep-1, 5); ok {
				dst = append(dst, k)
			}
		}
	}
	return dst
}

// TestKeysMatchReference compares keysOf with the reference on random
// templates holding slots and separators (a call is a template without
// slots).
func TestKeysMatchReference(t *testing.T) {
	r := rand.New(rand.NewPCG(17, 5))
	for range 50000 {
		tmpl := make([]tok, r.IntN(14))
		for i := range tmpl {
			switch r.IntN(8) {
			case 0:
				tmpl[i] = tok{Wild: true}
			case 1:
				tmpl[i] = tok{H: textmask.Sep().H, Text: textmask.PhSep}
			default:
				tmpl[i] = tok{H: r.Uint64(), Text: "w"}
			}
		}
		if got, want := keysOf(tmpl, nil), refKeysOf(tmpl, nil); !slices.Equal(got, want) {
			t.Fatalf("keysOf(%v) = %v, want %v", tmpl, got, want)
		}
	}
}

// TestGlobMatchesReference compares globMatch, globSpans and find with the
// reference on random templates and calls over a small alphabet (so that
// runs recur and partial matches are common), and on calls rendered from
// the templates themselves.
func TestGlobMatchesReference(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 3))
	hash := func() uint64 { return uint64(r.IntN(4)) + 1 }
	for range 50000 {
		tmpl := make([]tok, r.IntN(12))
		for i := range tmpl {
			if r.IntN(4) == 0 {
				tmpl[i] = tok{Wild: true}
			} else {
				tmpl[i] = tok{H: hash()}
			}
		}
		var x []textmask.Token
		if r.IntN(2) == 0 { // a rendering: slots filled with random runs
			for _, k := range tmpl {
				if !k.Wild {
					x = append(x, textmask.Token{H: k.H})
					continue
				}
				for range r.IntN(4) {
					x = append(x, textmask.Token{H: hash()})
				}
			}
		} else {
			x = make([]textmask.Token, r.IntN(16))
			for i := range x {
				x[i].H = hash()
			}
		}
		if got, want := globMatch(tmpl, x), refGlobMatch(tmpl, x); got != want {
			t.Fatalf("globMatch(%v, %v) = %v, want %v", tmpl, x, got, want)
		}
		gs, gok := globSpans(tmpl, x, nil)
		ws, wok := refGlobSpans(tmpl, x, nil)
		if gok != wok || !slices.Equal(gs, ws) {
			t.Fatalf("globSpans(%v, %v) = %v %v, want %v %v", tmpl, x, gs, gok, ws, wok)
		}
		var run []tok
		for _, k := range tmpl {
			if !k.Wild {
				run = append(run, k)
			}
		}
		if got, want := find(x, run), refFind(x, run); got != want {
			t.Fatalf("find(%v, %v) = %d, want %d", x, run, got, want)
		}
	}
}
