package assembly

import (
	"encoding/binary"

	"github.com/periscope-otel/periscope/internal/genai"
)

// Direct-mapped tables of recent calls: a colliding key evicts the older
// one. Bounded memory, O(1), no map churn on the hot path.

func slot(k Key, mask uint64) uint64 {
	h := binary.LittleEndian.Uint64(k.Span[:]) ^ binary.LittleEndian.Uint64(k.Trace[:8])
	return ((h * 0x9E3779B97F4A7C15) >> 17) & mask
}

// recentSpans remembers what recent model-call spans said, for records that
// arrive after their span.
type recentSpans struct {
	keys []Key
	ids  []genai.CallIdentity
	mask uint64
}

func newRecentSpans(n int) *recentSpans {
	return &recentSpans{keys: make([]Key, n), ids: make([]genai.CallIdentity, n), mask: uint64(n - 1)}
}

func (t *recentSpans) put(k Key, id genai.CallIdentity) {
	i := slot(k, t.mask)
	t.keys[i], t.ids[i] = k, id
}

func (t *recentSpans) get(k Key) (genai.CallIdentity, bool) {
	i := slot(k, t.mask)
	if t.keys[i] != k {
		return genai.CallIdentity{}, false
	}
	return t.ids[i], true
}

// recentKeys remembers released calls: their late records pass on as they
// are instead of opening a second call.
type recentKeys struct {
	keys []Key
	mask uint64
}

func newRecentKeys(n int) *recentKeys {
	return &recentKeys{keys: make([]Key, n), mask: uint64(n - 1)}
}

func (t *recentKeys) add(k Key) { t.keys[slot(k, t.mask)] = k }

func (t *recentKeys) has(k Key) bool { return t.keys[slot(k, t.mask)] == k }
