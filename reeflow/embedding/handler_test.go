package embedding_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/reeflow/reeflow-go/internal/testlog"
	"github.com/reeflow/reeflow-go/reeflow"
	"github.com/reeflow/reeflow-go/reeflow/embedding"
	"github.com/reeflow/reeflow-go/reeflow/reeflowtest"
)

// canaryValue stands for what must never reach the browser: Reeflow's messages, a resolver's
// error, an attribute value.
const canaryValue = "CANARYVALUE-4f1c"

// loggedInAs is a resolver for tests: the user is named by the X-Test-User header.
func loggedInAs(attrs reeflow.Attributes) func(*http.Request) (reeflow.CreateSessionParams, error) {
	return func(r *http.Request) (reeflow.CreateSessionParams, error) {
		user := r.Header.Get("X-Test-User")
		if user == "" {
			return reeflow.CreateSessionParams{}, fmt.Errorf("no session cookie: %w", embedding.ErrNotLoggedIn)
		}
		return reeflow.CreateSessionParams{UserID: user, OrganizationID: "acme", UserAttributes: attrs,
			OrganizationAttributes: reeflow.Attributes{"plan": "enterprise"}}, nil
	}
}

// newHandler is NewHandler for arguments that must be accepted.
func newHandler(t *testing.T, mint func(context.Context, reeflow.CreateSessionParams) (*reeflow.Session, error),
	resolve func(*http.Request) (reeflow.CreateSessionParams, error), opts ...embedding.Option,
) http.Handler {
	t.Helper()
	h, err := embedding.NewHandler(mint, resolve, opts...)
	require.NoError(t, err)
	return h
}

// createWith is a mint around client.Sessions.Create.
func createWith(client *reeflow.Client) func(context.Context, reeflow.CreateSessionParams) (*reeflow.Session, error) {
	return func(ctx context.Context, p reeflow.CreateSessionParams) (*reeflow.Session, error) {
		return client.Sessions.Create(ctx, p)
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

// replyingClient is a client of a Reeflow stand-in that answers every request with respond, for
// answers the fake never gives. It counts the requests.
func replyingClient(t *testing.T, respond http.HandlerFunc, opts ...reeflow.Option) (*reeflow.Client, *atomic.Int64) {
	t.Helper()
	var requests atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		respond(w, r)
	}))
	t.Cleanup(srv.Close)
	all := append([]reeflow.Option{reeflow.WithBaseURL(srv.URL), reeflow.WithBasicAuth("key_test", "secret_test"), reeflow.WithMaxRetries(0)}, opts...)
	client, err := reeflow.NewClient(all...)
	require.NoError(t, err)
	t.Cleanup(client.CloseIdleConnections)
	return client, &requests
}

func reply(status int, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		if strings.HasPrefix(body, "<") {
			w.Header().Set("Content-Type", "text/html")
		} else {
			w.Header().Set("Content-Type", "application/json")
		}
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}
}

func TestHandlerHandsOutAToken(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	h := newHandler(t, f.cache(t).Get, loggedInAs(reeflow.Attributes{"region": "eu", "level": 2, "admin": true}))

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
	assert.Equal(t, subject{
		UserID: "alice", OrganizationID: "acme",
		UserAttributes:         map[string]any{"region": "eu", "level": 2.0, "admin": true},
		OrganizationAttributes: map[string]any{"plan": "enterprise"},
	}, subjectOf(claims))

	again := call(t, h, http.MethodPost, "alice")
	assert.Equal(t, got.body, again.body, "the cache served the second page view")
	assert.Equal(t, 1, f.minted())
}

func TestHandlerAroundSessionsCreate(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	mint := func(ctx context.Context, p reeflow.CreateSessionParams) (*reeflow.Session, error) {
		p.Expiration = f.clock.Now().Add(10 * time.Minute)
		return f.client.Sessions.Create(ctx, p)
	}
	got := call(t, newHandler(t, mint, loggedInAs(nil)), http.MethodPost, "bob")
	require.Equal(t, http.StatusOK, got.status, got.body)
	assert.Contains(t, got.body, `"expires_at":"`+f.clock.Now().Add(10*time.Minute).Format(time.RFC3339)+`"`)
}

func TestHandlerMethods(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	cache := f.cache(t)
	postOnly := newHandler(t, cache.Get, loggedInAs(nil))
	for _, method := range []string{http.MethodGet, http.MethodPut, http.MethodDelete, http.MethodHead, http.MethodOptions} {
		got := call(t, postOnly, method, "alice")
		assert.Equal(t, http.StatusMethodNotAllowed, got.status, method)
		assert.Equal(t, "POST", got.header.Get("Allow"), method)
		assert.Equal(t, "no-store", got.header.Get("Cache-Control"), method)
	}
	both := newHandler(t, cache.Get, loggedInAs(nil), embedding.WithAllowedMethods(http.MethodPost, http.MethodGet, http.MethodPost))
	assert.Equal(t, http.StatusOK, call(t, both, http.MethodGet, "alice").status)
	assert.Equal(t, http.StatusOK, call(t, both, http.MethodPost, "alice").status)
	got := call(t, both, http.MethodPut, "alice")
	assert.Equal(t, http.StatusMethodNotAllowed, got.status)
	assert.Equal(t, "GET, POST", got.header.Get("Allow"))
	assert.JSONEq(t, `{"error":"method not allowed"}`, got.body)
	assert.Equal(t, 1, f.minted(), "refused methods never reached Reeflow")
}

func TestHandlerResolverErrors(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	cache := f.cache(t)
	got := call(t, newHandler(t, cache.Get, loggedInAs(nil)), http.MethodPost, "")
	assert.Equal(t, http.StatusUnauthorized, got.status)
	assert.JSONEq(t, `{"error":"not logged in"}`, got.body)
	assert.Equal(t, "application/json", got.header.Get("Content-Type"))

	broken := func(*http.Request) (reeflow.CreateSessionParams, error) {
		return reeflow.CreateSessionParams{}, errors.New("session store down at 10.0.0.7: " + canaryValue)
	}
	got = call(t, newHandler(t, cache.Get, broken), http.MethodPost, "alice")
	assert.Equal(t, http.StatusInternalServerError, got.status)
	assert.JSONEq(t, `{"error":"internal error"}`, got.body, "the resolver's error stays in the log")
	assert.Zero(t, f.minted())
}

// TestHandlerBadParamsAreABugInResolve: parameters the SDK refuses are a 500, whatever the mint,
// and nothing is sent to Reeflow.
func TestHandlerBadParamsAreABugInResolve(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	withExpiration := func(r *http.Request) (reeflow.CreateSessionParams, error) {
		p, err := loggedInAs(nil)(r)
		p.Expiration = f.clock.Now().Add(time.Hour) // fine for Sessions.Create, not for a Cache
		return p, err
	}
	for name, tc := range map[string]struct {
		mint    func(context.Context, reeflow.CreateSessionParams) (*reeflow.Session, error)
		resolve func(*http.Request) (reeflow.CreateSessionParams, error)
		logged  string
	}{
		"a Cache, bad attributes":           {f.cache(t).Get, loggedInAs(reeflow.Attributes{"tags": []string{canaryValue}}), `resolve: embedding: invalid session parameters: user attribute \"tags\": value is a []string`},
		"Sessions.Create, bad attributes":   {createWith(f.client), loggedInAs(reeflow.Attributes{"tags": []string{canaryValue}}), `resolve: embedding: invalid session parameters: user attribute \"tags\"`},
		"Sessions.Create, no user":          {createWith(f.client), func(*http.Request) (reeflow.CreateSessionParams, error) { return reeflow.CreateSessionParams{}, nil }, "UserID is empty"},
		"a Cache, an Expiration in resolve": {f.cache(t).Get, withExpiration, "embedding: invalid session parameters: the cache chooses Expiration and NotBefore"},
	} {
		sink := &testlog.Sink{}
		got := call(t, newHandler(t, tc.mint, tc.resolve, embedding.WithLogger(sink.Logger())), http.MethodPost, "alice")
		assert.Equal(t, http.StatusInternalServerError, got.status, name)
		assert.JSONEq(t, `{"error":"internal error"}`, got.body, name)
		assert.Contains(t, sink.String(), `"level":"ERROR"`, name)
		assert.Contains(t, sink.String(), tc.logged, name)
		assert.NotContains(t, sink.String(), canaryValue, name)
	}
	assert.Zero(t, f.minted())
}

func TestHandlerReeflowFailures(t *testing.T) {
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
		}, http.StatusServiceUnavailable, "3600"}, // capped at an hour
		{"rate limited for longer than an int64 of nanoseconds", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After", "99999999999999999999")
			reply(429, `{}`)(w, r)
		}, http.StatusServiceUnavailable, "3600"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			client, requests := replyingClient(t, tc.respond, reeflow.WithMaxRetryAfter(2*time.Hour))
			got := call(t, newHandler(t, createWith(client), loggedInAs(nil)), http.MethodPost, "alice")
			assert.Equal(t, tc.status, got.status)
			assert.Equal(t, int64(1), requests.Load())
			assert.NotContains(t, got.body, canaryValue, "Reeflow's message never reaches the browser")
			assert.NotContains(t, got.body, "secret_test")
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
		client, err := reeflow.NewClient(reeflow.WithBaseURL(srv.URL), reeflow.WithBasicAuth("key_test", "secret_test"), reeflow.WithMaxRetries(0))
		require.NoError(t, err)
		cache, err := embedding.NewCache(client.Sessions)
		require.NoError(t, err)
		got := call(t, newHandler(t, cache.Get, loggedInAs(nil)), http.MethodPost, "alice")
		assert.Equal(t, http.StatusBadGateway, got.status)
		assert.JSONEq(t, `{"error":"could not get a session token from Reeflow"}`, got.body)
	})
	t.Run("mint returns nothing", func(t *testing.T) {
		t.Parallel()
		nothing := func(context.Context, reeflow.CreateSessionParams) (*reeflow.Session, error) { return nil, nil }
		got := call(t, newHandler(t, nothing, loggedInAs(nil)), http.MethodPost, "alice")
		assert.Equal(t, http.StatusBadGateway, got.status)
		noToken := func(context.Context, reeflow.CreateSessionParams) (*reeflow.Session, error) {
			return &reeflow.Session{ExpiresAt: time.Now().Add(time.Hour)}, nil
		}
		got = call(t, newHandler(t, noToken, loggedInAs(nil)), http.MethodPost, "alice")
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

// TestHandlerLogsWithoutTheToken: one record per request, with the status and the error, never
// the token; Reeflow's message is in the log, where the operator needs it.
func TestHandlerLogsWithoutTheToken(t *testing.T) {
	t.Parallel()
	const token = "CANARYTOKEN.abc.def"
	sink := &testlog.Sink{}
	var fail atomic.Bool
	client, _ := replyingClient(t, func(w http.ResponseWriter, r *http.Request) {
		if fail.Load() {
			reply(400, `{"code":"INVALID_EXPIRATION","message":"Expiration cannot be more than 86400 seconds from now"}`)(w, r)
			return
		}
		reply(201, `{"token":"`+token+`","expires_at":"2099-01-01T00:00:00Z"}`)(w, r)
	}, reeflow.WithLogger(sink.Logger()))
	cache, err := embedding.NewCache(client.Sessions)
	require.NoError(t, err)
	h := newHandler(t, cache.Get, loggedInAs(nil), embedding.WithLogger(sink.Logger()), embedding.WithAllowedMethods("GET"))

	ok := call(t, h, http.MethodGet, "alice")
	require.Equal(t, http.StatusOK, ok.status)
	assert.Contains(t, ok.body, token, "the browser gets the token")
	call(t, h, http.MethodGet, "")
	call(t, h, http.MethodPost, "alice")
	fail.Store(true)
	call(t, h, http.MethodGet, "mallory")

	var handler []map[string]any
	for _, rec := range sink.Records(t) {
		if rec["msg"] == "embedding: session token handler" {
			handler = append(handler, rec)
		}
	}
	require.Len(t, handler, 4)
	assert.Equal(t, []any{"DEBUG", 200.0, "alice"}, []any{handler[0]["level"], handler[0]["status"], handler[0]["user_id"]})
	assert.Equal(t, "2099-01-01T00:00:00Z", handler[0]["expires_at"])
	assert.Equal(t, []any{"INFO", 401.0}, []any{handler[1]["level"], handler[1]["status"]})
	assert.Equal(t, []any{"INFO", 405.0}, []any{handler[2]["level"], handler[2]["status"]})
	assert.Equal(t, []any{"ERROR", 502.0, "mallory"}, []any{handler[3]["level"], handler[3]["status"], handler[3]["user_id"]})
	assert.Contains(t, handler[3]["error"], "INVALID_EXPIRATION")
	assert.NotContains(t, sink.String(), token, "no log record holds the token")
	assert.Contains(t, sink.String(), `"path":"/reeflow/session"`)
}

// subject is what a token says about its user and organization.
type subject struct {
	UserID, OrganizationID                 string
	UserAttributes, OrganizationAttributes map[string]any
}

func subjectOf(c reeflowtest.SessionClaims) subject {
	return subject{c.UserID, c.OrganizationID, c.UserAttributes, c.OrganizationAttributes}
}

// TestHandlerRetryAfterIsCappedBeforeRounding: a Retry-After near the largest Duration, rounded
// up to seconds before it is capped, overflows into a negative header.
func TestHandlerRetryAfterIsCappedBeforeRounding(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		retryAfter time.Duration
		want       string
	}{
		{math.MaxInt64, "3600"},
		{math.MaxInt64 - time.Second + 2, "3600"},
		{99999999999 * time.Millisecond, "3600"},
		{1500 * time.Millisecond, "2"},
		{0, "5"},
		{-time.Second, "5"},
		{math.MinInt64, "5"},
	} {
		mint := func(context.Context, reeflow.CreateSessionParams) (*reeflow.Session, error) {
			return nil, fmt.Errorf("mint: %w", &reeflow.APIError{StatusCode: http.StatusTooManyRequests, RetryAfter: tc.retryAfter})
		}
		got := call(t, newHandler(t, mint, loggedInAs(nil), embedding.WithLogger(nil)), http.MethodPost, "alice")
		assert.Equal(t, http.StatusServiceUnavailable, got.status)
		assert.Equal(t, tc.want, got.header.Get("Retry-After"), "Retry-After %d", tc.retryAfter)
	}
}

// TestHandlerRateLimitedAnswersAtOnce: with a Cache, a 429 with Retry-After: 3 is a 503 with
// Retry-After: 3 after one call, even from a client that retries.
func TestHandlerRateLimitedAnswersAtOnce(t *testing.T) {
	t.Parallel()
	f := newFixture(t, reeflow.WithMaxRetries(2))
	f.srv.FailNext(1, http.StatusTooManyRequests, 3*time.Second)
	got := call(t, newHandler(t, f.cache(t).Get, loggedInAs(nil), embedding.WithLogger(nil)), http.MethodPost, "alice")
	assert.Equal(t, http.StatusServiceUnavailable, got.status)
	assert.Equal(t, "3", got.header.Get("Retry-After"))
	assert.Equal(t, 1, f.minted(), "not retried")
}

// TestHandlerPageViewBudget: mint gets a context that ends with the budget (5 s by default), and
// a mint that takes longer is a 502.
func TestHandlerPageViewBudget(t *testing.T) {
	t.Parallel()
	deadlines := make(chan time.Duration, 2)
	slow := func(ctx context.Context, _ reeflow.CreateSessionParams) (*reeflow.Session, error) {
		deadline, ok := ctx.Deadline()
		if !ok {
			deadlines <- -1
			return nil, errors.New("no deadline")
		}
		deadlines <- time.Until(deadline)
		<-ctx.Done()
		return nil, ctx.Err()
	}
	got := call(t, newHandler(t, slow, loggedInAs(nil), embedding.WithLogger(nil), embedding.WithPageViewBudget(50*time.Millisecond)), http.MethodPost, "alice")
	assert.Equal(t, http.StatusBadGateway, got.status)
	assert.LessOrEqual(t, recv(t, deadlines, "a mint"), 50*time.Millisecond)

	quick := func(ctx context.Context, _ reeflow.CreateSessionParams) (*reeflow.Session, error) {
		deadline, ok := ctx.Deadline()
		if !ok {
			deadlines <- -1
		} else {
			deadlines <- time.Until(deadline)
		}
		return &reeflow.Session{Token: "t", ExpiresAt: time.Now().Add(time.Hour)}, nil
	}
	got = call(t, newHandler(t, quick, loggedInAs(nil), embedding.WithLogger(nil)), http.MethodPost, "alice")
	assert.Equal(t, http.StatusOK, got.status)
	left := recv(t, deadlines, "a mint")
	assert.Positive(t, left)
	assert.LessOrEqual(t, left, 5*time.Second, "the default budget")
}

// TestHandlerLogsToTheDefaultLogger: without WithLogger, a wrong API key (a 502 for every page)
// is an Error record of slog.Default() with Reeflow's request ID, never the token; WithLogger(nil)
// turns logging off. Not parallel: it sets the default logger.
func TestHandlerLogsToTheDefaultLogger(t *testing.T) {
	sink := &testlog.Sink{}
	old := slog.Default()
	slog.SetDefault(sink.Logger())
	t.Cleanup(func() { slog.SetDefault(old) })

	f := newFixture(t)
	cache := f.cache(t)
	h := newHandler(t, cache.Get, loggedInAs(nil))
	ok := call(t, h, http.MethodPost, "alice")
	require.Equal(t, http.StatusOK, ok.status)
	f.srv.FailNext(1, http.StatusUnauthorized, 0)
	assert.Equal(t, http.StatusBadGateway, call(t, h, http.MethodPost, "bob").status)

	var failed map[string]any
	for _, rec := range sink.Records(t) {
		if rec["status"] == 502.0 {
			failed = rec
		}
	}
	require.NotNil(t, failed, sink.String())
	assert.Equal(t, "ERROR", failed["level"])
	assert.Equal(t, f.srv.Requests()[1].RequestID, failed["request_id"])
	assert.NotContains(t, sink.String(), ok.body[10:60], "no token")

	before := sink.String()
	quiet := newHandler(t, cache.Get, loggedInAs(nil), embedding.WithLogger(nil))
	f.srv.FailNext(1, http.StatusUnauthorized, 0)
	assert.Equal(t, http.StatusBadGateway, call(t, quiet, http.MethodPost, "carol").status)
	assert.Equal(t, before, sink.String(), "WithLogger(nil) logs nothing")
}

// TestHandlerLogsABoundedRequestID: the request ID in the handler's log is Reeflow's text, so it
// is bounded and stripped of control and bidi characters as every error the SDK prints is.
func TestHandlerLogsABoundedRequestID(t *testing.T) {
	t.Parallel()
	sink := &testlog.Sink{}
	client, _ := replyingClient(t, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("X-Request-Id", "req_\u202e\u2028"+strings.Repeat("x", 100_000))
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = io.WriteString(w, `{"message":"down"}`)
	})
	mint := func(ctx context.Context, p reeflow.CreateSessionParams) (*reeflow.Session, error) {
		return client.Sessions.Create(ctx, p, reeflow.WithMaxRetries(0))
	}
	h := newHandler(t, mint, loggedInAs(nil), embedding.WithLogger(sink.Logger()))
	require.Equal(t, http.StatusBadGateway, call(t, h, http.MethodPost, "alice").status)

	records := sink.Records(t)
	require.Len(t, records, 1)
	id, ok := records[0]["request_id"].(string)
	require.True(t, ok, "the record has the request ID: %v", records[0])
	assert.True(t, strings.HasPrefix(id, "req_"), id)
	assert.Less(t, len(id), 200)
	assert.NotContains(t, id, "\u202e")
	assert.NotContains(t, id, "\u2028")
}

// TestHandlerOnACacheNotFromNewCache: a Handler given the Get of a Cache that NewCache did not
// make answers 500 and logs why: a bug in the program, not Reeflow failing (502).
func TestHandlerOnACacheNotFromNewCache(t *testing.T) {
	t.Parallel()
	sink := &testlog.Sink{}
	h := newHandler(t, (&embedding.Cache{}).Get, loggedInAs(nil), embedding.WithLogger(sink.Logger()))
	reply := call(t, h, http.MethodPost, "alice")
	assert.Equal(t, http.StatusInternalServerError, reply.status)
	assert.JSONEq(t, `{"error":"internal error"}`, reply.body)
	records := sink.Records(t)
	require.Len(t, records, 1)
	assert.Equal(t, "ERROR", records[0]["level"])
	assert.Contains(t, records[0]["error"], "the cache was not created with NewCache")
}
