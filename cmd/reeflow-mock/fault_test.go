package main

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/reeflow/reeflow-go/reeflow/reeflowtest"
)

// TestFaultFlags: faults given on the command line reach a client in any language: a status
// with Retry-After for one route, a set number of times; a dropped connection; a delayed
// failure; other routes untouched.
func TestFaultFlags(t *testing.T) {
	srv, stdout, _ := startMock(t,
		"-fault", "POST /sessions status=503 retry-after=2s times=1",
		"-fault", "GET /connections/{id} drop",
		"-fault", "* /api-keys delay=1ms status=429 times=1",
	)
	assert.Contains(t, stdout.String(), "injecting 3 fault(s)")
	key := srv.Key()
	send := func(method, path, body string) (*http.Response, string, error) {
		req, err := http.NewRequestWithContext(context.Background(), method, srv.URL+path, strings.NewReader(body))
		require.NoError(t, err)
		req.SetBasicAuth(key.ID, key.Secret)
		req.Header.Set("Content-Type", "application/json")
		resp, err := srv.HTTPClient().Do(req)
		if err != nil {
			return nil, "", err
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b), nil
	}

	resp, body, err := send("POST", "/sessions", `{"user":{"id":"u1"}}`)
	require.NoError(t, err)
	assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)
	assert.Equal(t, "2", resp.Header.Get("Retry-After"))
	assert.JSONEq(t, `{"message":"Service Unavailable","error":"Service Unavailable","statusCode":503}`, body)
	resp, body, err = send("POST", "/sessions", `{"user":{"id":"u1"}}`)
	require.NoError(t, err)
	assert.Equal(t, http.StatusCreated, resp.StatusCode, "times=1: the second create is served: %s", body)

	_, _, err = send("GET", "/connections/conn_1", "")
	require.Error(t, err, "the connection is dropped without an answer")
	resp, _, err = send("GET", "/connections", "")
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, resp.StatusCode, "the pattern matches one route only")

	resp, _, err = send("GET", "/api-keys", "")
	require.NoError(t, err)
	assert.Equal(t, http.StatusTooManyRequests, resp.StatusCode, "* matches any method")
	resp, _, err = send("GET", "/api-keys", "")
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
}

// TestBadFaultFlags: a fault that cannot work is a usage error naming the problem, before the
// mock serves anything.
func TestBadFaultFlags(t *testing.T) {
	cases := []struct{ fault, want string }{
		{"POST /sessions status=200", "200"},
		{"POST /sessions status=abc", `status=abc`},
		{"POST /sessions retry-after=2s", "needs a Status"},
		{"POST /sessions delay=soon", `delay=soon`},
		{"POST /sessions status=503 drop", "Drop excludes Status"},
		{"POST /sessions", "does nothing"},
		{"post /sessions status=503", "upper-case"},
		{"POST /x/{ status=503", "bad wildcard"},
		{"POST /sessions colour=red status=503", `unknown key "colour"`},
		{"POST /sessions status=503 times=-1", "negative Times"},
	}
	for _, tc := range cases {
		t.Run(tc.fault, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			err := run(ctx, []string{"-addr", "127.0.0.1:0", "-fault", tc.fault}, io.Discard, io.Discard,
				func(*reeflowtest.Server) { t.Error("the mock started"); cancel() })
			require.Error(t, err)
			assert.Contains(t, err.Error(), "-fault")
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

// TestFaultFlagIsInTheHelp: -help documents the syntax, with an example.
func TestFaultFlagIsInTheHelp(t *testing.T) {
	var stderr strings.Builder
	_ = run(context.Background(), []string{"-help"}, io.Discard, &stderr, nil)
	assert.Contains(t, stderr.String(), "-fault")
	assert.Contains(t, stderr.String(), "retry-after=2s")
	assert.Contains(t, stderr.String(), "example: -fault 'POST /sessions status=503 retry-after=2s times=1'")
}
