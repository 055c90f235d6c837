package reeflow_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/reeflow/reeflow-go/reeflow"
	"github.com/reeflow/reeflow-go/reeflow/reeflowtest"
)

// loggedInAs is a resolver for tests: the user is named by the X-Test-User header.
func loggedInAs(attrs reeflow.Attributes) func(*http.Request) (reeflow.CreateSessionParams, error) {
	return func(r *http.Request) (reeflow.CreateSessionParams, error) {
		user := r.Header.Get("X-Test-User")
		if user == "" {
			return reeflow.CreateSessionParams{}, fmt.Errorf("no session cookie: %w", reeflow.ErrNotLoggedIn)
		}
		return reeflow.CreateSessionParams{UserID: user, OrganizationID: "acme", UserAttributes: attrs,
			OrganizationAttributes: reeflow.Attributes{"plan": "enterprise"}}, nil
	}
}

type handlerReply struct {
	status int
	header http.Header
	body   string
}

// call sends one request to the handler over a real loopback connection.
func call(t *testing.T, h http.Handler, method, user string) handlerReply {
	t.Helper()
	srv := httptest.NewServer(h)
	defer srv.Close()
	req, err := http.NewRequestWithContext(context.Background(), method, srv.URL+"/reeflow/session", nil)
	require.NoError(t, err)
	if user != "" {
		req.Header.Set("X-Test-User", user)
	}
	resp, err := srv.Client().Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return handlerReply{resp.StatusCode, resp.Header, string(body)}
}

func TestSessionHandlerHandsOutAToken(t *testing.T) {
	t.Parallel()
	f := newCacheFixture(t)
	cache := f.cache()
	h := reeflow.SessionHandler(cache.Get, loggedInAs(reeflow.Attributes{"region": "eu", "level": 2, "admin": true}))

	got := call(t, h, http.MethodPost, "alice")
	require.Equal(t, http.StatusOK, got.status, got.body)
	assert.Equal(t, "application/json", got.header.Get("Content-Type"))
	assert.Equal(t, "no-store", got.header.Get("Cache-Control"))
	assert.Equal(t, "nosniff", got.header.Get("X-Content-Type-Options"))
	var body map[string]any
	require.NoError(t, json.Unmarshal([]byte(got.body), &body))
	assert.Len(t, body, 2, "token and expires_at, nothing else: %s", got.body)
	assert.Equal(t, f.clock.Now().Add(time.Hour).Format(time.RFC3339), body["expires_at"])

	claims, err := f.srv.ParseSessionToken(body["token"].(string))
	require.NoError(t, err)
	assert.Equal(t, reeflowtestClaims{
		UserID: "alice", OrganizationID: "acme",
		UserAttributes:         map[string]any{"region": "eu", "level": 2.0, "admin": true},
		OrganizationAttributes: map[string]any{"plan": "enterprise"},
	}, withoutTimes(claims))

	again := call(t, h, http.MethodPost, "alice")
	assert.Equal(t, got.body, again.body, "the cache served the second page view")
	assert.Equal(t, 1, f.minted())
}

func TestSessionHandlerAroundSessionsCreate(t *testing.T) {
	t.Parallel()
	f := newCacheFixture(t)
	mint := func(ctx context.Context, p reeflow.CreateSessionParams) (*reeflow.Session, error) {
		p.Expiration = f.clock.Now().Add(10 * time.Minute)
		return f.client.Sessions.Create(ctx, p)
	}
	got := call(t, reeflow.SessionHandler(mint, loggedInAs(nil)), http.MethodPost, "bob")
	require.Equal(t, http.StatusOK, got.status, got.body)
	assert.Contains(t, got.body, `"expires_at":"`+f.clock.Now().Add(10*time.Minute).Format(time.RFC3339)+`"`)
}

func TestSessionHandlerMethods(t *testing.T) {
	t.Parallel()
	f := newCacheFixture(t)
	cache := f.cache()
	postOnly := reeflow.SessionHandler(cache.Get, loggedInAs(nil))
	for _, method := range []string{http.MethodGet, http.MethodPut, http.MethodDelete, http.MethodHead, http.MethodOptions} {
		got := call(t, postOnly, method, "alice")
		assert.Equal(t, http.StatusMethodNotAllowed, got.status, method)
		assert.Equal(t, "POST", got.header.Get("Allow"), method)
		assert.Equal(t, "no-store", got.header.Get("Cache-Control"), method)
	}
	both := reeflow.SessionHandler(cache.Get, loggedInAs(nil), reeflow.WithAllowedMethods(http.MethodPost, http.MethodGet, http.MethodPost))
	assert.Equal(t, http.StatusOK, call(t, both, http.MethodGet, "alice").status)
	assert.Equal(t, http.StatusOK, call(t, both, http.MethodPost, "alice").status)
	got := call(t, both, http.MethodPut, "alice")
	assert.Equal(t, http.StatusMethodNotAllowed, got.status)
	assert.Equal(t, "GET, POST", got.header.Get("Allow"))
	assert.JSONEq(t, `{"error":"method not allowed"}`, got.body)
	assert.Equal(t, 1, f.minted(), "refused methods never reached Reeflow")
}

func TestSessionHandlerResolverErrors(t *testing.T) {
	t.Parallel()
	f := newCacheFixture(t)
	cache := f.cache()
	got := call(t, reeflow.SessionHandler(cache.Get, loggedInAs(nil)), http.MethodPost, "")
	assert.Equal(t, http.StatusUnauthorized, got.status)
	assert.JSONEq(t, `{"error":"not logged in"}`, got.body)
	assert.Equal(t, "application/json", got.header.Get("Content-Type"))

	broken := func(*http.Request) (reeflow.CreateSessionParams, error) {
		return reeflow.CreateSessionParams{}, errors.New("session store down at 10.0.0.7: " + canaryValue)
	}
	got = call(t, reeflow.SessionHandler(cache.Get, broken), http.MethodPost, "alice")
	assert.Equal(t, http.StatusInternalServerError, got.status)
	assert.JSONEq(t, `{"error":"internal error"}`, got.body, "the resolver's error stays in the log")

	badAttrs := loggedInAs(reeflow.Attributes{"tags": []string{canaryValue}})
	got = call(t, reeflow.SessionHandler(cache.Get, badAttrs), http.MethodPost, "alice")
	assert.Equal(t, http.StatusInternalServerError, got.status, "parameters the SDK refuses are a bug in the resolver, not Reeflow's failure")
	assert.JSONEq(t, `{"error":"internal error"}`, got.body)
	assert.Zero(t, f.minted())
}

func TestSessionHandlerReeflowFailures(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name       string
		respond    http.HandlerFunc
		status     int
		retryAfter string
	}{
		{"validation error", reply(400, `{"message":["`+canaryValue+`"],"error":"Bad Request","statusCode":400}`), http.StatusBadGateway, ""},
		{"wrong API key", reply(401, `{"message":"Invalid API key `+canaryValue+`","error":"Unauthorized","statusCode":401}`), http.StatusBadGateway, ""},
		{"server error", reply(500, `<html>`+canaryValue+`</html>`), http.StatusBadGateway, ""},
		{"token missing from a 201", reply(201, `{"token":"","expires_at":"2099-01-01T00:00:00Z"}`), http.StatusBadGateway, ""},
		{"rate limited", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After", "7")
			reply(429, `{"message":"`+canaryValue+`","statusCode":429}`)(w, r)
		}, http.StatusServiceUnavailable, "7"},
		{"rate limited without Retry-After", reply(429, `{}`), http.StatusServiceUnavailable, "5"},
		{"rate limited until an HTTP date", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After", time.Now().Add(90*time.Minute).UTC().Format(http.TimeFormat))
			reply(429, `{}`)(w, r)
		}, http.StatusServiceUnavailable, "5400"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			client, _ := newRecorder(t, tc.respond, reeflow.WithMaxRetryAfter(2*time.Hour))
			mint := func(ctx context.Context, p reeflow.CreateSessionParams) (*reeflow.Session, error) {
				return client.Sessions.Create(ctx, p)
			}
			got := call(t, reeflow.SessionHandler(mint, loggedInAs(nil)), http.MethodPost, "alice")
			assert.Equal(t, tc.status, got.status)
			assert.NotContains(t, got.body, canaryValue, "Reeflow's message never reaches the browser")
			assert.NotContains(t, got.body, docSecret)
			assert.Equal(t, "application/json", got.header.Get("Content-Type"))
			assert.Equal(t, "no-store", got.header.Get("Cache-Control"))
			if tc.retryAfter != "" {
				assert.InDelta(t, mustAtoi(t, tc.retryAfter), mustAtoi(t, got.header.Get("Retry-After")), 1)
			} else {
				assert.Empty(t, got.header.Get("Retry-After"))
			}
		})
	}

	t.Run("Reeflow unreachable", func(t *testing.T) {
		t.Parallel()
		srv := httptest.NewServer(http.NotFoundHandler())
		srv.Close()
		client, err := reeflow.NewClient(reeflow.WithBaseURL(srv.URL), reeflow.WithBasicAuth(docKeyID, docSecret), reeflow.WithMaxRetries(0))
		require.NoError(t, err)
		cache := reeflow.NewSessionCache(client.Sessions)
		got := call(t, reeflow.SessionHandler(cache.Get, loggedInAs(nil)), http.MethodPost, "alice")
		assert.Equal(t, http.StatusBadGateway, got.status)
		assert.JSONEq(t, `{"error":"could not get a session token from Reeflow"}`, got.body)
	})
	t.Run("mint returns nothing", func(t *testing.T) {
		t.Parallel()
		nothing := func(context.Context, reeflow.CreateSessionParams) (*reeflow.Session, error) { return nil, nil }
		got := call(t, reeflow.SessionHandler(nothing, loggedInAs(nil)), http.MethodPost, "alice")
		assert.Equal(t, http.StatusBadGateway, got.status)
		noToken := func(context.Context, reeflow.CreateSessionParams) (*reeflow.Session, error) {
			return &reeflow.Session{ExpiresAt: time.Now().Add(time.Hour)}, nil
		}
		got = call(t, reeflow.SessionHandler(noToken, loggedInAs(nil)), http.MethodPost, "alice")
		assert.Equal(t, http.StatusBadGateway, got.status, "a session without a token is no answer")
	})
}

func mustAtoi(t *testing.T, s string) float64 {
	t.Helper()
	var n float64
	_, err := fmt.Sscan(s, &n)
	require.NoError(t, err, "%q", s)
	return n
}

func TestSessionHandlerMisconfigured(t *testing.T) {
	t.Parallel()
	sink := &logSink{}
	logger := reeflow.WithHandlerLogger(debugLogger(sink))
	f := newCacheFixture(t)
	cache := f.cache()
	for name, h := range map[string]http.Handler{
		"method DELETE":  reeflow.SessionHandler(cache.Get, loggedInAs(nil), logger, reeflow.WithAllowedMethods("DELETE")),
		"lower-case get": reeflow.SessionHandler(cache.Get, loggedInAs(nil), logger, reeflow.WithAllowedMethods("get")),
		"no method":      reeflow.SessionHandler(cache.Get, loggedInAs(nil), logger, reeflow.WithAllowedMethods()),
		"nil mint":       reeflow.SessionHandler(nil, loggedInAs(nil), logger),
		"nil resolve":    reeflow.SessionHandler(cache.Get, nil, logger),
	} {
		got := call(t, h, http.MethodPost, "alice")
		assert.Equal(t, http.StatusInternalServerError, got.status, name)
		assert.JSONEq(t, `{"error":"internal error"}`, got.body, name)
	}
	logs := sink.String()
	for _, want := range []string{`WithAllowedMethods: \"DELETE\": the handler answers GET and POST only`, `WithAllowedMethods: \"get\"`,
		"WithAllowedMethods: no method", "nil mint function", "nil resolve function"} {
		assert.Contains(t, logs, want)
	}
	assert.Zero(t, f.minted())
}

// TestSessionHandlerLogsWithoutTheToken: one record per request, with the status and the
// error, never the token; Reeflow's message is in the log, where the operator needs it.
func TestSessionHandlerLogsWithoutTheToken(t *testing.T) {
	t.Parallel()
	sink := &logSink{}
	var fail atomic.Bool
	client, _ := newRecorder(t, func(w http.ResponseWriter, r *http.Request) {
		if fail.Load() {
			reply(400, `{"code":"INVALID_EXPIRATION","message":"Expiration cannot be more than 86400 seconds from now"}`)(w, r)
			return
		}
		reply(201, `{"token":"`+canaryToken+`","expires_at":"2099-01-01T00:00:00Z"}`)(w, r)
	}, reeflow.WithLogger(debugLogger(sink)))
	cache := reeflow.NewSessionCache(client.Sessions)
	h := reeflow.SessionHandler(cache.Get, loggedInAs(nil), reeflow.WithHandlerLogger(debugLogger(sink)), reeflow.WithAllowedMethods("GET"))

	ok := call(t, h, http.MethodGet, "alice")
	require.Equal(t, http.StatusOK, ok.status)
	assert.Contains(t, ok.body, canaryToken, "the browser gets the token")
	call(t, h, http.MethodGet, "")
	call(t, h, http.MethodPost, "alice")
	fail.Store(true)
	call(t, h, http.MethodGet, "mallory")

	records := sink.records(t)
	var handler []map[string]any
	for _, rec := range records {
		if rec["msg"] == "reeflow: session handler" {
			handler = append(handler, rec)
		}
	}
	require.Len(t, handler, 4)
	assert.Equal(t, []any{"DEBUG", 200.0, "alice"}, []any{handler[0]["level"], handler[0]["status"], handler[0]["user_id"]})
	assert.Equal(t, "2099-01-01T00:00:00Z", handler[0]["expires_at"])
	assert.Equal(t, []any{"INFO", 401.0}, []any{handler[1]["level"], handler[1]["status"]})
	assert.Equal(t, []any{"INFO", 405.0}, []any{handler[2]["level"], handler[2]["status"]})
	assert.Equal(t, []any{"WARN", 502.0, "mallory"}, []any{handler[3]["level"], handler[3]["status"], handler[3]["user_id"]})
	assert.Contains(t, handler[3]["error"], "INVALID_EXPIRATION")
	assert.NotContains(t, sink.String(), canaryToken, "no log record holds the token")
	assert.True(t, strings.Contains(sink.String(), `"path":"/reeflow/session"`))
}

// reeflowtestClaims mirrors reeflowtest.SessionClaims without the times, for comparisons.
type reeflowtestClaims struct {
	UserID, OrganizationID                 string
	UserAttributes, OrganizationAttributes map[string]any
}

func withoutTimes(c reeflowtest.SessionClaims) reeflowtestClaims {
	return reeflowtestClaims{c.UserID, c.OrganizationID, c.UserAttributes, c.OrganizationAttributes}
}
