package reeflowtest_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/reeflow/reeflow-go/reeflow"
)

// TestHandleReplacesAModeledRoute: Handle on a route of the API, whatever its wildcard names,
// serves it instead of the modeled behaviour, behind the same authentication, and leaves the
// other routes as they were.
func TestHandleReplacesAModeledRoute(t *testing.T) {
	t.Parallel()
	srv, client := newServer(t)
	ctx := context.Background()
	seen := make(chan string, 1)
	srv.Handle("POST", "/connections", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		seen <- string(body)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		_, _ = w.Write([]byte(`{"id":"conn_custom","name":"mine","type":"pg","config":{"host":"h","port":5432,"database":"d","user":"u","ssl":true},` +
			`"created_at":"2025-01-02T03:04:05Z","updated_at":"2025-01-02T03:04:05Z"}`))
	}))
	srv.Handle("GET", "/connections/{id}", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusGone)
		_ = json.NewEncoder(w).Encode(map[string]any{"message": "gone: " + r.PathValue("id"), "statusCode": 410})
	}))

	conn, err := client.Connections.Create(ctx, pgParams("db", "pw"), reeflow.WithBodyField("config.sslmode", "verify-full"))
	require.NoError(t, err, "the custom route answers, so the field the spec lacks is not refused")
	assert.Equal(t, "conn_custom", conn.ID)
	assert.Equal(t, time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC), conn.CreatedAt)
	assert.Contains(t, <-seen, `"sslmode":"verify-full"`)
	assert.Empty(t, srv.Connections(), "the modeled create did not run")

	_, err = client.Connections.Get(ctx, "conn_1")
	var apiErr *reeflow.APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, http.StatusGone, apiErr.StatusCode)
	assert.Equal(t, "gone: conn_1", apiErr.Message)

	conns, err := client.Connections.List(ctx)
	require.NoError(t, err, "the routes not replaced are still the API's")
	assert.Empty(t, conns)

	_, err = srv.Client(reeflow.WithBasicAuth(srv.Key().ID, "wrong-secret")).Connections.Get(ctx, "conn_1")
	require.ErrorIs(t, err, reeflow.ErrInvalidAPIKeySecret, "a replaced route still authenticates")
}
