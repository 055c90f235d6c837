package embedding

import (
	"context"
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
//     (WithRefreshMargin, default 5 minutes, never more than half the token's lifetime),
//     measured by Reeflow's clock (learned from its Date header), not the local one; after that
//     a new one is minted.
//   - Concurrent requests for the same key share one call to Reeflow. A caller whose context
//     ends stops waiting at once; the call goes on for the others, and is cancelled only when
//     every caller waiting for it has gone. The call never runs longer than the page-view budget
//     (WithPageViewBudget, default 5 s), and it is not retried unless WithMaxRetries says so:
//     a rate-limited call fails at once, and the page can ask again.
//   - An error is returned to every caller that waited for the call, and is never cached: the
//     next Get tries again. A panic while minting (in a credentials provider, a request editor,
//     a transport, a Store, a log handler) is an error for every waiter, and is logged.
//   - Tokens are kept in a Store: by default in this process, at most WithMaxCachedSessions of
//     them (default 10,000), the least recently used evicted first; with WithStore, in a store
//     that every instance of an application shares, so that a fleet mints one token per user.
//     A failing Store is logged and bypassed: a page view never fails because of it.
//
// Create one per reeflow.Client with NewCache, and share it. Printing a Cache shows its size,
// never a token.
type Cache struct {
	sessions *reeflow.SessionsService
	store    Store        // WithStore's; nil by default
	memory   *memoryStore // the default; nil with WithStore
	now      func() time.Time
	margin   time.Duration
	lifetime time.Duration
	budget   time.Duration
	retries  reeflow.Option // WithMaxRetries, applied to each call
	logger   func() *slog.Logger

	// skew is Reeflow's clock minus ours, in nanoseconds, learned from the Date of the last
	// token minted: the remaining life of a token is measured by Reeflow's clock.
	skew atomic.Int64

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
// WithRefreshMargin, WithSessionLifetime, WithMaxCachedSessions or WithStore, WithPageViewBudget,
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
	if c.store == nil {
		c.memory = newMemoryStore(cfg.maxEntries)
	}
	return c, nil
}

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
		return nil, errors.New("embedding: Cache.Get: the cache was not created with NewCache")
	case ctx == nil: // the call's context would panic; bad input is an error here
		return nil, errors.New("embedding: Cache.Get: nil context")
	}
	if err := checkTimes(p); err != nil {
		return nil, err
	}
	// The default store holds only tokens minted here, each for params that passed Validate, and
	// keyOf gives no params that Validate refuses the key of params it accepts: a hit there needs
	// no Validate, which then runs on a miss, before anything is sent. Another store is shared,
	// and anyone may write in it: params are validated before looking.
	key, keyErr := keyOf(p)
	validated := keyErr != nil || c.memory == nil
	if validated {
		if err := checkParams(p, keyErr); err != nil {
			return nil, err
		}
	}
	if e, ok := c.lookup(ctx, key); ok {
		s := e.session
		return &s, nil
	}
	if !validated {
		if err := checkParams(p, nil); err != nil {
			return nil, err
		}
	}

	// The call may outlive this Get, so it gets copies of the attribute maps, taken before Get
	// returns and the caller may change them: the token minted then has the attributes of the
	// key. Values are strings, bools and numbers (Validate refused anything else), so copying
	// the maps copies everything.
	p.UserAttributes = maps.Clone(p.UserAttributes)
	p.OrganizationAttributes = maps.Clone(p.OrganizationAttributes)
	c.mu.Lock()
	f := c.flights[key]
	if f == nil {
		f = c.startLocked(ctx, key, p)
	}
	f.waiters++
	c.mu.Unlock()
	return c.wait(ctx, key, f)
}

// cacheKeyOf checks p as Get takes it and returns its key.
func cacheKeyOf(p reeflow.CreateSessionParams) (cacheKey, error) {
	if err := checkTimes(p); err != nil {
		return cacheKey{}, err
	}
	key, err := keyOf(p)
	if err := checkParams(p, err); err != nil {
		return cacheKey{}, err
	}
	return key, nil
}

// checkParams returns the error of Get for p, whose key keyOf refused with keyErr (if it did):
// Validate's, which names the problem, else keyErr.
func checkParams(p reeflow.CreateSessionParams, keyErr error) error {
	if err := p.Validate(); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidSessionParams, err)
	}
	if keyErr != nil {
		return fmt.Errorf("%w: %w", ErrInvalidSessionParams, keyErr)
	}
	return nil
}

// checkTimes refuses the times that the cache chooses.
func checkTimes(p reeflow.CreateSessionParams) error {
	if !p.Expiration.IsZero() || !p.NotBefore.IsZero() {
		return fmt.Errorf("%w: the cache chooses Expiration and NotBefore (see WithSessionLifetime): leave them zero", ErrInvalidSessionParams)
	}
	return nil
}

// reeflowNow is Reeflow's clock as this process last learned it.
func (c *Cache) reeflowNow() time.Time {
	return c.now().Add(time.Duration(c.skew.Load()))
}

// lookup returns the stored entry for key if it is still fresh by Reeflow's clock. A Store that
// fails, or holds what is not an entry, is logged and counts as a miss.
func (c *Cache) lookup(ctx context.Context, key cacheKey) (cacheEntry, bool) {
	if c.memory != nil {
		e, ok := c.memory.get(key)
		return e, ok && c.reeflowNow().Before(e.refreshAt(c.margin))
	}
	sctx, cancel := c.storeContext(ctx)
	defer cancel()
	b, err := c.store.Get(sctx, key.String())
	if err != nil {
		if ctx.Err() == nil { // else the caller left, and the store is not to blame
			c.log(ctx, slog.LevelWarn, "embedding: session store Get failed: minting instead", slog.String("error", err.Error()))
		}
		return cacheEntry{}, false
	}
	if b == nil {
		return cacheEntry{}, false
	}
	e, err := decodeEntry(b)
	if err != nil {
		c.log(ctx, slog.LevelWarn, "embedding: session store holds a bad entry: minting instead", slog.String("error", err.Error()))
		return cacheEntry{}, false
	}
	return e, c.reeflowNow().Before(e.refreshAt(c.margin))
}

// storeContext bounds one Store call to a tenth of the page-view budget, so that a slow store
// leaves the page view time to mint.
func (c *Cache) storeContext(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, c.budget/storeCallsPerBudget)
}

const storeCallsPerBudget = 10

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
	e, err := c.fetchRecovered(ctx, key, p)
	f.cancel()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.flights[key] == f {
		delete(c.flights, key)
	}
	if err != nil {
		f.err = err
	} else {
		f.session = e.session
	}
	close(f.done)
}

func (c *Cache) fetchRecovered(ctx context.Context, key cacheKey, p reeflow.CreateSessionParams) (e cacheEntry, err error) {
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

// fetch gets the token for key within the page-view budget: from another instance that holds
// the store's lease for it, or by minting it.
func (c *Cache) fetch(ctx context.Context, key cacheKey, p reeflow.CreateSessionParams) (cacheEntry, error) {
	ctx, cancel := context.WithTimeout(ctx, c.budget)
	defer cancel()
	// Waiting for another instance leaves at least half the budget to mint.
	waitUntil := time.Now().Add(c.budget / 2)
	for interval := firstPollInterval; ; interval = min(interval*2, maxPollInterval) {
		release, granted, err := c.lease(ctx, key)
		if err != nil {
			c.log(ctx, slog.LevelWarn, "embedding: session store Lease failed: minting without it", slog.String("error", err.Error()))
			return c.mint(ctx, key, p)
		}
		if granted {
			return c.mintHolding(ctx, key, p, release)
		}
		// Another instance is minting this token: wait for it to appear in the store, and take
		// the lease if the holder gives it back without a token (its call failed) or dies (the
		// lease expires).
		if time.Now().Add(interval).After(waitUntil) {
			c.log(ctx, slog.LevelWarn, "embedding: another instance holds the lease on a session token for too long: minting without it")
			return c.mint(ctx, key, p)
		}
		t := time.NewTimer(interval)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return cacheEntry{}, fmt.Errorf("embedding: waiting for another instance's session token: %w", context.Cause(ctx))
		}
		if e, ok := c.lookup(ctx, key); ok {
			return e, nil
		}
	}
}

// mintHolding mints key's token while holding its lease, unless another instance stored it
// between the miss and the lease.
func (c *Cache) mintHolding(ctx context.Context, key cacheKey, p reeflow.CreateSessionParams, release func()) (cacheEntry, error) {
	defer release()
	if e, ok := c.lookup(ctx, key); ok {
		return e, nil
	}
	return c.mint(ctx, key, p)
}

// The intervals at which an instance looks for the token another instance is minting: a mint
// takes tens of milliseconds, so the first look comes soon.
const (
	firstPollInterval = 10 * time.Millisecond
	maxPollInterval   = 250 * time.Millisecond
)

// lease asks the store for key's lease, for as long as the page-view budget: a holder's call
// never runs longer, so a lease that outlives it belongs to an instance that died. The default
// store grants every lease: within a process, the Cache makes one call per key already.
func (c *Cache) lease(ctx context.Context, key cacheKey) (func(), bool, error) {
	if c.memory != nil {
		return func() {}, true, nil
	}
	sctx, cancel := c.storeContext(ctx)
	defer cancel()
	release, granted, err := c.store.Lease(sctx, key.String(), c.budget)
	if err == nil && granted && release == nil {
		err = errors.New("the store granted a lease without a release function")
	}
	return release, granted, err
}

// mint asks Reeflow for a token, learns Reeflow's clock from the response's Date, and stores the
// token for its remaining life by that clock.
func (c *Cache) mint(ctx context.Context, key cacheKey, p reeflow.CreateSessionParams) (cacheEntry, error) {
	if c.lifetime > 0 {
		p.Expiration = c.reeflowNow().Add(c.lifetime)
	}
	var resp reeflow.Response
	sess, err := c.sessions.Create(ctx, p, c.retries, reeflow.WithResponseInto(&resp))
	if err != nil {
		return cacheEntry{}, err
	}
	local := c.now()
	e := cacheEntry{session: *sess, mintedAt: local.Add(time.Duration(c.skew.Load()))}
	if date, err := http.ParseTime(resp.Header.Get("Date")); err == nil {
		c.skew.Store(int64(date.Sub(local)))
		e.mintedAt = date
	}
	ttl := e.session.ExpiresAt.Sub(e.mintedAt)
	switch {
	case ttl <= 0 || !e.mintedAt.Before(e.refreshAt(c.margin)): // not to be handed out again
	case c.memory != nil:
		c.memory.set(key, e, ttl)
	default:
		sctx, cancel := c.storeContext(ctx)
		defer cancel()
		if err := c.store.Set(sctx, key.String(), e.encode(), ttl); err != nil {
			c.log(ctx, slog.LevelWarn, "embedding: session store Set failed: the token is not shared", slog.String("error", err.Error()))
		}
	}
	return e, nil
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

// Format prints the cache's size and settings, never a token. It reads them under the store's
// lock: printed field by field, a cache in use would be read while Get writes it.
func (c *Cache) Format(f fmt.State, _ rune) {
	switch {
	case c == nil || c.flights == nil:
		_, _ = fmt.Fprint(f, "embedding.Cache{}")
	case c.memory != nil:
		_, _ = fmt.Fprintf(f, "embedding.Cache{Cached:%d Max:%d RefreshMargin:%s}", c.memory.len(), c.memory.max, c.margin)
	default:
		_, _ = fmt.Fprintf(f, "embedding.Cache{Store:%T RefreshMargin:%s}", c.store, c.margin)
	}
}
