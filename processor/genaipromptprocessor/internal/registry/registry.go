// Package registry matches calls against prompt templates registered in the
// configuration.
package registry

import (
	"github.com/periscope-otel/periscope/processor/genaipromptprocessor/internal/textmask"
)

// Entry is one registered version.
type Entry struct {
	Name, Version string
	Template      string
}

type compiled struct {
	Entry
	tokens []textmask.Token
	hash   uint64
	fixed  int
}

// Registry holds compiled templates. It is immutable after New and safe
// for concurrent use.
type Registry struct {
	entries []compiled
}

// Match is a registry hit.
type Match struct {
	Name, Version string
	Hash          uint64 // fingerprint of the registered template
}

// New compiles the entries.
func New(entries []Entry) *Registry {
	r := &Registry{}
	for _, e := range entries {
		toks, _ := textmask.AppendTemplate(nil, e.Template, textmask.Options{})
		fixed := 0
		for _, t := range toks {
			if t.Text != textmask.PhSlot {
				fixed++
			}
		}
		r.entries = append(r.entries, compiled{Entry: e, tokens: toks, hash: textmask.Fingerprint(toks), fixed: fixed})
	}
	return r
}

// Len returns the number of registered versions.
func (r *Registry) Len() int {
	if r == nil {
		return 0
	}
	return len(r.entries)
}

// Lookup returns the registered version whose template renders one of the
// given texts (already tokenized). When several match, the most specific
// (most fixed tokens) wins, so that an edited version with an extra
// sentence is not taken for the shorter one.
func (r *Registry) Lookup(texts ...[]textmask.Token) (Match, bool) {
	if r == nil {
		return Match{}, false
	}
	best := -1
	for i := range r.entries {
		e := &r.entries[i]
		if best >= 0 && e.fixed <= r.entries[best].fixed {
			continue
		}
		for _, x := range texts {
			if len(x) > 0 && textmask.Glob(e.tokens, x) {
				best = i
				break
			}
		}
	}
	if best < 0 {
		return Match{}, false
	}
	e := &r.entries[best]
	return Match{Name: e.Name, Version: e.Version, Hash: e.hash}, true
}
