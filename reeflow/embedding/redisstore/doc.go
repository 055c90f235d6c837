// Package redisstore keeps the session tokens of an embedding.Cache in Redis, so that a fleet of
// instances behind a load balancer mints one token per user per token lifetime instead of one per
// instance, and one at a time for concurrent first requests.
//
//	store, err := redisstore.New(redisClient, redisstore.WithSealingKeys(sealingKey))
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
//   - Redis keys are the prefix (WithKeyPrefix) and the digest the cache computes: no user ID,
//     organization or attribute appears in them.
//   - Every entry has a TTL no longer than the one the cache asked for, which it derives from the
//     token's remaining lifetime.
//
// At most one instance mints a given key's token at a time: Store.Lease is SET NX PX with a
// random token, released by a script that deletes the lease only while it still holds that
// token, so a holder that overran its lease never releases another's. A holder that dies leaves a
// lease that expires on its own.
//
// Every error comes back promptly from the Redis client, bounded by the context and by the
// client's own DialTimeout, ReadTimeout and WriteTimeout: give the client timeouts that fit a page
// view (a few hundred milliseconds on a local network), so that a Redis that is down or slow costs
// a page view that much before the cache mints the token directly.
package redisstore
