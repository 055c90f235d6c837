package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/reeflow/reeflow-go/reeflow/reeflowtest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// syncBuffer is a bytes.Buffer safe for the server's log writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestServesReeflowsOwnExamples sends the requests of Reeflow's JavaScript examples (fetch with
// a Basic header) and of curl -u, with only the URL changed.
func TestServesReeflowsOwnExamples(t *testing.T) {
	const keyID = "key_abc123xyz"
	const secret = "a1b2c3d4e5f6789abcdef0123456789abcdef0123456789abcdef0123456789abc"
	t.Setenv("REEFLOW_API_KEY_ID", keyID)
	t.Setenv("REEFLOW_API_KEY_SECRET", secret)
	ctx, cancel := context.WithCancel(context.Background())
	stdout, stderr := &syncBuffer{}, &syncBuffer{}
	ready := make(chan *reeflowtest.Server, 1)
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-addr", "127.0.0.1:0"}, stdout, stderr, func(s *reeflowtest.Server) { ready <- s })
	}()
	srv := <-ready
	require.True(t, strings.HasPrefix(srv.URL, "http://127.0.0.1:"))

	credentials := base64.StdEncoding.EncodeToString([]byte(keyID + ":" + secret))
	send := func(method, path, body string, header http.Header) (int, string) {
		req, err := http.NewRequestWithContext(context.Background(), method, srv.URL+path, strings.NewReader(body))
		require.NoError(t, err)
		req.Header = header
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	// The docs' "create a new connection" example.
	status, body := send("POST", "/connections", `{"name":"My Database","type":"pg","config":{"host":"localhost","port":5432,"database":"mydb","user":"myuser","password":"mypassword","ssl":false}}`,
		http.Header{"Authorization": {"Basic " + credentials}, "Content-Type": {"application/json"}})
	assert.Equal(t, 201, status, body)
	assert.NotContains(t, body, "mypassword")
	// The docs' "simple GET request" example.
	status, body = send("GET", "/connections", "", http.Header{"Authorization": {"Basic " + credentials}})
	assert.Equal(t, 200, status)
	assert.Contains(t, body, `"name":"My Database"`)
	// curl -u key:secret sends the same header; a wrong secret gets the documented error.
	status, body = send("GET", "/connections", "", http.Header{"Authorization": {"Basic " + base64.StdEncoding.EncodeToString([]byte(keyID+":nope"))}})
	assert.Equal(t, 401, status)
	assert.JSONEq(t, `{"message":"Invalid API key secret","error":"Unauthorized","statusCode":401}`, body)

	http.DefaultClient.CloseIdleConnections()
	cancel()
	require.NoError(t, <-done)
	out := stdout.String()
	assert.Contains(t, out, "default key: "+keyID)
	assert.NotContains(t, out, secret, "a secret from the environment is not printed")
	assert.Contains(t, out, "shutting down")
	logs := stderr.String()
	assert.Equal(t, 3, strings.Count(logs, "reeflowtest: request"), "one log line per request")
	assert.NotContains(t, logs, credentials)
	assert.NotContains(t, logs, secret)
}

func TestRandomKeyIsPrinted(t *testing.T) {
	t.Setenv("REEFLOW_API_KEY_ID", "")
	t.Setenv("REEFLOW_API_KEY_SECRET", "")
	ctx, cancel := context.WithCancel(context.Background())
	stdout := &syncBuffer{}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-addr", "127.0.0.1:0", "-tls"}, stdout, io.Discard, func(s *reeflowtest.Server) {
			assert.True(t, strings.HasPrefix(s.URL, "https://"))
			assert.Contains(t, stdout.String(), "export REEFLOW_API_KEY_SECRET="+s.Key().Secret)
			cancel()
		})
	}()
	require.NoError(t, <-done)
}

func TestBadFlags(t *testing.T) {
	assert.Error(t, run(context.Background(), []string{"-nope"}, io.Discard, io.Discard, nil))
	assert.Error(t, run(context.Background(), []string{"extra"}, io.Discard, io.Discard, nil))
	assert.ErrorContains(t, run(context.Background(), []string{"-addr", "0.0.0.0:0"}, io.Discard, io.Discard, nil), "loopback")
}
