package genaipromptprocessor

import (
	"container/list"
	"encoding/binary"
	"errors"
	"sync"
)

// seenSet remembers (prompt, version) pairs, bounded by an LRU, to mark the
// first call of a version.
type seenKey struct{ name, version string }

type seenSet struct {
	mu      sync.Mutex
	max     int
	m       map[seenKey]*list.Element
	l       *list.List
	evicted uint64
}

func newSeenSet(maxEntries int) *seenSet {
	return &seenSet{max: maxEntries, m: map[seenKey]*list.Element{}, l: list.New()}
}

// add records key and reports whether it was new.
func (s *seenSet) add(name, version string) bool {
	key := seenKey{name, version}
	s.mu.Lock()
	defer s.mu.Unlock()
	if e, ok := s.m[key]; ok {
		s.l.MoveToFront(e)
		return false
	}
	s.m[key] = s.l.PushFront(key)
	for len(s.m) > s.max {
		old := s.l.Back()
		s.l.Remove(old)
		delete(s.m, old.Value.(seenKey))
		s.evicted++
	}
	return true
}

func (s *seenSet) snapshot() []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	var b []byte
	b = binary.AppendUvarint(b, uint64(len(s.m)))
	for e := s.l.Back(); e != nil; e = e.Prev() {
		k := e.Value.(seenKey)
		for _, f := range [2]string{k.name, k.version} {
			b = binary.AppendUvarint(b, uint64(len(f)))
			b = append(b, f...)
		}
	}
	return b
}

func (s *seenSet) restore(b []byte) error {
	n, k := binary.Uvarint(b)
	if k <= 0 {
		return errors.New("seen versions: corrupt data")
	}
	b = b[k:]
	field := func() (string, bool) {
		l, k := binary.Uvarint(b)
		if k <= 0 || uint64(len(b)-k) < l {
			return "", false
		}
		f := string(b[k : k+int(l)])
		b = b[k+int(l):]
		return f, true
	}
	for i := uint64(0); i < n; i++ {
		name, ok1 := field()
		version, ok2 := field()
		if !ok1 || !ok2 {
			return errors.New("seen versions: corrupt data")
		}
		s.add(name, version)
	}
	return nil
}
