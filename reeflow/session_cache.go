package reeflow

import (
	"container/list"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// SessionCache hands out embed session tokens and reuses each one while it stays valid, so
// that page views do not each cost a call to Reeflow. Tokens are shared between requests for
// the same user, organization and attributes (in any map order, with int 1 and float64 1.0
// the same value, as on the wire), and only between those. It is safe for concurrent use.
//
//   - A cached token is returned while it stays valid for at least the refresh margin
//     (WithRefreshMargin, default 5 minutes, never more than half the token's lifetime); after
//     that a new one is minted.
//   - Concurrent requests for the same key share one call to Reeflow. A caller whose context
//     ends stops waiting at once; the call goes on for the others, and is cancelled only when
//     every caller waiting for it has gone.
//   - An error is returned to every caller that waited for the call, and is never cached: the
//     next Get tries again.
//   - At most WithMaxCachedSessions tokens are kept (default 10,000), the least recently used
//     evicted first, and tokens past their refresh time are dropped.
//
// Create one per Client with NewSessionCache, and share it. Printing or logging a SessionCache
// shows its size, never a token.
type SessionCache struct {
	sessions   *SessionsService
	err        error // a bad option, returned by every Get
	now        func() time.Time
	margin     time.Duration
	lifetime   time.Duration
	maxEntries int
	onWait     func() // test hook: a caller is about to wait for a call

	mu        sync.Mutex
	entries   map[sessionKey]*list.Element // values are *cachedSession
	lru       list.List                    // most recently used first
	flights   map[sessionKey]*flight
	nextSweep time.Time
}

// Cache defaults.
const (
	defaultRefreshMargin     = 5 * time.Minute
	defaultMaxCachedSessions = 10_000
	// sweepInterval spaces the scans that drop tokens past their refresh time.
	sweepInterval = time.Minute
)

type cachedSession struct {
	key       sessionKey
	session   Session
	refreshAt time.Time // the token is not handed out from then on
}

// flight is one call to Reeflow shared by the callers that asked for the same key meanwhile.
type flight struct {
	done    chan struct{} // closed once session or err is set
	session Session
	err     error
	waiters int // callers still waiting; guarded by SessionCache.mu
	cancel  context.CancelFunc
}

// SessionCacheOption configures a SessionCache. A bad value makes every Get return an error
// naming it.
type SessionCacheOption func(*SessionCache) error

// WithRefreshMargin sets how long a cached token must stay valid to be handed out (default 5
// minutes): a page gets a token it can use for at least that long. It is capped at half of
// each token's lifetime, so that a token is always reused for a while.
func WithRefreshMargin(d time.Duration) SessionCacheOption {
	return func(c *SessionCache) error {
		if d <= 0 {
			return fmt.Errorf("WithRefreshMargin: %s is not positive", d)
		}
		c.margin = d
		return nil
	}
}

// WithMaxCachedSessions bounds the number of cached tokens (default 10,000); the least
// recently used is evicted first.
func WithMaxCachedSessions(n int) SessionCacheOption {
	return func(c *SessionCache) error {
		if n < 1 {
			return fmt.Errorf("WithMaxCachedSessions: %d is less than 1", n)
		}
		c.maxEntries = n
		return nil
	}
}

// WithSessionLifetime sets the lifetime of the tokens the cache mints, up to Reeflow's
// maximum of 24 hours; by default Reeflow's own (one hour). Longer tokens mean fewer calls,
// and a longer window for a leaked token.
func WithSessionLifetime(d time.Duration) SessionCacheOption {
	return func(c *SessionCache) error {
		if d <= 0 || d > maxSessionLifetime {
			return fmt.Errorf("WithSessionLifetime: %s is not between 0 and 24h", d)
		}
		c.lifetime = d
		return nil
	}
}

// WithCacheClock sets the clock the cache judges validity by (default time.Now), for tests
// that move time instead of waiting.
func WithCacheClock(now func() time.Time) SessionCacheOption {
	return func(c *SessionCache) error {
		if now == nil {
			return errors.New("WithCacheClock: nil clock")
		}
		c.now = now
		return nil
	}
}

// maxSessionLifetime is Reeflow's documented maximum.
const maxSessionLifetime = 24 * time.Hour

// NewSessionCache returns a cache that mints tokens with s, usually client.Sessions.
func NewSessionCache(s *SessionsService, opts ...SessionCacheOption) *SessionCache {
	c := &SessionCache{
		sessions:   s,
		now:        time.Now,
		margin:     defaultRefreshMargin,
		maxEntries: defaultMaxCachedSessions,
		entries:    map[sessionKey]*list.Element{},
		flights:    map[sessionKey]*flight{},
	}
	for _, opt := range opts {
		if opt == nil {
			continue
		}
		if err := opt(c); err != nil && c.err == nil {
			c.err = fmt.Errorf("reeflow: session cache: %w", err)
		}
	}
	if s == nil && c.err == nil {
		c.err = errors.New("reeflow: session cache: nil SessionsService")
	}
	return c
}

// Get returns a token for p: a cached one that stays valid for at least the refresh margin,
// or a new one from Reeflow. p is checked as SessionsService.Create checks it; its Expiration
// and NotBefore must be zero, since the cache chooses lifetimes (see WithSessionLifetime). Each
// caller gets its own copy of the Session. Its signature fits SessionHandler's mint.
func (c *SessionCache) Get(ctx context.Context, p CreateSessionParams) (*Session, error) {
	if c == nil || c.entries == nil {
		return nil, errors.New("reeflow: session cache: not created with NewSessionCache")
	}
	if c.err != nil {
		return nil, c.err
	}
	if ctx == nil {
		return nil, opError(opCreateSession, errors.New("nil context"))
	}
	if !p.Expiration.IsZero() || !p.NotBefore.IsZero() {
		return nil, opError(opCreateSession, errors.New("the session cache chooses Expiration and NotBefore (see WithSessionLifetime): leave them zero"))
	}
	key, err := sessionKeyOf(p)
	if err != nil {
		return nil, opError(opCreateSession, err)
	}

	c.mu.Lock()
	now := c.now()
	if el, ok := c.entries[key]; ok {
		cached := el.Value.(*cachedSession)
		if now.Before(cached.refreshAt) {
			c.lru.MoveToFront(el)
			s := cached.session
			c.mu.Unlock()
			return &s, nil
		}
		c.removeLocked(el)
	}
	f := c.flights[key]
	if f == nil {
		f = c.startLocked(ctx, key, p, now)
	}
	f.waiters++
	c.mu.Unlock()
	return c.wait(ctx, key, f)
}

// startLocked starts the call for key. It runs on a context of its own, carrying the values
// of the caller's context but not its cancellation: the first caller leaving must not fail
// the call for the others.
func (c *SessionCache) startLocked(ctx context.Context, key sessionKey, p CreateSessionParams, now time.Time) *flight {
	callCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	f := &flight{done: make(chan struct{}), cancel: cancel}
	c.flights[key] = f
	if c.lifetime > 0 {
		p.Expiration = now.Add(c.lifetime)
	}
	go c.mint(callCtx, key, p, now, f)
	return f
}

func (c *SessionCache) mint(ctx context.Context, key sessionKey, p CreateSessionParams, started time.Time, f *flight) {
	sess, err := c.sessions.Create(ctx, p)
	f.cancel()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.flights[key] == f {
		delete(c.flights, key)
	}
	switch {
	case err != nil:
		f.err = err
	case sess == nil:
		f.err = opError(opCreateSession, errors.New("no session returned"))
	default:
		f.session = *sess
		c.storeLocked(key, *sess, started)
	}
	close(f.done)
}

// wait returns the result of f, or the caller's context error as soon as that context ends.
func (c *SessionCache) wait(ctx context.Context, key sessionKey, f *flight) (*Session, error) {
	if c.onWait != nil {
		c.onWait()
	}
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
		// Nobody wants the token any more. A later Get starts a fresh call rather than
		// joining this cancelled one.
		f.cancel()
		if c.flights[key] == f {
			delete(c.flights, key)
		}
	}
	return nil, opError(opCreateSession, fmt.Errorf("waiting for a session token: %w", context.Cause(ctx)))
}

func (f *flight) result() (*Session, error) {
	if f.err != nil {
		return nil, f.err
	}
	s := f.session
	return &s, nil
}

// storeLocked caches a token minted at started until its refresh time: its expiry minus the
// refresh margin, capped at half its lifetime.
func (c *SessionCache) storeLocked(key sessionKey, s Session, started time.Time) {
	margin := min(c.margin, s.ExpiresAt.Sub(started)/2)
	refreshAt := s.ExpiresAt.Add(-margin)
	now := c.now()
	if !now.Before(refreshAt) {
		return // already too close to its expiry (or the server's clock is far from ours)
	}
	if el, ok := c.entries[key]; ok {
		el.Value = &cachedSession{key: key, session: s, refreshAt: refreshAt}
		c.lru.MoveToFront(el)
	} else {
		c.entries[key] = c.lru.PushFront(&cachedSession{key: key, session: s, refreshAt: refreshAt})
	}
	if !now.Before(c.nextSweep) {
		c.sweepLocked(now)
	}
	for c.lru.Len() > c.maxEntries {
		c.removeLocked(c.lru.Back())
	}
}

// sweepLocked drops every token past its refresh time: none of them will be handed out again.
func (c *SessionCache) sweepLocked(now time.Time) {
	for el := c.lru.Front(); el != nil; {
		next := el.Next()
		if !now.Before(el.Value.(*cachedSession).refreshAt) {
			c.removeLocked(el)
		}
		el = next
	}
	c.nextSweep = now.Add(sweepInterval)
}

func (c *SessionCache) removeLocked(el *list.Element) {
	delete(c.entries, el.Value.(*cachedSession).key)
	c.lru.Remove(el)
}

// len returns the number of cached tokens.
func (c *SessionCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lru.Len()
}

// Format prints the cache's size and settings, never a token.
func (c *SessionCache) Format(f fmt.State, _ rune) {
	if c == nil || c.entries == nil {
		_, _ = fmt.Fprint(f, "reeflow.SessionCache{}")
		return
	}
	_, _ = fmt.Fprintf(f, "reeflow.SessionCache{Cached:%d Max:%d RefreshMargin:%s}", c.len(), c.maxEntries, c.margin)
}

// LogValue logs the cache's size and settings, never a token.
func (c *SessionCache) LogValue() slog.Value {
	if c == nil || c.entries == nil {
		return slog.GroupValue()
	}
	return slog.GroupValue(slog.Int("cached", c.len()), slog.Int("max", c.maxEntries), slog.Duration("refresh_margin", c.margin))
}
