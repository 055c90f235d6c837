package redisstore_test

import (
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/reeflow/reeflow-go/internal/testlog"
	"github.com/reeflow/reeflow-go/reeflow/embedding/redisstore"
	"github.com/reeflow/reeflow-go/reeflow/embedding/redisstore/internal/redisserver"
)

// token stands for the cache's value: it carries a session token, which must never show in Redis.
var token = []byte(`{"token":"eyJhbGciOiJIUzI1NiJ9.c2VjcmV0LXNlc3Npb24.sig","expires_at":"2026-01-01T00:00:00Z"}`)

func TestStoreRoundTrip(t *testing.T) {
	t.Parallel()
	srv := redisserver.ForTest(t)
	store := newStore(t, newClient(t, srv), nil, newKey(t))
	ctx := t.Context()

	got, _, err := store.Get(ctx, digest)
	require.NoError(t, err)
	assert.Nil(t, got, "nothing stored yet: a miss, not an error")

	require.NoError(t, store.Set(ctx, digest, token, time.Minute))
	got, _, err = store.Get(ctx, digest)
	require.NoError(t, err)
	assert.Equal(t, token, got)

	require.NoError(t, store.Set(ctx, digest, []byte("newer"), time.Minute))
	got, _, err = store.Get(ctx, digest)
	require.NoError(t, err)
	assert.Equal(t, []byte("newer"), got, "Set replaces the value")

	other, _, err := store.Get(ctx, strings.Repeat("0", 64))
	require.NoError(t, err)
	assert.Nil(t, other, "another key has its own value")
}

func TestStoreKeysAreThePrefixAndANameKeyedByTheSealingKey(t *testing.T) {
	t.Parallel()
	srv := redisserver.ForTest(t)
	client := newClient(t, srv)
	ctx := t.Context()
	key := newKey(t)
	def := newStore(t, client, nil, key)
	otherKey := newStore(t, client, nil, newKey(t))
	custom, err := redisstore.New(client, redisstore.WithSealingKeys(key), redisstore.WithKeyPrefix("app2:"))
	require.NoError(t, err)

	for _, s := range []*redisstore.Store{def, otherKey, custom} {
		require.NoError(t, s.Set(ctx, digest, token, time.Minute))
	}
	keys, err := client.Keys(ctx, "*").Result()
	require.NoError(t, err)
	require.Len(t, keys, 3, "another sealing key or another prefix is another Redis key")
	name := strings.TrimPrefix(redisstore.ValueKey(def, digest), redisstore.DefaultKeyPrefix)
	assert.Regexp(t, "^[0-9a-f]{64}$", name, "after the prefix, an HMAC-SHA256 in hex")
	assert.ElementsMatch(t, []string{
		redisstore.DefaultKeyPrefix + name,
		redisstore.ValueKey(otherKey, digest),
		"app2:" + name,
	}, keys)
	for _, k := range keys {
		assert.NotContains(t, k, digest, "a plain digest could be matched against hashes of guessed user IDs")
	}
	assert.NotEqual(t, redisstore.ValueKey(def, digest), redisstore.ValueKey(otherKey, digest), "the name depends on the sealing key")
	assert.Equal(t, redisstore.ValueKey(def, digest), redisstore.ValueKey(newStore(t, client, nil, key), digest), "every instance with the key finds the value")
	assert.NotEqual(t, redisstore.ValueKey(def, digest), redisstore.ValueKey(def, strings.Repeat("0", 64)), "another digest, another name")
	assert.Equal(t, redisstore.DefaultKeyPrefix+"lease:"+name, redisstore.LeaseKey(def, digest))
}

func TestStoreTTLIsBoundedByTheOneGiven(t *testing.T) {
	t.Parallel()
	srv := redisserver.ForTest(t)
	client := newClient(t, srv)
	store := newStore(t, client, nil, newKey(t))
	ctx := t.Context()
	rk := redisstore.ValueKey(store, digest)

	for _, ttl := range []time.Duration{90 * time.Second, 1500 * time.Millisecond, 2*time.Second + 999*time.Microsecond} {
		require.NoError(t, store.Set(ctx, digest, token, ttl))
		pttl, err := client.PTTL(ctx, rk).Result()
		require.NoError(t, err)
		assert.Positive(t, pttl, "every entry expires (ttl %v)", ttl)
		assert.LessOrEqual(t, pttl, ttl, "never longer than asked")
		assert.Greater(t, pttl, ttl-time.Second, "not much shorter either")
	}

	require.NoError(t, client.Del(ctx, rk).Err())
	require.NoError(t, store.Set(ctx, digest, token, 999*time.Microsecond))
	n, err := client.Exists(ctx, rk).Result()
	require.NoError(t, err)
	assert.Zero(t, n, "a ttl under Redis's millisecond stores nothing rather than keep it longer")

	for _, ttl := range []time.Duration{0, -time.Second} {
		err := store.Set(ctx, digest, token, ttl)
		require.Error(t, err)
		assert.Contains(t, err.Error(), "ttl")
	}
}

func TestStoreGetReturnsWhatIsLeftOfTheTTL(t *testing.T) {
	t.Parallel()
	srv := redisserver.ForTest(t)
	client := newClient(t, srv)
	oldKey := newKey(t)
	store := newStore(t, client, nil, oldKey)
	ctx := t.Context()
	rk := redisstore.ValueKey(store, digest)

	require.NoError(t, store.Set(ctx, digest, token, 90*time.Second))
	require.NoError(t, client.PExpire(ctx, rk, 40*time.Second).Err()) // Redis's countdown, whatever was asked
	got, ttl, err := store.Get(ctx, digest)
	require.NoError(t, err)
	assert.Equal(t, token, got)
	assert.LessOrEqual(t, ttl, 40*time.Second, "the countdown in Redis, not the ttl given to Set")
	assert.Greater(t, ttl, 39*time.Second)

	rotated := newStore(t, client, nil, newKey(t), oldKey)
	got, ttl, err = rotated.Get(ctx, digest)
	require.NoError(t, err)
	assert.Equal(t, token, got, "found under the previous key's name")
	assert.LessOrEqual(t, ttl, 40*time.Second, "with its own countdown")
	assert.Greater(t, ttl, 39*time.Second)

	require.NoError(t, client.Persist(ctx, rk).Err()) // no TTL: a Store never writes that
	got, ttl, err = store.Get(ctx, digest)
	require.NoError(t, err)
	assert.Nil(t, got, "a value without a TTL is a miss, never kept for ever")
	assert.Zero(t, ttl)
}

func TestStoreSealsValues(t *testing.T) {
	t.Parallel()
	srv := redisserver.ForTest(t)
	client := newClient(t, srv)
	var log testlog.Sink
	key := newKey(t)
	store := newStore(t, client, &log, key)
	ctx := t.Context()
	rk := redisstore.ValueKey(store, digest)
	require.NoError(t, store.Set(ctx, digest, token, time.Minute))

	raw, err := client.Get(ctx, rk).Bytes()
	require.NoError(t, err)
	for _, part := range bytes.Split(token, []byte(".")) {
		assert.NotContains(t, string(raw), string(part), "a Redis dump shows no part of the token")
	}
	assert.NotContains(t, string(raw), "expires_at")

	t.Run("moved to another user's key, it does not open", func(t *testing.T) {
		other := strings.Repeat("a", 64)
		require.NoError(t, client.Set(ctx, redisstore.ValueKey(store, other), raw, time.Minute).Err())
		got, _, err := store.Get(ctx, other)
		require.NoError(t, err, "a value that does not open is a miss, not an error")
		assert.Nil(t, got)
	})
	t.Run("sealed under another sealing key, it does not open", func(t *testing.T) {
		got, _, err := newStore(t, client, nil, newKey(t)).Get(ctx, digest)
		require.NoError(t, err)
		assert.Nil(t, got)
	})
	t.Run("altered in Redis, it does not open", func(t *testing.T) {
		for i := range raw {
			altered := bytes.Clone(raw)
			altered[i] ^= 0x01
			require.NoError(t, client.Set(ctx, rk, altered, time.Minute).Err())
			got, _, err := store.Get(ctx, digest)
			require.NoError(t, err)
			require.Nil(t, got, "byte %d flipped", i)
		}
		for _, short := range [][]byte{nil, raw[:1], raw[:13], raw[:len(raw)-1]} {
			require.NoError(t, client.Set(ctx, rk, short, time.Minute).Err())
			got, _, err := store.Get(ctx, digest)
			require.NoError(t, err)
			require.Nil(t, got, "truncated to %d bytes", len(short))
		}
	})
	assert.Contains(t, log.String(), "no sealing key opens it", "a value that does not open is logged")
	assert.NotContains(t, log.String(), hex.EncodeToString(key))
	assert.NotContains(t, log.String(), "eyJ")
}

func TestStoreRotatesSealingKeys(t *testing.T) {
	t.Parallel()
	srv := redisserver.ForTest(t)
	client := newClient(t, srv)
	ctx := t.Context()
	oldKey, newKey := newKey(t), newKey(t)
	before := newStore(t, client, nil, oldKey)
	ready := newStore(t, client, nil, oldKey, newKey) // the optional first step: (old, new)
	during := newStore(t, client, nil, newKey, oldKey)
	after := newStore(t, client, nil, newKey)
	assert.NotEqual(t, redisstore.ValueKey(before, digest), redisstore.ValueKey(during, digest), "a new sealing key names values anew")
	assert.Equal(t, redisstore.ValueKey(before, digest), redisstore.ValueKey(ready, digest))
	assert.Equal(t, redisstore.ValueKey(during, digest), redisstore.ValueKey(after, digest))

	require.NoError(t, before.Set(ctx, digest, token, time.Minute))
	got, _, err := during.Get(ctx, digest)
	require.NoError(t, err)
	assert.Equal(t, token, got, "while rotating, values named and sealed under the old key are still found")
	got, _, err = after.Get(ctx, digest)
	require.NoError(t, err)
	assert.Nil(t, got, "once the old key is dropped, its values are misses")

	other := strings.Repeat("b", 64)
	require.NoError(t, during.Set(ctx, other, token, time.Minute))
	got, _, err = after.Get(ctx, other)
	require.NoError(t, err)
	assert.Equal(t, token, got, "while rotating, values are named and sealed under the new key")
	got, _, err = before.Get(ctx, other)
	require.NoError(t, err)
	assert.Nil(t, got, "an instance not yet given the new key misses, and does not fail")
	got, _, err = ready.Get(ctx, other)
	require.NoError(t, err)
	assert.Equal(t, token, got, "an instance given (old, new) first finds what (new, old) stored")
}

func TestStoreFailsPromptlyWhenRedisStops(t *testing.T) {
	t.Parallel()
	srv := redisserver.ForTest(t)
	client := newClient(t, srv)
	key := newKey(t)
	store := newStore(t, client, nil, key)
	require.NoError(t, store.Set(t.Context(), digest, token, time.Minute))

	srv.Stop()
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	// Each call is timed: a Redis that is down refuses connections at once, so a page view loses
	// no more than a dial to it. 3 s is an upper bound for a busy machine, far below the minute.
	timed := func(call func() error) (time.Duration, error) {
		start := time.Now()
		err := call()
		return time.Since(start), err
	}
	getTook, getErr := timed(func() error { _, _, err := store.Get(ctx, digest); return err })
	setTook, setErr := timed(func() error { return store.Set(ctx, digest, token, time.Minute) })
	var granted bool
	leaseTook, leaseErr := timed(func() (err error) { _, granted, err = store.Lease(ctx, digest, time.Second); return err })
	assert.False(t, granted)
	took := map[string]time.Duration{"Get": getTook, "Set": setTook, "Lease": leaseTook}
	for name, err := range map[string]error{"Get": getErr, "Set": setErr, "Lease": leaseErr} {
		require.Error(t, err, name)
		assert.Less(t, took[name], 3*time.Second, name)
		assert.NotErrorIs(t, err, context.DeadlineExceeded, "%s failed at once, not when the context ran out", name)
		assert.Contains(t, err.Error(), "redisstore: "+strings.ToLower(name))
		assert.NotContains(t, err.Error(), "eyJ")
		assert.NotContains(t, err.Error(), hex.EncodeToString(key))
	}
}

func TestNewRefusesBadOptions(t *testing.T) {
	t.Parallel()
	client := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", ContextTimeoutEnabled: true}) // never dialled
	t.Cleanup(func() { _ = client.Close() })
	key := bytes.Repeat([]byte{0xAB}, redisstore.SealingKeySize)
	for name, tc := range map[string]struct {
		client redis.UniversalClient
		opts   []redisstore.Option
		want   string
	}{
		"nil client":         {nil, []redisstore.Option{redisstore.WithSealingKeys(key)}, "client is nil"},
		"nil *redis.Client":  {(*redis.Client)(nil), []redisstore.Option{redisstore.WithSealingKeys(key)}, "client is nil"},
		"no sealing key":     {client, nil, "no sealing key"},
		"short key":          {client, []redisstore.Option{redisstore.WithSealingKeys(key[:16])}, "key 0 is 16 bytes long, want 32"},
		"long key":           {client, []redisstore.Option{redisstore.WithSealingKeys(append(key, 1))}, "key 0 is 33 bytes long"},
		"short previous key": {client, []redisstore.Option{redisstore.WithSealingKeys(key, key, nil)}, "key 2 is 0 bytes long"},
		"zero previous key":  {client, []redisstore.Option{redisstore.WithSealingKeys(key, make([]byte, redisstore.SealingKeySize))}, "key 1 is all zero bytes"},
		"empty prefix":       {client, []redisstore.Option{redisstore.WithSealingKeys(key), redisstore.WithKeyPrefix("")}, "prefix is empty"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			s, err := redisstore.New(tc.client, tc.opts...)
			require.Error(t, err)
			assert.Nil(t, s)
			assert.Contains(t, err.Error(), tc.want)
			assert.NotContains(t, err.Error(), "ab ab")
			assert.NotContains(t, strings.ToLower(err.Error()), "abab")
			assert.NotContains(t, err.Error(), "171", "the key's bytes in decimal")
		})
	}
}

func TestWithSealingKeysCopiesTheKeys(t *testing.T) {
	t.Parallel()
	srv := redisserver.ForTest(t)
	client := newClient(t, srv)
	ctx := t.Context()
	key := newKey(t)
	original := bytes.Clone(key)
	opt := redisstore.WithSealingKeys(key)
	key[0] ^= 0xFF // changed after the option was made
	store, err := redisstore.New(client, opt)
	require.NoError(t, err)
	key[1] ^= 0xFF // and after New returned
	require.NoError(t, store.Set(ctx, digest, token, time.Minute))

	got, _, err := newStore(t, client, nil, original).Get(ctx, digest)
	require.NoError(t, err)
	assert.Equal(t, token, got, "the store seals with the key as it was given")
}

func TestStorePrintsNoSecret(t *testing.T) {
	t.Parallel()
	client := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", ContextTimeoutEnabled: true}) // never dialled
	t.Cleanup(func() { _ = client.Close() })
	key := bytes.Repeat([]byte{0xAB}, redisstore.SealingKeySize)
	old := bytes.Repeat([]byte{0xCD}, redisstore.SealingKeySize)
	store, err := redisstore.New(client, redisstore.WithSealingKeys(key, old))
	require.NoError(t, err)
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%d", "%x"} {
		out := fmt.Sprintf(verb, store)
		assert.Equal(t, `redisstore.Store{prefix: "reeflow:embed:", sealing keys: 2}`, out, verb)
	}
	var nilStore *redisstore.Store
	assert.Equal(t, "redisstore.Store(nil)", fmt.Sprintf("%v", nilStore))

	// By value, and inside structs of the caller's, fmt walks the fields itself: the key material
	// (the AES key schedule, the key-naming secret) must not be there to walk into. 0xABABABAB is
	// the key's every word; 2880154539 is it in decimal.
	type holder struct {
		Exported   redisstore.Store
		unexported *redisstore.Store
	}
	for _, v := range []any{*store, holder{Exported: *store, unexported: store}} {
		for _, verb := range []string{"%v", "%+v", "%s", "%q", "%d", "%x"} {
			out := fmt.Sprintf(verb, v)
			for _, word := range []string{"2880154539", "abababab", "ABABABAB", "3452816845", "cdcdcdcd"} {
				assert.NotContains(t, out, word, verb)
			}
		}
	}
}
