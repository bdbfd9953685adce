package safety

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

// Find appends every occurrence of every pattern in text to hits.
func (m *Matcher) Find(text []byte, hits []Hit) []Hit {
	row := int32(0)
	delta, classes := m.delta, &m.classes
	for i := 0; i < len(text); i++ {
		v := delta[row+int32(classes[text[i]])]
		if v < 0 {
			v = ^v
			hits = m.emit(v, i, hits)
		}
		row = v
	}
	return hits
}

// FindString is Find over a string without copying it.
func (m *Matcher) FindString(text string, hits []Hit) []Hit {
	row := int32(0)
	delta, classes := m.delta, &m.classes
	for i := 0; i < len(text); i++ {
		v := delta[row+int32(classes[text[i]])]
		if v < 0 {
			v = ^v
			hits = m.emit(v, i, hits)
		}
		row = v
	}
	return hits
}

// emit appends the outputs of the state whose row starts at row.
func (m *Matcher) emit(row int32, i int, hits []Hit) []Hit {
	s := row / int32(m.ncls)
	for _, p := range m.outs[m.outStart[s]:m.outStart[s+1]] {
		hits = append(hits, Hit{Pat: p, Start: int32(i+1) - m.lens[p], End: int32(i + 1)})
	}
	return hits
}
