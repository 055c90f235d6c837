package embedding_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"runtime"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/reeflow/reeflow-go/internal/testlog"
	"github.com/reeflow/reeflow-go/reeflow"
	"github.com/reeflow/reeflow-go/reeflow/embedding"
	"github.com/reeflow/reeflow-go/reeflow/reeflowtest"
)

// simClock is a clock a test moves by hand; the fake server and the cache share it.
type simClock struct {
	mu  sync.Mutex
	now time.Time
}

func newSimClock() *simClock {
	return &simClock{now: time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)}
}

func (c *simClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *simClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// fixture is a fake Reeflow on a simulated clock and a client for it.
type fixture struct {
	srv    *reeflowtest.Server
	client *reeflow.Client
	clock  *simClock
}

func newFixture(t testing.TB, clientOpts ...reeflow.Option) *fixture {
	t.Helper()
	f := &fixture{clock: newSimClock()}
	f.srv = reeflowtest.NewServer(t, reeflowtest.WithRequestLogLimit(10_000))
	f.srv.SetClock(f.clock.Now)
	f.client = f.srv.Client(append([]reeflow.Option{reeflow.WithMaxRetries(0)}, clientOpts...)...)
	t.Cleanup(f.client.CloseIdleConnections)
	return f
}

// cache returns a cache over the fixture's client, on its clock.
func (f *fixture) cache(t testing.TB, opts ...embedding.Option) *embedding.Cache {
	t.Helper()
	return newCache(t, f.client, f.clock, opts...)
}

func newCache(t testing.TB, client *reeflow.Client, clock *simClock, opts ...embedding.Option) *embedding.Cache {
	t.Helper()
	cache, err := embedding.NewCache(client.Sessions, opts...)
	require.NoError(t, err)
	embedding.SetClockForTest(cache, clock.Now)
	return cache
}

// minted counts the POST /sessions the fake received: the tokens Reeflow would have minted.
func (f *fixture) minted() int {
	n := 0
	for _, r := range f.srv.Requests() {
		if r.Method == http.MethodPost && r.Path == "/sessions" {
			n++
		}
	}
	return n
}

// get calls cache.Get and fails the test on an error.
func get(t *testing.T, cache *embedding.Cache, p reeflow.CreateSessionParams) *reeflow.Session {
	t.Helper()
	sess, err := cache.Get(context.Background(), p)
	require.NoError(t, err)
	return sess
}

type result struct {
	sess *reeflow.Session
	err  error
}

// eventTimeout bounds every wait for an event in these tests, far longer than any event takes
// even on a busy machine: a broken cache fails a test within seconds instead of hanging it.
const eventTimeout = 10 * time.Second

// recv returns the next value from ch, failing the test if none comes within eventTimeout.
func recv[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	timer := time.NewTimer(eventTimeout)
	defer timer.Stop()
	select {
	case v := <-ch:
		return v
	case <-timer.C:
		t.Fatalf("%s did not happen within %s", what, eventTimeout)
		panic("unreachable")
	}
}

// awaitWaiters returns once n callers wait for the call for p, failing the test if that has not
// happened within eventTimeout.
func awaitWaiters(t *testing.T, cache *embedding.Cache, p reeflow.CreateSessionParams, n int) {
	t.Helper()
	deadline := time.Now().Add(eventTimeout)
	for embedding.WaitersForTest(cache, p) != n {
		if time.Now().After(deadline) {
			t.Fatalf("%d callers wait for the call, never %d", embedding.WaitersForTest(cache, p), n)
		}
		runtime.Gosched()
	}
}

// dateSecond is the second a cache takes off each token's time: Reeflow's Date header has whole
// seconds, so Reeflow's time when it answered may be up to a second later than the header says.
const dateSecond = time.Second

var alice = reeflow.CreateSessionParams{UserID: "alice", OrganizationID: "acme", UserAttributes: reeflow.Attributes{"region": "eu"}}

func TestCacheReusesATokenUntilTheRefreshMargin(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	cache := f.cache(t)

	first := get(t, cache, alice)
	assert.Equal(t, f.clock.Now().Add(time.Hour), first.ExpiresAt, "Reeflow's default lifetime")
	f.clock.Advance(55*time.Minute - dateSecond - time.Second)
	again := get(t, cache, alice)
	assert.Equal(t, first.Token, again.Token, "still valid for more than the 5-minute margin and the Date header's second")
	assert.Equal(t, 1, f.minted())

	f.clock.Advance(time.Second)
	renewed := get(t, cache, alice)
	assert.NotEqual(t, first.Token, renewed.Token, "5 minutes and 1 s left, the second that the Date header may hide: a new token")
	assert.Equal(t, f.clock.Now().Add(time.Hour), renewed.ExpiresAt)
	assert.Equal(t, 2, f.minted())

	hit := get(t, cache, alice)
	hit.Token = "changed by the caller"
	assert.Equal(t, renewed.Token, get(t, cache, alice).Token, "each caller gets its own copy")
	assert.Equal(t, 2, f.minted())
}

func TestCacheRefreshMarginIsCappedAtHalfTheLifetime(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		opts     []embedding.Option
		reuseFor time.Duration
	}{
		{"40-minute margin on 1-hour tokens", []embedding.Option{embedding.WithRefreshMargin(40 * time.Minute)}, 30 * time.Minute},
		{"1-minute margin", []embedding.Option{embedding.WithRefreshMargin(time.Minute)}, 59 * time.Minute},
		{"6-minute tokens, default margin", []embedding.Option{embedding.WithSessionLifetime(6 * time.Minute)}, 3 * time.Minute},
		{"24-hour tokens", []embedding.Option{embedding.WithSessionLifetime(24 * time.Hour)}, 24*time.Hour - 5*time.Minute},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			cache := f.cache(t, tc.opts...)
			first := get(t, cache, alice)
			f.clock.Advance(tc.reuseFor - dateSecond - time.Second)
			assert.Equal(t, first.Token, get(t, cache, alice).Token)
			f.clock.Advance(time.Second)
			assert.NotEqual(t, first.Token, get(t, cache, alice).Token)
			assert.Equal(t, 2, f.minted())
		})
	}
}

func TestCacheLifetimeReachesReeflow(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	sess := get(t, f.cache(t, embedding.WithSessionLifetime(90*time.Minute)), alice)
	assert.Equal(t, f.clock.Now().Add(90*time.Minute), sess.ExpiresAt)
	claims, err := f.srv.ParseSessionToken(sess.Token)
	require.NoError(t, err)
	assert.Equal(t, f.clock.Now().Add(90*time.Minute), claims.ExpiresAt)
}

// TestCacheCallKeepsTheCallersContextValues: the shared call runs on its own context, but with
// the first caller's values (a trace ID, say), which request editors and transports see.
func TestCacheCallKeepsTheCallersContextValues(t *testing.T) {
	t.Parallel()
	type traceKey struct{}
	seen := make(chan any, 1)
	f := newFixture(t, reeflow.WithRequestEditor(func(ctx context.Context, _ *http.Request) error {
		seen <- ctx.Value(traceKey{})
		return nil
	}))
	ctx := context.WithValue(context.Background(), traceKey{}, "trace-42")
	_, err := f.cache(t).Get(ctx, alice)
	require.NoError(t, err)
	assert.Equal(t, "trace-42", <-seen)
}

// gate is a transport that holds every request until released, so that callers can be lined up
// behind one call deterministically. It counts the requests and remembers, per request, whether
// it was cancelled rather than released.
type gate struct {
	base      http.RoundTripper
	release   chan struct{}
	arrivals  chan struct{} // a token per request that reached the gate
	inFlight  sync.WaitGroup
	mu        sync.Mutex
	cancelled []bool
}

// newGatedCache is a cache whose calls to Reeflow wait at a gate. Its page-view budget is long
// enough never to end a call that waits at the gate while a test lines callers up.
func newGatedCache(t *testing.T, opts ...embedding.Option) (*fixture, *gate, *embedding.Cache) {
	t.Helper()
	f := newFixture(t)
	g := &gate{base: f.srv.HTTPClient().Transport, release: make(chan struct{}), arrivals: make(chan struct{}, 1000)}
	client := f.srv.Client(reeflow.WithMaxRetries(0), reeflow.WithHTTPClient(&http.Client{Transport: g}))
	return f, g, newCache(t, client, f.clock, append([]embedding.Option{embedding.WithPageViewBudget(time.Hour)}, opts...)...)
}

func (g *gate) RoundTrip(req *http.Request) (*http.Response, error) {
	g.inFlight.Add(1)
	defer g.inFlight.Done()
	g.mu.Lock()
	i := len(g.cancelled)
	g.cancelled = append(g.cancelled, false)
	g.mu.Unlock()
	g.arrivals <- struct{}{}
	select {
	case <-g.release:
	case <-req.Context().Done():
	}
	// A request can arrive after the gate opened, already cancelled: the context decides.
	if err := req.Context().Err(); err != nil {
		g.mu.Lock()
		g.cancelled[i] = true
		g.mu.Unlock()
		return nil, err
	}
	return g.base.RoundTrip(req)
}

func (g *gate) open() { close(g.release) }

// requests waits for the requests under way, and reports, per request, whether it was cancelled.
func (g *gate) requests(t *testing.T) (cancelled []bool) {
	t.Helper()
	idle := make(chan struct{})
	go func() { g.inFlight.Wait(); close(idle) }()
	recv(t, idle, "the end of the requests under way")
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]bool(nil), g.cancelled...)
}

// TestCacheStampede has 200 callers ask for the same user's first token at once: all of them
// wait for one call, and get its token.
func TestCacheStampede(t *testing.T) {
	t.Parallel()
	const callers = 200
	f, g, cache := newGatedCache(t)

	sessions := make([]*reeflow.Session, callers)
	errs := make([]error, callers)
	var done sync.WaitGroup
	for i := range callers {
		done.Go(func() { sessions[i], errs[i] = cache.Get(context.Background(), alice) })
	}
	awaitWaiters(t, cache, alice, callers)
	g.open()
	done.Wait()
	distinct := map[*reeflow.Session]bool{}
	for i := range callers {
		require.NoError(t, errs[i])
		require.Equal(t, sessions[0].Token, sessions[i].Token)
		distinct[sessions[i]] = true
	}
	assert.Len(t, distinct, callers, "each caller gets its own copy, which it may change")
	assert.Len(t, g.requests(t), 1, "one call for 200 callers")
	assert.Equal(t, 1, f.minted())
}

func TestCacheErrorsReachEveryWaiterAndAreNotCached(t *testing.T) {
	t.Parallel()
	const callers = 10
	f, g, cache := newGatedCache(t)
	f.srv.FailNext(1, http.StatusInternalServerError, 0)

	errs := make([]error, callers)
	var done sync.WaitGroup
	for i := range callers {
		done.Go(func() { _, errs[i] = cache.Get(context.Background(), alice) })
	}
	awaitWaiters(t, cache, alice, callers)
	g.open()
	done.Wait()
	for _, err := range errs {
		require.ErrorIs(t, err, reeflow.ErrServer)
		var apiErr *reeflow.APIError
		require.ErrorAs(t, err, &apiErr)
		assert.Equal(t, http.StatusInternalServerError, apiErr.StatusCode)
	}
	assert.Len(t, g.requests(t), 1, "one failed call for all of them")

	sess, err := cache.Get(context.Background(), alice)
	require.NoError(t, err, "the error was not cached")
	assert.NotEmpty(t, sess.Token)
	assert.Equal(t, 2, f.minted())
}

// TestCacheWaiterLeavesEarly: the caller that started the call gives up; the call goes on for
// the other caller, uncancelled.
func TestCacheWaiterLeavesEarly(t *testing.T) {
	t.Parallel()
	f, g, cache := newGatedCache(t)

	leaderCtx, cancelLeader := context.WithCancel(context.Background())
	leader := make(chan error, 1)
	go func() { _, err := cache.Get(leaderCtx, alice); leader <- err }()
	awaitWaiters(t, cache, alice, 1)
	recv(t, g.arrivals, "the shared call") // under way
	other := make(chan result, 1)
	go func() { sess, err := cache.Get(context.Background(), alice); other <- result{sess, err} }()
	awaitWaiters(t, cache, alice, 2)

	cancelLeader()
	err := recv(t, leader, "the leader's return")
	require.ErrorIs(t, err, context.Canceled, "the leader returns as soon as its context ends")
	assert.ErrorContains(t, err, "embedding: waiting for a session token")
	select {
	case <-other:
		t.Fatal("the other caller returned before the call was answered")
	default:
	}

	g.open()
	got := recv(t, other, "the other caller's return")
	require.NoError(t, got.err, "the other caller got the token")
	assert.NotEmpty(t, got.sess.Token)
	assert.Equal(t, []bool{false}, g.requests(t), "one call, not cancelled with the leader")
	assert.Equal(t, 1, f.minted())
}

// TestCacheCallIsCancelledWhenEveryWaiterLeft: nobody wants the token any more, so the call is
// cancelled, and the next caller starts a fresh one rather than joining it.
func TestCacheCallIsCancelledWhenEveryWaiterLeft(t *testing.T) {
	t.Parallel()
	_, g, cache := newGatedCache(t)

	ctx, cancel := context.WithCancel(context.Background())
	gone := make(chan error, 1)
	go func() { _, err := cache.Get(ctx, alice); gone <- err }()
	awaitWaiters(t, cache, alice, 1)
	recv(t, g.arrivals, "the call") // under way
	cancel()
	require.ErrorIs(t, recv(t, gone, "the caller's return"), context.Canceled)

	next := make(chan result, 1)
	go func() { sess, err := cache.Get(context.Background(), alice); next <- result{sess, err} }()
	awaitWaiters(t, cache, alice, 1)
	g.open()
	got := recv(t, next, "the next caller's return")
	require.NoError(t, got.err)
	assert.NotEmpty(t, got.sess.Token)
	assert.Equal(t, []bool{true, false}, g.requests(t), "the abandoned call was cancelled, and the next caller did not join it")
}

// TestCacheKeepsNoReferenceToTheCallersMaps: a caller that leaves may change its attribute maps
// while the call it started goes on for others. Under -race, reading them from the call would
// be reported.
func TestCacheKeepsNoReferenceToTheCallersMaps(t *testing.T) {
	t.Parallel()
	f, g, cache := newGatedCache(t)
	mine := reeflow.CreateSessionParams{UserID: "alice", UserAttributes: reeflow.Attributes{"region": "eu"}}

	ctx, cancel := context.WithCancel(context.Background())
	leader := make(chan error, 1)
	go func() { _, err := cache.Get(ctx, mine); leader <- err }()
	awaitWaiters(t, cache, mine, 1)
	other := make(chan result, 1)
	go func() {
		sess, err := cache.Get(context.Background(), reeflow.CreateSessionParams{UserID: "alice", UserAttributes: reeflow.Attributes{"region": "eu"}})
		other <- result{sess, err}
	}()
	awaitWaiters(t, cache, mine, 2)
	cancel()
	require.ErrorIs(t, recv(t, leader, "the leader's return"), context.Canceled)
	mine.UserAttributes["region"] = "us" // the leader's map, reused for its next request

	g.open()
	got := recv(t, other, "the other caller's return")
	require.NoError(t, got.err)
	claims, err := f.srv.ParseSessionToken(got.sess.Token)
	require.NoError(t, err)
	assert.Equal(t, map[string]any{"region": "eu"}, claims.UserAttributes)
}

func TestCacheEvictsTheLeastRecentlyUsed(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	cache := f.cache(t, embedding.WithMaxCachedSessions(2))
	user := func(id string) reeflow.CreateSessionParams { return reeflow.CreateSessionParams{UserID: id} }

	u1 := get(t, cache, user("u1")).Token
	get(t, cache, user("u2"))
	assert.Equal(t, u1, get(t, cache, user("u1")).Token, "u1 is now the most recently used")
	get(t, cache, user("u3")) // evicts u2
	assert.Equal(t, 3, f.minted())
	assert.Equal(t, 2, embedding.CachedForTest(cache))

	assert.Equal(t, u1, get(t, cache, user("u1")).Token, "u1 stayed")
	assert.Equal(t, 3, f.minted())
	get(t, cache, user("u2"))
	assert.Equal(t, 4, f.minted(), "u2 was evicted")
	assert.Equal(t, 2, embedding.CachedForTest(cache))
}

func TestCacheDropsExpiredTokens(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	cache := f.cache(t)
	for i := range 5 {
		get(t, cache, reeflow.CreateSessionParams{UserID: fmt.Sprint("u", i)})
	}
	assert.Equal(t, 5, embedding.CachedForTest(cache))
	f.clock.Advance(time.Hour)
	get(t, cache, reeflow.CreateSessionParams{UserID: "late"})
	assert.Equal(t, 1, embedding.CachedForTest(cache), "the five expired tokens are gone")

	get(t, cache, reeflow.CreateSessionParams{UserID: "u0"})
	assert.Equal(t, 2, embedding.CachedForTest(cache))
	assert.Equal(t, 7, f.minted())
}

func TestCacheRefusesBadParams(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	cache := f.cache(t)
	for name, tc := range map[string]struct {
		p    reeflow.CreateSessionParams
		want string
	}{
		"expiration":                 {reeflow.CreateSessionParams{UserID: "u", Expiration: f.clock.Now().Add(time.Hour)}, "the cache chooses Expiration and NotBefore"},
		"not before":                 {reeflow.CreateSessionParams{UserID: "u", NotBefore: f.clock.Now()}, "the cache chooses Expiration and NotBefore"},
		"no user":                    {reeflow.CreateSessionParams{}, "UserID is empty"},
		"bad value":                  {reeflow.CreateSessionParams{UserID: "u", UserAttributes: reeflow.Attributes{"x": []int{1}}}, `user attribute "x": value is a []int`},
		"case twins":                 {reeflow.CreateSessionParams{UserID: "u", UserAttributes: reeflow.Attributes{"X": 1, "x": 1}}, "differ only by case"},
		"org attributes without org": {reeflow.CreateSessionParams{UserID: "u", OrganizationAttributes: reeflow.Attributes{"x": 1}}, "OrganizationID is empty"},
	} {
		_, err := cache.Get(context.Background(), tc.p)
		require.ErrorIs(t, err, embedding.ErrInvalidSessionParams, name)
		assert.ErrorContains(t, err, "embedding: invalid session parameters: ", name)
		assert.ErrorContains(t, err, tc.want, name)
	}
	assert.Zero(t, f.minted(), "nothing was sent")
}

func TestCacheGetOnACacheNotFromNewCache(t *testing.T) {
	t.Parallel()
	for name, cache := range map[string]*embedding.Cache{"nil": nil, "zero": {}} {
		var err error
		require.NotPanics(t, func() { _, err = cache.Get(context.Background(), alice) }, name)
		assert.EqualError(t, err, "embedding: Cache.Get: the cache was not created with NewCache", name)
	}
}

// TestCachePrintsNoToken fills a cache and prints it every way fmt and slog print a value.
func TestCachePrintsNoToken(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	cache := f.cache(t)
	const secretValue = "CANARYVALUE-4f1c"
	sess := get(t, cache, reeflow.CreateSessionParams{UserID: "u", UserAttributes: reeflow.Attributes{"tenant": secretValue}})

	var out bytes.Buffer
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x"} {
		fmt.Fprintf(&out, verb+"\n", cache)
		fmt.Fprintf(&out, verb+"\n", struct{ Field any }{cache})
	}
	slog.New(slog.NewTextHandler(&out, nil)).Info("cache", "cache", cache)
	slog.New(slog.NewJSONHandler(&out, nil)).Info("cache", "cache", cache)
	assert.NotContains(t, out.String(), sess.Token)
	assert.NotContains(t, out.String(), secretValue)
	assert.Contains(t, out.String(), "embedding.Cache{Cached:1 Max:10000 RefreshMargin:5m0s}")
}

// TestCachePrintedWhileInUse: printing a cache while requests use it is safe (under -race, a
// read of its fields without its lock would be reported).
func TestCachePrintedWhileInUse(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	cache := f.cache(t)
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := range 20 {
			if _, err := cache.Get(context.Background(), reeflow.CreateSessionParams{UserID: fmt.Sprint("u", i)}); err != nil {
				t.Error(err)
			}
		}
	})
	for range 200 {
		_ = fmt.Sprintf("%+v", cache)
	}
	wg.Wait()
	assert.Equal(t, "embedding.Cache{Cached:20 Max:10000 RefreshMargin:5m0s}", fmt.Sprint(cache))
}

// TestCachePageViews: 1,000 page views from 50 users, spread at random over an hour, cost at
// most 2 tokens per user (one, and its renewal 5 minutes before it expires) where minting a
// token per page view would cost 1,000.
func TestCachePageViews(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	cache := f.cache(t)
	users := map[string]bool{}
	for _, view := range simulatedPageViews() {
		f.clock.Advance(view.wait)
		get(t, cache, view.params)
		users[view.params.UserID] = true
	}
	require.Len(t, users, 50)
	assert.LessOrEqual(t, f.minted(), 100)
	assert.GreaterOrEqual(t, f.minted(), 50, "every user needed one")
	t.Logf("1,000 page views from 50 users over an hour: %d POST /sessions", f.minted())
}

type pageView struct {
	wait   time.Duration // since the previous view
	params reeflow.CreateSessionParams
}

// simulatedPageViews returns 1,000 page views at random times within an hour, each from one of
// 50 users (some busier than others), always the same ones.
func simulatedPageViews() []pageView {
	const views, users = 1000, 50
	rng := rand.New(rand.NewPCG(14, 2026)) //nolint:gosec // a reproducible simulation, not a secret
	at := make([]time.Duration, views)
	for i := range at {
		at[i] = time.Duration(rng.Int64N(int64(time.Hour)))
	}
	sort.Slice(at, func(i, j int) bool { return at[i] < at[j] })
	out := make([]pageView, views)
	var last time.Duration
	for i, t := range at {
		u := rng.IntN(users)
		if rng.IntN(2) == 0 {
			u = rng.IntN(5) // half of the views come from 5 busy users
		}
		out[i] = pageView{wait: t - last, params: reeflow.CreateSessionParams{
			UserID: fmt.Sprint("user_", u), OrganizationID: fmt.Sprint("org_", u%7),
			UserAttributes: reeflow.Attributes{"region": []string{"eu", "us"}[u%2], "level": u % 3},
		}}
		last = t
	}
	return out
}

// TestCacheMintsWithTheAttributesOfTheKey: the caller that started a call leaves and reuses its
// map for the next user; the call goes on for another caller, and must mint what the key says:
// the token stored under the viewer's key must be a viewer's. The call goes past its first step
// (the store's lease, held back here) only after the map changed, so a call that read the
// caller's map would mint an admin's token under the viewer's key (and, under -race, be
// reported).
func TestCacheMintsWithTheAttributesOfTheKey(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	st := newFakeStore(f.clock.Now)
	st.leaseGate = make(chan struct{})
	cache := f.cache(t, embedding.WithStore(st), embedding.WithPageViewBudget(time.Hour))
	viewer := reeflow.CreateSessionParams{UserID: "alice", UserAttributes: reeflow.Attributes{"role": "viewer"}}

	ctx, cancel := context.WithCancel(context.Background())
	leader := make(chan error, 1)
	go func() { _, err := cache.Get(ctx, viewer); leader <- err }()
	awaitWaiters(t, cache, viewer, 1)
	other := make(chan result, 1)
	go func() {
		sess, err := cache.Get(context.Background(), reeflow.CreateSessionParams{UserID: "alice", UserAttributes: reeflow.Attributes{"role": "viewer"}})
		other <- result{sess, err}
	}()
	awaitWaiters(t, cache, viewer, 2)
	cancel()
	require.ErrorIs(t, recv(t, leader, "the leader's return"), context.Canceled)
	viewer.UserAttributes["role"] = "admin" // the leader's map, reused for the next user

	close(st.leaseGate)
	got := recv(t, other, "the other caller's return")
	require.NoError(t, got.err)
	claims, err := f.srv.ParseSessionToken(got.sess.Token)
	require.NoError(t, err)
	assert.Equal(t, map[string]any{"role": "viewer"}, claims.UserAttributes)
	again := get(t, cache, reeflow.CreateSessionParams{UserID: "alice", UserAttributes: reeflow.Attributes{"role": "viewer"}})
	assert.Equal(t, got.sess.Token, again.Token, "the viewer's token is stored under the viewer's key")
	assert.Equal(t, 1, f.minted())
}

// TestCachePanicWhileMintingIsAnErrorForEveryWaiter: a panic in the cache's own goroutine (here
// in a request editor) would kill the server, since net/http's recovery does not reach it. Every
// waiter gets an error naming the panic without its value, which may hold a secret, and the
// panic is logged.
func TestCachePanicWhileMintingIsAnErrorForEveryWaiter(t *testing.T) {
	t.Parallel()
	const secret = "CANARYSECRET-77"
	release := make(chan struct{})
	f := newFixture(t)
	client := f.srv.Client(reeflow.WithMaxRetries(0), reeflow.WithRequestEditor(func(context.Context, *http.Request) error {
		<-release
		panic(errors.New("credentials " + secret))
	}))
	sink := &testlog.Sink{}
	cache := newCache(t, client, f.clock, embedding.WithLogger(sink.Logger()), embedding.WithPageViewBudget(time.Hour))

	const callers = 5
	errs := make(chan error, callers)
	for range callers {
		go func() { _, err := cache.Get(context.Background(), alice); errs <- err }()
	}
	awaitWaiters(t, cache, alice, callers)
	close(release)
	for range callers {
		err := recv(t, errs, "a waiter's return")
		require.EqualError(t, err, "embedding: minting a session token panicked: *errors.errorString")
	}
	assert.Contains(t, sink.String(), `"level":"ERROR","msg":"embedding: minting a session token panicked"`)
	assert.Contains(t, sink.String(), `"stack":"goroutine`)
	assert.NotContains(t, sink.String(), secret)

	_, err := cache.Get(context.Background(), reeflow.CreateSessionParams{UserID: "u", UserAttributes: reeflow.Attributes{"x": []int{1}}})
	require.ErrorIs(t, err, embedding.ErrInvalidSessionParams, "the cache still works")
}

// TestCacheRuntimePanicIsNamed: a runtime error's message holds no data, and says what broke.
func TestCacheRuntimePanicIsNamed(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	client := f.srv.Client(reeflow.WithMaxRetries(0), reeflow.WithRequestEditor(func(context.Context, *http.Request) error {
		var s []int
		_ = s[len(s)] // index out of range
		return nil
	}))
	_, err := newCache(t, client, f.clock, embedding.WithLogger(nil)).Get(context.Background(), alice)
	assert.EqualError(t, err, "embedding: minting a session token panicked: runtime error: index out of range [0] with length 0")
}

// TestCacheJudgesTokensByReeflowsClock: expires_at is Reeflow's time. With the local clock 10
// minutes behind Reeflow's, a token compared with the local clock would be handed out for 10
// minutes past its refresh time, the last 5 of them expired.
func TestCacheJudgesTokensByReeflowsClock(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	const ahead = 10 * time.Minute
	reeflowNow := func() time.Time { return f.clock.Now().Add(ahead) }
	f.srv.SetClock(reeflowNow)
	cache := f.cache(t)

	first := get(t, cache, alice)
	require.Equal(t, reeflowNow().Add(time.Hour), first.ExpiresAt)
	f.clock.Advance(55*time.Minute - dateSecond - time.Second)
	assert.Equal(t, first.Token, get(t, cache, alice).Token, "5 minutes and 2 s left by Reeflow's clock")
	f.clock.Advance(time.Second)
	renewed := get(t, cache, alice)
	assert.NotEqual(t, first.Token, renewed.Token, "5 minutes and 1 s left by Reeflow's clock (15 by the local one): a new token")
	assert.Equal(t, reeflowNow().Add(time.Hour), renewed.ExpiresAt)
	assert.Equal(t, 2, f.minted())
}

// TestCacheCallsStayWithinTheBudget: a call to Reeflow that does not answer ends with the
// page-view budget, even for a caller that would wait for ever.
func TestCacheCallsStayWithinTheBudget(t *testing.T) {
	t.Parallel()
	_, g, cache := newGatedCache(t, embedding.WithPageViewBudget(50*time.Millisecond))
	done := make(chan error, 1)
	go func() { _, err := cache.Get(context.Background(), alice); done <- err }()
	err := recv(t, done, "the end of the budget")
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Equal(t, []bool{true}, g.requests(t), "the call was cancelled")
}

// TestCacheRateLimitedIsNotWaitedFor: by default a Cache does not retry, so a 429 with a
// Retry-After of seconds reaches the caller at once, with Reeflow's Retry-After, instead of
// spending the page view waiting. The client's own retries do not apply to the cache's calls.
func TestCacheRateLimitedIsNotWaitedFor(t *testing.T) {
	t.Parallel()
	f := newFixture(t, reeflow.WithMaxRetries(3))
	f.srv.FailNext(1, http.StatusTooManyRequests, time.Hour)
	_, err := f.cache(t).Get(context.Background(), alice)
	require.ErrorIs(t, err, reeflow.ErrRateLimited)
	assert.NotErrorIs(t, err, context.DeadlineExceeded, "the page-view budget was not spent waiting")
	var apiErr *reeflow.APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, time.Hour, apiErr.RetryAfter)
	assert.Equal(t, 1, f.minted(), "one call, no retry")
}

// TestCacheMaxRetries: the cache's calls are retried as WithMaxRetries says, whatever the
// client's own setting.
func TestCacheMaxRetries(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.srv.FailNext(1, http.StatusServiceUnavailable, time.Millisecond)
	sess, err := f.cache(t, embedding.WithMaxRetries(1)).Get(context.Background(), alice)
	require.NoError(t, err, "retried once")
	assert.NotEmpty(t, sess.Token)
	assert.Equal(t, 2, f.minted())
}

// TestCacheIgnoresADateFarFromTheLocalClock: one answer whose Date is hours off (a proxy's, a
// forged one) neither dates the Expiration of later calls (Reeflow would refuse them all) nor
// holds its token past its life.
func TestCacheIgnoresADateFarFromTheLocalClock(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	cache := f.cache(t, embedding.WithSessionLifetime(time.Hour))
	f.srv.SetClock(func() time.Time { return f.clock.Now().Add(-2 * time.Hour) })
	first := get(t, cache, alice)
	f.srv.SetClock(f.clock.Now)

	_, err := cache.Get(context.Background(), reeflow.CreateSessionParams{UserID: "bob"})
	require.NoError(t, err, "the next Expiration is dated by a sane clock")
	f.clock.Advance(56 * time.Minute)
	assert.NotEqual(t, first.Token, get(t, cache, alice).Token, "the token was held for its life, not two hours more")
}

// TestCacheRefusesAnExpiredToken: a token that had expired when Reeflow sent it (expires_at not
// after its Date) is an error, not a 200 the page cannot use, and is never kept.
func TestCacheRefusesAnExpiredToken(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.srv.Handle(http.MethodPost, "/sessions", http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		now := f.clock.Now()
		w.Header().Set("Date", now.UTC().Format(http.TimeFormat))
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		_, _ = fmt.Fprintf(w, `{"token":"tok","expires_at":%q}`, now.Add(-time.Minute).UTC().Format(time.RFC3339))
	}))
	cache := f.cache(t)
	_, err := cache.Get(context.Background(), alice)
	require.ErrorContains(t, err, "session token had expired when it was sent")
	_, err = cache.Get(context.Background(), alice)
	require.Error(t, err, "nothing was kept")
}

// TestCacheWithALocalClockFarOff: a local clock far from Reeflow's (beyond the bound a Date is
// learned within) neither serves a token past its life nor fails the page view: the token, good
// by Reeflow's own Date and expires_at, is handed out and not kept.
func TestCacheWithALocalClockFarOff(t *testing.T) {
	t.Parallel()
	for name, off := range map[string]time.Duration{"local clock 30 min behind": 30 * time.Minute, "local clock 2 h ahead": -2 * time.Hour} {
		f := newFixture(t)
		f.srv.SetClock(func() time.Time { return f.clock.Now().Add(off) })
		cache := f.cache(t, embedding.WithLogger(nil))
		get(t, cache, alice)
		get(t, cache, alice)
		assert.Equal(t, 2, f.minted(), name+": each token handed out once, none kept")
	}
}

// TestStoreEntryBoundsTheStoresTTL: a store whose countdown is longer than the entry's own life
// (a coarse or wrong store) does not make the cache hand out the token once it has expired.
func TestStoreEntryBoundsTheStoresTTL(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	st := newFakeStore(f.clock.Now)
	minted := reeflow.Session{Token: "stored-token", ExpiresAt: f.clock.Now().Add(10 * time.Minute)}
	st.put(embedding.StoreKeyForTest(alice), embedding.EncodeEntryForTest(alice, minted, f.clock.Now()), time.Hour)
	cache := f.cache(t, embedding.WithStore(st), embedding.WithLogger(nil))
	assert.Equal(t, "stored-token", get(t, cache, alice).Token)
	f.clock.Advance(11 * time.Minute) // expired a minute ago; the store says 49 minutes are left
	assert.NotEqual(t, "stored-token", get(t, cache, alice).Token)
	assert.Equal(t, 1, f.minted())
}

// TestCacheDoesNotKeepATokenWithAnImpossibleLife: a token that would last longer than Reeflow
// ever lets one last, by the local clock, is handed out once and not kept.
func TestCacheDoesNotKeepATokenWithAnImpossibleLife(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	cache := f.cache(t)
	f.srv.SetClock(func() time.Time { return f.clock.Now().Add(48 * time.Hour) })
	get(t, cache, alice)
	get(t, cache, alice)
	assert.Equal(t, 2, f.minted())
}
