// Package sharedstate lets the instances of one configured component that
// the collector builds per signal (genai_normalize in a traces and in a logs
// pipeline) share one piece of state, the way contrib's sharedcomponent
// shares a receiver: the state lives while any instance holds it.
package sharedstate

import (
	"sync"

	"go.opentelemetry.io/collector/component"
)

// Registry maps component ids to their shared state.
type Registry[T any] struct {
	mu      sync.Mutex
	entries map[component.ID]*entry[T]
}

type entry[T any] struct {
	value T
	refs  int
}

// Acquire returns the state of id, creating it with create on first use.
// Every Acquire is matched by one call of the returned release; the last
// release forgets the state (a reloaded configuration starts afresh).
func (r *Registry[T]) Acquire(id component.ID, create func() T) (T, func()) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.entries == nil {
		r.entries = map[component.ID]*entry[T]{}
	}
	e, ok := r.entries[id]
	if !ok {
		e = &entry[T]{value: create()}
		r.entries[id] = e
	}
	e.refs++
	var once sync.Once
	return e.value, func() {
		once.Do(func() {
			r.mu.Lock()
			defer r.mu.Unlock()
			if e.refs--; e.refs == 0 && r.entries[id] == e {
				delete(r.entries, id)
			}
		})
	}
}
