package reeflowtest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/reeflow/reeflow-go/internal/testlog"
	"github.com/reeflow/reeflow-go/reeflow"
	"github.com/reeflow/reeflow-go/reeflow/reeflowtest"
)

// TestFaultOnOneRoute is the test FailNext could not express: the create fails, the list
// still works, and the next create succeeds.
func TestFaultOnOneRoute(t *testing.T) {
	t.Parallel()
	srv := reeflowtest.NewServer(t)
	client := srv.Client(reeflow.WithMaxRetries(0), reeflow.WithHTTPClient(contractClient(t, srv)))
	ctx := context.Background()
	srv.AddFault(reeflowtest.Fault{Method: "POST", Path: "/connections", Times: 1, Status: 503, RetryAfter: 1500 * time.Millisecond})

	_, err := client.Connections.List(ctx)
	require.NoError(t, err, "another method on the same path is not affected")
	_, err = client.Connections.Create(ctx, pgParams("db", "pw"))
	var apiErr *reeflow.APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, 503, apiErr.StatusCode)
	assert.Equal(t, 2*time.Second, apiErr.RetryAfter, "rounded up to whole seconds")
	assert.Equal(t, "Service Unavailable", apiErr.Message)
	assert.Empty(t, srv.Connections(), "the fault answered before the server acted")
	_, err = client.Connections.Create(ctx, pgParams("db", "pw"))
	require.NoError(t, err, "Times: 1 affects one request")

	reqs := srv.Requests()
	require.Len(t, reqs, 3)
	assert.Equal(t, []int{200, 503, 201}, []int{reqs[0].Status, reqs[1].Status, reqs[2].Status})
	assert.Empty(t, reqs[1].KeyID, "a fault answers before authentication")
}

func TestFaultPathPatternsAndMethods(t *testing.T) {
	t.Parallel()
	srv, _ := newServer(t)
	srv.AddFault(reeflowtest.Fault{Path: "/connections/{id}", Status: 500}) // any method, every time
	for _, tc := range []struct {
		method, path string
		want         int
	}{
		{"GET", "/connections", 200},
		{"GET", "/connections/conn_1", 500},
		{"DELETE", "/connections/conn_2", 500},
		{"GET", "/connections/conn_1", 500},
		{"GET", "/api-keys", 200},
		{"GET", "/connections/conn_1/extra", 404},
	} {
		status, _, _ := raw(t, srv, tc.method, tc.path, "", basic(srv.Key()))
		assert.Equal(t, tc.want, status, "%s %s", tc.method, tc.path)
	}
}

// TestFaultPredicate fails only the create of one connection; the predicate reads the body,
// and the server still gets it whole.
func TestFaultPredicate(t *testing.T) {
	t.Parallel()
	srv, client := newServer(t)
	srv.AddFault(reeflowtest.Fault{Method: "POST", Path: "/connections", Status: 422, Match: func(r *http.Request) bool {
		var body struct{ Name string }
		return json.NewDecoder(r.Body).Decode(&body) == nil && body.Name == "flaky"
	}})
	_, err := client.Connections.Create(context.Background(), pgParams("steady", "pw-steady"))
	require.NoError(t, err)
	_, err = client.Connections.Create(context.Background(), pgParams("flaky", "pw"))
	var apiErr *reeflow.APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, 422, apiErr.StatusCode)
	stored := srv.Connections()
	require.Len(t, stored, 1)
	assert.Equal(t, "pw-steady", stored[0].Config.(reeflow.PostgresConfig).Password)
}

// TestFaultBody serves bodies a proxy or a newer API would send. They are served as given, so
// they go through a client without the contract check.
func TestFaultBody(t *testing.T) {
	t.Parallel()
	srv := reeflowtest.NewServer(t)
	client := srv.Client(reeflow.WithMaxRetries(0))
	srv.AddFault(reeflowtest.Fault{Path: "/connections", Times: 1, Status: 502, Body: "<html><body>Bad gateway</body></html>"})
	srv.AddFault(reeflowtest.Fault{Path: "/connections", Times: 1, Status: 409, Body: `{"code":"CONFLICT","message":"Name taken"}`})

	_, err := client.Connections.List(context.Background())
	var apiErr *reeflow.APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, 502, apiErr.StatusCode)
	assert.Contains(t, string(apiErr.Body), "Bad gateway")

	_, err = client.Connections.List(context.Background())
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, 409, apiErr.StatusCode)
	assert.Equal(t, "CONFLICT", apiErr.Code)
	assert.Equal(t, "Name taken", apiErr.Message)
}

func TestFaultOrderAndTimes(t *testing.T) {
	t.Parallel()
	srv, _ := newServer(t)
	srv.AddFault(reeflowtest.Fault{Path: "/connections", Times: 2, Status: 500})
	srv.AddFault(reeflowtest.Fault{Path: "/connections", Status: 503}) // every later request
	srv.FailNext(1, 429, 0)
	var got []int
	for range 5 {
		status, _, _ := raw(t, srv, "GET", "/connections", "", basic(srv.Key()))
		got = append(got, status)
	}
	assert.Equal(t, []int{429, 500, 500, 503, 503}, got, "FailNext first, then faults in the order added")
}

func TestFaultDelayThenServe(t *testing.T) {
	t.Parallel()
	srv, client := newServer(t)
	srv.AddFault(reeflowtest.Fault{Path: "/connections", Times: 1, Delay: time.Millisecond})
	srv.AddFault(reeflowtest.Fault{Path: "/api-keys", Times: 1, Delay: time.Millisecond, Status: 504})
	_, err := client.Connections.List(context.Background())
	require.NoError(t, err, "a delay alone answers normally once it is over")
	_, err = srv.Client(reeflow.WithMaxRetries(0)).APIKeys.List(context.Background())
	var apiErr *reeflow.APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, 504, apiErr.StatusCode)
}

// TestFaultDelayEndsWhenTheClientGivesUp: a client that gives up ends the server's wait too,
// without an answer, so no handler goroutine outlives the test (goleak checks it). The client
// gives up once the server holds the request: a timer could expire before the request arrives
// (a slow TLS handshake on a busy machine), and then no handler would ever log it.
func TestFaultDelayEndsWhenTheClientGivesUp(t *testing.T) {
	t.Parallel()
	done := make(answered, 10)
	srv := reeflowtest.NewServer(t, reeflowtest.WithLogger(slog.New(done)))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	srv.AddFault(reeflowtest.Fault{Path: "/connections", Delay: time.Hour, Match: func(*http.Request) bool {
		cancel()
		return true
	}})
	_, err := srv.Client(reeflow.WithMaxRetries(0)).Connections.List(ctx)
	require.ErrorIs(t, err, context.Canceled)
	_, status := done.next(t)
	assert.Equal(t, "0", status, "no answer was sent")
	reqs := srv.Requests()
	require.Len(t, reqs, 1)
	assert.Zero(t, reqs[0].Status)
}

// TestFaultDelayEndsWhenTheServerCloses: Close does not wait out a delay.
func TestFaultDelayEndsWhenTheServerCloses(t *testing.T) {
	t.Parallel()
	srv := reeflowtest.NewServer(t)
	arrived := make(chan struct{})
	srv.AddFault(reeflowtest.Fault{Path: "/connections", Delay: time.Hour, Match: func(*http.Request) bool {
		close(arrived)
		return true
	}})
	client := srv.Client(reeflow.WithMaxRetries(0))
	done := make(chan error, 1)
	go func() {
		_, err := client.Connections.List(context.Background())
		done <- err
	}()
	within(t, arrived, "the request never reached the fault")
	closed := make(chan struct{})
	go func() {
		srv.Close() // would block for an hour if the delay held the handler
		close(closed)
	}()
	within(t, closed, "Close waited for the delay")
	var err error
	select {
	case err = <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("the call never ended")
	}
	require.Error(t, err)
	var apiErr *reeflow.APIError
	assert.False(t, errors.As(err, &apiErr), "the connection was dropped, not answered: %v", err)
	assert.Zero(t, srv.Requests()[0].Status)
}

// TestFaultDrop: the server reads the request and drops the connection. A create, which must
// not be repeated once the server may have acted, is sent once; a list is retried. Over both
// protocols the SDK meets: HTTP/2 (HTTPS) and HTTP/1.1 (plain HTTP on loopback).
func TestFaultDrop(t *testing.T) {
	t.Parallel()
	for name, opts := range map[string][]reeflowtest.Option{"HTTP/2": nil, "HTTP/1.1": {reeflowtest.WithoutTLS()}} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			srv := reeflowtest.NewServer(t, opts...)
			client := srv.Client()
			defer client.CloseIdleConnections()
			srv.AddFault(reeflowtest.Fault{Method: "POST", Path: "/connections", Times: 1, Drop: true})
			_, err := client.Connections.Create(context.Background(), pgParams("db", "pw"))
			require.Error(t, err)
			var apiErr *reeflow.APIError
			assert.False(t, errors.As(err, &apiErr), "no answer, so no APIError: %v", err)
			assert.Empty(t, srv.Connections(), "dropped before the server acted")
			reqs := srv.Requests()
			require.Len(t, reqs, 1, "the create was sent once")
			assert.Zero(t, reqs[0].Status)
			assert.JSONEq(t, `{"name":"db","type":"pg","config":{"host":"db.example.com","port":5432,"database":"app","user":"reader","password":"[REDACTED]","ssl":true}}`,
				string(reqs[0].Body), "the request was read whole")

			srv.AddFault(reeflowtest.Fault{Method: "GET", Path: "/connections", Times: 1, Drop: true})
			_, err = client.Connections.List(context.Background())
			require.NoError(t, err, "a list is safe to repeat")
			reqs = srv.Requests()[1:]
			require.Len(t, reqs, 2)
			assert.Equal(t, []int{0, 200}, []int{reqs[0].Status, reqs[1].Status})
		})
	}
}

// TestRefusedFaults: a fault that cannot work fails the test that sets it, naming the problem,
// and changes nothing on the server.
func TestRefusedFaults(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		fault reeflowtest.Fault
		want  string
	}{
		{"success status", reeflowtest.Fault{Status: 200}, "status 200 is not a failure status: use 400 to 599"},
		{"redirect", reeflowtest.Fault{Status: 302, Path: "/connections"}, "status 302 is not a failure status"},
		{"beyond 599", reeflowtest.Fault{Status: 600}, "status 600 is not a failure status"},
		{"nothing to do", reeflowtest.Fault{Path: "/connections"}, "the fault does nothing: set Status, Delay or Drop"},
		{"retry-after alone", reeflowtest.Fault{RetryAfter: time.Second, Delay: time.Second}, "a RetryAfter or a Body needs a Status"},
		{"body alone", reeflowtest.Fault{Body: "x", Drop: true}, "a RetryAfter or a Body needs a Status"},
		{"drop with status", reeflowtest.Fault{Drop: true, Status: 503}, "a Drop excludes Status 503"},
		{"negative times", reeflowtest.Fault{Status: 500, Times: -1}, "negative Times -1"},
		{"negative delay", reeflowtest.Fault{Delay: -time.Second}, "negative Delay -1s"},
		{"negative retry-after", reeflowtest.Fault{Status: 429, RetryAfter: -time.Second}, "negative RetryAfter"},
		{"lower-case method", reeflowtest.Fault{Method: "post", Status: 500}, `method "post" is not an upper-case HTTP method`},
		{"method in the path", reeflowtest.Fault{Path: "POST /connections", Status: 500}, `path pattern "POST /connections" must start with "/"`},
		{"bad pattern", reeflowtest.Fault{Path: "/connections/{id", Status: 500}, `path pattern "/connections/{id"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rec := &fatalRecorder{TB: t}
			srv := reeflowtest.NewServer(rec)
			srv.AddFault(tc.fault)
			require.Len(t, rec.messages, 1)
			assert.Contains(t, rec.messages[0], "reeflowtest: AddFault: "+tc.want)
			status, _, _ := raw(t, srv, "GET", "/connections", "", basic(srv.Key()))
			assert.Equal(t, 200, status, "nothing was injected")
		})
	}

	t.Run("FailNext", func(t *testing.T) {
		t.Parallel()
		rec := &fatalRecorder{TB: t}
		srv := reeflowtest.NewServer(rec)
		srv.FailNext(1, 204, 0)
		require.Len(t, rec.messages, 1)
		assert.Equal(t, "reeflowtest: FailNext: status 204 is not a failure status: use 400 to 599", rec.messages[0])
		srv.FailNext(0, 0, 0) // cancels; the status does not matter
		assert.Len(t, rec.messages, 1)
		status, _, _ := raw(t, srv, "GET", "/connections", "", basic(srv.Key()))
		assert.Equal(t, 200, status)
	})
}

// TestRefusedSetupOnAServerFromStart: with no test to fail, the server answers every later
// request with a 500 that names the problem, so the mistake cannot go unnoticed.
func TestRefusedSetupOnAServerFromStart(t *testing.T) {
	t.Parallel()
	var logs testlog.Sink
	srv, err := reeflowtest.Start(reeflowtest.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	require.NoError(t, err)
	defer srv.Close()
	client := srv.Client(reeflow.WithMaxRetries(0))
	defer client.CloseIdleConnections()
	_, err = client.Connections.List(context.Background())
	require.NoError(t, err)

	srv.AddFault(reeflowtest.Fault{Status: 200})
	srv.Handle("GET", "/other", nil) // a second mistake does not hide the first
	for range 2 {
		_, err = client.Connections.List(context.Background())
		var apiErr *reeflow.APIError
		require.ErrorAs(t, err, &apiErr)
		assert.Equal(t, 500, apiErr.StatusCode)
		assert.Equal(t, "reeflowtest: AddFault: status 200 is not a failure status: use 400 to 599", apiErr.Message)
	}
	assert.Contains(t, logs.String(), "refused setup call")
}

// TestFaultContentTypes checks the Content-Type of fault bodies through a raw client.
func TestFaultContentTypes(t *testing.T) {
	t.Parallel()
	srv := reeflowtest.NewServer(t)
	for body, want := range map[string]string{
		"":                           "application/json; charset=utf-8",
		`{"message":"down"}`:         "application/json; charset=utf-8",
		"<html><p>Bad gateway</p>":   "text/html; charset=utf-8",
		"upstream connect error 503": "text/plain; charset=utf-8",
	} {
		srv.AddFault(reeflowtest.Fault{Path: "/connections", Times: 1, Status: 502, Body: body})
		req, err := http.NewRequestWithContext(context.Background(), "GET", srv.URL+"/connections", nil)
		require.NoError(t, err)
		resp, err := srv.HTTPClient().Do(req)
		require.NoError(t, err)
		got, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		assert.Equal(t, 502, resp.StatusCode)
		assert.Equal(t, want, resp.Header.Get("Content-Type"), body)
		if body != "" {
			assert.Equal(t, body, string(got))
		} else {
			assert.True(t, bytes.Contains(got, []byte(`"statusCode":502`)), string(got))
		}
		assert.True(t, strings.HasPrefix(resp.Header.Get("X-Request-Id"), "req_"))
	}
}

// within waits for ch to be closed, failing the test rather than hanging when it never is.
func within(t *testing.T, ch <-chan struct{}, failure string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(30 * time.Second):
		t.Fatal(failure)
	}
}
