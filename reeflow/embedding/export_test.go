package embedding

import (
	"time"

	"github.com/reeflow/reeflow-go/reeflow"
)

// Test access to a Cache's internals: its clock, which tests move instead of waiting, the number
// of callers waiting for the call for some params, which tests wait for to line callers up, and
// the number of cached tokens.

// SetClockForTest sets the clock c judges validity by; call it before c is used.
func SetClockForTest(c *Cache, now func() time.Time) { c.now = now }

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

// CachedForTest returns the number of tokens c holds.
func CachedForTest(c *Cache) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lru.Len()
}
