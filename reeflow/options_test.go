package reeflow_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/reeflow/reeflow-go/reeflow"
	"github.com/reeflow/reeflow-go/reeflow/reeflowtest"
)

var pgParamsSSL = reeflow.CreateConnectionParams{Name: "Analytics", Config: reeflow.PostgresConfig{
	Host: "db.example.com", Port: 5432, Database: "app", User: "reader", Password: "pw", SSL: true,
}}

func TestWithResponseIntoOnSuccess(t *testing.T) {
	t.Parallel()
	srv := reeflowtest.NewServer(t)
	client := srv.Client(noWaits(&waits{})...)
	ctx := context.Background()

	var resp reeflow.Response
	srv.FailNext(1, http.StatusServiceUnavailable, 0)
	conns, err := client.Connections.List(ctx, reeflow.WithResponseInto(&resp))
	require.NoError(t, err)
	assert.Empty(t, conns)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, 2, resp.Attempts, "the 503 was retried once")
	assert.NotEmpty(t, resp.RequestID, "the fake sends X-Request-Id")
	assert.Equal(t, resp.RequestID, resp.Header.Get("X-Request-Id"))
	assert.JSONEq(t, `[]`, string(resp.Body))

	created, err := client.Connections.Create(ctx, pgParamsSSL, reeflow.WithResponseInto(&resp))
	require.NoError(t, err)
	assert.Equal(t, http.StatusCreated, resp.StatusCode)
	assert.Equal(t, 1, resp.Attempts)
	var raw map[string]any
	require.NoError(t, json.Unmarshal(resp.Body, &raw), "the raw body is there to read undecoded fields")
	assert.Equal(t, created.ID, raw["id"])
}

func TestWithResponseIntoOnFailure(t *testing.T) {
	t.Parallel()
	srv := reeflowtest.NewServer(t)
	client := srv.Client(noWaits(&waits{})...)
	var resp reeflow.Response
	_, err := client.Connections.Get(context.Background(), "conn_missing", reeflow.WithResponseInto(&resp))
	require.ErrorIs(t, err, reeflow.ErrNotFound)
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
	assert.Equal(t, 1, resp.Attempts)
	assert.Contains(t, string(resp.Body), "Connection not found")

	// No response at all: the status stays 0, the attempts are counted.
	dead := newPlainServer(t, func(http.ResponseWriter, *http.Request) {})
	dead.Close()
	client2, err := reeflow.NewClient(reeflow.WithBaseURL(dead.URL), reeflow.WithBasicAuth(docKeyID, docSecret), noWaits(&waits{})[0], noWaits(&waits{})[1])
	require.NoError(t, err)
	resp = reeflow.Response{StatusCode: 999}
	_, err = client2.Connections.List(context.Background(), reeflow.WithResponseInto(&resp))
	require.Error(t, err)
	assert.Equal(t, 0, resp.StatusCode)
	assert.Equal(t, 3, resp.Attempts, "the first attempt and two retries")
}

func TestWithBodyField(t *testing.T) {
	t.Parallel()
	client, rec := newRecorder(t, reply(201, `{"token":"a.b.c","expires_at":"2026-01-01T00:00:00Z"}`))
	ctx := context.Background()
	_, err := client.Sessions.Create(ctx, reeflow.CreateSessionParams{UserID: "u_1"},
		reeflow.WithBodyField("user.email", "ada@example.com"),
		reeflow.WithBodyField("theme", json.RawMessage(`{"dark":true}`)),
		reeflow.WithBodyField("big", json.Number("12345678901234567890")))
	require.NoError(t, err)
	assert.JSONEq(t, `{"user":{"id":"u_1","email":"ada@example.com"},"theme":{"dark":true},"big":12345678901234567890}`, string(rec.last(t).Body))

	// A field replaces what the typed parameters set.
	_, err = client.Sessions.Create(ctx, reeflow.CreateSessionParams{UserID: "u_1"}, reeflow.WithBodyField("user.id", "u_2"))
	require.NoError(t, err)
	assert.JSONEq(t, `{"user":{"id":"u_2"}}`, string(rec.last(t).Body))

	sent := len(rec.all())
	for name, tc := range map[string]struct {
		call func() error
		want string
	}{
		"no body": {func() error {
			_, err := client.Connections.List(ctx, reeflow.WithBodyField("x", 1))
			return err
		}, "WithBodyField: list connections sends no request body"},
		"empty path": {func() error {
			_, err := client.Sessions.Create(ctx, reeflow.CreateSessionParams{UserID: "u"}, reeflow.WithBodyField("", 1))
			return err
		}, "WithBodyField: empty field path"},
		"empty key": {func() error {
			_, err := client.Sessions.Create(ctx, reeflow.CreateSessionParams{UserID: "u"}, reeflow.WithBodyField("user..x", 1))
			return err
		}, `field path "user..x" has an empty key`},
		"through a non-object": {func() error {
			_, err := client.Sessions.Create(ctx, reeflow.CreateSessionParams{UserID: "u"}, reeflow.WithBodyField("user.id.x", 1))
			return err
		}, `WithBodyField "user.id.x": "id" is not a JSON object`},
		"unencodable value": {func() error {
			_, err := client.Sessions.Create(ctx, reeflow.CreateSessionParams{UserID: "u"}, reeflow.WithBodyField("f", func() {}))
			return err
		}, `WithBodyField "f": encode value`},
	} {
		err := tc.call()
		require.Error(t, err, name)
		assert.ErrorContains(t, err, tc.want, name)
	}
	assert.Len(t, rec.all(), sent, "a refused option sends nothing")
}

func TestPerCallRetriesTimeoutAndHeaders(t *testing.T) {
	t.Parallel()
	srv := reeflowtest.NewServer(t)
	client := srv.Client(noWaits(&waits{})...)
	ctx := context.Background()
	var resp reeflow.Response

	srv.FailNext(1, http.StatusServiceUnavailable, 0)
	_, err := client.Connections.List(ctx, reeflow.WithCallMaxRetries(0), reeflow.WithResponseInto(&resp))
	require.ErrorIs(t, err, reeflow.ErrServer, "no retry for this call")
	assert.Equal(t, 1, resp.Attempts)

	srv.FailNext(4, http.StatusServiceUnavailable, 0)
	_, err = client.Connections.List(ctx, reeflow.WithCallMaxRetries(4), reeflow.WithResponseInto(&resp))
	require.NoError(t, err, "four retries for this call, two for the client")
	assert.Equal(t, 5, resp.Attempts)

	hang := make(chan struct{})
	defer close(hang)
	slow, rec := newRecorder(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Attempt-Test") == "slow" {
			select {
			case <-r.Context().Done():
			case <-hang:
			}
			return
		}
		reply(200, `[]`)(w, r)
	}, reeflow.WithMaxRetries(1))
	_, err = slow.Connections.List(ctx, reeflow.WithAttemptTimeout(50*time.Millisecond), reeflow.WithHeader("X-Attempt-Test", "slow"), reeflow.WithResponseInto(&resp))
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Equal(t, 2, resp.Attempts, "each attempt timed out and was retried once")
	assert.Equal(t, "slow", rec.last(t).Header.Get("X-Attempt-Test"))

	for _, name := range []string{"Authorization", "authorization", "X-API-Key", "x-api-signature", "Proxy-Authorization"} {
		_, err := slow.Connections.List(ctx, reeflow.WithHeader(name, "v"))
		require.ErrorIs(t, err, reeflow.ErrMultipleCredentials, name)
	}
	for name, h := range map[string][2]string{
		"set by net/http": {"Host", "elsewhere"}, "bad name": {"X Bad", "v"}, "empty name": {"", "v"}, "CRLF in value": {"X-Trace", "a\r\nInjected: 1"},
	} {
		_, err := slow.Connections.List(ctx, reeflow.WithHeader(h[0], h[1]))
		require.Error(t, err, name)
		assert.ErrorContains(t, err, "WithHeader", name)
	}
	_, err = slow.Connections.List(ctx, reeflow.WithCallMaxRetries(-1))
	assert.ErrorContains(t, err, "WithCallMaxRetries: negative count -1")
	_, err = slow.Connections.List(ctx, reeflow.WithAttemptTimeout(-time.Second))
	assert.ErrorContains(t, err, "WithAttemptTimeout: negative duration")
	_, err = slow.Connections.List(ctx, reeflow.WithResponseInto(nil))
	assert.ErrorContains(t, err, "WithResponseInto: nil *Response")
}

func TestCreateConnectionRetryRules(t *testing.T) {
	t.Parallel()
	srv := reeflowtest.NewServer(t)
	client := srv.Client(noWaits(&waits{})...)
	ctx := context.Background()

	// 429: Reeflow did not act; the create is sent again.
	srv.FailNext(1, http.StatusTooManyRequests, time.Second)
	var resp reeflow.Response
	_, err := client.Connections.Create(ctx, pgParamsSSL, reeflow.WithResponseInto(&resp))
	require.NoError(t, err)
	assert.Equal(t, 2, resp.Attempts)
	assert.Len(t, srv.Connections(), 1)

	// 503: Reeflow may have acted; the error says what to check.
	srv.FailNext(1, http.StatusServiceUnavailable, 0)
	_, err = client.Connections.Create(ctx, pgParamsSSL)
	require.ErrorIs(t, err, reeflow.ErrServer)
	assert.ErrorContains(t, err, "not retried: the connection may have been created; list connections to check")

	// An error that no retry would fix does not claim anything.
	_, err = client.Connections.Create(ctx, reeflow.CreateConnectionParams{Name: "x", Config: reeflow.UnknownConfig{Type: "mysql", Raw: json.RawMessage(`{}`)}})
	require.ErrorIs(t, err, reeflow.ErrBadRequest)
	assert.NotContains(t, err.Error(), "not retried")
}

func TestIsNeverPanics(t *testing.T) {
	t.Parallel()
	client, _ := newRecorder(t, reply(401, `{"message":"Invalid API key","error":"Unauthorized","statusCode":401}`))
	_, err := client.Connections.List(context.Background())
	require.Error(t, err)
	assert.NotPanics(t, func() {
		assert.False(t, errors.Is(err, unhashableError{"x"}))
		var target unhashableError
		assert.False(t, errors.As(err, &target))
	})
	assert.ErrorIs(t, err, reeflow.ErrInvalidAPIKey)
}

// unhashableError is an error type that cannot be a map key.
type unhashableError []string

func (unhashableError) Error() string { return "unhashable" }

func TestHMACErrorSentinels(t *testing.T) {
	t.Parallel()
	srv := reeflowtest.NewServer(t)
	ctx := context.Background()
	key := srv.Key()

	wrong := srv.Client(reeflow.WithHMACAuth(key.ID, key.Secret+"x"))
	_, err := wrong.Connections.List(ctx)
	require.ErrorIs(t, err, reeflow.ErrInvalidSignature)
	assert.NotErrorIs(t, err, reeflow.ErrTimestampExpired)
	assert.NotErrorIs(t, err, reeflow.ErrInvalidAPIKeySecret, "a Basic row does not match an HMAC failure")

	// A request signed an hour ago, sent by hand so that no clock correction applies.
	past := func() time.Time { return time.Now().Add(-time.Hour) }
	signer, err := reeflow.HMACAuth(key.ID, key.Secret, reeflow.WithSigningClock(past))
	require.NoError(t, err)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/connections", nil)
	require.NoError(t, err)
	require.NoError(t, signer(ctx, req))
	res, err := srv.HTTPClient().Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	err = reeflow.CheckResponse(res)
	require.ErrorIs(t, err, reeflow.ErrTimestampExpired)

	// Malformed HMAC headers, and no credentials at all.
	for sentinel, edit := range map[error]func(*http.Request){
		reeflow.ErrInvalidHMACFormat: func(r *http.Request) {
			r.Header.Set("X-API-Key", key.ID)
			r.Header.Set("X-API-Timestamp", "yesterday")
			r.Header.Set("X-API-Signature", "00")
		},
		reeflow.ErrMissingCredentials: func(*http.Request) {},
	} {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/connections", nil)
		require.NoError(t, err)
		edit(req)
		res, err := srv.HTTPClient().Do(req)
		require.NoError(t, err)
		err = reeflow.CheckResponse(res)
		_ = res.Body.Close()
		require.ErrorIs(t, err, sentinel)
		require.ErrorIs(t, err, reeflow.ErrUnauthorized)
	}
}

func TestListsReturnNilOnError(t *testing.T) {
	t.Parallel()
	client, _ := newRecorder(t, reply(200, `[{"id":"key_1","name":"ci","enabled":true,"created_at":"2026-01-02T03:04:05Z","last_used_at":null},{"name":"no id"}]`))
	keys, err := client.APIKeys.List(context.Background())
	require.ErrorContains(t, err, "API key has no id")
	assert.Nil(t, keys, "no partial list with an error")

	client, _ = newRecorder(t, reply(200, `[`+pgConnectionJSON+`,{"id":"conn_2"}]`))
	conns, err := client.Connections.List(context.Background())
	require.ErrorContains(t, err, "connection conn_2 has no type")
	assert.Nil(t, conns)
}
