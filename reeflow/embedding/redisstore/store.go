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
	aeads  []cipher.AEAD // aeads[0] seals; every one opens
	logger *slog.Logger
}

// New returns a Store on client, which it uses and never closes: close it after the last use of
// the Store. WithSealingKeys is required; WithKeyPrefix and WithLogger are optional. A nil client,
// a missing or malformed sealing key, or another bad option is an error.
func New(client redis.UniversalClient, opts ...Option) (*Store, error) {
	if isNil(client) {
		return nil, errors.New("redisstore: New: the Redis client is nil")
	}
	c := config{prefix: DefaultKeyPrefix}
	for _, opt := range opts {
		if opt == nil {
			return nil, errors.New("redisstore: New: an option is nil")
		}
		if err := opt(&c); err != nil {
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
	logger := c.logger
	if logger == nil {
		logger = slog.Default()
	}
	return &Store{client: client, prefix: c.prefix, aeads: aeads, logger: logger}, nil
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

// Get returns the value stored under key, or nil and no error when there is none, or when the
// stored value does not open under any sealing key (logged at Warn: rotated away, or altered).
// An error is Redis's: unreachable, slow past the context or the client's timeouts.
func (s *Store) Get(ctx context.Context, key string) ([]byte, error) {
	rk := s.valueKey(key)
	sealed, err := s.client.Get(ctx, rk).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("redisstore: get: %w", err)
	}
	value, err := open(s.aeads, rk, sealed)
	if err != nil {
		s.logger.WarnContext(ctx, "redisstore: a stored token is treated as missing: no sealing key opens it (sealed under a key no longer given, or altered in Redis)")
		return nil, nil
	}
	return value, nil
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
	if err := s.client.Set(ctx, rk, seal(s.aeads[0], rk, value), ttl).Err(); err != nil {
		return fmt.Errorf("redisstore: set: %w", err)
	}
	return nil
}

// valueKey is the Redis key of key's value.
func (s *Store) valueKey(key string) string { return s.prefix + key }

// leaseKey is the Redis key of key's lease, apart from its value's.
func (s *Store) leaseKey(key string) string { return s.prefix + "lease:" + key }

// Format prints the Store's prefix and number of sealing keys, never a key: printed field by
// field, it would show the expanded AES keys.
func (s *Store) Format(f fmt.State, _ rune) {
	if s == nil {
		_, _ = fmt.Fprint(f, "redisstore.Store(nil)")
		return
	}
	_, _ = fmt.Fprintf(f, "redisstore.Store{prefix: %q, sealing keys: %d}", s.prefix, len(s.aeads))
}

// A Store is what embedding.WithStore takes.
var _ embedding.Store = (*Store)(nil)
