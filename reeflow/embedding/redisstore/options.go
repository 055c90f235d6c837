package redisstore

import (
	"crypto/aes"
	"crypto/cipher"
	"errors"
	"fmt"
	"log/slog"
)

// Option configures a Store; a bad value is an error from New.
type Option func(*config) error

// config is what the options set.
type config struct {
	keys   [][]byte
	prefix string
	logger *slog.Logger
}

// SealingKeySize is the length of a sealing key: 32 bytes, for AES-256.
const SealingKeySize = 32

// DefaultKeyPrefix starts every Redis key a Store writes, unless WithKeyPrefix says otherwise.
const DefaultKeyPrefix = "reeflow:embed:"

// WithSealingKeys sets the keys that seal the values in Redis, each SealingKeySize random bytes
// (from crypto/rand, kept as a secret of the application, the same on every instance). Values are
// sealed with current and opened with current or any of previous, so that keys can be rotated
// without failures: deploy with (new, old), then, once the old values have expired (a token's
// lifetime later), with (new) alone. While (new, old) rolls out, instances still on (old) miss
// what the others sealed and mint instead; deploying (old, new) first avoids even that. The keys
// are copied. Required.
func WithSealingKeys(current []byte, previous ...[]byte) Option {
	all := append([][]byte{current}, previous...)
	keys := make([][]byte, len(all))
	for i, k := range all {
		keys[i] = append([]byte(nil), k...)
	}
	return func(c *config) error {
		for i, k := range keys {
			if len(k) != SealingKeySize {
				return fmt.Errorf("redisstore: WithSealingKeys: key %d is %d bytes long, want %d (from crypto/rand)", i, len(k), SealingKeySize)
			}
		}
		c.keys = keys
		return nil
	}
}

// WithKeyPrefix sets what every Redis key the Store writes starts with (default DefaultKeyPrefix),
// for instance to keep two applications sharing one Redis apart, or to pin a Cluster hash slot
// with a {tag}. It must not be empty.
func WithKeyPrefix(prefix string) Option {
	return func(c *config) error {
		if prefix == "" {
			return errors.New("redisstore: WithKeyPrefix: the prefix is empty")
		}
		c.prefix = prefix
		return nil
	}
}

// WithLogger sets where the Store logs what it does not return as an error: a value that no
// sealing key opens (a miss), a lease it could not release (it expires on its own). By default,
// slog.Default(). Values and sealing keys are never logged.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) error {
		if l == nil {
			return errors.New("redisstore: WithLogger: the logger is nil")
		}
		c.logger = l
		return nil
	}
}

// newAEADs returns one AES-GCM per sealing key, the sealing one first.
func newAEADs(keys [][]byte) ([]cipher.AEAD, error) {
	aeads := make([]cipher.AEAD, len(keys))
	for i, k := range keys {
		block, err := aes.NewCipher(k)
		if err != nil {
			return nil, fmt.Errorf("redisstore: sealing key %d: %w", i, err)
		}
		if aeads[i], err = cipher.NewGCM(block); err != nil {
			return nil, fmt.Errorf("redisstore: sealing key %d: %w", i, err)
		}
	}
	return aeads, nil
}
