package embedding

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/reeflow/reeflow-go/reeflow"
)

// Cache hands out embed session tokens and reuses each one while it stays valid, so that page
// views do not each cost a call to Reeflow. Tokens are shared between requests for the same
// user, organization and attributes (in any map order, with int 1 and float64 1.0 the same
// value, as on the wire), and only between those. It is safe for concurrent use.
//
//   - A cached token is returned while it stays valid for at least the refresh margin
//     (WithRefreshMargin, default 5 minutes, never more than half the token's lifetime). How
//     long that is comes from Reeflow alone (its Date header and the token's expiry), or from a
//     shared Store's countdown, never from comparing the local clock with Reeflow's; after that
//     a new one is minted.
//   - Concurrent requests for the same key share one call to Reeflow. A caller whose context
//     ends stops waiting at once; the call goes on for the others, and is cancelled only when
//     every caller waiting for it has gone. The call never runs longer than the page-view budget
//     (WithPageViewBudget, default 5 s), and it is not retried unless WithMaxRetries says so:
//     a rate-limited call fails at once, and the page can ask again.
//   - An error is returned to every caller that waited for the call, and is never cached: the
//     next Get tries again. A panic while minting (in a credentials provider, a request editor,
//     a transport, a log handler) is an error for every waiter, and is logged.
//   - Tokens are kept in this process's memory, at most WithMaxCachedSessions of them (default
//     10,000), the least recently used evicted first. WithStore adds a second tier that every
//     instance of an application shares, so that a fleet mints one token per user: a token
//     missing from memory is looked for there before it is minted. A Store that fails, stalls
//     past its context or panics is logged (once, until it answers again), left alone for a second, and bypassed: a page
//     view never fails because of it, and the token minted instead stays in memory.
//
// Create one per reeflow.Client with NewCache, and share it. Printing a Cache shows its size,
// never a token.
type Cache struct {
	sessions *reeflow.SessionsService
	memory   *memoryStore // the first tier, always there
	store    Store        // the shared second tier of WithStore, or nil
	now      func() time.Time
	margin   time.Duration
	lifetime time.Duration
	budget   time.Duration
	retries  reeflow.Option // WithMaxRetries, applied to each call
	logger   func() *slog.Logger

	// skew is Reeflow's clock minus ours, in nanoseconds, learned from the Date of the last
	// token minted: the remaining life of a token is measured by Reeflow's clock.
	skew atomic.Int64

	// storeFailedAt is the local time (Unix nanoseconds) of the store's last failure, or 0 once
	// it answered again: the store is left alone for storeRestInterval after it failed.
	storeFailedAt atomic.Int64

	mu      sync.Mutex
	flights map[cacheKey]*flight
}

// flight is one call to Reeflow shared by the callers that asked for the same key meanwhile.
type flight struct {
	done    chan struct{} // closed once session or err is set
	session reeflow.Session
	err     error
	waiters int // callers still waiting; guarded by Cache.mu
	cancel  context.CancelFunc
}

// NewCache returns a cache that mints tokens with s, usually client.Sessions. The options are
// WithRefreshMargin, WithSessionLifetime, WithMaxCachedSessions, WithStore, WithPageViewBudget,
// WithMaxRetries and WithLogger.
func NewCache(s *reeflow.SessionsService, opts ...Option) (*Cache, error) {
	switch {
	case s == nil:
		return nil, errors.New("embedding: NewCache: nil SessionsService: pass client.Sessions")
	case *s == (reeflow.SessionsService{}):
		return nil, errors.New("embedding: NewCache: zero SessionsService: pass client.Sessions of a client from reeflow.NewClient")
	}
	cfg, err := applyOptions(forCache, opts)
	if err != nil {
		return nil, fmt.Errorf("embedding: NewCache: %w", err)
	}
	c := &Cache{
		sessions: s,
		memory:   newMemoryStore(cfg.maxEntries),
		store:    cfg.store,
		now:      time.Now,
		margin:   cfg.margin,
		lifetime: cfg.lifetime,
		budget:   cfg.budget,
		// Not retried by default: a page view has a budget of seconds, and a Retry-After of
		// seconds would spend it waiting. The caller's options come after, so they win.
		retries: reeflow.WithMaxRetries(cfg.maxRetries),
		logger:  cfg.loggerFunc(),
		flights: map[cacheKey]*flight{},
	}
	return c, nil
}

// errNotFromNewCache is Get's error on a Cache that NewCache did not make: a bug in the program,
// which a Handler answers with 500, not with the 502 of a failure at Reeflow.
var errNotFromNewCache = errors.New("embedding: Cache.Get: the cache was not created with NewCache")

// Get returns a token for p: a cached one that stays valid for at least the refresh margin, or a
// new one from Reeflow. p must pass p.Validate, and its Expiration and NotBefore must be zero,
// since the cache chooses lifetimes (see WithSessionLifetime); otherwise the error matches
// ErrInvalidSessionParams and nothing is sent. Each caller gets its own copy of the Session. Its
// signature fits NewHandler's mint.
//
// Get reads p, its attribute maps included, only before it returns: the caller may reuse them
// at once, even when the call it started goes on for other callers.
func (c *Cache) Get(ctx context.Context, p reeflow.CreateSessionParams) (*reeflow.Session, error) {
	switch {
	case c == nil || c.flights == nil:
		return nil, errNotFromNewCache
	case ctx == nil: // the call's context would panic; bad input is an error here
		return nil, errors.New("embedding: Cache.Get: nil context")
	}
	// Memory holds only tokens minted for params that passed Validate, and keyOf gives no params
	// that Validate refuses the key of params it accepts (see keyOf): a memory hit needs no
	// Validate. A miss is checked in full before anything else, the shared store included, which
	// anyone may write in.
	if key, err := keyOf(p); err == nil && p.Expiration.IsZero() && p.NotBefore.IsZero() {
		if s, ok := c.memory.get(key); ok {
			return &s, nil
		}
	}
	key, err := cacheKeyOf(p)
	if err != nil {
		return nil, err
	}
	// The call may outlive this Get: it gets copies of the attribute maps, taken before Get
	// returns and the caller may change them, so the token minted has the attributes of the key.
	// Values are strings, bools and numbers (Validate refused anything else), so copying the maps
	// copies everything.
	p.UserAttributes = maps.Clone(p.UserAttributes)
	p.OrganizationAttributes = maps.Clone(p.OrganizationAttributes)

	c.mu.Lock()
	f := c.flights[key]
	if f == nil {
		// A call that ended between the look above and the lock kept its token in memory before
		// it left c.flights: take that rather than make another call.
		if s, ok := c.memory.get(key); ok {
			c.mu.Unlock()
			return &s, nil
		}
		f = c.startLocked(ctx, key, p)
	}
	f.waiters++
	c.mu.Unlock()
	return c.wait(ctx, key, f)
}

// cacheKeyOf checks p as Get takes it and returns its key.
func cacheKeyOf(p reeflow.CreateSessionParams) (cacheKey, error) {
	if !p.Expiration.IsZero() || !p.NotBefore.IsZero() {
		return cacheKey{}, fmt.Errorf("%w: the cache chooses Expiration and NotBefore (see WithSessionLifetime): leave them zero", ErrInvalidSessionParams)
	}
	if err := p.Validate(); err != nil {
		return cacheKey{}, fmt.Errorf("%w: %w", ErrInvalidSessionParams, err)
	}
	key, err := keyOf(p)
	if err != nil {
		return cacheKey{}, fmt.Errorf("%w: %w", ErrInvalidSessionParams, err)
	}
	return key, nil
}

// maxDateSkew bounds the offset between Reeflow's clock and the local one that a Cache learns
// from a Date header, as reeflow.WithMaxClockSkew's default does for HMAC signing.
const maxDateSkew = 15 * time.Minute

// reeflowNow is Reeflow's clock as this process last learned it: it dates the Expiration asked
// for, never a token's freshness.
func (c *Cache) reeflowNow() time.Time {
	return c.now().Add(time.Duration(c.skew.Load()))
}

// lookup returns key's token from the shared store, kept in memory for as long as the store's
// countdown says, if it may still be handed out. A value that is not an entry is logged and is a
// miss; a store that fails is an error, already logged.
func (c *Cache) lookup(ctx context.Context, key cacheKey, storeKey string) (reeflow.Session, bool, error) {
	sctx, cancel := c.storeContext(ctx)
	defer cancel()
	b, ttl, err := storeGet(sctx, c.store, storeKey)
	if err != nil {
		c.storeFailed(ctx, "embedding: session store Get failed: minting instead", err)
		return reeflow.Session{}, false, err
	}
	c.storeAnswered(ctx)
	if b == nil {
		return reeflow.Session{}, false, nil
	}
	e, err := decodeEntry(b, key)
	if err != nil {
		level := slog.LevelWarn
		if len(b) > 0 && b[0] != entryVersion {
			level = slog.LevelDebug // another version's entry: a rolling deploy, not a fault
		}
		c.log(ctx, level, "embedding: session store holds a bad entry: minting instead", slog.String("error", err.Error()))
		return reeflow.Session{}, false, nil
	}
	// The store's countdown, which no clock's offset touches, ends at the refresh time; the
	// entry's own times bound it too, in case the store counts coarsely or wrongly.
	if !e.plausible() {
		c.log(ctx, slog.LevelWarn, "embedding: session store holds an entry with an impossible lifetime: minting instead")
		return reeflow.Session{}, false, nil
	}
	ttl = min(ttl, e.hold(c.margin))
	// A safety net against a store that counts wrongly: a token expired by this instance's
	// estimate of Reeflow's clock is not taken, whatever the countdown says.
	if ttl <= 0 || !c.reeflowNow().Before(e.session.ExpiresAt) {
		return reeflow.Session{}, false, nil
	}
	c.memory.set(key, e.session, ttl)
	return e.session, true, nil
}

// storeContext bounds one Store call to a tenth of the page-view budget, so that a slow store
// leaves the page view time to mint.
func (c *Cache) storeContext(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, c.budget/storeCallsPerBudget)
}

const storeCallsPerBudget = 10

// storeRestInterval is how long the Cache leaves a store alone after it failed: a store that is
// down costs each memory miss at most one failed call per interval, not a tenth of the budget.
const storeRestInterval = time.Second

// storeResting reports whether the store failed less than storeRestInterval ago.
func (c *Cache) storeResting() bool {
	at := c.storeFailedAt.Load()
	return at != 0 && c.now().Sub(time.Unix(0, at)) < storeRestInterval
}

// storeFailed notes a failed store call, and logs it when the store answered until then: an
// outage is one record, not one per page view. A call cut short by the end of ctx (every caller
// left, or the budget is spent) is not the store's failure.
func (c *Cache) storeFailed(ctx context.Context, msg string, err error) {
	if ctx.Err() != nil {
		return
	}
	if c.storeFailedAt.Swap(c.now().UnixNano()) == 0 {
		c.log(ctx, slog.LevelWarn, msg, slog.String("error", err.Error()))
	}
}

// storeAnswered notes a store call that succeeded, and logs the end of an outage.
func (c *Cache) storeAnswered(ctx context.Context) {
	if c.storeFailedAt.Load() != 0 && c.storeFailedAt.Swap(0) != 0 {
		c.log(ctx, slog.LevelInfo, "embedding: session store answers again")
	}
}

// startLocked starts the call for key. It runs on a context of its own, carrying the values of
// the caller's context but not its cancellation: the first caller leaving must not fail the call
// for the others. p is Get's copy, which no caller can change.
func (c *Cache) startLocked(ctx context.Context, key cacheKey, p reeflow.CreateSessionParams) *flight {
	callCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	f := &flight{done: make(chan struct{}), cancel: cancel}
	c.flights[key] = f
	go c.run(callCtx, key, p, f)
	return f
}

// run gets the token for f and hands it to f's waiters. A panic on the way is theirs as an
// error: in this goroutine, nothing else would recover it, and the whole server would die.
func (c *Cache) run(ctx context.Context, key cacheKey, p reeflow.CreateSessionParams, f *flight) {
	s, err := c.fetchRecovered(ctx, key, p)
	f.cancel()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.flights[key] == f {
		delete(c.flights, key)
	}
	if err != nil {
		f.err = err
	} else {
		f.session = s
	}
	close(f.done)
}

func (c *Cache) fetchRecovered(ctx context.Context, key cacheKey, p reeflow.CreateSessionParams) (s reeflow.Session, err error) {
	defer func() {
		if v := recover(); v != nil {
			// The panic's value may hold anything, a secret included: the error and the log name
			// its type, and the message only of a runtime error, which holds no data.
			what := fmt.Sprintf("%T", v)
			if rerr, ok := v.(runtime.Error); ok {
				what = rerr.Error()
			}
			stack := make([]byte, 16<<10)
			stack = stack[:runtime.Stack(stack, false)]
			err = fmt.Errorf("embedding: minting a session token panicked: %s", what)
			c.log(ctx, slog.LevelError, "embedding: minting a session token panicked",
				slog.String("panic", what), slog.String("stack", string(stack)))
		}
	}()
	return c.fetch(ctx, key, p)
}

// fetch gets key's token within the page-view budget and keeps it in memory: from the shared
// store, from another instance that holds the store's lease for it, or by minting it. Once the
// store fails, it is left out: the token is minted, kept in memory, and not shared.
func (c *Cache) fetch(ctx context.Context, key cacheKey, p reeflow.CreateSessionParams) (reeflow.Session, error) {
	ctx, cancel := context.WithTimeout(ctx, c.budget)
	defer cancel()
	if c.store == nil || c.storeResting() {
		return c.mint(ctx, key, "", p)
	}
	storeKey := hex.EncodeToString(key[:])
	if s, ok, err := c.lookup(ctx, key, storeKey); err != nil {
		return c.mint(ctx, key, "", p)
	} else if ok {
		return s, nil
	}
	// Waiting for another instance leaves at least half the budget to mint.
	waitUntil := time.Now().Add(c.budget / 2)
	for interval := firstPollInterval; ; interval = min(interval*2, maxPollInterval) {
		release, granted, err := c.lease(ctx, storeKey)
		if err != nil {
			c.storeFailed(ctx, "embedding: session store Lease failed: minting without it", err)
			return c.mint(ctx, key, "", p)
		}
		c.storeAnswered(ctx)
		if granted {
			return c.mintHolding(ctx, key, storeKey, p, release)
		}
		// Another instance is minting this token: wait for it to appear in the store, and take
		// the lease if the holder gives it back without a token (its call failed) or dies (the
		// lease expires).
		if time.Now().Add(interval).After(waitUntil) {
			c.log(ctx, slog.LevelWarn, "embedding: another instance holds the lease on a session token for too long: minting without it")
			return c.mint(ctx, key, storeKey, p)
		}
		t := time.NewTimer(interval)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return reeflow.Session{}, fmt.Errorf("embedding: waiting for another instance's session token: %w", context.Cause(ctx))
		}
		if s, ok, err := c.lookup(ctx, key, storeKey); err != nil {
			return c.mint(ctx, key, "", p)
		} else if ok {
			return s, nil
		}
	}
}

// mintHolding mints key's token while holding its lease, unless another instance stored it
// between the miss and the lease.
func (c *Cache) mintHolding(ctx context.Context, key cacheKey, storeKey string, p reeflow.CreateSessionParams, release func()) (reeflow.Session, error) {
	// Given back off the page view's path: a slow release must not hold a token already minted.
	defer func() { go c.release(context.WithoutCancel(ctx), release) }()
	s, ok, err := c.lookup(ctx, key, storeKey)
	switch {
	case err != nil:
		return c.mint(ctx, key, "", p)
	case ok:
		return s, nil
	}
	return c.mint(ctx, key, storeKey, p)
}

// The intervals at which an instance looks for the token another instance is minting: a mint
// takes tens of milliseconds, so the first look comes soon.
const (
	firstPollInterval = 10 * time.Millisecond
	maxPollInterval   = 250 * time.Millisecond
)

// lease asks the store for key's lease, for as long as the page-view budget: a holder's call
// never runs longer, so a lease that outlives it belongs to an instance that died.
func (c *Cache) lease(ctx context.Context, key string) (func(), bool, error) {
	sctx, cancel := c.storeContext(ctx)
	defer cancel()
	release, granted, err := storeLease(sctx, c.store, key, c.budget)
	if err == nil && granted && release == nil {
		err = errors.New("the store granted a lease without a release function")
	}
	return release, granted, err
}

// mint asks Reeflow for a token and keeps it, in memory and under storeKey in the shared store
// unless storeKey is empty, until its refresh time as Reeflow's own answer tells it.
func (c *Cache) mint(ctx context.Context, key cacheKey, storeKey string, p reeflow.CreateSessionParams) (reeflow.Session, error) {
	if c.lifetime > 0 {
		p.Expiration = c.reeflowNow().Add(c.lifetime)
	}
	var resp reeflow.Response
	sess, err := c.sessions.Create(ctx, p, c.retries, reeflow.WithResponseInto(&resp))
	if err != nil {
		return reeflow.Session{}, err
	}
	local := c.now()
	e := cacheEntry{session: *sess, mintedAt: local.Add(time.Duration(c.skew.Load()))}
	trusted := true
	if date, err := http.ParseTime(resp.Header.Get("Date")); err == nil {
		// The token's life is Reeflow's own statement: expires_at against its Date, whatever the
		// local clock says. The offset is learned only within a sane bound: a Date further off
		// (a proxy's, a forged one, or a local clock far wrong) would date every later
		// Expiration wrongly, so it is not learned, and the token is not kept.
		e.mintedAt = date
		if off := date.Sub(local); off.Abs() <= maxDateSkew {
			c.skew.Store(int64(off))
		} else {
			trusted = false
			c.log(ctx, slog.LevelWarn, "embedding: Reeflow's Date is far from the local clock: the token is not kept",
				slog.Duration("offset", off))
		}
	}
	if !e.session.ExpiresAt.After(e.mintedAt) {
		return reeflow.Session{}, fmt.Errorf("embedding: Reeflow's session token had expired when it was sent (expires_at %s, Reeflow's time %s)",
			e.session.ExpiresAt.UTC().Format(time.RFC3339), e.mintedAt.UTC().Format(time.RFC3339))
	}
	hold := 0 * time.Second
	if trusted && e.plausible() {
		hold = e.hold(c.margin)
	}
	c.memory.set(key, e.session, hold)
	if storeKey != "" && hold > 0 {
		sctx, cancel := c.storeContext(ctx)
		defer cancel()
		if err := storeSet(sctx, c.store, storeKey, e.encode(key), hold); err != nil {
			c.storeFailed(ctx, "embedding: session store Set failed: the token is not shared", err)
		} else {
			c.storeAnswered(ctx)
		}
	}
	return e.session, nil
}

// wait returns the result of f, or the caller's context error as soon as that context ends.
func (c *Cache) wait(ctx context.Context, key cacheKey, f *flight) (*reeflow.Session, error) {
	select {
	case <-f.done:
		return f.result()
	case <-ctx.Done():
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	select {
	case <-f.done: // finished while the caller was leaving: the result is there
		return f.result()
	default:
	}
	f.waiters--
	if f.waiters == 0 {
		// Nobody wants the token any more. A later Get starts a fresh call rather than joining
		// this cancelled one.
		f.cancel()
		if c.flights[key] == f {
			delete(c.flights, key)
		}
	}
	return nil, fmt.Errorf("embedding: waiting for a session token: %w", context.Cause(ctx))
}

func (f *flight) result() (*reeflow.Session, error) {
	if f.err != nil {
		return nil, f.err
	}
	s := f.session
	return &s, nil
}

// log writes one record, never a token. A log handler that panics is not allowed to take the
// call down with it.
func (c *Cache) log(ctx context.Context, level slog.Level, msg string, attrs ...slog.Attr) {
	defer func() { _ = recover() }()
	if l := c.logger(); l.Enabled(ctx, level) {
		l.LogAttrs(ctx, level, msg, attrs...)
	}
}

// Format prints the cache's size and settings, never a token. It reads them under the memory
// tier's lock: printed field by field, a cache in use would be read while Get writes it.
func (c *Cache) Format(f fmt.State, _ rune) {
	switch {
	case c == nil || c.flights == nil:
		_, _ = fmt.Fprint(f, "embedding.Cache{}")
	case c.store == nil:
		_, _ = fmt.Fprintf(f, "embedding.Cache{Cached:%d Max:%d RefreshMargin:%s}", c.memory.len(), c.memory.max, c.margin)
	default:
		_, _ = fmt.Fprintf(f, "embedding.Cache{Cached:%d Max:%d Store:%T RefreshMargin:%s}", c.memory.len(), c.memory.max, c.store, c.margin)
	}
}

// A Store is the application's code, or a library's: one that panics, or blocks past its
// context, is a store that failed, logged and left out like any other, never a failed page view
// or a lost token.

func storeGet(ctx context.Context, st Store, key string) ([]byte, time.Duration, error) {
	type got struct {
		b   []byte
		ttl time.Duration
	}
	r, err := callStore(ctx, "Get", func() (got, error) {
		b, ttl, err := st.Get(ctx, key)
		return got{b, ttl}, err
	})
	return r.b, r.ttl, err
}

func storeSet(ctx context.Context, st Store, key string, value []byte, ttl time.Duration) error {
	_, err := callStore(ctx, "Set", func() (struct{}, error) { return struct{}{}, st.Set(ctx, key, value, ttl) })
	return err
}

func storeLease(ctx context.Context, st Store, key string, ttl time.Duration) (func(), bool, error) {
	type lease struct {
		release func()
		granted bool
	}
	r, err := callStore(ctx, "Lease", func() (lease, error) {
		release, granted, err := st.Lease(ctx, key, ttl)
		return lease{release, granted}, err
	})
	return r.release, r.granted, err
}

// callStore runs call, a Store's method, and returns when it does or when ctx ends, whichever
// comes first: a Store that ignores its context costs a goroutine until it returns, never the
// page view. A panic in call is its error; the panic's value may hold anything, so only its type
// is named. A lease granted after ctx ended is not given back: it expires with its ttl.
func callStore[T any](ctx context.Context, op string, call func() (T, error)) (T, error) {
	type result struct {
		v   T
		err error
	}
	done := make(chan result, 1)
	go func() {
		var r result
		defer func() { done <- r }()
		defer recoverStore(&r.err, op)
		r.v, r.err = call()
	}()
	select {
	case r := <-done:
		return r.v, r.err
	case <-ctx.Done():
		var zero T
		return zero, fmt.Errorf("embedding: Store.%s: %w", op, context.Cause(ctx))
	}
}

// release gives a lease back; a release that panics is logged.
func (c *Cache) release(ctx context.Context, release func()) {
	var err error
	func() {
		defer recoverStore(&err, "Lease's release")
		release()
	}()
	if err != nil {
		c.storeFailed(ctx, "embedding: session store lease release failed", err)
	}
}

// recoverStore turns a Store's panic into *err. The panic's value may hold anything: only its
// type is named.
func recoverStore(err *error, op string) {
	if v := recover(); v != nil {
		*err = fmt.Errorf("embedding: Store.%s panicked (%T)", op, v)
	}
}
