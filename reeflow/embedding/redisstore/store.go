package redisstore

import (
	"context"
	"crypto/cipher"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/reeflow/reeflow-go/reeflow/embedding"
)

// Store keeps an embedding.Cache's tokens in Redis, sealed, for a fleet of instances to share:
// pass it to embedding.NewCache with embedding.WithStore. Create it with New. It is safe for
// concurrent use; printing it shows its prefix and the number of sealing keys, never a key.
type Store struct {
	client redis.UniversalClient
	prefix string
	// secrets holds the sealing keys' AEADs (the first seals, every one opens) and namers
	// (names[i] names what aeads[i] seals) in a closure: no printing of a Store, by any verb or
	// through any struct that holds one, reaches the key material.
	secrets func() ([]cipher.AEAD, []namer)
	logger  func() *slog.Logger
}

func (s *Store) aeads() []cipher.AEAD { a, _ := s.secrets(); return a }

func (s *Store) names() []namer { _, n := s.secrets(); return n }

// New returns a Store on client, which it uses and never closes: close it after the last use of
// the Store. WithSealingKeys is required; WithKeyPrefix and WithLogger are optional. A nil client,
// a client that ignores context deadlines (see below), a missing or malformed sealing key, or
// another bad option is an error.
//
// The client must have ContextTimeoutEnabled set in its options: without it, go-redis ignores
// the deadline of a call's context, and a Redis that hangs holds each page view for the client's
// ReadTimeout instead of the short time the cache gives each store call. New checks it for
// *redis.Client (single node and Sentinel), *redis.ClusterClient and *redis.Ring; another
// implementation of redis.UniversalClient is taken as it is, and must honour the context itself.
func New(client redis.UniversalClient, opts ...Option) (*Store, error) {
	if isNil(client) {
		return nil, errors.New("redisstore: New: the Redis client is nil")
	}
	if ignoresContextDeadlines(client) {
		return nil, errors.New("redisstore: New: the Redis client's ContextTimeoutEnabled is false: set it to true in its options, " +
			"or go-redis ignores the context's deadline and a hung Redis holds a page view past its budget, " +
			"for the client's ReadTimeout, instead of failing the store call in time to mint directly")
	}
	c := config{prefix: DefaultKeyPrefix}
	for _, opt := range opts {
		if opt == nil { // as in package embedding: a conditional option may be left nil
			continue
		}
		if err := opt.apply(&c); err != nil {
			return nil, err
		}
	}
	if len(c.keys) == 0 {
		return nil, errors.New("redisstore: New: no sealing key: pass WithSealingKeys with 32 random bytes")
	}
	aeads, err := newAEADs(c.keys)
	if err != nil {
		return nil, err
	}
	names := make([]namer, len(c.keys))
	for i, k := range c.keys {
		if names[i], err = newNamer(k); err != nil {
			return nil, fmt.Errorf("redisstore: sealing key %d: %w", i, err)
		}
	}
	return &Store{client: client, prefix: c.prefix, secrets: func() ([]cipher.AEAD, []namer) { return aeads, names }, logger: loggerFunc(c)}, nil
}

// loggerFunc returns what logs: the logger of WithLogger, nothing for WithLogger(nil), and by
// default slog.Default() as it is when a record is written, as package embedding does.
func loggerFunc(c config) func() *slog.Logger {
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

// isNil reports whether client is nil, or a nil pointer in the interface, which would panic on
// first use rather than fail in New.
func isNil(client redis.UniversalClient) bool {
	if client == nil {
		return true
	}
	v := reflect.ValueOf(client)
	return v.Kind() == reflect.Pointer && v.IsNil()
}

// ignoresContextDeadlines reports whether client is one of go-redis's own clients with
// ContextTimeoutEnabled off. Other implementations cannot be asked.
func ignoresContextDeadlines(client redis.UniversalClient) bool {
	switch c := client.(type) {
	case *redis.Client:
		return !c.Options().ContextTimeoutEnabled
	case *redis.ClusterClient:
		return !c.Options().ContextTimeoutEnabled
	case *redis.Ring:
		return !c.Options().ContextTimeoutEnabled
	}
	return false
}

// Get returns the value stored under key and how long it has left in Redis, or a nil value and
// no error when there is none, or when the stored value does not open under its sealing key
// (logged at Warn: altered in Redis). It looks under the name of every sealing key, current
// first, in one round trip: GET and PTTL of each. A value whose PTTL is not positive (it expired
// between the two commands, or has no TTL, which a Store never writes) is a miss. An error is
// Redis's: unreachable, or slow past the context or the client's timeouts.
func (s *Store) Get(ctx context.Context, key string) (value []byte, ttl time.Duration, err error) {
	rks := make([]string, len(s.names()))
	gets := make([]*redis.StringCmd, len(s.names()))
	pttls := make([]*redis.DurationCmd, len(s.names()))
	_, err = s.client.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, n := range s.names() {
			rks[i] = s.prefix + n.name(key)
			gets[i] = p.Get(ctx, rks[i])
			pttls[i] = p.PTTL(ctx, rks[i])
		}
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, 0, callError(ctx, "get", err)
	}
	unopened := false
	for i := range s.names() {
		sealed, gerr := gets[i].Bytes()
		if errors.Is(gerr, redis.Nil) {
			continue
		}
		if gerr != nil {
			return nil, 0, callError(ctx, "get", gerr)
		}
		left, perr := pttls[i].Result()
		if perr != nil {
			return nil, 0, callError(ctx, "get", perr)
		}
		if left <= 0 {
			continue
		}
		opened, oerr := open(s.aeads()[i:i+1], rks[i], sealed)
		if oerr != nil {
			unopened = true
			continue
		}
		return opened, left, nil
	}
	if unopened {
		s.logger().WarnContext(ctx, "redisstore: a stored token is treated as missing: no sealing key opens it (altered in Redis)")
	}
	return nil, 0, nil
}

// Set stores value under key, sealed, for at most ttl (> 0), replacing any value there. Redis
// keeps time to the millisecond: the TTL is ttl rounded down to it, and a ttl under a millisecond
// stores nothing, since the value would be gone at once.
func (s *Store) Set(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	if ttl <= 0 {
		return fmt.Errorf("redisstore: set: the ttl is %v, want > 0", ttl)
	}
	ttl = ttl.Truncate(time.Millisecond)
	if ttl == 0 {
		return nil
	}
	rk := s.valueKey(key)
	if err := s.client.Set(ctx, rk, seal(s.aeads()[0], rk, value), ttl).Err(); err != nil {
		return callError(ctx, "set", err)
	}
	return nil
}

// callError is err from Redis for op. go-redis reports a call cut by its context's deadline as
// the connection's i/o timeout, set to that deadline, and it may fire before the context's own
// timer: the context's error is added when the deadline has passed, for errors.Is to tell.
func callError(ctx context.Context, op string, err error) error {
	cause := context.Cause(ctx)
	if cause == nil {
		if dl, ok := ctx.Deadline(); ok && !time.Now().Before(dl) {
			cause = context.DeadlineExceeded
		}
	}
	if cause != nil && !errors.Is(err, cause) {
		return fmt.Errorf("redisstore: %s: %w: %w", op, cause, err)
	}
	return fmt.Errorf("redisstore: %s: %w", op, err)
}

// valueKey is the Redis key of key's value, named by the current sealing key.
func (s *Store) valueKey(key string) string { return s.prefix + s.names()[0].name(key) }

// leaseKey is the Redis key of key's lease, apart from its value's.
func (s *Store) leaseKey(key string) string { return s.prefix + "lease:" + s.names()[0].name(key) }

// Format prints the Store's prefix and number of sealing keys, never a key: printed field by
// field, it would show the expanded AES keys.
func (s *Store) Format(f fmt.State, _ rune) {
	if s == nil {
		_, _ = fmt.Fprint(f, "redisstore.Store(nil)")
		return
	}
	_, _ = fmt.Fprintf(f, "redisstore.Store{prefix: %q, sealing keys: %d}", s.prefix, len(s.aeads()))
}

// A Store is what embedding.WithStore takes.
var _ embedding.Store = (*Store)(nil)
