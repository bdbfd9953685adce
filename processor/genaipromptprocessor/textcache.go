package genaipromptprocessor

import "sync/atomic"

// textCache remembers strings written for recent templates (the hash text,
// the inferred name), so that the calls of a known template allocate none.
// It is direct-mapped and lock-free: a slot taken by another key is simply
// overwritten, and a miss costs one allocation more than no cache (the
// entry), so the table is sized for thousands of templates in use at once.
// The strings are pure functions of their keys: one cache serves every
// processor.
type textCache[K comparable] struct {
	slots [4096]atomic.Pointer[textEntry[K]]
}

type textEntry[K comparable] struct {
	key  K
	text string
}

// get returns the text of key, made by build on a miss; slot spreads keys
// over the slots.
func (c *textCache[K]) get(slot uint64, key K, build func() string) string {
	p := &c.slots[slot%uint64(len(c.slots))]
	if e := p.Load(); e != nil && e.key == key {
		return e.text
	}
	s := build()
	p.Store(&textEntry[K]{key: key, text: s})
	return s
}

// opName is the key of a name made from the service and the operation.
type opName struct {
	service, op string
	family      uint64
}

var (
	hexTexts textCache[uint64]
	opNames  textCache[opName]
)
