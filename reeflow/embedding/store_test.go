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

func (s *fakeStore) Get(ctx context.Context, key string) ([]byte, time.Duration, error) {
	if s.stall {
		<-ctx.Done()
		return nil, 0, ctx.Err()
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
		return nil, 0, err
	}
	ttl := v.expires.Sub(s.now())
	if !ok || ttl <= 0 {
		return nil, 0, nil
	}
	return v.b, ttl, nil
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
// Redis: the second serves the first one's token, and the store holds it under a digest for as
// long as it may be handed out: until its refresh time by Reeflow's clock, less the second that
// the Date header may hide.
func TestStoreSharesTokensBetweenInstances(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	st := newFakeStore(f.clock.Now)
	one, two := f.cache(t, embedding.WithStore(st)), f.cache(t, embedding.WithStore(st))

	first := get(t, one, alice)
	assert.Equal(t, first.Token, get(t, two, alice).Token)
	assert.Equal(t, 1, f.minted())
	assert.Equal(t, []time.Duration{55*time.Minute - dateSecond}, st.sets, "stored until its refresh time")
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

	f.clock.Advance(55*time.Minute - dateSecond)
	renewed := get(t, two, alice)
	assert.NotEqual(t, first.Token, renewed.Token, "5 minutes and 1 s left: the stored token is not handed out")
	assert.Equal(t, renewed.Token, get(t, one, alice).Token)
	assert.Equal(t, 2, f.minted())
	assert.Equal(t, "embedding.Cache{Cached:1 Max:10000 Store:*embedding_test.fakeStore RefreshMargin:5m0s}", fmt.Sprint(one))
}

// TestStoreJudgesAnotherInstancesTokenByReeflowsClock: Reeflow's clock is 10 minutes ahead of
// the local ones. The second instance has never minted, so it knows nothing of Reeflow's clock:
// compared with its local clock, the first instance's token would look fresh for 10 minutes past
// its refresh time, the last 5 of them expired. It takes the token for as long as the store's
// countdown says, and no instance ever hands out a token with less than the margin left.
func TestStoreJudgesAnotherInstancesTokenByReeflowsClock(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	const ahead = 10 * time.Minute
	reeflowNow := func() time.Time { return f.clock.Now().Add(ahead) }
	f.srv.SetClock(reeflowNow)
	st := newFakeStore(f.clock.Now)
	one, two := f.cache(t, embedding.WithStore(st)), f.cache(t, embedding.WithStore(st))

	first := get(t, one, alice)
	f.clock.Advance(55*time.Minute - dateSecond - time.Second)
	assert.Equal(t, first.Token, get(t, two, alice).Token, "5 minutes and 2 s left by Reeflow's clock")
	f.clock.Advance(time.Second)
	renewed := get(t, two, alice)
	assert.NotEqual(t, first.Token, renewed.Token, "5 minutes and 1 s left by Reeflow's clock, 15 by the local one")
	assert.Greater(t, renewed.ExpiresAt.Sub(reeflowNow()), 55*time.Minute)
	assert.Equal(t, 2, f.minted())

	// Two hours of page views, every 20 s on either instance.
	caches := []*embedding.Cache{one, two}
	for i := range 360 {
		f.clock.Advance(20 * time.Second)
		sess := get(t, caches[i%2], alice)
		require.Greater(t, sess.ExpiresAt.Sub(reeflowNow()), 5*time.Minute, "view %d", i)
	}
	assert.Equal(t, 4, f.minted(), "one token per 55 minutes for the fleet")
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
	st.put(embedding.StoreKeyForTest(alice), embedding.EncodeEntryForTest(alice, *minted, f.clock.Now()), time.Hour)
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
	st.put(embedding.StoreKeyForTest(alice), embedding.EncodeEntryForTest(alice, *minted, f.clock.Now()), time.Hour)
	close(st.leaseGate)
	got := recv(t, done, "the token")
	require.NoError(t, got.err)
	assert.Equal(t, minted.Token, got.sess.Token)
	assert.Zero(t, f.minted())
}

// TestStoreFailuresNeverFailAPageView: a store that fails, or stalls, is logged (never the token)
// and bypassed: the Get mints directly, within the page-view budget. The first failure is the
// one logged, and the store is left alone for the rest of that Get.
func TestStoreFailuresNeverFailAPageView(t *testing.T) {
	t.Parallel()
	down := errors.New("dial tcp 10.0.0.9:6379: connection refused")
	for name, tc := range map[string]struct {
		store                     func(*fakeStore)
		logged, notLogged         []string
		gets, leases, sets, saved int // the store calls made, and the values it holds afterwards
	}{
		"Get fails": {
			store:  func(s *fakeStore) { s.getErr = down },
			logged: []string{"session store Get failed: minting instead", "connection refused"},
			gets:   1,
		},
		"Set fails": {
			store:  func(s *fakeStore) { s.setErr = down },
			logged: []string{"session store Set failed: the token is not shared"},
			gets:   2, leases: 1, sets: 1,
		},
		"Lease fails": {
			store:  func(s *fakeStore) { s.leaseErr = down },
			logged: []string{"session store Lease failed: minting without it"},
			gets:   1, leases: 1,
		},
		"all fail": {
			store:     func(s *fakeStore) { s.getErr, s.setErr, s.leaseErr = down, down, down },
			logged:    []string{"session store Get failed"},
			notLogged: []string{"Set failed", "Lease failed"},
			gets:      1,
		},
		"stalls": {
			store:  func(s *fakeStore) { s.stall = true },
			logged: []string{"session store Get failed", "context deadline exceeded"},
		},
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
			for _, unwanted := range tc.notLogged {
				assert.NotContains(t, sink.String(), unwanted)
			}
			assert.Equal(t, 1, strings.Count(sink.String(), `"level":"WARN"`), "one record")
			assert.NotContains(t, sink.String(), sess.Token)
			gets, sets, leases, _ := st.counts()
			assert.Equal(t, []int{tc.gets, tc.leases, tc.sets}, []int{gets, leases, sets}, "Get, Lease and Set calls")
		})
	}
}

// TestStoreDownCostsOneMintPerUser: with the store down, a user's token is minted once and kept
// in this instance's memory for its life, as without a store: 10 page views are 1 mint, not 10.
// The outage is logged once, not per view or per user; the store is left alone for a second
// after each failure; and it is used again, and that logged, once it answers.
func TestStoreDownCostsOneMintPerUser(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	st := newFakeStore(f.clock.Now)
	down := errors.New("dial tcp 10.0.0.9:6379: connection refused")
	st.getErr, st.setErr, st.leaseErr = down, down, down
	sink := &testlog.Sink{}
	cache := f.cache(t, embedding.WithStore(st), embedding.WithLogger(sink.Logger()))

	first := get(t, cache, alice)
	for i := range 3 { // within a second of the failure: the store is left alone
		get(t, cache, reeflow.CreateSessionParams{UserID: fmt.Sprint("resting", i)})
	}
	gets, _, _, _ := st.counts()
	assert.Equal(t, 1, gets, "no store call within a second of its failure")
	for range 9 {
		f.clock.Advance(time.Minute)
		assert.Equal(t, first.Token, get(t, cache, alice).Token)
	}
	assert.Equal(t, 4, f.minted(), "10 views of alice are 1 mint")
	gets, _, _, _ = st.counts()
	assert.Equal(t, 1, gets, "alice's views after the first are served from memory")
	for i := range 3 { // each a second after the last failure: tried, and failing again
		f.clock.Advance(time.Second)
		get(t, cache, reeflow.CreateSessionParams{UserID: fmt.Sprint("tried", i)})
	}
	gets, _, _, _ = st.counts()
	assert.Equal(t, 4, gets, "tried again a second after each failure")
	assert.Equal(t, 7, f.minted(), "one per user")
	assert.Equal(t, 1, strings.Count(sink.String(), "session store Get failed"), "one outage, one record")

	st.mu.Lock()
	st.getErr, st.setErr, st.leaseErr = nil, nil, nil
	st.mu.Unlock()
	f.clock.Advance(time.Second)
	get(t, cache, reeflow.CreateSessionParams{UserID: "after"})
	_, sets, _, _ := st.counts()
	assert.Equal(t, 1, sets, "the token is shared again")
	assert.Contains(t, sink.String(), `"level":"INFO","msg":"embedding: session store answers again"`)
}

// TestStoreMemoryIsTheFirstTier: a token in this instance's memory is handed out without a store
// call; one from the store is kept in memory for the store's countdown.
func TestStoreMemoryIsTheFirstTier(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	st := newFakeStore(f.clock.Now)
	one, two := f.cache(t, embedding.WithStore(st)), f.cache(t, embedding.WithStore(st))
	first := get(t, one, alice)
	f.clock.Advance(50 * time.Minute)
	for range 5 {
		assert.Equal(t, first.Token, get(t, one, alice).Token)
		assert.Equal(t, first.Token, get(t, two, alice).Token)
	}
	gets, _, _, _ := st.counts()
	assert.Equal(t, 3, gets, "one's miss and its second look holding the lease, two's miss")

	f.clock.Advance(5*time.Minute - dateSecond - time.Second)
	assert.Equal(t, first.Token, get(t, two, alice).Token, "a second before the store's countdown ends")
	gets, _, _, _ = st.counts()
	assert.Equal(t, 3, gets)
	assert.Equal(t, 1, f.minted())
}

// TestStoreMaxCachedSessionsBoundsMemory: WithMaxCachedSessions bounds the memory in front of a
// store too; a token evicted from memory comes back from the store, not from Reeflow.
func TestStoreMaxCachedSessionsBoundsMemory(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	st := newFakeStore(f.clock.Now)
	cache := f.cache(t, embedding.WithStore(st), embedding.WithMaxCachedSessions(2))
	user := func(id string) reeflow.CreateSessionParams { return reeflow.CreateSessionParams{UserID: id} }
	u1 := get(t, cache, user("u1")).Token
	get(t, cache, user("u2"))
	get(t, cache, user("u3")) // evicts u1 from memory
	assert.Equal(t, 2, embedding.CachedForTest(cache))
	gets, _, _, _ := st.counts()
	assert.Equal(t, u1, get(t, cache, user("u1")).Token, "from the store")
	after, _, _, _ := st.counts()
	assert.Equal(t, gets+1, after)
	assert.Equal(t, 3, f.minted())
	assert.Equal(t, 2, embedding.CachedForTest(cache))
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
		another := f.cache(t, embedding.WithStore(st)) // the first one has the token in memory
		assert.Equal(t, sess.Token, get(t, another, alice).Token, "replaced by a good one")
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

// TestStorePanics: a Store that panics, in any call, is a store that failed: logged (its
// panic's type, never its value), left out, and the page view still gets its token.
func TestStorePanics(t *testing.T) {
	t.Parallel()
	for _, where := range []string{"Get", "Set", "Lease", "Lease's release"} {
		f := newFixture(t)
		sink := &testlog.Sink{}
		cache := f.cache(t, embedding.WithStore(panickingStore{where}), embedding.WithLogger(sink.Logger()))
		sess, err := cache.Get(context.Background(), alice)
		require.NoError(t, err, where)
		assert.NotEmpty(t, sess.Token, where)
		assert.Equal(t, 1, f.minted(), where)
		// A lease is given back after the page view is served: its log line may come later.
		assert.Eventually(t, func() bool {
			return strings.Contains(sink.String(), "embedding: Store."+where+" panicked (string)")
		}, 10*time.Second, time.Millisecond, where)
		assert.NotContains(t, sink.String(), "hunter2", where)
	}
}

// panickingStore panics in the call named where, with a value that holds a secret.
type panickingStore struct{ where string }

func (s panickingStore) Get(context.Context, string) ([]byte, time.Duration, error) {
	s.panicIn("Get")
	return nil, 0, nil
}

func (s panickingStore) Set(context.Context, string, []byte, time.Duration) error {
	s.panicIn("Set")
	return nil
}

func (s panickingStore) Lease(context.Context, string, time.Duration) (func(), bool, error) {
	s.panicIn("Lease")
	return func() { s.panicIn("Lease's release") }, true, nil
}

func (s panickingStore) panicIn(call string) {
	if s.where == call {
		panic("redis password hunter2")
	}
}

// TestStoreValueOfAnotherKeyIsAMiss: a store that hands back the value stored for other params
// (a bug, a mix-up) gives a miss, never another user's token.
func TestStoreValueOfAnotherKeyIsAMiss(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	st := newFakeStore(f.clock.Now)
	admin := reeflow.CreateSessionParams{UserID: "admin", UserAttributes: reeflow.Attributes{"role": "admin"}}
	minted, err := f.client.Sessions.Create(context.Background(), admin)
	require.NoError(t, err)
	st.put(embedding.StoreKeyForTest(alice), embedding.EncodeEntryForTest(admin, *minted, f.clock.Now()), time.Hour)
	sess := get(t, f.cache(t, embedding.WithStore(st), embedding.WithLogger(nil)), alice)
	assert.NotEqual(t, minted.Token, sess.Token)
	claims, err := f.srv.ParseSessionToken(sess.Token)
	require.NoError(t, err)
	assert.Equal(t, "alice", claims.UserID)
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

// TestStoreSlowReleaseDoesNotHoldThePageView: a lease given back slowly does not keep a page view
// whose token is minted from being answered.
func TestStoreSlowReleaseDoesNotHoldThePageView(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	gate := make(chan struct{})
	released := make(chan struct{})
	st := slowReleaseStore{Store: newFakeStore(f.clock.Now), gate: gate, released: released}
	cache := f.cache(t, embedding.WithStore(st), embedding.WithLogger(nil))
	type result struct {
		sess *reeflow.Session
		err  error
	}
	done := make(chan result, 1)
	go func() {
		sess, err := cache.Get(context.Background(), alice)
		done <- result{sess, err}
	}()
	var got result
	select {
	case got = <-done:
	case <-time.After(10 * time.Second):
		close(gate)
		t.Fatal("the page view waited for the lease to be given back")
	}
	require.NoError(t, got.err, "answered while the release still waits")
	assert.NotEmpty(t, got.sess.Token)
	close(gate)
	select {
	case <-released:
	case <-time.After(10 * time.Second):
		t.Fatal("the lease was never given back")
	}
}

// slowReleaseStore's releases wait for gate, then close released.
type slowReleaseStore struct {
	embedding.Store
	gate, released chan struct{}
}

func (s slowReleaseStore) Lease(ctx context.Context, key string, ttl time.Duration) (func(), bool, error) {
	release, granted, err := s.Store.Lease(ctx, key, ttl)
	if !granted || err != nil {
		return release, granted, err
	}
	return func() { <-s.gate; release(); close(s.released) }, true, nil
}

// TestStoreThatIgnoresItsContext: a Store whose calls block past their context (against its
// contract) is a store that failed: the page view still gets its token, within its budget.
func TestStoreThatIgnoresItsContext(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	unblock := make(chan struct{})
	defer close(unblock) // the stuck calls return before goleak looks
	st := blockingStore{unblock}
	cache := f.cache(t, embedding.WithStore(st), embedding.WithLogger(nil), embedding.WithPageViewBudget(time.Second))
	done := make(chan error, 1)
	go func() { _, err := cache.Get(context.Background(), alice); done <- err }()
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(10 * time.Second):
		t.Fatal("the page view waited for a Store that ignores its context")
	}
	assert.Equal(t, 1, f.minted())
}

// blockingStore's calls wait for unblock, whatever their context says.
type blockingStore struct{ unblock chan struct{} }

func (s blockingStore) Get(context.Context, string) ([]byte, time.Duration, error) {
	<-s.unblock
	return nil, 0, nil
}

func (s blockingStore) Set(context.Context, string, []byte, time.Duration) error {
	<-s.unblock
	return nil
}

func (s blockingStore) Lease(context.Context, string, time.Duration) (func(), bool, error) {
	<-s.unblock
	return func() {}, true, nil
}

// TestStoreEntryWithAnImpossibleLifeIsAMiss: an entry whose token would live longer than
// Reeflow ever lets one live (a forged or corrupted entry) is not taken.
func TestStoreEntryWithAnImpossibleLifeIsAMiss(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	st := newFakeStore(f.clock.Now)
	forged := reeflow.Session{Token: "forged-token", ExpiresAt: f.clock.Now().Add(48 * time.Hour)}
	st.put(embedding.StoreKeyForTest(alice), embedding.EncodeEntryForTest(alice, forged, f.clock.Now()), time.Hour)
	sess := get(t, f.cache(t, embedding.WithStore(st), embedding.WithLogger(nil)), alice)
	assert.NotEqual(t, "forged-token", sess.Token)
	assert.Equal(t, 1, f.minted())
}
