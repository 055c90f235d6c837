package reeflow

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/reeflow/reeflow-go/internal/api"
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

type apiKeyWire APIKey

// Format prints the key; its ID and name, which the server chose, are bounded and printed
// without control characters.
func (k APIKey) Format(f fmt.State, verb rune) {
	k.ID, k.Name = cleanText(k.ID, maxIDInError), cleanText(k.Name, maxMessageInError)
	formatRedacted(f, verb, apiKeyWire(k), "reeflow.apiKeyWire", "reeflow.APIKey")
}

// UnmarshalJSON decodes an API key and refuses one without an ID.
func (k *APIKey) UnmarshalJSON(b []byte) error {
	var w apiKeyWire
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	if w.ID == "" {
		return errors.New("API key has no id")
	}
	*k = APIKey(w)
	return nil
}

// APIKeysService reads the organization's API keys (assumed endpoints, see the README).
type APIKeysService struct{ c *client }

var (
	opListAPIKeys = operation{name: "list API keys", retry: retryIdempotent}
	opGetAPIKey   = operation{name: "get API key", retry: retryIdempotent}
)

// List returns every API key: GET /api-keys.
func (s *APIKeysService) List(ctx context.Context, opts ...CallOption) ([]APIKey, error) {
	var out []APIKey
	err := s.c.do(ctx, call{op: opListAPIKeys, build: func(base string) (*http.Request, error) {
		return api.NewListAPIKeysRequest(base)
	}, decode: decodeList(&out)}, opts)
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Get returns one API key: GET /api-keys/{id}.
func (s *APIKeysService) Get(ctx context.Context, id string, opts ...CallOption) (*APIKey, error) {
	if err := checkID(opGetAPIKey, "API key", id); err != nil {
		return nil, err
	}
	out := new(APIKey)
	err := s.c.do(ctx, call{op: opGetAPIKey, build: func(base string) (*http.Request, error) {
		return api.NewGetAPIKeyRequest(base, id)
	}, decode: out.UnmarshalJSON}, opts)
	if err != nil {
		return nil, err
	}
	return out, nil
}
