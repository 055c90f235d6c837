package embedding

import (
	"container/list"
	"context"
	"errors"
	"fmt"
	"maps"
	"sync"
	"time"

	"github.com/reeflow/reeflow-go/reeflow"
)

// Cache hands out embed session tokens and reuses each one while it stays valid, so that page
// views do not each cost a call to Reeflow. Tokens are shared between requests for the same
// user, organization and attributes (in any map order, with int 1 and float64 1.0 the same
// value, as on the wire), and only between those. It is safe for concurrent use.
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
// Create one per reeflow.Client with NewCache, and share it. Printing a Cache shows its size,
// never a token.
type Cache struct {
	sessions   *reeflow.SessionsService
	now        func() time.Time
	margin     time.Duration
	lifetime   time.Duration
	maxEntries int

	mu        sync.Mutex
	entries   map[cacheKey]*list.Element // values are *cachedSession
	lru       list.List                  // most recently used first
	flights   map[cacheKey]*flight
	nextSweep time.Time
}

// sweepInterval spaces the scans that drop tokens past their refresh time.
const sweepInterval = time.Minute

type cachedSession struct {
	key       cacheKey
	session   reeflow.Session
	refreshAt time.Time // the token is not handed out from then on
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
// WithRefreshMargin, WithMaxCachedSessions and WithSessionLifetime.
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
	return &Cache{
		sessions:   s,
		now:        time.Now,
		margin:     cfg.margin,
		lifetime:   cfg.lifetime,
		maxEntries: cfg.maxEntries,
		entries:    map[cacheKey]*list.Element{},
		flights:    map[cacheKey]*flight{},
	}, nil
}

// Get returns a token for p: a cached one that stays valid for at least the refresh margin, or a
// new one from Reeflow. p must pass p.Validate, and its Expiration and NotBefore must be zero,
// since the cache chooses lifetimes (see WithSessionLifetime); otherwise the error matches
// ErrInvalidSessionParams and nothing is sent. Each caller gets its own copy of the Session. Its
// signature fits NewHandler's mint.
func (c *Cache) Get(ctx context.Context, p reeflow.CreateSessionParams) (*reeflow.Session, error) {
	switch {
	case c == nil || c.entries == nil:
		return nil, errors.New("embedding: Cache.Get: the cache was not created with NewCache")
	case ctx == nil: // the call's context would panic; bad input is an error here
		return nil, errors.New("embedding: Cache.Get: nil context")
	}
	key, err := cacheKeyOf(p)
	if err != nil {
		return nil, err
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

// startLocked starts the call for key. It runs on a context of its own, carrying the values of
// the caller's context but not its cancellation: the first caller leaving must not fail the call
// for the others. The attribute maps are copied: the caller may change them once Get returns.
func (c *Cache) startLocked(ctx context.Context, key cacheKey, p reeflow.CreateSessionParams, now time.Time) *flight {
	callCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	f := &flight{done: make(chan struct{}), cancel: cancel}
	c.flights[key] = f
	p.UserAttributes = maps.Clone(p.UserAttributes)
	p.OrganizationAttributes = maps.Clone(p.OrganizationAttributes)
	if c.lifetime > 0 {
		p.Expiration = now.Add(c.lifetime)
	}
	go c.mint(callCtx, key, p, now, f)
	return f
}

func (c *Cache) mint(ctx context.Context, key cacheKey, p reeflow.CreateSessionParams, started time.Time, f *flight) {
	sess, err := c.sessions.Create(ctx, p)
	f.cancel()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.flights[key] == f {
		delete(c.flights, key)
	}
	if err != nil {
		f.err = err
	} else {
		f.session = *sess
		c.storeLocked(key, *sess, started)
	}
	close(f.done)
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

// storeLocked caches a token minted at started until its refresh time: its expiry minus the
// refresh margin, capped at half its lifetime.
func (c *Cache) storeLocked(key cacheKey, s reeflow.Session, started time.Time) {
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
func (c *Cache) sweepLocked(now time.Time) {
	for el := c.lru.Front(); el != nil; {
		next := el.Next()
		if !now.Before(el.Value.(*cachedSession).refreshAt) {
			c.removeLocked(el)
		}
		el = next
	}
	c.nextSweep = now.Add(sweepInterval)
}

func (c *Cache) removeLocked(el *list.Element) {
	delete(c.entries, el.Value.(*cachedSession).key)
	c.lru.Remove(el)
}

// Format prints the cache's size and settings, never a token. It reads them under the cache's
// lock: printed field by field, a cache in use would be read while Get writes it.
func (c *Cache) Format(f fmt.State, _ rune) {
	if c == nil || c.entries == nil {
		_, _ = fmt.Fprint(f, "embedding.Cache{}")
		return
	}
	c.mu.Lock()
	cached := c.lru.Len()
	c.mu.Unlock()
	_, _ = fmt.Fprintf(f, "embedding.Cache{Cached:%d Max:%d RefreshMargin:%s}", cached, c.maxEntries, c.margin)
}
