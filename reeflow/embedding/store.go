package embedding

import (
	"context"
	"time"
)

// Store is the second tier of a Cache, behind its memory (see WithStore): one that every
// instance of an application shares (redisstore), so that a fleet mints one token per user. Keys
// are lower-case hex SHA-256 digests of the user, organization and attributes: no value in plain
// text, though anyone who guesses a user ID can check it against a digest, so a store that others
// can read should key them with a secret. Values are opaque bytes the Cache encodes; a Store
// never keeps a value past its ttl, and Get's ttl is what is left of it: the Cache keeps a value
// in memory for that long, so the store's countdown, not a clock, decides when it is stale.
//
// A Store is called from concurrent requests, so it must be safe for concurrent use, and it
// must honour the context's deadline: the Cache bounds each call (see WithPageViewBudget) and
// takes a call that fails, times out or panics as a miss, then mints directly. A page view never
// fails because of its Store. Each value is bound to its key: a Store that hands back another
// key's value gives a miss, never another user's token. A value passed to Set, or returned by Get, is not changed afterwards by
// whoever passed it.
type Store interface {
	// Get returns the value stored under key and how long it has left to live, or a nil value
	// when there is none.
	Get(ctx context.Context, key string) (value []byte, ttl time.Duration, err error)
	// Set stores value under key for at most ttl (> 0), replacing any value there.
	Set(ctx context.Context, key string, value []byte, ttl time.Duration) error
	// Lease asks for the sole right to mint key's session, for at most ttl. granted reports
	// whether this caller got it; release, non-nil when granted, gives it back early and only
	// if this caller still holds it. A Store shared by one process may grant every lease.
	Lease(ctx context.Context, key string, ttl time.Duration) (release func(), granted bool, err error)
}
