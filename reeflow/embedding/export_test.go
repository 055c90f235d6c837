package embedding

import (
	"encoding/hex"
	"time"

	"github.com/reeflow/reeflow-go/reeflow"
)

// Test access to a Cache's internals: its clock, which tests move instead of waiting, the number
// of callers waiting for the call for some params, which tests wait for to line callers up, and
// the number of cached tokens.

// SetClockForTest sets c's local clock, which counts how long its tokens are kept in memory and
// how long a failed store is left alone; call it before c is used.
func SetClockForTest(c *Cache, now func() time.Time) {
	c.now = now
	c.memory.now = now
}

// WaitersForTest returns how many callers wait for the call to Reeflow for p (0 when there is
// none).
func WaitersForTest(c *Cache, p reeflow.CreateSessionParams) int {
	key, err := cacheKeyOf(p)
	if err != nil {
		panic(err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if f := c.flights[key]; f != nil {
		return f.waiters
	}
	return 0
}

// CachedForTest returns the number of tokens c holds in memory.
func CachedForTest(c *Cache) int { return c.memory.len() }

// StoreKeyForTest returns the key under which c stores p's token.
func StoreKeyForTest(p reeflow.CreateSessionParams) string {
	key, err := cacheKeyOf(p)
	if err != nil {
		panic(err)
	}
	return hex.EncodeToString(key[:])
}

// EncodeEntryForTest encodes s as a Cache stores it for p, minted at Reeflow's time mintedAt:
// what another instance would have stored.
func EncodeEntryForTest(p reeflow.CreateSessionParams, s reeflow.Session, mintedAt time.Time) []byte {
	key, err := cacheKeyOf(p)
	if err != nil {
		panic(err)
	}
	return cacheEntry{session: s, mintedAt: mintedAt}.encode(key)
}
