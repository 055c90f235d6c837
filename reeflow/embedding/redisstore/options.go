package redisstore

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
)

// Option configures a Store (WithSealingKeys, WithKeyPrefix, WithLogger); a bad value is an
// error from New. A nil Option is skipped, as in package embedding, so that a conditional option
// may be left nil.
type Option interface {
	apply(*config) error
}

// option is an Option with a name for its errors.
type option struct {
	name string
	set  func(*config) error
}

func (o option) apply(c *config) error {
	if err := o.set(c); err != nil {
		return fmt.Errorf("redisstore: %s: %w", o.name, err)
	}
	return nil
}

// config is what the options set.
type config struct {
	keys      [][]byte
	prefix    string
	logger    *slog.Logger
	loggerSet bool // WithLogger was given: logger, even nil, replaces slog.Default()
}

// SealingKeySize is the length of a sealing key: 32 bytes, for AES-256.
const SealingKeySize = 32

// DefaultKeyPrefix starts every Redis key a Store writes, unless WithKeyPrefix says otherwise.
const DefaultKeyPrefix = "reeflow:embed:"

// WithSealingKeys sets the keys that seal the values in Redis and name them, each SealingKeySize
// random bytes (from crypto/rand, kept as a secret of the application, the same on every
// instance). Values are sealed with current, under Redis keys named by current; a Store also
// looks under the names of the previous keys and opens what they sealed, so that keys can be
// rotated without a burst of mints: see the package documentation. The keys are copied. Required.
func WithSealingKeys(current []byte, previous ...[]byte) Option {
	all := append([][]byte{current}, previous...)
	keys := make([][]byte, len(all))
	for i, k := range all {
		keys[i] = append([]byte(nil), k...)
	}
	return option{name: "WithSealingKeys", set: func(c *config) error {
		for i, k := range keys {
			if len(k) != SealingKeySize {
				return fmt.Errorf("key %d is %d bytes long, want %d (from crypto/rand)", i, len(k), SealingKeySize)
			}
			if subtle.ConstantTimeCompare(k, make([]byte, SealingKeySize)) == 1 {
				return fmt.Errorf("key %d is all zero bytes: a key made but never filled (use crypto/rand)", i)
			}
		}
		c.keys = keys
		return nil
	}}
}

// WithKeyPrefix sets what every Redis key the Store writes starts with (default DefaultKeyPrefix),
// for instance to keep two applications that share one Redis and one sealing key apart, or to
// pin a Cluster hash slot with a {tag}. It must not be empty.
func WithKeyPrefix(prefix string) Option {
	return option{name: "WithKeyPrefix", set: func(c *config) error {
		if prefix == "" {
			return errors.New("the prefix is empty")
		}
		c.prefix = prefix
		return nil
	}}
}

// WithLogger sets where the Store logs what it does not return as an error: a value that no
// sealing key opens (a miss), a lease it could not release (it expires on its own). By default,
// slog.Default(); WithLogger(nil) turns logging off, as in package embedding. Values and sealing
// keys are never logged.
func WithLogger(l *slog.Logger) Option {
	return option{name: "WithLogger", set: func(c *config) error {
		c.logger, c.loggerSet = l, true
		return nil
	}}
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
