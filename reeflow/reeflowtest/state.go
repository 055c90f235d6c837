package reeflowtest

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"sync"
	"time"

	"github.com/reeflow/reeflow-go/internal/fakeapi"
	"github.com/reeflow/reeflow-go/internal/hmacsig"
)

// state is everything the fake server remembers, behind one mutex.
type state struct {
	mu        sync.Mutex
	clock     func() time.Time
	keys      map[string]*apiKey
	keyOrder  []string
	defaultID string
	conns     map[string]*connection
	connOrder []string
	fail      failure
	jwtSecret []byte
	quotas    map[string]int // resource → the most the organization may have
}

// apiKey keeps a hash of the secret for Basic comparisons. HMAC verification needs the secret
// itself as the MAC key, so the signer holds it too, as a real server must.
type apiKey struct {
	id, name   string
	secret     string // returned by Server.Key only
	secretHash [sha256.Size]byte
	signer     *hmacsig.Key
	enabled    bool
	createdAt  time.Time
	lastUsedAt *time.Time
}

type connection struct {
	id, name  string
	pg        *fakeapi.PostgresConfig // exactly one of pg, tinybird, bigquery and snowflake is set
	tinybird  *fakeapi.TinybirdConfig
	bigquery  *fakeapi.BigQueryConfig
	snowflake *fakeapi.SnowflakeConfig
	createdAt time.Time
	updatedAt time.Time
}

type failure struct {
	remaining  int
	status     int
	retryAfter time.Duration
}

func newState() (*state, error) {
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		return nil, err
	}
	return &state{
		clock:     time.Now,
		keys:      map[string]*apiKey{},
		conns:     map[string]*connection{},
		jwtSecret: secret,
		quotas:    map[string]int{quotaAPIKeys: defaultAPIKeyQuota},
	}, nil
}

func (s *state) now() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.clock()
}

func (s *state) setClock(now func() time.Time) {
	if now == nil {
		now = time.Now
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.clock = now
}

// addKey adds a key, or replaces the one with the same ID; it returns the quota message when
// the organization has as many keys as its quota allows.
func (s *state) addKey(id, name, secret string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, exists := s.keys[id]; !exists {
		if msg := s.quotaExceeded(quotaAPIKeys, len(s.keys)); msg != "" {
			return msg
		}
		s.keyOrder = append(s.keyOrder, id)
	}
	if s.defaultID == "" {
		s.defaultID = id
	}
	s.keys[id] = newAPIKey(id, name, secret, s.clock().UTC())
	return ""
}

// newAPIKey returns an enabled key that has never been used.
func newAPIKey(id, name, secret string, createdAt time.Time) *apiKey {
	return &apiKey{
		id: id, name: name, secret: secret, secretHash: sha256.Sum256([]byte(secret)),
		signer: hmacsig.NewKey([]byte(secret)), enabled: true, createdAt: createdAt,
	}
}

func (s *state) defaultKey() Key {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := s.keys[s.defaultID]
	return Key{ID: k.id, Secret: k.secret}
}

func (s *state) setKeyEnabled(id string, enabled bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if k, ok := s.keys[id]; ok {
		k.enabled = enabled
	}
}

// secretMatches compares hashes in constant time, so neither the secret nor its length leaks
// through timing.
func (k *apiKey) secretMatches(secret string) bool {
	got := sha256.Sum256([]byte(secret))
	return subtle.ConstantTimeCompare(got[:], k.secretHash[:]) == 1
}

func (s *state) failNext(n, status int, retryAfter time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fail = failure{remaining: max(n, 0), status: status, retryAfter: retryAfter}
}

func (s *state) takeFailure() (status int, retryAfter time.Duration, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail.remaining == 0 {
		return 0, 0, false
	}
	s.fail.remaining--
	return s.fail.status, s.fail.retryAfter, true
}
