package reeflowtest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/reeflow/reeflow-go/internal/testlog"
	"github.com/reeflow/reeflow-go/reeflow"
	"github.com/reeflow/reeflow-go/reeflow/reeflowtest"
)

func TestRequestsRecordsWhatTheServerReceived(t *testing.T) {
	t.Parallel()
	srv, client := newServer(t)
	ctx := context.Background()
	key := srv.Key()

	created, err := client.Connections.Create(ctx, pgParams("Main", "CANARY-PASSWORD"))
	require.NoError(t, err)
	_, err = client.Connections.Get(ctx, "conn_missing")
	var apiErr *reeflow.APIError
	require.ErrorAs(t, err, &apiErr)
	hmac := srv.Client(reeflow.WithHMACAuth(key.ID, key.Secret), reeflow.WithHTTPClient(contractClient(t, srv)))
	_, err = hmac.Connections.List(ctx)
	require.NoError(t, err)
	_, err = srv.Client(reeflow.WithBasicAuth(key.ID, "CANARY-WRONG-SECRET")).APIKeys.List(ctx)
	require.ErrorIs(t, err, reeflow.ErrInvalidAPIKeySecret)
	status, _, _ := raw(t, srv, "GET", "/connections?limit=5&access_token=CANARY-QUERY", "", basic(key))
	require.Equal(t, 200, status)

	reqs := srv.Requests()
	require.Len(t, reqs, 5)

	create := reqs[0]
	assert.Equal(t, "POST", create.Method)
	assert.Equal(t, "/connections", create.Path)
	assert.JSONEq(t, `{"name":"Main","type":"pg","config":{"host":"db.example.com","port":5432,"database":"app","user":"reader","password":"[REDACTED]","ssl":true}}`,
		string(create.Body), "the body as sent, its password redacted")
	assert.Equal(t, "Basic [REDACTED]", create.Header.Get("Authorization"))
	assert.Equal(t, "application/json", create.Header.Get("Content-Type"))
	assert.Equal(t, key.ID, create.KeyID)
	assert.Equal(t, reeflow.AuthBasic, create.AuthMode)
	assert.Empty(t, create.AuthError)
	assert.Equal(t, 201, create.Status)
	assert.Equal(t, "conn_", created.ID[:5])

	notFound := reqs[1]
	assert.Equal(t, "/connections/conn_missing", notFound.Path)
	assert.Equal(t, 404, notFound.Status)
	assert.Equal(t, apiErr.RequestID, notFound.RequestID, "the ID the SDK reports finds the request")
	assert.Nil(t, notFound.Body)

	signed := reqs[2]
	assert.Equal(t, reeflow.AuthHMAC, signed.AuthMode)
	assert.Equal(t, key.ID, signed.KeyID)
	assert.Equal(t, key.ID, signed.Header.Get("X-Api-Key"), "the key ID is not a secret")
	assert.Equal(t, "[REDACTED]", signed.Header.Get("X-Api-Signature"))
	assert.NotEmpty(t, signed.Header.Get("X-Api-Timestamp"))

	refused := reqs[3]
	assert.Equal(t, "/api-keys", refused.Path)
	assert.Equal(t, "Invalid API key secret", refused.AuthError)
	assert.Empty(t, refused.KeyID)
	assert.Zero(t, refused.AuthMode)
	assert.Equal(t, 401, refused.Status)

	query := reqs[4]
	assert.Equal(t, url.Values{"limit": {"5"}, "access_token": {"[REDACTED]"}}, query.Query)

	printed := fmt.Sprintf("%+v %#v", reqs, reqs)
	encoded, err := json.Marshal(reqs)
	require.NoError(t, err)
	for _, out := range []string{printed, string(encoded)} {
		assert.NotContains(t, out, "CANARY")
		assert.NotContains(t, out, key.Secret)
	}
}

func TestRequestsRedactsSecretsAtAnyDepth(t *testing.T) {
	t.Parallel()
	srv := reeflowtest.NewServer(t)
	srv.Handle("POST", "/echo", http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) }))
	header := basic(srv.Key())
	header.Set("X-Custom-Token", "CANARY-HEADER")
	header.Set("Cookie", "session=CANARY-COOKIE")
	status, _, _ := raw(t, srv, "POST", "/echo",
		`{"user":{"password":"CANARY-1","name":"ann"},"items":[{"client_secret":"CANARY-2"},{"Token":{"nested":"CANARY-3"}}],"token":"","big":12345678901234567890,"paſſword":"CANARY-4"}`, header)
	require.Equal(t, 204, status)
	got := srv.Requests()[0]
	assert.JSONEq(t, `{"user":{"password":"[REDACTED]","name":"ann"},"items":[{"client_secret":"[REDACTED]"},{"Token":"[REDACTED]"}],"token":"","big":12345678901234567890,"paſſword":"[REDACTED]"}`,
		string(got.Body), "an empty value is kept, so a test still sees that none was sent; numbers keep every digit")
	assert.Equal(t, "[REDACTED]", got.Header.Get("X-Custom-Token"))
	assert.Equal(t, "[REDACTED]", got.Header.Get("Cookie"))

	status, _, _ = raw(t, srv, "POST", "/echo", `password=CANARY-FORM`, header)
	require.Equal(t, 204, status)
	assert.Nil(t, srv.Requests()[1].Body, "a body that is not JSON cannot be redacted, so it is not kept")
	assert.NotContains(t, fmt.Sprintf("%+v", srv.Requests()), "CANARY")
}

func TestRequestsKeepsTheLastN(t *testing.T) {
	t.Parallel()
	srv, client := newServer(t, reeflowtest.WithRequestLogLimit(3))
	for i := range 5 {
		_, _ = client.Connections.Get(context.Background(), fmt.Sprint("conn_", i))
	}
	var paths []string
	for _, r := range srv.Requests() {
		paths = append(paths, r.Path)
	}
	assert.Equal(t, []string{"/connections/conn_2", "/connections/conn_3", "/connections/conn_4"}, paths)

	none, client := newServer(t, reeflowtest.WithRequestLogLimit(0))
	_, err := client.Connections.List(context.Background())
	require.NoError(t, err)
	assert.Empty(t, none.Requests())

	_, err = reeflowtest.Start(reeflowtest.WithRequestLogLimit(-1))
	assert.ErrorContains(t, err, "negative")
}

// TestRequestsAreInArrivalOrder: a request that arrives first and is answered last is still
// listed first.
func TestRequestsAreInArrivalOrder(t *testing.T) {
	t.Parallel()
	srv, client := newServer(t)
	arrived, release := make(chan struct{}), make(chan struct{})
	srv.AddFault(reeflowtest.Fault{Path: "/api-keys", Delay: 1, Match: func(*http.Request) bool {
		close(arrived)
		<-release
		return true
	}})
	done := make(chan error, 1)
	go func() {
		_, err := client.APIKeys.List(context.Background())
		done <- err
	}()
	<-arrived
	_, err := client.Connections.List(context.Background())
	require.NoError(t, err)
	assert.Len(t, srv.Requests(), 1, "a request appears once answered")
	close(release)
	require.NoError(t, <-done)
	reqs := srv.Requests()
	require.Len(t, reqs, 2)
	assert.Equal(t, "/api-keys", reqs[0].Path)
	assert.Equal(t, "/connections", reqs[1].Path)
}

func TestRequestsIsACopyAndSafeForConcurrentUse(t *testing.T) {
	t.Parallel()
	srv, client := newServer(t, reeflowtest.WithRequestLogLimit(10))
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(2)
		go func() {
			defer wg.Done()
			_, err := client.Connections.Create(context.Background(), pgParams("db", "pw"))
			assert.NoError(t, err)
		}()
		go func() {
			defer wg.Done()
			for _, r := range srv.Requests() {
				assert.Equal(t, "POST", r.Method)
			}
		}()
	}
	wg.Wait()
	reqs := srv.Requests()
	require.Len(t, reqs, 8)
	for _, r := range reqs {
		r.Header.Set("Authorization", "changed")
		r.Query.Set("x", "changed")
		r.Body[0] = '['
	}
	for _, r := range srv.Requests() {
		assert.Equal(t, "Basic [REDACTED]", r.Header.Get("Authorization"))
		assert.Empty(t, r.Query)
		assert.True(t, json.Valid(r.Body))
	}
}

// TestDebugLogLinesCarryTheRedactedRequest: with a Debug logger, the one line per request shows
// what Requests records, secrets redacted; at Info it stays a summary.
func TestDebugLogLinesCarryTheRedactedRequest(t *testing.T) {
	t.Parallel()
	for _, level := range []slog.Level{slog.LevelInfo, slog.LevelDebug} {
		var buf testlog.Sink
		logger := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: level}))
		srv, client := newServer(t, reeflowtest.WithLogger(logger))
		_, err := client.Connections.Create(context.Background(), pgParams("Main", "CANARY-PASSWORD"))
		require.NoError(t, err)
		out := buf.String()
		assert.Equal(t, 1, strings.Count(out, "reeflowtest: request"), out)
		assert.Contains(t, out, "status=201")
		assert.NotContains(t, out, "CANARY")
		assert.NotContains(t, out, srv.Key().Secret)
		if level == slog.LevelDebug {
			assert.Contains(t, out, `\"password\":\"[REDACTED]\"`)
			assert.Contains(t, out, "Authorization:[Basic [REDACTED]]")
			assert.Contains(t, out, "key_id="+srv.Key().ID)
			assert.Contains(t, out, "auth_mode=basic")
		} else {
			assert.NotContains(t, out, "password")
			assert.NotContains(t, out, "Authorization")
		}
	}
}
