package fleet_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/reeflow/reeflow-go/reeflow"
	"github.com/reeflow/reeflow-go/reeflow/embedding"
	"github.com/reeflow/reeflow-go/reeflow/reeflowtest"
)

// BenchmarkHandler compares the token handler serving a cached token, in-process, with the limit:
// a bare net/http handler that writes the same JSON with the same headers (already encoded, and
// encoded per request). Run them in one run:
//
//	go test -run '^$' -bench Handler -benchmem ./internal/fleet/
func BenchmarkHandler(b *testing.B) {
	fake := reeflowtest.NewServer(b)
	client := fake.Client()
	cache, err := embedding.NewCache(client.Sessions)
	require.NoError(b, err)
	resolve := func(*http.Request) (reeflow.CreateSessionParams, error) {
		return reeflow.CreateSessionParams{UserID: "alice", UserAttributes: reeflow.Attributes{"region": "eu"}}, nil
	}
	handler, err := embedding.NewHandler(cache.Get, resolve)
	require.NoError(b, err)
	rec := httptest.NewRecorder()
	handler.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/reeflow/session", nil))
	require.Equal(b, http.StatusOK, rec.Code)
	body := rec.Body.Bytes()
	var tok struct {
		Token string `json:"token"`
	}
	require.NoError(b, json.Unmarshal(body, &tok))
	require.NotEmpty(b, tok.Token)
	bare := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		_, _ = w.Write(body)
	})

	var answer struct {
		Token     string `json:"token"`
		ExpiresAt string `json:"expires_at"`
	}
	require.NoError(b, json.Unmarshal(body, &answer))
	bareEncoding := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		_ = json.NewEncoder(w).Encode(answer)
	})

	for _, bc := range []struct {
		name string
		h    http.Handler
	}{{"embedding.Handler cached", handler}, {"bare net/http", bare}, {"bare net/http encoding JSON", bareEncoding}} {
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
