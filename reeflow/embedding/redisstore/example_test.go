package redisstore_test

import (
	"encoding/hex"
	"log"
	"os"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/reeflow/reeflow-go/reeflow"
	"github.com/reeflow/reeflow-go/reeflow/embedding"
	"github.com/reeflow/reeflow-go/reeflow/embedding/redisstore"
)

// Every instance of the application creates its cache the same way, on the same Redis and with
// the same sealing key, here from the environment (64 hex digits, made once with
// `openssl rand -hex 32` and kept with the application's other secrets). It needs a Redis, so it
// is compiled but not run here; the package's tests run the same set-up against a real
// redis-server.
func ExampleNew() {
	client, err := reeflow.NewClient() // REEFLOW_API_KEY_ID and REEFLOW_API_KEY_SECRET
	if err != nil {
		log.Fatal(err)
	}
	sealingKey, err := hex.DecodeString(os.Getenv("REEFLOW_EMBED_SEALING_KEY"))
	if err != nil {
		log.Fatal(err)
	}
	rdb := redis.NewClient(&redis.Options{
		Addr: "127.0.0.1:6379",
		// A Redis that is down or slow costs a page view this long before the cache mints
		// the token directly.
		DialTimeout:  200 * time.Millisecond,
		ReadTimeout:  200 * time.Millisecond,
		WriteTimeout: 200 * time.Millisecond,
		// Required (New checks it): without it go-redis ignores the deadline the cache gives
		// each store call, and a Redis that hangs holds the page view for the timeouts above.
		ContextTimeoutEnabled: true,
	})
	defer rdb.Close()
	store, err := redisstore.New(rdb, redisstore.WithSealingKeys(sealingKey))
	if err != nil {
		log.Fatal(err)
	}
	cache, err := embedding.NewCache(client.Sessions, embedding.WithStore(store))
	if err != nil {
		log.Fatal(err)
	}
	_ = cache // give cache.Get to embedding.NewHandler, as without a store
}
