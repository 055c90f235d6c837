package reeflow_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/reeflow/reeflow-go/reeflow"
)

// A same-origin redirect that would turn a DELETE or PATCH into a GET is refused: following it
// would report success for a call that never happened.
func TestRedirectThatChangesTheMethodIsRefused(t *testing.T) {
	t.Parallel()
	client, rec := newRecorder(t, func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasSuffix(r.URL.Path, "/") {
			http.Redirect(w, r, r.URL.Path+"/", http.StatusMovedPermanently)
			return
		}
		reply(200, pgConnectionJSON)(w, r)
	})
	err := client.Connections.Delete(context.Background(), "conn_1")
	require.ErrorIs(t, err, reeflow.ErrRedirectRefused)
	assert.ErrorContains(t, err, "would turn DELETE into GET")
	assert.Len(t, rec.all(), 1)
	_, err = client.Connections.Get(context.Background(), "conn_1")
	require.NoError(t, err, "a GET still follows a same-origin redirect")
}

// Zero values of the error types, as a user's mock builds them, never panic.
func TestZeroErrorValuesDoNotPanic(t *testing.T) {
	t.Parallel()
	for _, e := range []error{&reeflow.AuthenticationError{}, &reeflow.BadRequestError{}, &reeflow.PermissionDeniedError{}, (*reeflow.APIError)(nil)} {
		wrapped := fmt.Errorf("mock: %w", e)
		assert.NotPanics(t, func() {
			assert.False(t, errors.Is(wrapped, reeflow.ErrUnauthorized))
			_ = wrapped.Error()
			_ = fmt.Sprintf("%v %+v %#v", e, e, e)
		}, "%T", e)
	}
}

// A body-less call that must not be repeated reaches the server once over HTTP/2 too:
// net/http re-sends a request without a body on a stream reset, whatever GetBody says.
func TestBodylessPostReachesTheServerOnce(t *testing.T) {
	t.Parallel()
	srv := newResetServer(t)
	client, err := reeflow.NewClient(reeflow.WithBaseURL(srv.url), reeflow.WithHTTPClient(srv.client), reeflow.WithBasicAuth(docKeyID, docSecret))
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	require.Error(t, client.Do(ctx, http.MethodPost, "embedded-users/u_1/disable", nil, nil))
	assert.Equal(t, int32(1), srv.received.Load())
}

// A 101 answer hands over the raw connection, which no timeout of net/http bounds: the call
// still ends with its attempt.
func TestSwitchingProtocolsDoesNotHang(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	done := make(chan struct{})
	t.Cleanup(func() { close(done); _ = ln.Close() })
	go func() {
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		defer conn.Close()
		_, _ = http.ReadRequest(bufio.NewReader(conn))
		_, _ = conn.Write([]byte("HTTP/1.1 101 Switching Protocols\r\nConnection: upgrade\r\nUpgrade: x\r\n\r\n"))
		<-done // hold the connection open
	}()
	client, err := reeflow.NewClient(reeflow.WithBaseURL("http://"+ln.Addr().String()), reeflow.WithBasicAuth(docKeyID, docSecret),
		reeflow.WithTimeout(100*time.Millisecond), reeflow.WithMaxRetries(0))
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err = client.Connections.List(ctx)
	require.Error(t, err)
	assert.NoError(t, ctx.Err(), "the call ended with its attempt, not with the caller's context")
	assert.ErrorContains(t, err, "unexpected 101 response")
}

// A config read from a file without "ssl" has not chosen: it is refused, not sent in the clear.
func TestPostgresConfigFromJSONWithoutSSLIsRefused(t *testing.T) {
	t.Parallel()
	var cfg reeflow.PostgresConfig
	require.NoError(t, json.Unmarshal([]byte(`{"host":"db","port":5432,"database":"d","user":"u","password":"p"}`), &cfg))
	assert.False(t, cfg.InsecureNoSSL)
	client, rec := newRecorder(t, reply(201, pgConnectionJSON))
	_, err := client.Connections.Create(context.Background(), reeflow.CreateConnectionParams{Name: "n", Config: cfg})
	require.ErrorContains(t, err, "PostgresConfig.SSL is false")
	assert.Empty(t, rec.all())
}

// A Response holds the raw body, session tokens included: printing and logging show its size.
func TestResponseNeverPrintsItsBody(t *testing.T) {
	t.Parallel()
	resp := reeflow.Response{StatusCode: 201, RequestID: "req_1", Attempts: 1, Body: []byte(`{"token":"` + canaryToken + `"}`)}
	out := printAll(t, resp, false) // like a model, not from an unexported field: see README
	assert.NotContains(t, out, canaryToken)
	assert.Contains(t, fmt.Sprint(resp), "Body:[")
	var logged strings.Builder
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("call", "resp", resp)
	assert.Contains(t, logged.String(), `"body_bytes"`)
	assert.NotContains(t, logged.String(), canaryToken)
}

// Credentials with the ID and secret swapped never encode the secret as the key ID.
func TestSwappedCredentialsNeverEncodeTheSecret(t *testing.T) {
	t.Parallel()
	b, err := json.Marshal(reeflow.Credentials{KeyID: canarySecret, Secret: reeflow.NewSecret("key_abc")})
	require.NoError(t, err)
	assert.NotContains(t, string(b), canarySecret)
	assert.JSONEq(t, `{"KeyID":"[INVALID]","Secret":"[REDACTED]"}`, string(b))
}

// A create whose answer cannot be decoded says the connection may exist.
func TestUndecodableCreateSaysTheConnectionMayExist(t *testing.T) {
	t.Parallel()
	client, _ := newRecorder(t, reply(201, `{"id":"conn_1","type":"pg","config":{"port":"`+strings.Repeat("9", 60_000)+`"}}`))
	_, err := client.Connections.Create(context.Background(), pgParamsSSL)
	require.Error(t, err)
	assert.ErrorContains(t, err, "the connection may have been created")
	assert.Less(t, len(err.Error()), 700, "the decoder's message is bounded")
}
