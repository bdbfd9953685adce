package safety

import (
	"sync"
	"unsafe"
)

// Matcher is an Aho-Corasick automaton: it finds every occurrence of every
// pattern in one left-to-right pass, in time linear in the text plus the
// number of hits. The transition table is dense over byte classes (bytes
// that occur in no pattern share one class), so a step is one table load.
type Matcher struct {
	classes  [256]uint8
	ncls     int
	delta    []int32 // state*ncls + class -> next state
	outStart []int32 // outputs of state s: outs[outStart[s]:outStart[s+1]]
	outs     []int32
	lens     []int32 // pattern lengths
	// maxLen is the longest pattern: the state after any position depends
	// on the maxLen bytes before it only (0: never split a scan).
	maxLen int
}

// Hit is one pattern occurrence: pattern index and byte range in the text.
type Hit struct {
	Pat        int32
	Start, End int32
}

// NewMatcher builds a matcher over patterns. With foldCase, ASCII letters
// match regardless of case.
func NewMatcher(patterns []string, foldCase bool) *Matcher {
	m := &Matcher{lens: make([]int32, len(patterns))}
	norm := func(b byte) byte {
		if foldCase && b >= 'A' && b <= 'Z' {
			return b + 32
		}
		return b
	}
	// Byte classes.
	var seen [256]bool
	for _, p := range patterns {
		for i := 0; i < len(p); i++ {
			seen[norm(p[i])] = true
		}
	}
	m.ncls = 1
	for b := 0; b < 256; b++ {
		if seen[b] {
			m.classes[b] = uint8(m.ncls)
			m.ncls++
			if m.ncls > 255 {
				break
			}
		}
	}
	if foldCase {
		for b := 'A'; b <= 'Z'; b++ {
			m.classes[b] = m.classes[b+32]
		}
	}
	// Trie.
	type node struct {
		next map[uint8]int32
		out  []int32
	}
	nodes := []node{{next: map[uint8]int32{}}}
	for pi, p := range patterns {
		m.lens[pi] = int32(len(p))
		m.maxLen = max(m.maxLen, len(p))
		s := int32(0)
		for i := 0; i < len(p); i++ {
			c := m.classes[norm(p[i])]
			nx, ok := nodes[s].next[c]
			if !ok {
				nx = int32(len(nodes))
				nodes = append(nodes, node{next: map[uint8]int32{}})
				nodes[s].next[c] = nx
			}
			s = nx
		}
		if len(p) > 0 {
			nodes[s].out = append(nodes[s].out, int32(pi))
		}
	}
	n := len(nodes)
	// Number states in breadth-first order: the shallow states, where a
	// scan spends nearly all its steps, then sit together at the start of
	// the table and stay in cache (a large lexicon's table is megabytes).
	order := make([]int32, 0, n) // new id -> trie node
	order = append(order, 0)
	for qi := 0; qi < len(order); qi++ {
		for c := 0; c < m.ncls; c++ {
			if nx, ok := nodes[order[qi]].next[uint8(c)]; ok {
				order = append(order, nx)
			}
		}
	}
	id := make([]int32, n) // trie node -> new id
	for k, v := range order {
		id[v] = int32(k)
	}
	m.delta = make([]int32, n*m.ncls)
	fail := make([]int32, n)
	out := make([][]int32, n)
	for k, v := range order {
		out[k] = nodes[v].out
	}
	// BFS (the same order): fill the dense table and merge outputs along
	// failure links.
	for c := 0; c < m.ncls; c++ {
		if nx, ok := nodes[0].next[uint8(c)]; ok {
			m.delta[c] = id[nx]
		}
	}
	for s := 1; s < n; s++ {
		out[s] = append(out[s], out[fail[s]]...)
		for c := 0; c < m.ncls; c++ {
			if nx, ok := nodes[order[s]].next[uint8(c)]; ok {
				fail[id[nx]] = m.delta[int(fail[s])*m.ncls+c]
				m.delta[s*m.ncls+c] = id[nx]
			} else {
				m.delta[s*m.ncls+c] = m.delta[int(fail[s])*m.ncls+c]
			}
		}
	}
	// Root's children fail to the root (fail is 0 already), and their rows
	// were filled in order: every state's failure target comes before it.
	m.outStart = make([]int32, n+1)
	for s := 0; s < n; s++ {
		m.outStart[s] = int32(len(m.outs))
		m.outs = append(m.outs, out[s]...)
	}
	m.outStart[n] = int32(len(m.outs))
	// Pre-multiply next states by the row width and mark states that have
	// outputs with the sign bit, so a step is one load and the output check
	// a sign test.
	for i, nx := range m.delta {
		v := nx * int32(m.ncls)
		if m.outStart[nx] != m.outStart[nx+1] {
			v = ^v
		}
		m.delta[i] = v
	}
	return m
}

// Find appends every occurrence of every pattern in text to hits, ordered
// by end offset (at one end, longer patterns first).
func (m *Matcher) Find(text []byte, hits []Hit) []Hit { return find(m, text, hits) }

// FindString is Find over a string without copying it.
func (m *Matcher) FindString(text string, hits []Hit) []Hit { return find(m, text, hits) }

// Texts at least minSplit bytes long and 4 times the longest pattern are
// scanned as two interleaved chains, texts at least minSplit4 bytes long
// and 16 times the longest pattern as four.
const (
	minSplit  = 256
	minSplit4 = 1024
)

// find runs the automaton over text. A scan is a chain of dependent table
// loads, so it runs at memory latency, not throughput: a long text is
// scanned as two or four parts in one loop, independent chains the CPU
// overlaps (four run 2x faster than two on 5 KB of prose). Each part but
// the first starts maxLen bytes early with hits suppressed: a state is the
// longest suffix read that prefixes a pattern, at most maxLen bytes, so at
// a part's start its chain is in the state a single scan would be in, and
// the hits (and their order) are exactly a single scan's.
func find[T string | []byte](m *Matcher, text T, hits []Hit) []Hit {
	n := len(text)
	switch {
	case m.maxLen == 0 || n < minSplit || n < 4*m.maxLen:
		return findRange(m, text, 0, n, hits)
	case n >= minSplit4 && n >= 16*m.maxLen:
		return find4(m, text, hits)
	}
	// The second half's hits wait in a pooled buffer (a text full of
	// short keywords has hundreds) and follow the first half's.
	bp := hitPool.Get().(*[3][]Hit)
	hb := bp[0][:0]
	mid := n / 2
	rowA, rowB := int32(0), warm(m, text, mid)
	for i := 0; i < mid; i++ {
		var va, vb int32
		if i, va, vb = step2(m, text, i, mid, rowA, rowB); i == mid {
			rowB = vb
			break
		}
		if va < 0 {
			va = ^va
			hits = m.emit(va, i, hits)
		}
		if vb < 0 {
			vb = ^vb
			hb = m.emit(vb, mid+i, hb)
		}
		rowA, rowB = va, vb
	}
	// n-mid is mid or mid+1: at most one byte left for the second chain.
	hb = findFrom(m, text, rowB, 2*mid, n, hb)
	hits = append(hits, hb...)
	bp[0] = hb
	releaseHits(bp)
	return hits
}

// find4 scans text as four quarters in one loop; the hits of the last
// three wait in pooled buffers and follow the first quarter's in order.
func find4[T string | []byte](m *Matcher, text T, hits []Hit) []Hit {
	n := len(text)
	q := n / 4
	bp := hitPool.Get().(*[3][]Hit)
	h1, h2, h3 := bp[0][:0], bp[1][:0], bp[2][:0]
	r0, r1, r2, r3 := int32(0), warm(m, text, q), warm(m, text, 2*q), warm(m, text, 3*q)
	p := textData(text)
	for i := 0; i < q; i++ {
		var v0, v1, v2, v3 int32
		if i, v0, v1, v2, v3 = step4(m, p, i, q, r0, r1, r2, r3); i == q {
			r3 = v3
			break
		}
		if v0 < 0 {
			v0 = ^v0
			hits = m.emit(v0, i, hits)
		}
		if v1 < 0 {
			v1 = ^v1
			h1 = m.emit(v1, q+i, h1)
		}
		if v2 < 0 {
			v2 = ^v2
			h2 = m.emit(v2, 2*q+i, h2)
		}
		if v3 < 0 {
			v3 = ^v3
			h3 = m.emit(v3, 3*q+i, h3)
		}
		r0, r1, r2, r3 = v0, v1, v2, v3
	}
	// n-4q < 4 bytes are left for the last chain.
	h3 = findFrom(m, text, r3, 4*q, n, h3)
	hits = append(append(append(hits, h1...), h2...), h3...)
	bp[0], bp[1], bp[2] = h1, h2, h3
	releaseHits(bp)
	return hits
}

// step2 advances both chains from i (the second at mid+i) until a step
// reaches a state with outputs, and returns that position and the two
// states read there (rowA, rowB at i == mid: nothing found). The loop
// holds no hit lists, so every variable stays in a register.
func step2[T string | []byte](m *Matcher, text T, i, mid int, rowA, rowB int32) (int, int32, int32) {
	delta, classes := m.delta, &m.classes
	b := text[mid : 2*mid]
	a := text[:len(b)]
	for ; i < len(a); i++ {
		va := delta[rowA+int32(classes[a[i]])]
		vb := delta[rowB+int32(classes[b[i]])]
		if va|vb < 0 {
			return i, va, vb
		}
		rowA, rowB = va, vb
	}
	return i, rowA, rowB
}

// step4 is step2 for four chains at p+i, p+q+i, p+2q+i and p+3q+i. Bounds
// checks would cost registers the chains need, so it loads through
// unsafe: i < q and 4q <= len(text) keep every load inside the text, and
// every row plus class is inside delta (rows are pre-multiplied states).
func step4(m *Matcher, p unsafe.Pointer, i, q int, r0, r1, r2, r3 int32) (int, int32, int32, int32, int32) {
	d := unsafe.Pointer(unsafe.SliceData(m.delta))
	c := &m.classes
	for ; i < q; i++ {
		v0 := *(*int32)(unsafe.Add(d, 4*(int(r0)+int(c[*(*byte)(unsafe.Add(p, i))]))))
		v1 := *(*int32)(unsafe.Add(d, 4*(int(r1)+int(c[*(*byte)(unsafe.Add(p, i+q))]))))
		v2 := *(*int32)(unsafe.Add(d, 4*(int(r2)+int(c[*(*byte)(unsafe.Add(p, i+2*q))]))))
		v3 := *(*int32)(unsafe.Add(d, 4*(int(r3)+int(c[*(*byte)(unsafe.Add(p, i+3*q))]))))
		if v0|v1|v2|v3 < 0 {
			return i, v0, v1, v2, v3
		}
		r0, r1, r2, r3 = v0, v1, v2, v3
	}
	return i, r0, r1, r2, r3
}

// textData is the address of text's first byte (text is not empty).
func textData[T string | []byte](text T) unsafe.Pointer {
	switch t := any(text).(type) {
	case string:
		return unsafe.Pointer(unsafe.StringData(t))
	case []byte:
		return unsafe.Pointer(unsafe.SliceData(t))
	}
	panic("unreachable")
}

// warm returns the state a scan is in before text[at]: the maxLen bytes
// before at decide it.
func warm[T string | []byte](m *Matcher, text T, at int) int32 {
	row := int32(0)
	for j := at - m.maxLen; j < at; j++ {
		if row = m.delta[row+int32(m.classes[text[j]])]; row < 0 {
			row = ^row
		}
	}
	return row
}

// hitPool holds the hit buffers of the chains after the first.
var hitPool = sync.Pool{New: func() any { return new([3][]Hit) }}

// releaseHits pools the buffers unless one grew huge (do not keep them
// alive).
func releaseHits(bp *[3][]Hit) {
	for _, h := range bp {
		if cap(h) > 1<<14 {
			return
		}
	}
	for i := range bp {
		bp[i] = bp[i][:0]
	}
	hitPool.Put(bp)
}

// findRange is the single-chain scan of text[from:to] from the root.
func findRange[T string | []byte](m *Matcher, text T, from, to int, hits []Hit) []Hit {
	return findFrom(m, text, 0, from, to, hits)
}

// findFrom scans text[from:to] from the state whose row starts at row.
func findFrom[T string | []byte](m *Matcher, text T, row int32, from, to int, hits []Hit) []Hit {
	for i := from; i < to; i++ {
		if i, row = step(m, text, i, to, row); i == to {
			break
		}
		row = ^row
		hits = m.emit(row, i, hits)
	}
	return hits
}

// step advances the scan from i until a step reaches a state with outputs
// and returns that position and state (to and the last state: none).
func step[T string | []byte](m *Matcher, text T, i, to int, row int32) (int, int32) {
	delta, classes := m.delta, &m.classes
	t := text[:to]
	for ; i < len(t); i++ {
		v := delta[row+int32(classes[t[i]])]
		if v < 0 {
			return i, v
		}
		row = v
	}
	return i, row
}

// emit appends the outputs of the state whose row starts at row.
func (m *Matcher) emit(row int32, i int, hits []Hit) []Hit {
	s := row / int32(m.ncls)
	for _, p := range m.outs[m.outStart[s]:m.outStart[s+1]] {
		hits = append(hits, Hit{Pat: p, Start: int32(i+1) - m.lens[p], End: int32(i + 1)})
	}
	return hits
}
