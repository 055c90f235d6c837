package embedding_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/reeflow/reeflow-go/reeflow"
	"github.com/reeflow/reeflow-go/reeflow/embedding"
	"github.com/reeflow/reeflow-go/reeflow/reeflowtest"
)

// BenchmarkHandler compares the token handler serving a cached token, in-process, with its limit:
// a bare net/http handler doing what any token endpoint does per request, with a cache that costs
// nothing (the token in a variable). Both check the method, call the same resolve (which builds
// the params as a real one would, maps included), set the same headers and encode the same JSON.
// See BENCHMARKS.md.
func BenchmarkHandler(b *testing.B) {
	client := reeflowtest.NewServer(b).Client()
	b.Cleanup(client.CloseIdleConnections)
	cache, err := embedding.NewCache(client.Sessions)
	require.NoError(b, err)
	handler, err := embedding.NewHandler(cache.Get, resolveBenchUser)
	require.NoError(b, err)
	p, err := resolveBenchUser(nil)
	require.NoError(b, err)
	sess, err := cache.Get(context.Background(), p)
	require.NoError(b, err)

	bare := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		header := w.Header()
		header.Set("Cache-Control", "no-store")
		header.Set("X-Content-Type-Options", "nosniff")
		header.Set("Content-Type", "application/json")
		if r.Method != http.MethodPost {
			w.WriteHeader(http.StatusMethodNotAllowed)
			return
		}
		if p, err := resolveBenchUser(r); err != nil || p.UserID == "" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		_ = json.NewEncoder(w).Encode(struct {
			Token     string `json:"token"`
			ExpiresAt string `json:"expires_at"`
		}{sess.Token, sess.ExpiresAt.UTC().Format(time.RFC3339)})
	})

	// Both answer alike, or the comparison is void.
	var bodies [2]map[string]string
	for i, h := range []http.Handler{handler, bare} {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/reeflow/session", nil))
		require.Equal(b, http.StatusOK, w.Code)
		for _, name := range []string{"Content-Type", "Cache-Control", "X-Content-Type-Options"} {
			require.NotEmpty(b, w.Header().Get(name), name)
		}
		require.NoError(b, json.Unmarshal(w.Body.Bytes(), &bodies[i]))
	}
	require.Equal(b, bodies[0], bodies[1])
	require.Equal(b, sess.Token, bodies[0]["token"])

	for _, bc := range []struct {
		name string
		h    http.Handler
	}{{"embedding.NewHandler cached", handler}, {"bare net/http", bare}} {
		b.Run(bc.name, func(b *testing.B) {
			req := httptest.NewRequest(http.MethodPost, "/reeflow/session", nil)
			b.ReportAllocs()
			for b.Loop() {
				w := httptest.NewRecorder()
				bc.h.ServeHTTP(w, req)
				if w.Code != http.StatusOK {
					b.Fatalf("status %d", w.Code)
				}
			}
		})
	}
}

// resolveBenchUser is the resolve of BenchmarkHandler: a user, an organization and a few
// attributes, built per request. It is not inlined, as a real one (which reads a session) would
// not be: inlined into the bare handler, its maps would stay on the stack, as they cannot when
// NewHandler calls it.
//
//go:noinline
func resolveBenchUser(*http.Request) (reeflow.CreateSessionParams, error) {
	return reeflow.CreateSessionParams{
		UserID: "user_1234", OrganizationID: "org_acme",
		UserAttributes:         reeflow.Attributes{"region": "eu", "level": 3, "admin": false},
		OrganizationAttributes: reeflow.Attributes{"plan": "enterprise"},
	}, nil
}
