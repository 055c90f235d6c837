package redisstore

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// releaseTimeout bounds giving a lease back: the caller's context may be over by then, and a
// release that fails costs only the wait until the lease expires.
const releaseTimeout = 2 * time.Second

// releaseScript deletes a lease only while it holds the caller's token: a holder that overran its
// lease, which another instance then took, must not release that instance's.
var releaseScript = redis.NewScript(`
if redis.call("GET", KEYS[1]) == ARGV[1] then
	return redis.call("DEL", KEYS[1])
end
return 0
`)

// Lease asks for the sole right to mint key's token for at most ttl (at least a millisecond):
// granted reports whether this caller got it. release, non-nil when granted, gives the lease back
// early, only if this caller still holds it; calling it more than once does nothing more. A lease
// whose holder never releases it (the process died) expires after ttl.
func (s *Store) Lease(ctx context.Context, key string, ttl time.Duration) (release func(), granted bool, err error) {
	ttl = ttl.Truncate(time.Millisecond)
	if ttl <= 0 {
		return nil, false, fmt.Errorf("redisstore: lease: the ttl is under a millisecond, want at least one")
	}
	var raw [16]byte
	_, _ = rand.Read(raw[:]) // crypto/rand.Read never fails (it crashes the program instead)
	token := hex.EncodeToString(raw[:])
	lk := s.leaseKey(key)
	granted, err = s.client.SetNX(ctx, lk, token, ttl).Result()
	if err != nil {
		return nil, false, callError(ctx, "lease", err)
	}
	if !granted {
		return nil, false, nil
	}
	var once sync.Once
	release = func() {
		once.Do(func() {
			rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), releaseTimeout)
			defer cancel()
			if err := releaseScript.Run(rctx, s.client, []string{lk}, token).Err(); err != nil {
				s.logger().WarnContext(rctx, "redisstore: a lease was not released; it expires on its own", "error", err)
			}
		})
	}
	return release, true, nil
}
