// Package redisstore keeps the session tokens of an embedding.Cache in Redis, so that a fleet of
// instances behind a load balancer mints one token per user per token lifetime instead of one per
// instance, and one at a time for concurrent first requests.
//
//	rdb := redis.NewClient(&redis.Options{Addr: addr, ContextTimeoutEnabled: true, /* timeouts */})
//	store, err := redisstore.New(rdb, redisstore.WithSealingKeys(sealingKey))
//	if err != nil {
//		return err
//	}
//	cache, err := embedding.NewCache(client.Sessions, embedding.WithStore(store))
//
// It is a module of its own, so that the reeflow and embedding packages depend on no Redis
// client: only the programs that import this package pay for github.com/redis/go-redis/v9. It
// takes a redis.UniversalClient, so a single node, Sentinel and Cluster all work.
//
// What Redis holds, and what a dump of it shows:
//   - Values are sealed with AES-256-GCM under a key the application gives (WithSealingKeys),
//     and bound to the Redis key they are stored under: a dump holds no usable token, and a value
//     copied to another user's key does not open. A value that no given key opens is a miss,
//     logged, never an error: the cache then mints a new token and replaces it.
//   - Redis keys are the prefix (WithKeyPrefix) and an HMAC-SHA256 of the cache's digest under a
//     secret derived (HKDF) from the sealing key: without the sealing key, nobody can tell whose
//     key is whose, even by hashing a list of likely user IDs the way the cache does.
//   - Every entry has a TTL no longer than the one the cache asked for, which it derives from the
//     token's remaining lifetime.
//
// Because the sealing key names the keys, a new sealing key means new names. A Store sealing with
// a new key still finds what its previous keys (WithSealingKeys(new, old)) named and sealed, but
// an instance on the old key alone does not find what the new key named: during a rolling deploy
// the two sets of instances do not share, and each user costs one more mint. Deploying
// (old, new) everywhere first, then (new, old), then (new), avoids even that. Two applications
// (two Reeflow organizations) sharing one Redis must use different sealing keys, or at least
// different prefixes: with both the same, one's users would be served the other's tokens.
//
// At most one instance mints a given key's token at a time: Store.Lease is SET NX PX with a
// random token, released by a script that deletes the lease only while it still holds that
// token, so a holder that overran its lease never releases another's. A holder that dies leaves a
// lease that expires on its own.
//
// Every error comes back promptly from the Redis client, bounded by the context and by the
// client's own DialTimeout, ReadTimeout and WriteTimeout. The context bounds a call only when the
// client's ContextTimeoutEnabled is set, which New requires: the cache gives each store call a
// tenth of the page-view budget, and go-redis would otherwise wait for a Redis that hangs until
// the ReadTimeout. Give the client timeouts that fit a page view too (a few hundred milliseconds
// on a local network), so that a Redis that is down or slow costs a page view that much before
// the cache mints the token directly.
package redisstore
