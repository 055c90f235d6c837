package reeflow_test

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/reeflow/reeflow-go/reeflow"
	"github.com/reeflow/reeflow-go/reeflow/reeflowtest"
)

// TestNoSecretLeaks sends a canary API secret and a canary database password through every
// failure path, collects every error, every Debug log line and every print of the values
// involved, and looks for the canaries.
func TestNoSecretLeaks(t *testing.T) {
	t.Parallel()
	sink := &logSink{}
	logger := slog.New(slog.NewTextHandler(sink, &slog.HandlerOptions{Level: slog.LevelDebug}))
	srv := reeflowtest.NewServer(t, reeflowtest.WithKey("key_canary", canarySecret))
	ctx := context.Background()
	pg := reeflow.PostgresConfig{Host: "db", Port: 5432, Database: "app", User: "u", Password: canaryPassword, SSL: true}
	params := reeflow.CreateConnectionParams{Name: "leak", Config: pg}
	var collected []any
	keep := func(v ...any) { collected = append(collected, v...) }

	for _, mode := range []func(id, secret string) reeflow.Option{reeflow.WithBasicAuth, reeflow.WithHMACAuth} {
		base := append(noWaits(&waits{}), reeflow.WithLogger(logger))
		client := srv.Client(append(base, mode("key_canary", canarySecret))...)
		keep(client)

		// Bad credentials, refused before sending.
		_, err := reeflow.NewClient(mode("key_canary", canarySecret+"\n"))
		keep(err)
		_, err = reeflow.NewClient(mode(canarySecret, "key_canary"))
		keep(err)

		// Documented authentication errors.
		for _, wrong := range []*reeflow.Client{
			srv.Client(append(base, mode("key_canary", canarySecret+"x"))...),
			srv.Client(append(base, mode("key_unknown", canarySecret))...),
		} {
			_, err = wrong.Connections.Create(ctx, params)
			keep(err)
		}
		other := srv.AddKey("disabled")
		srv.DisableKey(other.ID)
		_, err = srv.Client(append(base, mode(other.ID, other.Secret))...).Connections.List(ctx)
		keep(err)

		// Retries exhausted, on a request whose body carries the password.
		created, err := client.Connections.Create(ctx, params)
		require.NoError(t, err)
		keep(created)
		srv.FailNext(3, http.StatusServiceUnavailable, time.Second)
		_, err = client.Connections.Update(ctx, created.ID, reeflow.UpdateConnectionParams{Config: pg})
		require.ErrorContains(t, err, "giving up")
		keep(err)
		srv.FailNext(1, http.StatusServiceUnavailable, 0)
		_, err = client.Connections.Create(ctx, params)
		keep(err)
	}

	// Timeouts, redirects and broken bodies, against focused servers.
	hang := func(_ http.ResponseWriter, r *http.Request) { <-r.Context().Done() }
	for _, h := range []http.HandlerFunc{
		hang,
		func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "https://elsewhere.example/connections", http.StatusFound)
		},
		reply(201, `<html>`+canaryPassword+`</html>`),
		reply(201, `{"id":"conn_1","type":"pg","config":{"password":`),
		reply(400, `{"message":["config.password must be longer"],"error":"Bad Request","statusCode":400}`),
	} {
		client, _ := newRecorder(t, h, reeflow.WithBasicAuth("key_canary", canarySecret), reeflow.WithAttemptTimeout(500*time.Millisecond), reeflow.WithLogger(logger))
		_, err := client.Connections.Create(ctx, params)
		keep(err)
	}

	// A panic in user code recovered by the caller: what it carries must not hold a canary either.
	func() {
		defer func() { keep(recover()) }()
		client := srv.Client(reeflow.WithBasicAuth("key_canary", canarySecret))
		_, _ = client.Connections.Create(ctx, params, reeflow.RequestEditorFn(func(context.Context, *http.Request) error { panic("editor failed") }))
	}()

	keep(reeflow.Credentials{KeyID: "key_canary", Secret: reeflow.NewSecret(canarySecret)}, pg, &pg, params, reeflow.NewSecret(canarySecret))

	var printed strings.Builder
	for _, v := range collected {
		require.NotNil(t, v)
		if err, ok := v.(error); ok {
			printed.WriteString(err.Error() + "\n")
		}
		_, isErr := v.(error)
		printed.WriteString(printAll(t, v, !isErr))
	}
	printed.WriteString(sink.String())
	out := printed.String()
	assert.NotContains(t, out, canarySecret)
	assert.NotContains(t, out, canaryPassword)
	assert.Contains(t, out, "Invalid API key secret", "the collection did see the failures")
	assert.Contains(t, out, "giving up after 3 attempts")
	assert.Contains(t, out, "redirect refused")
	assert.Contains(t, out, "deadline exceeded")
	assert.Contains(t, out, "level=DEBUG")
	t.Logf("checked %d values and %d bytes of output", len(collected), len(out))
}
