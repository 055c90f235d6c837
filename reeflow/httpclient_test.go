package reeflow_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/reeflow/reeflow-go/reeflow"
)

// TestDefaultClientReusesConnections: with the SDK's own transport, 32 goroutines making 50
// requests each never hold more than 32 TCP connections open at once, and reuse them: net/http's
// default transport keeps only 2 idle connections per host and would dial again for most of the
// 1,600 requests. A connection that breaks is dialled again, so the total is bounded loosely
// (on a loaded machine one or two do).
func TestDefaultClientReusesConnections(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var opened, open, maxOpen int
	srv := httptest.NewUnstartedServer(reply(200, `[]`))
	srv.Config.ConnState = func(_ net.Conn, state http.ConnState) {
		mu.Lock()
		defer mu.Unlock()
		switch state {
		case http.StateNew:
			opened++
			open++
			maxOpen = max(maxOpen, open)
		case http.StateClosed, http.StateHijacked:
			open--
		}
	}
	srv.Start()
	defer srv.Close()

	client, err := reeflow.NewClient(reeflow.WithBaseURL(srv.URL), reeflow.WithBasicAuth(docKeyID, docSecret)) // no WithHTTPClient
	require.NoError(t, err)
	defer client.CloseIdleConnections()

	const goroutines, requests = 32, 50
	var wg sync.WaitGroup
	for range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range requests {
				_, err := client.Connections.List(context.Background())
				if !assert.NoError(t, err) {
					return
				}
			}
		}()
	}
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	assert.LessOrEqual(t, maxOpen, goroutines, "connections open at once")
	assert.LessOrEqual(t, opened, goroutines+goroutines/2, "connections opened for %d requests", goroutines*requests)
	t.Logf("%d requests over %d connections, at most %d at once", goroutines*requests, opened, maxOpen)
}

// A Transport or Jar that is a nil pointer would panic on every request ("transport is nil"):
// NewClient refuses it. A nil Transport is net/http's default, and is fine.
func TestHTTPClientWithNilPointerTransportIsRefused(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		hc   *http.Client
		want string
	}{
		"nil *http.Transport": {&http.Client{Transport: (*http.Transport)(nil)},
			"reeflow: WithHTTPClient: the client's Transport is a nil *http.Transport (leave Transport nil for http.DefaultTransport)"},
		"nil *cookiejar.Jar": {&http.Client{Jar: (*cookiejar.Jar)(nil)},
			"reeflow: WithHTTPClient: the client's Jar is a nil *cookiejar.Jar (leave Jar nil for no cookies)"},
	} {
		_, err := reeflow.NewClient(reeflow.WithBaseURL("https://api.example.com"), reeflow.WithBasicAuth(docKeyID, docSecret), reeflow.WithHTTPClient(tc.hc))
		require.Error(t, err, name)
		assert.Equal(t, tc.want, err.Error(), name)
	}

	srv := newPlainServer(t, reply(200, `[]`))
	client, err := reeflow.NewClient(reeflow.WithBaseURL(srv.URL), reeflow.WithBasicAuth(docKeyID, docSecret), reeflow.WithHTTPClient(&http.Client{}))
	require.NoError(t, err, "a zero http.Client uses http.DefaultTransport")
	t.Cleanup(client.CloseIdleConnections)
	_, err = client.Connections.List(context.Background())
	require.NoError(t, err)
}

// roundTripFunc is a user's RoundTripper.
type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(req *http.Request) (*http.Response, error) { return f(req) }

// A user's RoundTripper that breaks its contract gets an error, never a panic: a nil response
// with a nil error is net/http's error, naming the user's type; a redirect with a nil Body whose
// Location does not parse is refused with its status.
func TestHTTPClientWhoseTransportBreaksItsContract(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		rt      roundTripFunc
		text    string
		status  int
		refused bool
	}{
		"nil response and nil error": {func(*http.Request) (*http.Response, error) { return nil, nil },
			`reeflow: list connections: Get "https://api.example.com/connections": http: RoundTripper implementation (reeflow_test.roundTripFunc) returned a nil *Response with a nil error`,
			0, false},
		"redirect with a nil Body": {func(req *http.Request) (*http.Response, error) {
			return &http.Response{StatusCode: http.StatusFound, Header: http.Header{"Location": {"http://[::1"}}, Request: req}, nil
		}, `reeflow: list connections: 302 Found: Get "https://api.example.com/connections": redirect refused: the server redirected to a malformed Location`,
			http.StatusFound, true},
	} {
		client, err := reeflow.NewClient(reeflow.WithBaseURL("https://api.example.com"), reeflow.WithBasicAuth(docKeyID, docSecret),
			reeflow.WithHTTPClient(&http.Client{Transport: tc.rt}), reeflow.WithMaxRetries(0))
		require.NoError(t, err, name)
		var resp reeflow.Response
		_, err = client.Connections.List(context.Background(), reeflow.WithResponseInto(&resp))
		require.Error(t, err, name)
		assert.Equal(t, tc.text, err.Error(), name)
		assert.Equal(t, tc.refused, errors.Is(err, reeflow.ErrRedirectRefused), name)
		assert.Equal(t, tc.status, resp.StatusCode, name)
	}
}

// idleTransport answers every request with an empty list, and counts requests and
// CloseIdleConnections calls.
type idleTransport struct{ requests, closed atomic.Int32 }

func (t *idleTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	t.requests.Add(1)
	return &http.Response{StatusCode: http.StatusOK, Header: http.Header{"Content-Type": {"application/json"}}, ContentLength: 2,
		Body: io.NopCloser(strings.NewReader(`[]`)), Request: req}, nil
}

func (t *idleTransport) CloseIdleConnections() { t.closed.Add(1) }

// Client.CloseIdleConnections reaches the user's Transport, through the redirect guard's.
func TestCloseIdleConnectionsReachesTheUsersTransport(t *testing.T) {
	t.Parallel()
	rt := &idleTransport{}
	client, err := reeflow.NewClient(reeflow.WithBaseURL("https://api.example.com"), reeflow.WithBasicAuth(docKeyID, docSecret),
		reeflow.WithHTTPClient(&http.Client{Transport: rt}))
	require.NoError(t, err)
	client.CloseIdleConnections()
	assert.EqualValues(t, 1, rt.closed.Load())
}

// A client without a Transport uses http.DefaultTransport as it is at each request, as net/http
// does: tools such as httpmock replace it after the clients exist. A nil one is an error.
//
// Not parallel: it replaces http.DefaultTransport, a global that parallel tests read. Every
// sequential test ends before the parallel ones resume, and the cleanup restores it.
func TestNilTransportIsTheDefaultTransportOfTheMoment(t *testing.T) {
	client, err := reeflow.NewClient(reeflow.WithBaseURL("https://api.example.com"), reeflow.WithBasicAuth(docKeyID, docSecret),
		reeflow.WithHTTPClient(&http.Client{}), reeflow.WithMaxRetries(0))
	require.NoError(t, err)
	mock := &idleTransport{}
	saved := http.DefaultTransport
	http.DefaultTransport = mock
	t.Cleanup(func() { http.DefaultTransport = saved })

	_, err = client.Connections.List(context.Background())
	require.NoError(t, err)
	assert.EqualValues(t, 1, mock.requests.Load(), "the request went to the replacement")
	client.CloseIdleConnections()
	assert.EqualValues(t, 1, mock.closed.Load(), "so did CloseIdleConnections")

	// No default transport at all is net/http's error, not a panic.
	http.DefaultTransport = nil
	_, err = client.Connections.List(context.Background())
	assert.EqualError(t, err, `reeflow: list connections: Get "https://api.example.com/connections": http: no Client.Transport or DefaultTransport`)
	client.CloseIdleConnections()
}
