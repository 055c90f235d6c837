package reeflow

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/reeflow/reeflow-go/internal/api"
	"github.com/reeflow/reeflow-go/internal/transport"
)

// APIKey describes an API key of the organization; its secret is never returned. Watch
// LastUsedAt to detect unauthorized use, as Reeflow advises.
type APIKey struct {
	ID         string     `json:"id"`
	Name       string     `json:"name"`
	Enabled    bool       `json:"enabled"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at"` // nil if the key was never used
}

// decodeAPIKeys decodes a list of API keys and refuses one without an ID.
func decodeAPIKeys(out *[]APIKey) func([]byte) error {
	return func(b []byte) error {
		var keys []APIKey
		if err := decodeList(&keys)(b); err != nil {
			return err
		}
		for i := range keys {
			if keys[i].ID == "" {
				return fmt.Errorf("API key %d has no id", i)
			}
		}
		*out = keys
		return nil
	}
}

// decodeAPIKey decodes one API key and refuses one without an ID.
func decodeAPIKey(out *APIKey) func([]byte) error {
	return func(b []byte) error {
		if err := json.Unmarshal(b, out); err != nil {
			return err
		}
		if out.ID == "" {
			return errors.New("API key has no id")
		}
		return nil
	}
}

// APIKeysService reads the organization's API keys (assumed endpoints, see docs/assumptions.md).
type APIKeysService struct{ c *client }

// client returns the client the service sends through (see ConnectionsService.client).
func (s *APIKeysService) client() *client {
	if s == nil {
		return nil
	}
	return s.c
}

var (
	opListAPIKeys = operation{name: "list API keys", policy: transport.RetryIdempotent}
	opGetAPIKey   = operation{name: "get API key", policy: transport.RetryIdempotent}
)

// List returns every API key: GET /api-keys.
func (s *APIKeysService) List(ctx context.Context, opts ...Option) ([]APIKey, error) {
	var out []APIKey
	err := s.client().do(ctx, opListAPIKeys, opts, func(base string) (*http.Request, error) {
		return api.NewListAPIKeysRequest(base)
	}, decodeAPIKeys(&out))
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Get returns one API key: GET /api-keys/{id}.
func (s *APIKeysService) Get(ctx context.Context, id string, opts ...Option) (*APIKey, error) {
	if err := checkID(opGetAPIKey, "API key", id); err != nil {
		return nil, err
	}
	out := new(APIKey)
	err := s.client().do(ctx, opGetAPIKey, opts, func(base string) (*http.Request, error) {
		return api.NewGetAPIKeyRequest(base, id)
	}, decodeAPIKey(out))
	if err != nil {
		return nil, err
	}
	return out, nil
}
