package hallucination

// table is an open-addressing hash table from a 64-bit token hash to an
// int32. It is reused across evaluations (see scratch) so that indexing a
// context allocates nothing in the steady state.
type table struct {
	keys []uint64
	vals []int32
	mask uint64
	n    int
}

// reset empties the table and sizes it for about n keys.
func (t *table) reset(n int) {
	size := 16
	for size < 2*n {
		size <<= 1
	}
	if cap(t.keys) >= size {
		t.keys = t.keys[:size]
		t.vals = t.vals[:size]
		clear(t.keys)
	} else {
		t.keys = make([]uint64, size)
		t.vals = make([]int32, size)
	}
	t.mask = uint64(size - 1)
	t.n = 0
}

// slot returns the index holding k, or the empty index where it would go.
func (t *table) slot(k uint64) uint64 {
	if k == 0 {
		k = 1
	}
	i := (k ^ k>>29) & t.mask
	for {
		if t.keys[i] == 0 || t.keys[i] == k {
			return i
		}
		i = (i + 1) & t.mask
	}
}

// get returns the value stored for k.
func (t *table) get(k uint64) (int32, bool) {
	if len(t.keys) == 0 {
		return 0, false
	}
	i := t.slot(k)
	if t.keys[i] == 0 {
		return 0, false
	}
	return t.vals[i], true
}

// has reports whether k is present.
func (t *table) has(k uint64) bool {
	_, ok := t.get(k)
	return ok
}

// put stores v for k (growing when more than half full) and returns the
// previous value and whether there was one.
func (t *table) put(k uint64, v int32) (int32, bool) {
	if k == 0 {
		k = 1
	}
	if 2*(t.n+1) > len(t.keys) {
		t.grow()
	}
	i := t.slot(k)
	if t.keys[i] == k {
		old := t.vals[i]
		t.vals[i] = v
		return old, true
	}
	t.keys[i] = k
	t.vals[i] = v
	t.n++
	return 0, false
}

func (t *table) grow() {
	oldK, oldV := t.keys, t.vals
	size := 2 * len(oldK)
	if size < 16 {
		size = 16
	}
	t.keys = make([]uint64, size)
	t.vals = make([]int32, size)
	t.mask = uint64(size - 1)
	t.n = 0
	for i, k := range oldK {
		if k != 0 {
			t.put(k, oldV[i])
		}
	}
}
