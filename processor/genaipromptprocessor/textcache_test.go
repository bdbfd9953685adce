package genaipromptprocessor

import (
	"strconv"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestTextCacheReturnsTheKeysText: colliding keys evict each other but
// never read each other's text, under concurrent use.
func TestTextCacheReturnsTheKeysText(t *testing.T) {
	var c textCache[uint64]
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 5000 {
				k := uint64(i%4*len(c.slots) + g) // four keys a slot
				got := c.get(k, k, func() string { return strconv.FormatUint(k, 10) })
				assert.Equal(t, strconv.FormatUint(k, 10), got)
			}
		}()
	}
	wg.Wait()
	require.Equal(t, hex16(0xabc), (&identity{hash: 0xabc}).hashText())
	require.Equal(t, "svc/chat/12345678", serviceOpName("svc", "chat", 0x12345678_9abcdef0))
}
