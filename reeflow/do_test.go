package reeflow_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/reeflow/reeflow-go/internal/testlog"
	"github.com/reeflow/reeflow-go/reeflow"
	"github.com/reeflow/reeflow-go/reeflow/reeflowtest"
)

func TestDoAgainstTheFake(t *testing.T) {
	t.Parallel()
	srv := reeflowtest.NewServer(t)
	ctx := context.Background()
	for _, mode := range []reeflow.Option{reeflow.WithBasicAuth(srv.Key().ID, srv.Key().Secret), reeflow.WithHMACAuth(srv.Key().ID, srv.Key().Secret)} {
		client := srv.Client(mode)
		var created map[string]any
		err := client.Do(ctx, http.MethodPost, "/connections", map[string]any{
			"name": "raw", "type": "pg",
			"config": map[string]any{"host": "db", "port": 5432, "database": "d", "user": "u", "password": "pw", "ssl": true},
		}, &created)
		require.NoError(t, err)
		id, _ := created["id"].(string)
		require.NotEmpty(t, id)
		assert.NotContains(t, created["config"], "password")

		var list []json.RawMessage
		require.NoError(t, client.Do(ctx, http.MethodGet, "connections", nil, &list))
		assert.NotEmpty(t, list)

		var one reeflow.Connection
		require.NoError(t, client.Do(ctx, http.MethodGet, "connections/"+id, nil, &one), "models decode from Do too")
		assert.Equal(t, "raw", one.Name)

		require.NoError(t, client.Do(ctx, http.MethodDelete, "connections/"+id, nil, nil))
		err = client.Do(ctx, http.MethodGet, "connections/"+id, nil, &one)
		require.ErrorIs(t, err, reeflow.ErrNotFound, "typed errors")
		assert.ErrorContains(t, err, "reeflow: GET connections/"+id+": 404")
	}
}

func TestDoSendsWhatItIsGiven(t *testing.T) {
	t.Parallel()
	client, rec := newRecorder(t, reply(200, `{"rows":[1,2]}`))
	ctx := context.Background()
	var out struct{ Rows []int }
	require.NoError(t, client.Do(ctx, http.MethodPost, "queries?limit=10", json.RawMessage(`{"q":"select 1"}`), &out))
	got := rec.last(t)
	assert.Equal(t, http.MethodPost, got.Method)
	assert.Equal(t, "/queries", got.RawPath)
	assert.Equal(t, "limit=10", got.Query)
	assert.JSONEq(t, `{"q":"select 1"}`, string(got.Body))
	assert.Equal(t, "application/json", got.Header.Get("Content-Type"))
	assert.Equal(t, docHeader, got.Header.Get("Authorization"))
	assert.Equal(t, []int{1, 2}, out.Rows)

	require.NoError(t, client.Do(ctx, http.MethodGet, "embedded-users/"+url.PathEscape("ü 1"), nil, nil))
	assert.Equal(t, "/embedded-users/%C3%BC%201", rec.last(t).RawPath, "an escaped segment stays one segment")

	// The query is data: it stays out of errors and logs.
	bad, _ := newRecorder(t, reply(404, `{"message":"no"}`))
	err := bad.Do(ctx, http.MethodGet, "sessions/verify?token=SECRET-TOKEN", nil, nil)
	require.ErrorIs(t, err, reeflow.ErrNotFound)
	assert.NotContains(t, err.Error(), "SECRET-TOKEN")
	assert.Contains(t, err.Error(), "GET sessions/verify:")

	empty, rec2 := newRecorder(t, func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) })
	out.Rows = []int{7}
	require.NoError(t, empty.Do(ctx, http.MethodDelete, "embedded-users/u_1", nil, &out), "204: nothing to decode")
	assert.Equal(t, []int{7}, out.Rows)
	assert.Empty(t, rec2.last(t).Body)
	assert.Empty(t, rec2.last(t).Header.Get("Content-Type"), "no body, no content type")
}

// A POST without a body (an action such as "disable") succeeds through Client.Do: it reaches
// the server once, with an empty body and no Content-Type, and its answer is decoded (or, empty,
// leaves out unchanged). (Over HTTP/1.1 the empty body goes out chunked: the guard against
// HTTP/2 re-sends gives it a body net/http cannot rewind, whose length net/http then calls
// unknown.)
func TestDoBodylessPostSucceeds(t *testing.T) {
	t.Parallel()
	client, rec := newRecorder(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/embedded-users/u_1/disable" {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		reply(200, `{"enabled":false}`)(w, r)
	})
	ctx := context.Background()
	out := struct{ Enabled bool }{Enabled: true}
	var resp reeflow.Response
	require.NoError(t, client.Do(ctx, http.MethodPost, "embedded-users/u_1/disable", nil, &out, reeflow.WithResponseInto(&resp)))
	assert.True(t, out.Enabled, "an empty answer leaves out unchanged")
	assert.Equal(t, http.StatusNoContent, resp.StatusCode)
	assert.Equal(t, 1, resp.Attempts)

	require.NoError(t, client.Do(ctx, http.MethodPost, "embedded-users/u_1/status", nil, &out))
	assert.False(t, out.Enabled, "the answer is decoded")

	all := rec.all()
	require.Len(t, all, 2, "each call reached the server once")
	for _, got := range all {
		assert.Equal(t, http.MethodPost, got.Method)
		assert.Empty(t, got.Body)
		assert.Empty(t, got.Header.Get("Content-Type"), "no body, no Content-Type")
		assert.Equal(t, docHeader, got.Header.Get("Authorization"))
	}
}

func TestDoRefusesWhatWouldLeaveTheAPI(t *testing.T) {
	t.Parallel()
	client, rec := newRecorder(t, reply(200, `{}`))
	ctx := context.Background()
	for path, want := range map[string]string{
		"":                             "empty path",
		"/":                            "empty path",
		"../api-keys":                  `"." or ".."`,
		"connections/../api-keys":      `"." or ".."`,
		"connections/%2e%2e/x":         `"." or ".."`,
		"./connections":                `"." or ".."`,
		"//evil.example/connections":   "relative to the base URL",
		"https://evil.example/x":       "relative to the base URL",
		"connections//x":               "empty segment",
		"connections#frag":             "fragment",
		`connections\..\x`:             `"\"`,
		"connections/%zz":              "path",
		"embedded-users/..%2Fapi-keys": `decode to "/"`,
		"embedded-users/..%5capi-keys": `decode to "/"`,
		"embedded-users/%252e%252e":    `decode to "/"`,
		"connections?a=b c":            "malformed query",
		"connections?a=%zz":            "malformed query",
		"x\nlevel=ERROR":               "path",
		// Segments that Tomcat, Jetty, Spring, or servers that end a path at a NUL or
		// normalise Unicode, read as a parent reference.
		"..;/admin":                  `"." or ".."`,
		"%2e%2e;/admin":              `"." or ".."`,
		"x/..;jsessionid=1/admin":    `"." or ".."`,
		"x/.%2e/admin":               `"." or ".."`,
		"x/%2E./admin":               `"." or ".."`,
		"x/.../admin":                `"." or ".."`,
		"x/%20..%20/admin":           `"." or ".."`,
		"x/．．/admin":                 `"." or ".."`,
		"x/%EF%BC%8E%EF%BC%8E/admin": `"." or ".."`,
		"x/‥/admin":                  `"." or ".."`,
		"x/﹒﹒/admin":                 `"." or ".."`,
		"x/;/admin":                  `";" parameters are dropped`,
		"x/..%00":                    "NUL or another control character",
		"x%00y":                      "NUL or another control character",
		"x/..%00/admin":              "NUL or another control character",
		"x/%7f":                      "NUL or another control character",
		"x/%c0%ae%c0%ae/admin":       "do not decode to UTF-8",
		"embedded-users/%2e%2e%3b/admin?x=1&y=..;": `"." or ".."`,
	} {
		err := client.Do(ctx, http.MethodGet, path, nil, nil)
		require.Error(t, err, path)
		assert.ErrorContains(t, err, want, path)
		assert.Regexp(t, `^reeflow: GET( [^?\n]*)?: [^\n]*$`, err.Error(), "every error names the method and the path without its query")
	}
	for method, want := range map[string]string{"": "reeflow: connections: empty method", "GET /x": "not allowed in an HTTP method"} {
		err := client.Do(ctx, method, "connections", nil, nil)
		assert.ErrorContains(t, err, want)
	}
	var notPointer map[string]any
	assert.ErrorContains(t, client.Do(ctx, http.MethodGet, "connections", nil, notPointer), "out must be a non-nil pointer")
	assert.ErrorContains(t, client.Do(ctx, http.MethodPost, "connections", []byte(`{"broken"`), nil), "body is not valid JSON")
	assert.ErrorContains(t, client.Do(ctx, http.MethodPost, "connections", make(chan int), nil), "encode body")
	assert.Empty(t, rec.all(), "nothing was sent")

	// Dots and path parameters that no server reads as a parent reference are sent.
	for _, path := range []string{"files/report.v2.json", "x/..a", "x/a..", "users;v=1/x", "x/%2e%2ea"} {
		require.NoError(t, client.Do(ctx, http.MethodGet, path, nil, nil), path)
	}
	assert.Len(t, rec.all(), 5)
}

func TestDoRetryPolicy(t *testing.T) {
	t.Parallel()
	srv := reeflowtest.NewServer(t)
	client := srv.Client(noWaits(&waits{})...)
	ctx := context.Background()
	var resp reeflow.Response

	srv.FailNext(1, http.StatusServiceUnavailable, 0)
	require.NoError(t, client.Do(ctx, http.MethodGet, "connections", nil, nil, reeflow.WithResponseInto(&resp)))
	assert.Equal(t, 2, resp.Attempts, "GET is retried")

	body := map[string]any{"user": map[string]any{"id": "u_1"}}
	srv.FailNext(1, http.StatusServiceUnavailable, 0)
	err := client.Do(ctx, http.MethodPost, "sessions", body, nil, reeflow.WithResponseInto(&resp))
	require.ErrorIs(t, err, reeflow.ErrServer, "a POST is not retried once sent")
	assert.ErrorContains(t, err, "not retried: the server may have acted on the request; pass WithIdempotent")
	assert.Equal(t, 1, resp.Attempts)

	srv.FailNext(1, http.StatusServiceUnavailable, 0)
	require.NoError(t, client.Do(ctx, http.MethodPost, "sessions", body, nil, reeflow.WithIdempotent(), reeflow.WithResponseInto(&resp)))
	assert.Equal(t, 2, resp.Attempts, "WithIdempotent lets a POST be retried")

	srv.FailNext(1, http.StatusTooManyRequests, time.Second)
	require.NoError(t, client.Do(ctx, http.MethodPost, "sessions", body, nil, reeflow.WithResponseInto(&resp)))
	assert.Equal(t, 2, resp.Attempts, "429: the server did not act")

	// PATCH is not idempotent (RFC 9110): on an endpoint the SDK does not model it may append.
	conn, err := client.Connections.Create(ctx, reeflow.CreateConnectionParams{Name: "p", Config: reeflow.TinybirdConfig{Host: "h", Token: "t"}})
	require.NoError(t, err)
	patch := map[string]any{"name": "renamed"}
	srv.FailNext(1, http.StatusServiceUnavailable, 0)
	err = client.Do(ctx, http.MethodPatch, "connections/"+conn.ID, patch, nil, reeflow.WithResponseInto(&resp))
	require.ErrorIs(t, err, reeflow.ErrServer, "a PATCH is not retried once sent")
	assert.ErrorContains(t, err, "reeflow: PATCH connections/"+conn.ID+": 503")
	assert.ErrorContains(t, err, "pass WithIdempotent")
	assert.Equal(t, 1, resp.Attempts)
	srv.FailNext(1, http.StatusServiceUnavailable, 0)
	require.NoError(t, client.Do(ctx, http.MethodPatch, "connections/"+conn.ID, patch, nil, reeflow.WithIdempotent(), reeflow.WithResponseInto(&resp)))
	assert.Equal(t, 2, resp.Attempts, "WithIdempotent lets a PATCH be retried")
	srv.FailNext(1, http.StatusServiceUnavailable, 0)
	name := "again"
	_, err = client.Connections.Update(ctx, conn.ID, reeflow.UpdateConnectionParams{Name: &name}, reeflow.WithResponseInto(&resp))
	require.NoError(t, err)
	assert.Equal(t, 2, resp.Attempts, "the service's own PATCH, a full replacement of the fields it sends, is retried")
}

// TestDoKeepsTheQueryOutOfErrorsAndLogs: net/http quotes the whole URL in its errors; the query
// of a Do path can carry data, so neither the error nor the log record shows it.
func TestDoKeepsTheQueryOutOfErrorsAndLogs(t *testing.T) {
	t.Parallel()
	dead := httptest.NewServer(http.NotFoundHandler())
	base := dead.URL
	dead.Close() // nothing listens there any more
	var logs strings.Builder
	client, err := reeflow.NewClient(reeflow.WithBaseURL(base), reeflow.WithBasicAuth(docKeyID, docSecret),
		reeflow.WithMaxRetries(0), reeflow.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	require.NoError(t, err)
	err = client.Do(context.Background(), http.MethodGet, "exports?signed_token=QUERYSECRET", nil, nil)
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "QUERYSECRET")
	assert.Contains(t, err.Error(), base+"/exports", "the error still says where it went")
	var urlErr *url.Error
	assert.ErrorAs(t, err, &urlErr, "the error keeps its type")
	assert.NotContains(t, logs.String(), "QUERYSECRET")
}

// The query of a Do path can carry an email and a token: every way a call can fail keeps it out
// of the error and of the log, although net/http's errors quote the whole URL.
func TestDoKeepsTheQueryOutOfEveryErrorAndLog(t *testing.T) {
	t.Parallel()
	const path = "invites/accept?email=alice%40example.com&invite_token=tok_live_8f2c"
	hangUp := func(w http.ResponseWriter, _ *http.Request) {
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			_ = conn.Close()
		}
	}
	other := newPlainServer(t, func(http.ResponseWriter, *http.Request) {})
	cases := map[string]struct {
		respond func(cancel context.CancelFunc) http.HandlerFunc
		opts    []reeflow.Option
		// The attempt may time out before the request reaches the server (a TLS handshake on a
		// busy machine): the error is the same url.Error either way, and must hide the query.
		mayNotArrive bool
	}{
		"the server hangs up": {respond: func(context.CancelFunc) http.HandlerFunc { return hangUp }},
		"the attempt times out": {
			respond: func(context.CancelFunc) http.HandlerFunc {
				return func(_ http.ResponseWriter, r *http.Request) { <-r.Context().Done() }
			},
			opts:         []reeflow.Option{reeflow.WithAttemptTimeout(50 * time.Millisecond)},
			mayNotArrive: true,
		},
		"the caller cancels": {respond: func(cancel context.CancelFunc) http.HandlerFunc {
			return func(_ http.ResponseWriter, r *http.Request) { cancel(); <-r.Context().Done() }
		}},
		"a redirect within the origin, with a query of its own, then a hang-up": {respond: func(context.CancelFunc) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == "/moved" {
					hangUp(w, r)
					return
				}
				http.Redirect(w, r, "/moved?"+r.URL.RawQuery, http.StatusTemporaryRedirect)
			}
		}},
		"a redirect to another origin": {respond: func(context.CancelFunc) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, other.URL+"/x?"+r.URL.RawQuery, http.StatusTemporaryRedirect)
			}
		}},
		"an error status":        {respond: func(context.CancelFunc) http.HandlerFunc { return reply(404, `{"message":"no"}`) }},
		"an undecodable success": {respond: func(context.CancelFunc) http.HandlerFunc { return reply(200, `{"a":`) }},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var logs testlog.Sink
			opts := append([]reeflow.Option{reeflow.WithLogger(logs.Logger()), reeflow.WithMaxRetries(1)}, noWaits(&waits{})...)
			client, rec := newRecorder(t, tc.respond(cancel), append(opts, tc.opts...)...)
			var out map[string]any
			err := client.Do(ctx, http.MethodGet, path, nil, &out)
			require.Error(t, err)
			if !tc.mayNotArrive {
				require.NotEmpty(t, rec.all(), "the request reached the server")
			}
			assert.True(t, strings.HasPrefix(err.Error(), "reeflow: GET invites/accept: "), err.Error())
			require.NotEmpty(t, logs.Records(t), "the failure was logged")
			for where, text := range map[string]string{"error": err.Error(), "log": logs.String()} {
				for _, data := range []string{"alice", "example.com", "tok_live"} {
					assert.NotContains(t, text, data, "the %s shows the query", where)
				}
			}
		})
	}
}
