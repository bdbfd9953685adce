package genaimetricsconnector

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"hash"

	"go.opentelemetry.io/collector/pdata/pcommon"
)

// userTop keeps the top-K users by cost with the weighted Space-Saving
// algorithm (Metwally et al.): K counters; a user not held replaces the
// smallest one and inherits its count (the over-estimate, kept as err). Any
// user whose true cost exceeds total/K is held, and each held count is at
// most err above the true cost. Memory is O(K) whatever the number of users.
//
// Raw ids are never stored: a user is held by a salted 64-bit hash (in
// memory only), and labelled by the first 64 bits of HMAC-SHA256(salt, id)
// in hex, computed when the user enters the top K.
type userTop struct {
	k    int
	salt []byte
	idx  map[uint64]int // key -> position in heap
	heap []userEntry    // min-heap on count
	mac  hash.Hash
	sum  []byte
}

type userEntry struct {
	key   uint64
	label string
	count float64 // estimated cost (USD), an upper bound of the true cost
	err   float64 // maximal over-estimate
}

func newUserTop(k int, salt string) *userTop {
	s := []byte(salt)
	if len(s) == 0 {
		s = make([]byte, 32)
		_, _ = rand.Read(s)
	}
	return &userTop{k: k, salt: s, idx: make(map[uint64]int, k), heap: make([]userEntry, 0, k), mac: hmac.New(sha256.New, s)}
}

// key is a salted FNV-1a hash of the id, the in-memory identity of a user.
func (t *userTop) key(id string) uint64 {
	const prime = 1099511628211
	h := uint64(14695981039346656037)
	for _, b := range t.salt {
		h = (h ^ uint64(b)) * prime
	}
	h = (h ^ 0xff) * prime
	for i := 0; i < len(id); i++ {
		h = (h ^ uint64(id[i])) * prime
	}
	return h
}

// label is the emitted identity: hex of the first 8 bytes of
// HMAC-SHA256(salt, id).
func (t *userTop) label(id string) string {
	t.mac.Reset()
	t.mac.Write([]byte(id))
	t.sum = t.mac.Sum(t.sum[:0])
	var b [16]byte
	hex.Encode(b[:], t.sum[:8])
	return string(b[:])
}

// add records cost usd for user id.
func (t *userTop) add(id string, usd float64) {
	k := t.key(id)
	if i, ok := t.idx[k]; ok {
		t.heap[i].count += usd
		t.down(i)
		return
	}
	if len(t.heap) < t.k {
		t.heap = append(t.heap, userEntry{key: k, label: t.label(id), count: usd})
		t.idx[k] = len(t.heap) - 1
		t.up(len(t.heap) - 1)
		return
	}
	min := t.heap[0]
	delete(t.idx, min.key)
	t.heap[0] = userEntry{key: k, label: t.label(id), count: min.count + usd, err: min.count}
	t.idx[k] = 0
	t.down(0)
}

func (t *userTop) less(i, j int) bool { return t.heap[i].count < t.heap[j].count }

func (t *userTop) swap(i, j int) {
	t.heap[i], t.heap[j] = t.heap[j], t.heap[i]
	t.idx[t.heap[i].key] = i
	t.idx[t.heap[j].key] = j
}

func (t *userTop) up(i int) {
	for i > 0 {
		p := (i - 1) / 2
		if !t.less(i, p) {
			return
		}
		t.swap(i, p)
		i = p
	}
}

func (t *userTop) down(i int) {
	n := len(t.heap)
	for {
		l := 2*i + 1
		if l >= n {
			return
		}
		m := l
		if r := l + 1; r < n && t.less(r, l) {
			m = r
		}
		if !t.less(m, i) {
			return
		}
		t.swap(i, m)
		i = m
	}
}

func (t *userTop) reset() {
	t.heap = t.heap[:0]
	clear(t.idx)
}

// traceCost remembers, per recent trace, the cost attributed to its user
// from model-call spans (calls) and from local roots' rollups (root). A
// root's rollup includes the calls beneath it, so the user is owed
// max(calls, root) whatever the order the spans arrive in. Direct-mapped:
// a colliding trace evicts the older one.
type traceCost struct {
	ids         []pcommon.TraceID
	calls, root []float64
	mask        uint64
}

func newTraceCost(n int) *traceCost {
	return &traceCost{ids: make([]pcommon.TraceID, n), calls: make([]float64, n), root: make([]float64, n), mask: uint64(n - 1)}
}

func (t *traceCost) slot(id pcommon.TraceID) uint64 {
	h := binary.LittleEndian.Uint64(id[8:]) ^ binary.LittleEndian.Uint64(id[:8])
	i := ((h * 0x9E3779B97F4A7C15) >> 20) & t.mask
	if t.ids[i] != id {
		t.ids[i], t.calls[i], t.root[i] = id, 0, 0
	}
	return i
}

// addCall records a model call's cost and returns what the user is owed
// beyond what was already attributed.
func (t *traceCost) addCall(id pcommon.TraceID, usd float64) float64 {
	i := t.slot(id)
	before := max(t.calls[i], t.root[i])
	t.calls[i] += usd
	return max(t.calls[i], t.root[i]) - before
}

// addRoot records a local root's rollup cost and returns what the user is
// owed beyond what was already attributed.
func (t *traceCost) addRoot(id pcommon.TraceID, usd float64) float64 {
	i := t.slot(id)
	before := max(t.calls[i], t.root[i])
	t.root[i] = max(t.root[i], usd)
	return max(t.calls[i], t.root[i]) - before
}
