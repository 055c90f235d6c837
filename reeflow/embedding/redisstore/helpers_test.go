package redisstore_test

import (
	"crypto/rand"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/reeflow/reeflow-go/internal/testlog"
	"github.com/reeflow/reeflow-go/reeflow/embedding/redisstore"
	"github.com/reeflow/reeflow-go/reeflow/embedding/redisstore/internal/redisserver"
)

// digest is a key as the cache gives it: a hex SHA-256.
const digest = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"

// newKey returns a random sealing key.
func newKey(t *testing.T) []byte {
	t.Helper()
	k := make([]byte, redisstore.SealingKeySize)
	_, err := rand.Read(k)
	require.NoError(t, err)
	return k
}

// newClient returns a client of srv, with timeouts that fit a page view, closed when t ends.
func newClient(t *testing.T, srv *redisserver.Server) *redis.Client {
	t.Helper()
	c := redis.NewClient(&redis.Options{
		Addr:         srv.Addr,
		DialTimeout:  time.Second,
		ReadTimeout:  time.Second,
		WriteTimeout: time.Second,
		MaxRetries:   -1,
		// Without it go-redis ignores the context's deadline, and New refuses the client.
		ContextTimeoutEnabled: true,
	})
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// newStore returns a store on client, sealing with keys[0], logging to log when it is not nil.
func newStore(t *testing.T, client redis.UniversalClient, log *testlog.Sink, keys ...[]byte) *redisstore.Store {
	t.Helper()
	opts := []redisstore.Option{redisstore.WithSealingKeys(keys[0], keys[1:]...)}
	if log != nil {
		opts = append(opts, redisstore.WithLogger(log.Logger()))
	}
	s, err := redisstore.New(client, opts...)
	require.NoError(t, err)
	return s
}
