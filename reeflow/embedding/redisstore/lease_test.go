package redisstore_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/reeflow/reeflow-go/reeflow/embedding/redisstore"
	"github.com/reeflow/reeflow-go/reeflow/embedding/redisstore/internal/redisserver"
)

func TestLeaseIsExclusiveAcrossClients(t *testing.T) {
	t.Parallel()
	srv := redisserver.ForTest(t)
	key := newKey(t)
	// Two clients with their own connections: two instances of a fleet.
	stores := []*redisstore.Store{newStore(t, newClient(t, srv), nil, key), newStore(t, newClient(t, srv), nil, key)}
	ctx := t.Context()

	var granted atomic.Int32
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range 40 {
		wg.Go(func() {
			<-start
			_, ok, err := stores[i%2].Lease(ctx, digest, time.Minute)
			assert.NoError(t, err)
			if ok {
				granted.Add(1)
			}
		})
	}
	close(start)
	wg.Wait()
	assert.Equal(t, int32(1), granted.Load(), "one caller across both instances gets the lease")

	release, ok, err := stores[0].Lease(ctx, "another-key", time.Minute)
	require.NoError(t, err)
	assert.True(t, ok, "a lease is per key")
	release()
}

func TestLeaseReleaseFreesTheKeyOnlyForItsHolder(t *testing.T) {
	t.Parallel()
	srv := redisserver.ForTest(t)
	client := newClient(t, srv)
	key := newKey(t)
	a := newStore(t, client, nil, key)
	b := newStore(t, newClient(t, srv), nil, key)
	ctx := t.Context()
	leaseKey := redisstore.LeaseKey(a, digest)

	releaseA, ok, err := a.Lease(ctx, digest, time.Minute)
	require.NoError(t, err)
	require.True(t, ok)
	pttl, err := client.PTTL(ctx, leaseKey).Result()
	require.NoError(t, err)
	assert.Positive(t, pttl, "a lease always expires")
	assert.LessOrEqual(t, pttl, time.Minute)

	require.NoError(t, client.Del(ctx, leaseKey).Err()) // as if A's lease had expired while A was slow
	releaseB, ok, err := b.Lease(ctx, digest, time.Minute)
	require.NoError(t, err)
	require.True(t, ok, "an expired lease can be taken")

	releaseA() // A, late, gives back what it no longer holds
	_, ok, err = a.Lease(ctx, digest, time.Minute)
	require.NoError(t, err)
	assert.False(t, ok, "A's release left B's lease in place")

	releaseB()
	releaseB() // twice does nothing more
	releaseC, ok, err := a.Lease(ctx, digest, time.Minute)
	require.NoError(t, err)
	assert.True(t, ok, "B's release freed the key")
	releaseC()
}

func TestLeaseOfADeadHolderExpires(t *testing.T) {
	t.Parallel()
	srv := redisserver.ForTest(t)
	key := newKey(t)
	dead := newStore(t, newClient(t, srv), nil, key)
	alive := newStore(t, newClient(t, srv), nil, key)
	ctx := t.Context()

	_, ok, err := dead.Lease(ctx, digest, 300*time.Millisecond) // and never released
	require.NoError(t, err)
	require.True(t, ok)
	_, ok, err = alive.Lease(ctx, digest, time.Minute)
	require.NoError(t, err)
	require.False(t, ok)

	asked := time.Now()
	deadline := asked.Add(30 * time.Second) // far past the lease's 300 ms: only a bound on failure
	for !ok && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
		var release func()
		release, ok, err = alive.Lease(ctx, digest, time.Minute)
		require.NoError(t, err)
		if ok {
			release()
		}
	}
	assert.True(t, ok, "the lease of a holder that never released it expires, and another instance gets it")
}

func TestLeaseRefusesATTLUnderAMillisecond(t *testing.T) {
	t.Parallel()
	srv := redisserver.ForTest(t)
	store := newStore(t, newClient(t, srv), nil, newKey(t))
	for _, ttl := range []time.Duration{0, -time.Second, 999 * time.Microsecond} {
		release, ok, err := store.Lease(t.Context(), digest, ttl)
		require.Error(t, err, "%v", ttl)
		assert.False(t, ok)
		assert.Nil(t, release)
	}
}

func TestLeaseReleaseWorksAfterTheCallersContextEnded(t *testing.T) {
	t.Parallel()
	srv := redisserver.ForTest(t)
	store := newStore(t, newClient(t, srv), nil, newKey(t))
	ctx, cancel := context.WithCancel(t.Context())
	release, ok, err := store.Lease(ctx, digest, time.Minute)
	require.NoError(t, err)
	require.True(t, ok)
	cancel() // the page view ended while its instance was minting

	release()
	again, ok, err := store.Lease(t.Context(), digest, time.Minute)
	require.NoError(t, err)
	assert.True(t, ok, "the lease was given back, not left to expire a minute later")
	again()
}
