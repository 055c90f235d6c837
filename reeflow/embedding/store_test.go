package embedding_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/reeflow/reeflow-go/internal/testlog"
	"github.com/reeflow/reeflow-go/reeflow"
	"github.com/reeflow/reeflow-go/reeflow/embedding"
)

// fakeStore is a Store shared by the caches of a test, as Redis is by the instances of a fleet:
// values expire by the test's clock, leases are exclusive and expire too. It counts its calls,
// and can fail, stall, or deny every lease.
type fakeStore struct {
	now func() time.Time

	mu       sync.Mutex
	values   map[string]fakeValue
	leases   map[string]fakeLease
	nextID   int
	gets     int
	sets     []time.Duration // the ttl of each Set
	leaseN   int
	granted  int
	getErr   error
	setErr   error
	leaseErr error
	deny     bool // every lease is held by an instance that never stores the token

	leaseGate chan struct{} // when set, Lease waits for it to close
	stall     bool          // every call waits for its context to end
	polled    chan string   // when set, gets each key asked for
}

type fakeValue struct {
	b       []byte
	expires time.Time
}

type fakeLease struct {
	id      int
	expires time.Time
}

func newFakeStore(now func() time.Time) *fakeStore {
	return &fakeStore{now: now, values: map[string]fakeValue{}, leases: map[string]fakeLease{}}
}

func (s *fakeStore) Get(ctx context.Context, key string) ([]byte, error) {
	if s.stall {
		<-ctx.Done()
		return nil, ctx.Err()
	}
	s.mu.Lock()
	s.gets++
	v, ok := s.values[key]
	err := s.getErr
	s.mu.Unlock()
	if s.polled != nil {
		s.polled <- key
	}
	if err != nil {
		return nil, err
	}
	if !ok || !s.now().Before(v.expires) {
		return nil, nil
	}
	return v.b, nil
}

func (s *fakeStore) Set(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	if s.stall {
		<-ctx.Done()
		return ctx.Err()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sets = append(s.sets, ttl)
	if s.setErr != nil {
		return s.setErr
	}
	s.values[key] = fakeValue{b: value, expires: s.now().Add(ttl)}
	return nil
}

func (s *fakeStore) Lease(ctx context.Context, key string, ttl time.Duration) (func(), bool, error) {
	if s.leaseGate != nil {
		select {
		case <-s.leaseGate:
		case <-ctx.Done():
			return nil, false, ctx.Err()
		}
	}
	if s.stall {
		<-ctx.Done()
		return nil, false, ctx.Err()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.leaseN++
	if s.leaseErr != nil {
		return nil, false, s.leaseErr
	}
	if l, held := s.leases[key]; s.deny || held && s.now().Before(l.expires) {
		return nil, false, nil
	}
	s.nextID++
	id := s.nextID
	s.leases[key] = fakeLease{id: id, expires: s.now().Add(ttl)}
	s.granted++
	return func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.leases[key].id == id {
			delete(s.leases, key)
		}
	}, true, nil
}

// put stores a value directly, as another instance would.
func (s *fakeStore) put(key string, value []byte, ttl time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.values[key] = fakeValue{b: value, expires: s.now().Add(ttl)}
}

func (s *fakeStore) counts() (gets, sets, leases, granted int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.gets, len(s.sets), s.leaseN, s.granted
}

// TestStoreSharesTokensBetweenInstances: two caches on one store, as two instances on one
// Redis: the second serves the first one's token, and the store holds it under a key that
// reveals nothing, for the token's remaining life by Reeflow's clock.
func TestStoreSharesTokensBetweenInstances(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	st := newFakeStore(f.clock.Now)
	one, two := f.cache(t, embedding.WithStore(st)), f.cache(t, embedding.WithStore(st))

	first := get(t, one, alice)
	assert.Equal(t, first.Token, get(t, two, alice).Token)
	assert.Equal(t, 1, f.minted())
	assert.Equal(t, []time.Duration{time.Hour}, st.sets, "stored for the token's remaining life")
	require.Len(t, st.values, 1)
	for key, v := range st.values {
		assert.Regexp(t, regexp.MustCompile(`^[0-9a-f]{64}$`), key)
		assert.Equal(t, embedding.StoreKeyForTest(alice), key)
		assert.NotContains(t, string(v.b), "alice")
		assert.NotContains(t, string(v.b), "acme")
	}
	_, _, leases, granted := st.counts()
	assert.Equal(t, 1, leases)
	assert.Equal(t, 1, granted)

	f.clock.Advance(55 * time.Minute)
	renewed := get(t, two, alice)
	assert.NotEqual(t, first.Token, renewed.Token, "5 minutes left: the stored token is not handed out")
	assert.Equal(t, renewed.Token, get(t, one, alice).Token)
	assert.Equal(t, 2, f.minted())
	assert.Equal(t, "embedding.Cache{Store:*embedding_test.fakeStore RefreshMargin:5m0s}", fmt.Sprint(one))
}

// TestStoreJudgesAnotherInstancesTokenByReeflowsClock: a token stored by another instance is
// judged by Reeflow's clock as this instance learned it, not by the local clock.
func TestStoreJudgesAnotherInstancesTokenByReeflowsClock(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.srv.SetClock(func() time.Time { return f.clock.Now().Add(10 * time.Minute) })
	st := newFakeStore(f.clock.Now)
	one, two := f.cache(t, embedding.WithStore(st)), f.cache(t, embedding.WithStore(st))
	get(t, two, reeflow.CreateSessionParams{UserID: "bob"}) // two learns Reeflow's clock

	first := get(t, one, alice)
	f.clock.Advance(55*time.Minute - time.Second)
	assert.Equal(t, first.Token, get(t, two, alice).Token, "5 minutes and 1 s left by Reeflow's clock")
	f.clock.Advance(time.Second)
	assert.NotEqual(t, first.Token, get(t, two, alice).Token, "5 minutes left by Reeflow's clock, 15 by the local one")
}

// TestStoreTokenMintedWhileWaitingForTheLease: another instance holds the lease; this one looks
// for the token in the store until it appears, and mints nothing.
func TestStoreTokenMintedWhileWaitingForTheLease(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	st := newFakeStore(f.clock.Now)
	st.deny = true
	st.polled = make(chan string, 100)
	cache := f.cache(t, embedding.WithStore(st), embedding.WithPageViewBudget(time.Hour))

	done := make(chan result, 1)
	go func() { sess, err := cache.Get(context.Background(), alice); done <- result{sess, err} }()
	recv(t, st.polled, "the miss")
	recv(t, st.polled, "a look at the store while another instance holds the lease")
	// The other instance stores its token.
	otherInstance := newFixture(t)
	minted, err := otherInstance.client.Sessions.Create(context.Background(), alice)
	require.NoError(t, err)
	st.put(embedding.StoreKeyForTest(alice), embedding.EncodeEntryForTest(*minted, f.clock.Now()), time.Hour)
	go func() {
		for range st.polled { // drain the looks that follow
		}
	}()
	got := recv(t, done, "the token from the store")
	close(st.polled)
	require.NoError(t, got.err)
	assert.Equal(t, minted.Token, got.sess.Token)
	assert.Zero(t, f.minted())
}

// TestStoreLeaseHeldTooLong: a lease held for longer than half the page-view budget (its holder
// died, or is slow) is given up on: the instance mints without it, and logs it.
func TestStoreLeaseHeldTooLong(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	st := newFakeStore(f.clock.Now)
	st.deny = true
	sink := &testlog.Sink{}
	cache := f.cache(t, embedding.WithStore(st), embedding.WithPageViewBudget(2*time.Second), embedding.WithLogger(sink.Logger()))
	sess := get(t, cache, alice)
	assert.NotEmpty(t, sess.Token)
	assert.Equal(t, 1, f.minted())
	assert.Contains(t, sink.String(), "another instance holds the lease on a session token for too long: minting without it")
	assert.NotContains(t, sink.String(), sess.Token)
	gets, sets, leases, _ := st.counts()
	assert.GreaterOrEqual(t, leases, 2, "asked again while waiting")
	assert.GreaterOrEqual(t, gets, 2, "looked again while waiting")
	assert.Equal(t, 1, sets, "the token minted is shared")
}

// TestStoreLeaseGivenBack: the holder's call failed and it gave the lease back without a token;
// the waiting instance takes the lease and mints.
func TestStoreLeaseGivenBack(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	st := newFakeStore(f.clock.Now)
	st.polled = make(chan string, 100)
	release, granted, err := st.Lease(context.Background(), embedding.StoreKeyForTest(alice), time.Minute)
	require.NoError(t, err)
	require.True(t, granted)
	cache := f.cache(t, embedding.WithStore(st), embedding.WithPageViewBudget(time.Hour))

	done := make(chan result, 1)
	go func() { sess, err := cache.Get(context.Background(), alice); done <- result{sess, err} }()
	recv(t, st.polled, "the miss")
	recv(t, st.polled, "a look while the lease is held")
	release()
	go func() {
		for range st.polled {
		}
	}()
	got := recv(t, done, "the token")
	close(st.polled)
	require.NoError(t, got.err)
	assert.Equal(t, 1, f.minted())
	_, _, _, grantedN := st.counts()
	assert.Equal(t, 2, grantedN, "the test's lease, then the cache's")
}

// TestStoreLeaseOfADeadHolderExpires: a holder that died never gives its lease back; it expires
// by its ttl (the page-view budget), and the waiting instance mints.
func TestStoreLeaseOfADeadHolderExpires(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	st := newFakeStore(f.clock.Now)
	st.polled = make(chan string, 100)
	_, granted, err := st.Lease(context.Background(), embedding.StoreKeyForTest(alice), time.Minute)
	require.NoError(t, err)
	require.True(t, granted)
	cache := f.cache(t, embedding.WithStore(st), embedding.WithPageViewBudget(time.Hour))

	done := make(chan result, 1)
	go func() { sess, err := cache.Get(context.Background(), alice); done <- result{sess, err} }()
	recv(t, st.polled, "the miss")
	recv(t, st.polled, "a look while the lease is held")
	f.clock.Advance(time.Minute) // the dead holder's lease expires
	go func() {
		for range st.polled {
		}
	}()
	got := recv(t, done, "the token")
	close(st.polled)
	require.NoError(t, got.err)
	assert.Equal(t, 1, f.minted())
}

// TestStoreSecondLookAfterTheLease: the token may be stored between this instance's miss and its
// lease (the holder released it just before); the instance takes it rather than minting again.
func TestStoreSecondLookAfterTheLease(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	st := newFakeStore(f.clock.Now)
	st.leaseGate = make(chan struct{})
	cache := f.cache(t, embedding.WithStore(st), embedding.WithPageViewBudget(time.Hour))
	done := make(chan result, 1)
	go func() { sess, err := cache.Get(context.Background(), alice); done <- result{sess, err} }()
	awaitWaiters(t, cache, alice, 1) // past the miss, asking for the lease

	otherInstance := newFixture(t)
	minted, err := otherInstance.client.Sessions.Create(context.Background(), alice)
	require.NoError(t, err)
	st.put(embedding.StoreKeyForTest(alice), embedding.EncodeEntryForTest(*minted, f.clock.Now()), time.Hour)
	close(st.leaseGate)
	got := recv(t, done, "the token")
	require.NoError(t, got.err)
	assert.Equal(t, minted.Token, got.sess.Token)
	assert.Zero(t, f.minted())
}

// TestStoreFailuresNeverFailAPageView: a store that fails every call, or stalls, is logged (never
// the token) and bypassed: every Get mints directly, within the page-view budget.
func TestStoreFailuresNeverFailAPageView(t *testing.T) {
	t.Parallel()
	down := errors.New("dial tcp 10.0.0.9:6379: connection refused")
	for name, tc := range map[string]struct {
		store  func(*fakeStore)
		logged []string
	}{
		"Get fails":   {func(s *fakeStore) { s.getErr = down }, []string{"session store Get failed: minting instead", "connection refused"}},
		"Set fails":   {func(s *fakeStore) { s.setErr = down }, []string{"session store Set failed: the token is not shared"}},
		"Lease fails": {func(s *fakeStore) { s.leaseErr = down }, []string{"session store Lease failed: minting without it"}},
		"all fail": {func(s *fakeStore) { s.getErr, s.setErr, s.leaseErr = down, down, down }, []string{
			"session store Get failed", "session store Set failed", "session store Lease failed",
		}},
		"stalls": {func(s *fakeStore) { s.stall = true }, []string{"session store Get failed", "context deadline exceeded"}},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			st := newFakeStore(f.clock.Now)
			tc.store(st)
			sink := &testlog.Sink{}
			cache := f.cache(t, embedding.WithStore(st), embedding.WithLogger(sink.Logger()), embedding.WithPageViewBudget(3*time.Second))
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second) // as the handler's budget
			defer cancel()
			sess, err := cache.Get(ctx, alice)
			require.NoError(t, err)
			assert.NotEmpty(t, sess.Token)
			for _, want := range tc.logged {
				assert.Contains(t, sink.String(), want)
			}
			assert.Contains(t, sink.String(), `"level":"WARN"`)
			assert.NotContains(t, sink.String(), sess.Token)
		})
	}
}

// TestStoreBadEntryIsAMiss: a value that is not an entry of this version (another application
// on the same keys, a later format) is a miss, logged, and replaced.
func TestStoreBadEntryIsAMiss(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	st := newFakeStore(f.clock.Now)
	for _, bad := range [][]byte{{}, []byte("x"), append([]byte{9}, make([]byte, 20)...)} {
		st.put(embedding.StoreKeyForTest(alice), bad, time.Hour)
		sink := &testlog.Sink{}
		cache := f.cache(t, embedding.WithStore(st), embedding.WithLogger(sink.Logger()))
		sess := get(t, cache, alice)
		assert.NotEmpty(t, sess.Token)
		assert.Contains(t, sink.String(), "session store holds a bad entry: minting instead")
		assert.Equal(t, sess.Token, get(t, cache, alice).Token, "replaced by a good one")
	}
	assert.Equal(t, 3, f.minted())
}

// TestStoreFleetMintsOnce: four instances on one store, 50 concurrent first requests each for
// one user: one call to Reeflow.
func TestStoreFleetMintsOnce(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	st := newFakeStore(f.clock.Now)
	const instances, callers = 4, 50
	caches := make([]*embedding.Cache, instances)
	for i := range caches {
		caches[i] = f.cache(t, embedding.WithStore(st), embedding.WithPageViewBudget(time.Hour))
	}
	tokens := make(chan string, instances*callers)
	var wg sync.WaitGroup
	for i := range instances * callers {
		wg.Go(func() {
			sess, err := caches[i%instances].Get(context.Background(), alice)
			if err != nil {
				t.Error(err)
				return
			}
			tokens <- sess.Token
		})
	}
	wg.Wait()
	close(tokens)
	distinct := map[string]bool{}
	for tok := range tokens {
		distinct[tok] = true
	}
	assert.Len(t, distinct, 1)
	assert.Equal(t, 1, f.minted())
}

// TestStoreLeasePanic: a Store that panics is a minting error like any other panic.
func TestStoreLeasePanic(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	cache := f.cache(t, embedding.WithStore(panickingStore{}), embedding.WithLogger(nil))
	_, err := cache.Get(context.Background(), alice)
	require.EqualError(t, err, "embedding: minting a session token panicked: string")
	assert.Zero(t, f.minted())
}

type panickingStore struct{}

func (panickingStore) Get(context.Context, string) ([]byte, error) { return nil, nil }
func (panickingStore) Set(context.Context, string, []byte, time.Duration) error {
	return nil
}

func (panickingStore) Lease(context.Context, string, time.Duration) (func(), bool, error) {
	panic("redis password hunter2")
}

// TestStoreMemoryDefaultGrantsEveryLease: without WithStore the cache needs no lease from
// anyone: the tokens and the single call per key are this process's.
func TestStoreMemoryDefault(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	cache := f.cache(t)
	get(t, cache, alice)
	get(t, cache, alice)
	assert.Equal(t, 1, f.minted())
	assert.Equal(t, 1, embedding.CachedForTest(cache))
	assert.Equal(t, http.MethodPost, f.srv.Requests()[0].Method)
}

// TestStoreIsNotAskedForInvalidParams: anyone may write in a shared store, so params that
// Validate refuses are refused before the store is asked: no entry found there is handed out
// for them.
func TestStoreIsNotAskedForInvalidParams(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	st := newFakeStore(f.clock.Now)
	cache := f.cache(t, embedding.WithStore(st))

	_, err := cache.Get(context.Background(), reeflow.CreateSessionParams{UserID: strings.Repeat("u", 65)})
	require.ErrorIs(t, err, embedding.ErrInvalidSessionParams)
	assert.ErrorContains(t, err, "UserID is longer than 64 characters")
	gets, sets, leases, _ := st.counts()
	assert.Equal(t, [3]int{0, 0, 0}, [3]int{gets, sets, leases}, "the store was not asked")
	assert.Zero(t, f.minted())
}
