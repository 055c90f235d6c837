package redisstore_test

import (
	"bytes"
	"context"
	"log/slog"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/reeflow/reeflow-go/internal/testlog"
	"github.com/reeflow/reeflow-go/reeflow/embedding/redisstore"
	"github.com/reeflow/reeflow-go/reeflow/embedding/redisstore/internal/redisserver"
)

// go-redis ignores a context's deadline unless ContextTimeoutEnabled is set: New refuses such a
// client of go-redis's own types, and takes another implementation at its word.
func TestNewRefusesAClientThatIgnoresContextDeadlines(t *testing.T) {
	t.Parallel()
	key := bytes.Repeat([]byte{0xAB}, redisstore.SealingKeySize)
	addr := "127.0.0.1:1" // never dialled
	for name, tc := range map[string]struct {
		off, on redis.UniversalClient
	}{
		"Client": {
			redis.NewClient(&redis.Options{Addr: addr}),
			redis.NewClient(&redis.Options{Addr: addr, ContextTimeoutEnabled: true}),
		},
		"Sentinel (a Client)": {
			redis.NewFailoverClient(&redis.FailoverOptions{MasterName: "m", SentinelAddrs: []string{addr}}),
			redis.NewFailoverClient(&redis.FailoverOptions{MasterName: "m", SentinelAddrs: []string{addr}, ContextTimeoutEnabled: true}),
		},
		"ClusterClient": {
			redis.NewClusterClient(&redis.ClusterOptions{Addrs: []string{addr}}),
			redis.NewClusterClient(&redis.ClusterOptions{Addrs: []string{addr}, ContextTimeoutEnabled: true}),
		},
		"Ring": {
			redis.NewRing(&redis.RingOptions{Addrs: map[string]string{"a": addr}}),
			redis.NewRing(&redis.RingOptions{Addrs: map[string]string{"a": addr}, ContextTimeoutEnabled: true}),
		},
		"UniversalClient": {
			redis.NewUniversalClient(&redis.UniversalOptions{Addrs: []string{addr}}),
			redis.NewUniversalClient(&redis.UniversalOptions{Addrs: []string{addr}, ContextTimeoutEnabled: true}),
		},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			t.Cleanup(func() { _ = tc.off.Close(); _ = tc.on.Close() })
			s, err := redisstore.New(tc.off, redisstore.WithSealingKeys(key))
			require.Error(t, err)
			assert.Nil(t, s)
			assert.Contains(t, err.Error(), "ContextTimeoutEnabled is false: set it to true")
			assert.Contains(t, err.Error(), "ignores the context's deadline", "the error says why")
			_, err = redisstore.New(tc.on, redisstore.WithSealingKeys(key))
			assert.NoError(t, err)
		})
	}

	// Another implementation cannot be asked: it is taken as it is (documented on New).
	off := redis.NewClient(&redis.Options{Addr: addr})
	t.Cleanup(func() { _ = off.Close() })
	_, err := redisstore.New(wrapped{off}, redisstore.WithSealingKeys(key))
	assert.NoError(t, err)
}

// wrapped is a redis.UniversalClient of a type New does not know, as an instrumented wrapper is.
type wrapped struct{ *redis.Client }

// A Redis that hangs (SIGSTOP: connections stay open, nothing answers) fails a call when its
// context ends, not after the client's much longer ReadTimeout.
func TestStoreGetFailsWhenItsContextEndsWhileRedisHangs(t *testing.T) {
	t.Parallel()
	srv := redisserver.ForTest(t)
	client := redis.NewClient(&redis.Options{
		Addr:                  srv.Addr,
		ReadTimeout:           30 * time.Second, // what a hung Redis would cost without the context's deadline
		WriteTimeout:          30 * time.Second,
		MaxRetries:            -1,
		ContextTimeoutEnabled: true,
	})
	t.Cleanup(func() { _ = client.Close() })
	store := newStore(t, client, nil, newKey(t))
	require.NoError(t, store.Set(t.Context(), digest, token, time.Minute)) // a pooled connection, as in a running instance

	require.NoError(t, syscall.Kill(srv.Pid(), syscall.SIGSTOP))
	t.Cleanup(func() { _ = syscall.Kill(srv.Pid(), syscall.SIGCONT) }) // before the server's own cleanup stops it
	ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	got, _, err := store.Get(ctx, digest)
	took := time.Since(start)
	require.Error(t, err)
	assert.Nil(t, got)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Less(t, took, 3*time.Second, "the call ends with its context (200 ms), far from the 30 s ReadTimeout: an upper bound only")
}

func TestNewSkipsANilOption(t *testing.T) {
	t.Parallel()
	srv := redisserver.ForTest(t)
	var cond redisstore.Option // a conditional option left unset
	store, err := redisstore.New(newClient(t, srv), redisstore.WithSealingKeys(newKey(t)), cond, nil)
	require.NoError(t, err)
	require.NoError(t, store.Set(t.Context(), digest, token, time.Minute))
	got, _, err := store.Get(t.Context(), digest)
	require.NoError(t, err)
	assert.Equal(t, token, got)
}

// Logging goes to slog.Default() as it is when a record is written, unless WithLogger says
// otherwise; WithLogger(nil) turns it off, as in package embedding. Not parallel: it sets the
// process's default logger.
func TestWithLoggerNilTurnsLoggingOff(t *testing.T) {
	srv := redisserver.ForTest(t)
	client := newClient(t, srv)
	key := newKey(t)
	silent, err := redisstore.New(client, redisstore.WithSealingKeys(key), redisstore.WithLogger(nil))
	require.NoError(t, err)
	byDefault, err := redisstore.New(client, redisstore.WithSealingKeys(key))
	require.NoError(t, err)
	var log testlog.Sink
	prev := slog.Default()
	slog.SetDefault(log.Logger()) // after New, as an application may
	t.Cleanup(func() { slog.SetDefault(prev) })

	require.NoError(t, client.Set(t.Context(), redisstore.ValueKey(silent, digest), "not sealed", time.Minute).Err())
	_, _, err = silent.Get(t.Context(), digest)
	require.NoError(t, err)
	assert.Empty(t, log.String(), "WithLogger(nil): nothing logged")
	_, _, err = byDefault.Get(t.Context(), digest)
	require.NoError(t, err)
	assert.Contains(t, log.String(), "no sealing key opens it", "without WithLogger: slog.Default()")
}
