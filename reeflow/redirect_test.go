package reeflow_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/reeflow/reeflow-go/internal/testlog"
	"github.com/reeflow/reeflow-go/reeflow"
)

func TestRedirects(t *testing.T) {
	t.Parallel()
	var elsewhere atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { elsewhere.Add(1) }))
	defer other.Close()
	tlsOther := httptest.NewTLSServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { elsewhere.Add(1) }))
	defer tlsOther.Close()

	redirectTo := func(target string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/moved" {
				reply(200, `[]`)(w, r)
				return
			}
			http.Redirect(w, r, target, http.StatusTemporaryRedirect)
		}
	}
	// Another origin, with the SDK's client and with a user's client that follows everything.
	for _, hc := range []*http.Client{nil, {CheckRedirect: func(*http.Request, []*http.Request) error { return nil }}} {
		opts := []reeflow.Option{}
		if hc != nil {
			opts = append(opts, reeflow.WithHTTPClient(hc))
		}
		client, _ := newRecorder(t, redirectTo(other.URL+"/connections"), opts...)
		_, err := client.Connections.List(context.Background())
		require.ErrorIs(t, err, reeflow.ErrRedirectRefused)
		assert.Contains(t, err.Error(), other.URL)
	}
	assert.Zero(t, elsewhere.Load(), "nothing, and so no credential, reached the other origin")

	// https to http on the same host.
	var sawAuth atomic.Value
	plain := httptest.NewServer(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) { sawAuth.Store(r.Header.Get("Authorization")) }))
	defer plain.Close()
	secure := httptest.NewTLSServer(redirectTo(plain.URL + "/connections"))
	defer secure.Close()
	client, err := reeflow.NewClient(reeflow.WithBaseURL(secure.URL), reeflow.WithHTTPClient(secure.Client()), reeflow.WithBasicAuth(docKeyID, docSecret))
	require.NoError(t, err)
	_, err = client.Connections.List(context.Background())
	require.ErrorIs(t, err, reeflow.ErrRedirectRefused)
	assert.Nil(t, sawAuth.Load())

	// A redirect within the origin is followed.
	client, rec := newRecorder(t, redirectTo("/moved"))
	_, err = client.Connections.List(context.Background())
	require.NoError(t, err)
	assert.Equal(t, "/moved", rec.last(t).RawPath)
}

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

// TestMalformedRedirectIsNotQuoted: net/http quotes a Location it cannot parse twice and without
// bound; the error names the problem instead, carries no query, and is not retried.
func TestMalformedRedirectIsNotQuoted(t *testing.T) {
	t.Parallel()
	location := "/v2/%zz?leak=SECRETLOC&pad=" + strings.Repeat("A", 100_000)
	var logs strings.Builder
	client, rec := newRecorder(t, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Location", location)
		w.WriteHeader(http.StatusTemporaryRedirect)
	}, reeflow.WithMaxRetries(2), reeflow.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	_, err := client.Connections.List(context.Background())
	require.Error(t, err)
	assert.Contains(t, err.Error(), "redirect refused: the server redirected to a malformed Location")
	assert.NotContains(t, err.Error(), "SECRETLOC")
	assert.Less(t, len(err.Error()), 300)
	assert.NotContains(t, logs.String(), "SECRETLOC")
	assert.Len(t, rec.all(), 1, "another attempt would get the same redirect")
}

// A redirect the client does not follow is the call's failed response: its status leads the
// error, and reaches the Response and the log record, whether the guard refused it or its
// Location could not be parsed (net/http returns no response then). Either way it matches
// ErrRedirectRefused.
func TestRefusedRedirectKeepsItsStatus(t *testing.T) {
	t.Parallel()
	redirect := func(status int, location string) http.HandlerFunc {
		return func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("X-Request-Id", "req_redirect")
			w.Header().Set("Location", location)
			w.WriteHeader(status)
		}
	}
	for _, tc := range []struct {
		name    string
		respond http.HandlerFunc
		call    func(*reeflow.Client, reeflow.Option) error
		status  int
		text    string
		refused bool // errors.Is(err, ErrRedirectRefused)
	}{
		{"malformed Location", redirect(http.StatusMovedPermanently, "http://[::1%zz]/"), list, 301,
			"reeflow: list connections: 301 Moved Permanently: Get ", true},
		{"malformed Location on a 307", redirect(http.StatusTemporaryRedirect, "/v2/%zz"), list, 307,
			"reeflow: list connections: 307 Temporary Redirect: Get ", true},
		{"malformed Location on a 308 to a delete", redirect(http.StatusPermanentRedirect, "/v2/%zz"), func(c *reeflow.Client, o reeflow.Option) error {
			return c.Connections.Delete(context.Background(), "conn_1", o)
		}, 308, "reeflow: delete connection: 308 Permanent Redirect: Delete ", true},
		{"loop", redirect(http.StatusFound, "/connections"), list, 302,
			"reeflow: list connections: 302 Found: Get ", true},
		{"other origin", redirect(http.StatusTemporaryRedirect, "http://127.0.0.2:1/x"), list, 307,
			"reeflow: list connections: 307 Temporary Redirect: Get ", true},
		{"method change", redirect(http.StatusMovedPermanently, "/elsewhere"), func(c *reeflow.Client, o reeflow.Option) error {
			return c.Connections.Delete(context.Background(), "conn_1", o)
		}, 301, "reeflow: delete connection: 301 Moved Permanently: Delete ", true},
	} {
		sink := &testlog.Sink{}
		client, _ := newRecorder(t, tc.respond, reeflow.WithLogger(sink.Logger()))
		var resp reeflow.Response
		err := tc.call(client, reeflow.WithResponseInto(&resp))
		require.Error(t, err, tc.name)
		assert.True(t, strings.HasPrefix(err.Error(), tc.text), "%s: %v", tc.name, err)
		assert.Equal(t, tc.refused, errors.Is(err, reeflow.ErrRedirectRefused), "%s: %v", tc.name, err)
		assert.NotContains(t, err.Error(), "%zz", tc.name)
		assert.Equal(t, tc.status, resp.StatusCode, tc.name)
		assert.Equal(t, "req_redirect", resp.RequestID, tc.name)
		assert.NotEmpty(t, resp.Header.Get("Location"), tc.name)
		assert.Equal(t, 1, resp.Attempts, tc.name)
		recs := sink.Records(t)
		require.Len(t, recs, 1, tc.name)
		assert.EqualValues(t, tc.status, recs[0]["status"], tc.name)
		assert.Equal(t, "req_redirect", recs[0]["request_id"], tc.name)
	}
}

func list(c *reeflow.Client, o reeflow.Option) error {
	_, err := c.Connections.List(context.Background(), o)
	return err
}

// A redirect net/http does not follow reaches the caller as the response it is, an *APIError
// with its status and body, whatever its Location: a 300 or 304, and a 307 or 308 to a create,
// whose body the client does not send twice. It is not ErrRedirectRefused.
func TestRedirectNetHTTPDoesNotFollowIsTheAnswer(t *testing.T) {
	t.Parallel()
	create := func(c *reeflow.Client, o reeflow.Option) error {
		_, err := c.Connections.Create(context.Background(), reeflow.CreateConnectionParams{Name: "n",
			Config: reeflow.PostgresConfig{Host: "h", Port: 5432, Database: "d", User: "u", Password: "p", SSL: true}}, o)
		return err
	}
	for _, tc := range []struct {
		name     string
		status   int
		location string
		call     func(*reeflow.Client, reeflow.Option) error
		text     string
	}{
		{"300", http.StatusMultipleChoices, "/v2/%zz", list, "reeflow: list connections: 300 Multiple Choices: moved"},
		{"304", http.StatusNotModified, "/v2/%zz", list, "reeflow: list connections: 304 Not Modified (empty body)"},
		{"307 to a create", http.StatusTemporaryRedirect, "/v2/%zz", create, "reeflow: create connection: 307 Temporary Redirect: moved"},
		{"308 to a create", http.StatusPermanentRedirect, "/v2/%zz", create, "reeflow: create connection: 308 Permanent Redirect: moved"},
		{"307 to a create, a Location that parses", http.StatusTemporaryRedirect, "/v2/connections", create,
			"reeflow: create connection: 307 Temporary Redirect: moved"},
	} {
		client, rec := newRecorder(t, func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Location", tc.location)
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(tc.status)
			_, _ = w.Write([]byte(`{"message":"moved"}`)) // a 304 has no body: net/http drops it
		})
		var resp reeflow.Response
		err := tc.call(client, reeflow.WithResponseInto(&resp))
		var apiErr *reeflow.APIError
		require.ErrorAs(t, err, &apiErr, tc.name)
		assert.Equal(t, tc.status, apiErr.StatusCode, tc.name)
		assert.Equal(t, tc.text, err.Error(), tc.name)
		assert.NotErrorIs(t, err, reeflow.ErrRedirectRefused, tc.name)
		assert.Equal(t, tc.status, resp.StatusCode, tc.name)
		assert.Equal(t, tc.location, resp.Header.Get("Location"), tc.name)
		assert.Len(t, rec.all(), 1, tc.name)
	}
}

// TestRefusedAnswerRequestIDHasNoCredentials: a refused redirect (to another origin, or with a
// Location that does not parse) and a 101 are failed answers too: a request ID that echoes the
// request's Authorization is redacted in the Response and in the log, as a 4xx's is.
func TestRefusedAnswerRequestIDHasNoCredentials(t *testing.T) {
	t.Parallel()
	redirect := func(location string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("X-Request-Id", r.Header.Get("Authorization"))
			w.Header().Set("Location", location)
			w.WriteHeader(http.StatusFound)
		}
	}
	switching := func(w http.ResponseWriter, r *http.Request) {
		conn, buf, err := w.(http.Hijacker).Hijack()
		if err != nil {
			return
		}
		defer conn.Close()
		_, _ = buf.WriteString("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: x\r\nX-Request-Id: " +
			r.Header.Get("Authorization") + "\r\n\r\n")
		_ = buf.Flush()
	}
	for name, respond := range map[string]http.HandlerFunc{
		"another origin":     redirect("http://127.0.0.2:1/x"),
		"malformed Location": redirect("http://[::1%zz]/"),
		"101":                switching,
	} {
		sink := &testlog.Sink{}
		client, rec := newRecorder(t, respond, reeflow.WithLogger(sink.Logger()), reeflow.WithAttemptTimeout(0))
		var resp reeflow.Response
		_, err := client.Connections.List(context.Background(), reeflow.WithResponseInto(&resp))
		require.Error(t, err, name)
		auth := rec.last(t).Header.Get("Authorization")
		// Printed request IDs are cut at 100 bytes: look for the token's start.
		token := strings.TrimPrefix(auth, "Basic ")[:20]
		assert.Equal(t, "[REDACTED]", resp.RequestID, name)
		for what, text := range map[string]string{"error": fmt.Sprintf("%+v", err), "log": sink.String(), "Response": fmt.Sprintf("%+v", resp)} {
			assert.NotContains(t, text, token, "%s: the %s holds the credentials", name, what)
		}
	}
}

// TestRefusedRedirectKeepsItsConnection: net/http reads at most 2 KB of a redirect it was told
// not to follow before closing it; the client drains a longer body, so calls that each meet
// one reuse one connection instead of opening a new one every time.
func TestRefusedRedirectKeepsItsConnection(t *testing.T) {
	t.Parallel()
	var opened atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Location", "http://127.0.0.2:1/x")
		w.WriteHeader(http.StatusFound)
		_, _ = io.WriteString(w, strings.Repeat("x", 3000))
	}))
	srv.Config.ConnState = func(_ net.Conn, state http.ConnState) {
		if state == http.StateNew {
			opened.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	client, err := reeflow.NewClient(reeflow.WithBaseURL(srv.URL), reeflow.WithBasicAuth(docKeyID, docSecret), reeflow.WithMaxRetries(0))
	require.NoError(t, err)
	t.Cleanup(client.CloseIdleConnections)
	for range 20 {
		_, err := client.Connections.List(context.Background())
		require.ErrorIs(t, err, reeflow.ErrRedirectRefused)
	}
	assert.Equal(t, int32(1), opened.Load(), "each refused redirect's connection is reused")
}
