package reeflow

// Test hooks for SessionCache: a callback run whenever a caller is about to wait for a call to
// Reeflow, so that tests line callers up without sleeping, and the number of cached tokens.

func WithWaitHookForTest(onWait func()) SessionCacheOption {
	return func(c *SessionCache) error { c.onWait = onWait; return nil }
}

func CachedSessionsForTest(c *SessionCache) int { return c.len() }
