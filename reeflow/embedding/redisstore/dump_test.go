package redisstore_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/reeflow/reeflow-go/reeflow"
	"github.com/reeflow/reeflow-go/reeflow/embedding"
	"github.com/reeflow/reeflow-go/reeflow/embedding/redisstore"
	"github.com/reeflow/reeflow-go/reeflow/embedding/redisstore/internal/redisserver"
	"github.com/reeflow/reeflow-go/reeflow/reeflowtest"
)

// digestRecorder is the Redis store as the cache sees it, noting the digests the cache gives.
type digestRecorder struct {
	embedding.Store
	mu      sync.Mutex
	digests map[string]bool
}

func (r *digestRecorder) note(key string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.digests[key] = true
}

func (r *digestRecorder) Set(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	r.note(key)
	return r.Store.Set(ctx, key, value, ttl)
}

func (r *digestRecorder) Lease(ctx context.Context, key string, ttl time.Duration) (func(), bool, error) {
	r.note(key)
	return r.Store.Lease(ctx, key, ttl)
}

// A dump of Redis (every key, every value) taken while a lease is held shows neither the user's
// ID nor the digest the cache computed from it, which anyone could compute from a guessed ID.
func TestRedisDumpRevealsNoUserIDNorDigest(t *testing.T) {
	t.Parallel()
	srv := redisserver.ForTest(t)
	client := newClient(t, srv)
	store := newStore(t, client, nil, newKey(t))
	rec := &digestRecorder{Store: store, digests: map[string]bool{}}
	fake := reeflowtest.NewServer(t)
	cache, err := embedding.NewCache(fake.Client().Sessions, embedding.WithStore(rec))
	require.NoError(t, err)
	ctx := t.Context()

	const user = "user_42"
	sess, err := cache.Get(ctx, reeflow.CreateSessionParams{UserID: user, UserAttributes: reeflow.Attributes{"region": "eu"}})
	require.NoError(t, err)
	require.Len(t, rec.digests, 1, "the cache stored the token under one digest")
	var digest string
	for d := range rec.digests {
		digest = d
	}
	// A lease, as while another instance mints; the cache gives its own back after answering.
	var release func()
	require.Eventually(t, func() bool {
		r, granted, err := store.Lease(ctx, digest, time.Minute)
		release = r
		return err == nil && granted
	}, 10*time.Second, 5*time.Millisecond, "the cache gives its lease back")
	defer release()

	keys, err := client.Keys(ctx, "*").Result()
	require.NoError(t, err)
	require.Len(t, keys, 2, "the value and the lease")
	dump := strings.Join(keys, "\n")
	for _, k := range keys {
		v, err := client.Get(ctx, k).Result()
		require.NoError(t, err)
		dump += "\n" + v
	}
	for _, secret := range []string{user, digest, digest[:16], sess.Token, "region"} {
		assert.NotContains(t, dump, secret)
	}
	assert.Contains(t, dump, redisstore.DefaultKeyPrefix+"lease:", "the dump did hold the lease")
}
