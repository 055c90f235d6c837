package embedding

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"reflect"
	"slices"
	"time"
)

// Option configures a Cache (WithRefreshMargin, WithMaxCachedSessions, WithSessionLifetime,
// WithStore, WithMaxRetries), a Handler (WithAllowedMethods), or both (WithPageViewBudget,
// WithLogger). A bad value, or an option given to the constructor it does not configure, is an
// error from that constructor.
type Option interface {
	apply(*config) error
}

// target is what a constructor builds, for the options to check that they apply to it.
type target int

const (
	forCache target = 1 << iota
	forHandler
)

func (t target) String() string {
	if t == forCache {
		return "a Cache"
	}
	return "a Handler"
}

// config holds the settings of both constructors; each reads its own.
type config struct {
	target target

	margin     time.Duration
	maxEntries int
	lifetime   time.Duration // 0: Reeflow's default
	store      Store         // nil: the in-memory default
	maxRetries int

	methods []string

	budget    time.Duration
	logger    *slog.Logger
	loggerSet bool // WithLogger was given: logger, even nil, replaces slog.Default()
}

// loggerFunc returns what logs: the logger of WithLogger, nothing for WithLogger(nil), and by
// default slog.Default() as it is when a record is written, so that a default set after the
// constructor is used.
func (c config) loggerFunc() func() *slog.Logger {
	switch {
	case !c.loggerSet:
		return slog.Default
	case c.logger == nil:
		discard := slog.New(slog.DiscardHandler)
		return func() *slog.Logger { return discard }
	default:
		l := c.logger
		return func() *slog.Logger { return l }
	}
}

// option is an Option for the constructors in targets.
type option struct {
	name    string
	targets target
	set     func(*config) error
}

func (o option) apply(c *config) error {
	if o.targets&c.target == 0 {
		return fmt.Errorf("%s does not configure %s", o.name, c.target)
	}
	if err := o.set(c); err != nil {
		return fmt.Errorf("%s: %w", o.name, err)
	}
	return nil
}

// applyOptions returns the defaults for t changed by opts, or the first bad option's error.
func applyOptions(t target, opts []Option) (config, error) {
	c := config{
		target:     t,
		margin:     defaultRefreshMargin,
		maxEntries: defaultMaxCachedSessions,
		methods:    []string{http.MethodPost},
		budget:     defaultPageViewBudget,
	}
	for _, opt := range opts {
		if opt == nil { // as in package reeflow: a conditional option may be left nil
			continue
		}
		if err := opt.apply(&c); err != nil {
			return c, err
		}
	}
	return c, nil
}

// Defaults.
const (
	defaultRefreshMargin     = 5 * time.Minute
	defaultMaxCachedSessions = 10_000
	defaultPageViewBudget    = 5 * time.Second
)

// maxSessionLifetime is Reeflow's documented maximum.
const maxSessionLifetime = 24 * time.Hour

// WithRefreshMargin sets how long a cached token must stay valid to be handed out (default 5
// minutes): a page gets a token it can use for at least that long. It is capped at half of each
// token's lifetime, so that a token is always reused for a while. For a Cache.
func WithRefreshMargin(d time.Duration) Option {
	return option{name: "WithRefreshMargin", targets: forCache, set: func(c *config) error {
		if d <= 0 {
			return fmt.Errorf("%s is not positive", d)
		}
		c.margin = d
		return nil
	}}
}

// WithMaxCachedSessions bounds the number of tokens a Cache keeps in memory (default 10,000),
// with or without WithStore; the least recently used is evicted first. With a Store, a token
// evicted from memory is looked for in the store before it is minted again. For a Cache.
func WithMaxCachedSessions(n int) Option {
	return option{name: "WithMaxCachedSessions", targets: forCache, set: func(c *config) error {
		if n < 1 {
			return fmt.Errorf("%d is less than 1", n)
		}
		c.maxEntries = n
		return nil
	}}
}

// WithSessionLifetime sets the lifetime of the tokens a Cache mints, up to Reeflow's maximum of
// 24 hours; by default Reeflow's own (one hour). Longer tokens mean fewer calls, and a longer
// window for a leaked token.
func WithSessionLifetime(d time.Duration) Option {
	return option{name: "WithSessionLifetime", targets: forCache, set: func(c *config) error {
		if d <= 0 || d > maxSessionLifetime {
			return fmt.Errorf("must be more than 0 and at most 24h, not %s", d)
		}
		c.lifetime = d
		return nil
	}}
}

// WithAllowedMethods sets the methods a Handler answers (default POST only); others get 405
// with an Allow header. GET and POST are the choices: GET suits a page that fetches the token
// with a plain fetch(url), and is as safe as POST here, since a response is never cached
// (Cache-Control: no-store) and another origin's page cannot read it.
func WithAllowedMethods(methods ...string) Option {
	methods = slices.Clone(methods) // the caller's slice may change after the call
	return option{name: "WithAllowedMethods", targets: forHandler, set: func(c *config) error {
		if len(methods) == 0 {
			return errors.New("no method")
		}
		for _, m := range methods {
			if m != http.MethodGet && m != http.MethodPost {
				return fmt.Errorf("%q: the handler answers GET and POST only", m)
			}
		}
		c.methods = slices.Compact(slices.Sorted(slices.Values(methods)))
		return nil
	}}
}

// WithLogger sets where a Handler and a Cache log; by default slog.Default(), and WithLogger(nil)
// turns logging off. Pass the logger given to the client's reeflow.WithLogger. Tokens are never
// logged.
//
// A Handler logs one record per request: Debug when a token was handed out, Info for 401 and
// 405 (and when the browser went away), Warn for 503 (Reeflow rate-limits), Error for 500 and
// 502 (a wrong API key, Reeflow down: every dashboard is broken), with Reeflow's request ID when
// there is one. A Cache logs at Warn when its Store fails (once, until the store answers again,
// which is logged at Info) or when it mints without the lease, and at Error when minting panicked.
//
// A Logger without a Handler (a zero slog.Logger, or one made from a nil *slog.JSONHandler) is
// an error: it would panic on its first record.
func WithLogger(l *slog.Logger) Option {
	return option{name: "WithLogger", targets: forCache | forHandler, set: func(c *config) error {
		if l != nil && (l.Handler() == nil || isNil(l.Handler())) {
			return errors.New("the slog.Logger has no Handler (pass nil to turn logging off)")
		}
		c.logger, c.loggerSet = l, true
		return nil
	}}
}

// WithPageViewBudget bounds how long a page view waits for its token (default 5 s). For a
// Handler, it bounds the call to mint: past it the browser gets 502 (503 if Reeflow was
// rate-limiting). For a Cache, it bounds each call to Reeflow, retries included, and the wait for
// another instance that holds a Store's lease (half the budget, leaving the rest to mint); the
// lease itself lasts as long as the budget, and each Store call at most a tenth of it. Give both
// the same budget.
func WithPageViewBudget(d time.Duration) Option {
	return option{name: "WithPageViewBudget", targets: forCache | forHandler, set: func(c *config) error {
		if d <= 0 {
			return fmt.Errorf("%s is not positive", d)
		}
		c.budget = d
		return nil
	}}
}

// WithStore gives a Cache a second tier behind its memory, shared by every instance of an
// application (redisstore keeps it on Redis), so that a fleet mints one token per user: a token
// missing from memory is looked for in the store, and one minted is stored there until its
// refresh time. Give every instance that shares a store the same WithRefreshMargin: the store
// keeps a token until the refresh time of the instance that minted it. nil is an error.
func WithStore(s Store) Option {
	return option{name: "WithStore", targets: forCache, set: func(c *config) error {
		if s == nil || isNil(s) {
			return errors.New("nil Store")
		}
		c.store = s
		return nil
	}}
}

// WithMaxRetries sets how many times a Cache retries a failed call to Reeflow (default 0). A
// retry waits (Retry-After, or a backoff) out of a page view's budget, so by default a
// rate-limited call fails at once and the Handler answers 503 with Retry-After for the page to
// ask again. WithMaxRetries(1) retries once, within the budget; a retry whose wait would outlast
// the budget is not made. A negative count is an error.
func WithMaxRetries(n int) Option {
	return option{name: "WithMaxRetries", targets: forCache, set: func(c *config) error {
		if n < 0 {
			return fmt.Errorf("negative count %d", n)
		}
		c.maxRetries = n
		return nil
	}}
}

// isNil reports whether v, an interface value, is nil or holds a nil pointer, map, func, channel
// or slice: its methods would most likely panic on every call.
func isNil(v any) bool {
	if v == nil {
		return true
	}
	switch rv := reflect.ValueOf(v); rv.Kind() {
	case reflect.Pointer, reflect.Map, reflect.Func, reflect.Chan, reflect.Slice:
		return rv.IsNil()
	}
	return false
}
