package reeflow_test

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/reeflow/reeflow-go/reeflow"
)

// closeWait bounds how long a test waits for the client to close a connection, so that a
// regression fails in seconds instead of hanging; a passing run waits for the event only.
const closeWait = 10 * time.Second

// A 2xx answer refused for its size closes its connection, without a per-attempt timeout to
// do it: a server that keeps sending would otherwise hold a connection of the client's pool
// for as long as it likes.
func TestOversizedAnswerClosesItsConnectionWithoutAttemptTimeout(t *testing.T) {
	t.Parallel()
	closed := make(chan struct{})
	var closeOnce sync.Once
	done := make(chan struct{})
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", strconv.Itoa(100<<20))
		_, _ = w.Write([]byte("[ "))
		http.NewResponseController(w).Flush()
		select { // the rest never comes: only the client can end this connection
		case <-r.Context().Done():
		case <-done:
		}
	}))
	srv.Config.ConnState = func(_ net.Conn, state http.ConnState) {
		if state == http.StateClosed {
			closeOnce.Do(func() { close(closed) })
		}
	}
	srv.Start()
	t.Cleanup(func() { close(done); srv.Close() })

	client, err := reeflow.NewClient(reeflow.WithBaseURL(srv.URL), reeflow.WithHTTPClient(srv.Client()),
		reeflow.WithBasicAuth(docKeyID, docSecret), reeflow.WithMaxRetries(0), reeflow.WithAttemptTimeout(0))
	require.NoError(t, err)
	_, err = client.Connections.List(context.Background())
	require.ErrorContains(t, err, "exceeds 67108864 bytes")
	select {
	case <-closed:
	case <-time.After(closeWait):
		t.Fatal("the client kept the connection of a refused answer open")
	}
}

// A 101 answer hands over a raw connection the SDK never reads: the call closes it, without a
// per-attempt timeout to do it.
func TestSwitchingProtocolsClosesItsConnectionWithoutAttemptTimeout(t *testing.T) {
	t.Parallel()
	closed := make(chan struct{})
	hijacked := make(chan net.Conn, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		conn, buf, err := http.NewResponseController(w).Hijack()
		if err != nil {
			return
		}
		hijacked <- conn
		_, _ = buf.WriteString("HTTP/1.1 101 Switching Protocols\r\nConnection: upgrade\r\nUpgrade: x\r\n\r\n")
		_ = buf.Flush()
		if _, err := buf.Read(make([]byte, 1)); err != nil { // the client closed the connection
			close(closed)
		}
	}))
	t.Cleanup(func() {
		select {
		case conn := <-hijacked:
			_ = conn.Close() // ends the handler's read when the client did not
		default:
		}
		srv.Close()
	})

	client, err := reeflow.NewClient(reeflow.WithBaseURL(srv.URL), reeflow.WithHTTPClient(srv.Client()),
		reeflow.WithBasicAuth(docKeyID, docSecret), reeflow.WithMaxRetries(0), reeflow.WithAttemptTimeout(0))
	require.NoError(t, err)
	_, err = client.Connections.List(context.Background())
	require.ErrorContains(t, err, "unexpected 101 response")
	select {
	case <-closed:
	case <-time.After(closeWait):
		t.Fatal("the client kept the connection of a 101 answer open")
	}
}
