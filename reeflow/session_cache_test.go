package reeflow_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/reeflow/reeflow-go/reeflow"
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

// requestCounter is an slog.Handler for the fake's request log that counts POST /sessions: the
// number of tokens Reeflow would have minted.
type requestCounter struct{ sessions atomic.Int64 }

func (c *requestCounter) Enabled(context.Context, slog.Level) bool { return true }
func (c *requestCounter) WithAttrs([]slog.Attr) slog.Handler       { return c }
func (c *requestCounter) WithGroup(string) slog.Handler            { return c }
func (c *requestCounter) Handle(_ context.Context, r slog.Record) error {
	var method, path string
	r.Attrs(func(a slog.Attr) bool {
		switch a.Key {
		case "method":
			method = a.Value.String()
		case "path":
			path = a.Value.String()
		}
		return true
	})
	if method == http.MethodPost && path == "/sessions" {
		c.sessions.Add(1)
	}
	return nil
}

// cacheFixture is a fake Reeflow on a simulated clock, a client for it, and a way to count the
// tokens it minted.
type cacheFixture struct {
	srv     *reeflowtest.Server
	client  *reeflow.Client
	clock   *simClock
	counter *requestCounter
}

func newCacheFixture(t testing.TB, clientOpts ...reeflow.Option) *cacheFixture {
	t.Helper()
	f := &cacheFixture{clock: newSimClock(), counter: &requestCounter{}}
	f.srv = reeflowtest.NewServer(t, reeflowtest.WithLogger(slog.New(f.counter)))
	f.srv.SetClock(f.clock.Now)
	f.client = f.srv.Client(append([]reeflow.Option{reeflow.WithMaxRetries(0)}, clientOpts...)...)
	t.Cleanup(f.client.CloseIdleConnections)
	return f
}

func (f *cacheFixture) cache(opts ...reeflow.SessionCacheOption) *reeflow.SessionCache {
	return reeflow.NewSessionCache(f.client.Sessions, append([]reeflow.SessionCacheOption{reeflow.WithCacheClock(f.clock.Now)}, opts...)...)
}

func (f *cacheFixture) minted() int { return int(f.counter.sessions.Load()) }

// get calls cache.Get and fails the test on an error.
func get(t *testing.T, cache *reeflow.SessionCache, p reeflow.CreateSessionParams) *reeflow.Session {
	t.Helper()
	sess, err := cache.Get(context.Background(), p)
	require.NoError(t, err)
	return sess
}

type result struct {
	sess *reeflow.Session
	err  error
}

// getAsync calls cache.Get for a goroutine, which must not fail the test itself.
func getAsync(cache *reeflow.SessionCache, p reeflow.CreateSessionParams) result {
	sess, err := cache.Get(context.Background(), p)
	return result{sess, err}
}

var alice = reeflow.CreateSessionParams{UserID: "alice", OrganizationID: "acme", UserAttributes: reeflow.Attributes{"region": "eu"}}

func TestSessionCacheReusesATokenUntilTheRefreshMargin(t *testing.T) {
	t.Parallel()
	f := newCacheFixture(t)
	cache := f.cache()

	first := get(t, cache, alice)
	assert.Equal(t, f.clock.Now().Add(time.Hour), first.ExpiresAt, "Reeflow's default lifetime")
	f.clock.Advance(55*time.Minute - time.Second)
	again := get(t, cache, alice)
	assert.Equal(t, first.Token, again.Token, "still valid for more than the 5-minute margin")
	assert.Equal(t, 1, f.minted())

	f.clock.Advance(time.Second)
	renewed := get(t, cache, alice)
	assert.NotEqual(t, first.Token, renewed.Token, "5 minutes left: a new token")
	assert.Equal(t, f.clock.Now().Add(time.Hour), renewed.ExpiresAt)
	assert.Equal(t, 2, f.minted())

	hit := get(t, cache, alice)
	hit.Token = "changed by the caller"
	assert.Equal(t, renewed.Token, get(t, cache, alice).Token, "each caller gets its own copy")
	assert.Equal(t, 2, f.minted())
}

func TestSessionCacheRefreshMarginIsCappedAtHalfTheLifetime(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		opts     []reeflow.SessionCacheOption
		reuseFor time.Duration
	}{
		{"40-minute margin on 1-hour tokens", []reeflow.SessionCacheOption{reeflow.WithRefreshMargin(40 * time.Minute)}, 30 * time.Minute},
		{"1-minute margin", []reeflow.SessionCacheOption{reeflow.WithRefreshMargin(time.Minute)}, 59 * time.Minute},
		{"6-minute tokens, default margin", []reeflow.SessionCacheOption{reeflow.WithSessionLifetime(6 * time.Minute)}, 3 * time.Minute},
		{"24-hour tokens", []reeflow.SessionCacheOption{reeflow.WithSessionLifetime(24 * time.Hour)}, 24*time.Hour - 5*time.Minute},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newCacheFixture(t)
			cache := f.cache(tc.opts...)
			first := get(t, cache, alice)
			f.clock.Advance(tc.reuseFor - time.Second)
			assert.Equal(t, first.Token, get(t, cache, alice).Token)
			f.clock.Advance(time.Second)
			assert.NotEqual(t, first.Token, get(t, cache, alice).Token)
			assert.Equal(t, 2, f.minted())
		})
	}
}

func TestSessionCacheLifetimeReachesReeflow(t *testing.T) {
	t.Parallel()
	f := newCacheFixture(t)
	sess := get(t, f.cache(reeflow.WithSessionLifetime(90*time.Minute)), alice)
	assert.Equal(t, f.clock.Now().Add(90*time.Minute), sess.ExpiresAt)
	claims, err := f.srv.ParseSessionToken(sess.Token)
	require.NoError(t, err)
	assert.Equal(t, f.clock.Now().Add(90*time.Minute), claims.ExpiresAt)
}

// TestSessionCacheCallKeepsTheCallersContextValues: the shared call runs on its own context,
// but with the first caller's values (a trace ID, say), which request editors and transports see.
func TestSessionCacheCallKeepsTheCallersContextValues(t *testing.T) {
	t.Parallel()
	type traceKey struct{}
	seen := make(chan any, 1)
	f := newCacheFixture(t, reeflow.WithRequestEditor(func(ctx context.Context, _ *http.Request) error {
		seen <- ctx.Value(traceKey{})
		return nil
	}))
	ctx := context.WithValue(context.Background(), traceKey{}, "trace-42")
	_, err := f.cache().Get(ctx, alice)
	require.NoError(t, err)
	assert.Equal(t, "trace-42", <-seen)
}

// TestSessionCacheKeys checks that tokens are shared exactly between equal subjects: the same
// attributes in another map, or the same number in another Go type, share; anything that
// changes the token does not. Every token handed out carries its own caller's claims.
func TestSessionCacheKeys(t *testing.T) {
	t.Parallel()
	f := newCacheFixture(t)
	cache := f.cache()
	base := reeflow.CreateSessionParams{UserID: "u1", OrganizationID: "o1",
		UserAttributes: reeflow.Attributes{"level": 1, "region": "eu", "admin": true}}
	baseToken := get(t, cache, base).Token

	same := map[string]reeflow.CreateSessionParams{
		"attributes built in another order": {UserID: "u1", OrganizationID: "o1",
			UserAttributes: func() reeflow.Attributes {
				a := reeflow.Attributes{}
				a["admin"], a["region"], a["level"] = true, "eu", 1
				return a
			}()},
		"float64 1.0 for int 1": {UserID: "u1", OrganizationID: "o1", UserAttributes: reeflow.Attributes{"level": 1.0, "region": "eu", "admin": true}},
		"uint8 1":               {UserID: "u1", OrganizationID: "o1", UserAttributes: reeflow.Attributes{"level": uint8(1), "region": "eu", "admin": true}},
		"json.Number 1.0":       {UserID: "u1", OrganizationID: "o1", UserAttributes: reeflow.Attributes{"level": json.Number("1.0"), "region": "eu", "admin": true}},
		"named string type":     {UserID: "u1", OrganizationID: "o1", UserAttributes: reeflow.Attributes{"level": 1, "region": plan("eu"), "admin": true}},
	}
	for name, p := range same {
		assert.Equal(t, baseToken, get(t, cache, p).Token, name)
	}
	assert.Equal(t, 1, f.minted())

	different := map[string]reeflow.CreateSessionParams{
		"another user":               {UserID: "u2", OrganizationID: "o1", UserAttributes: base.UserAttributes},
		"another organization":       {UserID: "u1", OrganizationID: "o2", UserAttributes: base.UserAttributes},
		"no organization":            {UserID: "u1", UserAttributes: base.UserAttributes},
		"another value":              {UserID: "u1", OrganizationID: "o1", UserAttributes: reeflow.Attributes{"level": 2, "region": "eu", "admin": true}},
		"the string 1":               {UserID: "u1", OrganizationID: "o1", UserAttributes: reeflow.Attributes{"level": "1", "region": "eu", "admin": true}},
		"the bool true for 1":        {UserID: "u1", OrganizationID: "o1", UserAttributes: reeflow.Attributes{"level": true, "region": "eu", "admin": true}},
		"one attribute fewer":        {UserID: "u1", OrganizationID: "o1", UserAttributes: reeflow.Attributes{"level": 1, "region": "eu"}},
		"no attributes":              {UserID: "u1", OrganizationID: "o1"},
		"name case":                  {UserID: "u1", OrganizationID: "o1", UserAttributes: reeflow.Attributes{"Level": 1, "region": "eu", "admin": true}},
		"as organization attributes": {UserID: "u1", OrganizationID: "o1", OrganizationAttributes: base.UserAttributes},
		"IDs shifted between fields": {UserID: "u1o", OrganizationID: "1", UserAttributes: base.UserAttributes},
		"name and value shifted":     {UserID: "u1", OrganizationID: "o1", UserAttributes: reeflow.Attributes{"level": 1, "regio": "neu", "admin": true}},
		// Without a length before each ID, this organization ID would encode exactly as the
		// organization "x" followed by the attribute a=false.
		"attribute-like ID":  {UserID: "u1", OrganizationID: "x\x01\x01a\x02"},
		"attribute after ID": {UserID: "u1", OrganizationID: "x", UserAttributes: reeflow.Attributes{"a": false}},
	}
	tokens := map[string]string{baseToken: "base"}
	for name, p := range different {
		sess := get(t, cache, p)
		require.NotContains(t, tokens, sess.Token, "%s shares the token of %s", name, tokens[sess.Token])
		tokens[sess.Token] = name
		claims, err := f.srv.ParseSessionToken(sess.Token)
		require.NoError(t, err)
		assert.Equal(t, p.UserID, claims.UserID, name)
		assert.Equal(t, p.OrganizationID, claims.OrganizationID, name)
		assert.Len(t, claims.UserAttributes, len(p.UserAttributes), name)
		assert.Len(t, claims.OrganizationAttributes, len(p.OrganizationAttributes), name)
	}
	assert.Equal(t, 1+len(different), f.minted())
	assert.Equal(t, 1+len(different), reeflow.CachedSessionsForTest(cache))
}

// gate is a transport that holds every request until released, so that callers can be lined
// up behind one call deterministically. It counts the requests and remembers, per request,
// whether it was cancelled rather than released.
type gate struct {
	base      http.RoundTripper
	release   chan struct{}
	arrivals  chan struct{} // a token per request that reached the gate
	inFlight  sync.WaitGroup
	mu        sync.Mutex
	arrived   int
	cancelled []bool
}

// newGatedCache is a cache over a gated transport whose waiting channel receives once per caller
// that starts waiting for a shared call.
func newGatedCache(t *testing.T) (*cacheFixture, *gate, *reeflow.SessionCache, chan struct{}) {
	t.Helper()
	f := newCacheFixture(t)
	g, client := newGate(f)
	waiting := make(chan struct{}, 2)
	cache := reeflow.NewSessionCache(client.Sessions, reeflow.WithCacheClock(f.clock.Now),
		reeflow.WithWaitHookForTest(func() { waiting <- struct{}{} }))
	return f, g, cache, waiting
}

func newGate(f *cacheFixture) (*gate, *reeflow.Client) {
	g := &gate{base: f.srv.HTTPClient().Transport, release: make(chan struct{}), arrivals: make(chan struct{}, 1000)}
	return g, f.srv.Client(reeflow.WithMaxRetries(0), reeflow.WithHTTPClient(&http.Client{Transport: g}))
}

func (g *gate) RoundTrip(req *http.Request) (*http.Response, error) {
	g.inFlight.Add(1)
	defer g.inFlight.Done()
	g.mu.Lock()
	g.arrived++
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

func (g *gate) requests() (arrived int, cancelled []bool) {
	g.inFlight.Wait()
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.arrived, append([]bool(nil), g.cancelled...)
}

// TestSessionCacheStampede has 200 callers ask for the same user's first token at once: all
// of them wait for one call, and get its token.
func TestSessionCacheStampede(t *testing.T) {
	t.Parallel()
	const callers = 200
	f := newCacheFixture(t)
	g, client := newGate(f)
	var waiting sync.WaitGroup
	waiting.Add(callers)
	cache := reeflow.NewSessionCache(client.Sessions, reeflow.WithCacheClock(f.clock.Now), reeflow.WithWaitHookForTest(waiting.Done))
	go func() { waiting.Wait(); g.open() }()

	sessions := make([]*reeflow.Session, callers)
	errs := make([]error, callers)
	var done sync.WaitGroup
	for i := range callers {
		done.Go(func() { sessions[i], errs[i] = cache.Get(context.Background(), alice) })
	}
	done.Wait()
	distinct := map[*reeflow.Session]bool{}
	for i := range callers {
		require.NoError(t, errs[i])
		require.Equal(t, sessions[0].Token, sessions[i].Token)
		distinct[sessions[i]] = true
	}
	assert.Len(t, distinct, callers, "each caller gets its own copy, which it may change")
	arrived, _ := g.requests()
	assert.Equal(t, 1, arrived, "one call for 200 callers")
	assert.Equal(t, 1, f.minted())
}

func TestSessionCacheErrorsReachEveryWaiterAndAreNotCached(t *testing.T) {
	t.Parallel()
	const callers = 10
	f := newCacheFixture(t)
	g, client := newGate(f)
	var waiting sync.WaitGroup
	waiting.Add(callers)
	cache := reeflow.NewSessionCache(client.Sessions, reeflow.WithCacheClock(f.clock.Now), reeflow.WithWaitHookForTest(waiting.Done))
	go func() { waiting.Wait(); g.open() }()
	f.srv.FailNext(1, http.StatusInternalServerError, 0)

	errs := make([]error, callers)
	var done sync.WaitGroup
	for i := range callers {
		done.Go(func() { _, errs[i] = cache.Get(context.Background(), alice) })
	}
	done.Wait()
	for _, err := range errs {
		require.ErrorIs(t, err, reeflow.ErrServer)
		var apiErr *reeflow.APIError
		require.ErrorAs(t, err, &apiErr)
		assert.Equal(t, http.StatusInternalServerError, apiErr.StatusCode)
	}
	arrived, _ := g.requests()
	assert.Equal(t, 1, arrived, "one failed call for all of them")

	waiting.Add(1)
	sess, err := cache.Get(context.Background(), alice)
	require.NoError(t, err, "the error was not cached")
	assert.NotEmpty(t, sess.Token)
	assert.Equal(t, 2, f.minted())
}

// TestSessionCacheWaiterLeavesEarly: the caller that started the call gives up; the call goes
// on for the other caller, uncancelled.
func TestSessionCacheWaiterLeavesEarly(t *testing.T) {
	t.Parallel()
	f, g, cache, waiting := newGatedCache(t)

	leaderCtx, cancelLeader := context.WithCancel(context.Background())
	leader := make(chan error, 1)
	go func() { _, err := cache.Get(leaderCtx, alice); leader <- err }()
	<-waiting
	<-g.arrivals // the shared call is under way
	other := make(chan result, 1)
	go func() { other <- getAsync(cache, alice) }()
	<-waiting

	cancelLeader()
	err := <-leader
	require.ErrorIs(t, err, context.Canceled, "the leader returns as soon as its context ends")
	assert.ErrorContains(t, err, "reeflow: create session: waiting for a session token")
	select {
	case <-other:
		t.Fatal("the other caller returned before the call was answered")
	default:
	}

	g.open()
	got := <-other
	require.NoError(t, got.err, "the other caller got the token")
	assert.NotEmpty(t, got.sess.Token)
	arrived, cancelled := g.requests()
	assert.Equal(t, 1, arrived)
	assert.Equal(t, []bool{false}, cancelled, "the shared call was not cancelled with the leader")
	assert.Equal(t, 1, f.minted())
}

// TestSessionCacheCallIsCancelledWhenEveryWaiterLeft: nobody wants the token any more, so the
// call is cancelled, and the next caller starts a fresh one rather than joining it.
func TestSessionCacheCallIsCancelledWhenEveryWaiterLeft(t *testing.T) {
	t.Parallel()
	_, g, cache, waiting := newGatedCache(t)

	ctx, cancel := context.WithCancel(context.Background())
	gone := make(chan error, 1)
	go func() { _, err := cache.Get(ctx, alice); gone <- err }()
	<-waiting
	<-g.arrivals // the call is under way
	cancel()
	require.ErrorIs(t, <-gone, context.Canceled)

	next := make(chan result, 1)
	go func() { next <- getAsync(cache, alice) }()
	<-waiting
	g.open()
	got := <-next
	require.NoError(t, got.err)
	assert.NotEmpty(t, got.sess.Token)
	arrived, cancelled := g.requests()
	assert.Equal(t, 2, arrived, "the next caller did not join the abandoned call")
	assert.Equal(t, []bool{true, false}, cancelled, "the abandoned call was cancelled")
}

func TestSessionCacheEvictsTheLeastRecentlyUsed(t *testing.T) {
	t.Parallel()
	f := newCacheFixture(t)
	cache := f.cache(reeflow.WithMaxCachedSessions(2))
	user := func(id string) reeflow.CreateSessionParams { return reeflow.CreateSessionParams{UserID: id} }

	u1 := get(t, cache, user("u1")).Token
	get(t, cache, user("u2"))
	assert.Equal(t, u1, get(t, cache, user("u1")).Token, "u1 is now the most recently used")
	get(t, cache, user("u3")) // evicts u2
	assert.Equal(t, 3, f.minted())
	assert.Equal(t, 2, reeflow.CachedSessionsForTest(cache))

	assert.Equal(t, u1, get(t, cache, user("u1")).Token, "u1 stayed")
	assert.Equal(t, 3, f.minted())
	get(t, cache, user("u2"))
	assert.Equal(t, 4, f.minted(), "u2 was evicted")
	assert.Equal(t, 2, reeflow.CachedSessionsForTest(cache))
}

func TestSessionCacheDropsExpiredTokens(t *testing.T) {
	t.Parallel()
	f := newCacheFixture(t)
	cache := f.cache()
	for i := range 5 {
		get(t, cache, reeflow.CreateSessionParams{UserID: fmt.Sprint("u", i)})
	}
	assert.Equal(t, 5, reeflow.CachedSessionsForTest(cache))
	f.clock.Advance(55 * time.Minute)
	get(t, cache, reeflow.CreateSessionParams{UserID: "late"})
	assert.Equal(t, 1, reeflow.CachedSessionsForTest(cache), "the five tokens past their refresh time are gone")

	get(t, cache, reeflow.CreateSessionParams{UserID: "u0"})
	assert.Equal(t, 2, reeflow.CachedSessionsForTest(cache))
	assert.Equal(t, 7, f.minted())
}

func TestSessionCacheRefusesBadInput(t *testing.T) {
	t.Parallel()
	f := newCacheFixture(t)
	ctx := context.Background()
	for name, tc := range map[string]struct {
		cache *reeflow.SessionCache
		want  string
	}{
		"zero margin":       {f.cache(reeflow.WithRefreshMargin(0)), "reeflow: session cache: WithRefreshMargin: 0s is not positive"},
		"negative margin":   {f.cache(reeflow.WithRefreshMargin(-time.Minute)), "WithRefreshMargin: -1m0s is not positive"},
		"no entries":        {f.cache(reeflow.WithMaxCachedSessions(0)), "WithMaxCachedSessions: 0 is less than 1"},
		"lifetime too long": {f.cache(reeflow.WithSessionLifetime(25 * time.Hour)), "WithSessionLifetime: 25h0m0s is not between 0 and 24h"},
		"nil clock":         {reeflow.NewSessionCache(f.client.Sessions, reeflow.WithCacheClock(nil)), "WithCacheClock: nil clock"},
		"nil service":       {reeflow.NewSessionCache(nil), "nil SessionsService"},
		"zero value":        {&reeflow.SessionCache{}, "not created with NewSessionCache"},
	} {
		_, err := tc.cache.Get(ctx, alice)
		assert.ErrorContains(t, err, tc.want, name)
	}

	cache := f.cache()
	for name, p := range map[string]reeflow.CreateSessionParams{
		"expiration":                 {UserID: "u", Expiration: f.clock.Now().Add(time.Hour)},
		"not before":                 {UserID: "u", NotBefore: f.clock.Now()},
		"no user":                    {},
		"bad value":                  {UserID: "u", UserAttributes: reeflow.Attributes{"x": []int{1}}},
		"case twins":                 {UserID: "u", UserAttributes: reeflow.Attributes{"X": 1, "x": 1}},
		"org attributes without org": {UserID: "u", OrganizationAttributes: reeflow.Attributes{"x": 1}},
	} {
		_, err := cache.Get(ctx, p)
		assert.ErrorIs(t, err, reeflow.ErrInvalidSessionParams, name)
		assert.ErrorContains(t, err, "reeflow: create session: ", name)
	}
	//lint:ignore SA1012 a nil context is bad input the cache must refuse
	_, err := cache.Get(nil, alice) //nolint:staticcheck // a nil context is bad input the cache must refuse
	assert.ErrorContains(t, err, "nil context")
	assert.Zero(t, f.minted(), "nothing was sent")
}

// TestSessionCacheNeverPrintsATokenOrAttribute fills a cache and prints it every way.
func TestSessionCacheNeverPrintsATokenOrAttribute(t *testing.T) {
	t.Parallel()
	client, _ := newRecorder(t, reply(201, `{"token":"`+canaryToken+`","expires_at":"2099-01-01T00:00:00Z"}`))
	cache := reeflow.NewSessionCache(client.Sessions)
	sess, err := cache.Get(context.Background(), reeflow.CreateSessionParams{UserID: "u", UserAttributes: reeflow.Attributes{"tenant": canaryValue}})
	require.NoError(t, err)
	require.Equal(t, canaryToken, sess.Token)
	printed := printAll(t, cache, false)
	assertNoCanary(t, printed)
	assert.NotContains(t, printed, canaryValue)
	assert.Contains(t, printed, "reeflow.SessionCache{Cached:1 Max:10000 RefreshMargin:5m0s}")
}

// TestSessionCachePageViews: 1,000 page views from 50 users, spread at random over an hour,
// cost at most 2 tokens per user (one, and its renewal 5 minutes before it expires) where an
// uncached handler would mint 1,000.
func TestSessionCachePageViews(t *testing.T) {
	t.Parallel()
	f := newCacheFixture(t)
	cache := f.cache()
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
