package reeflow_test

import (
	"context"
	"crypto/tls"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/reeflow/reeflow-go/reeflow"
)

// noWait replaces the backoff between attempts, so that a retry, were there one, costs nothing.
func noWait(context.Context, time.Duration) error { return nil }

// A refused redirect is not retried, even for a GET with retries left: another attempt would
// get the same redirect.
func TestRefusedRedirectIsNotRetried(t *testing.T) {
	t.Parallel()
	other := newPlainServer(t, reply(200, `[]`))
	client, rec := newRecorder(t, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+"/connections", http.StatusTemporaryRedirect)
	}, reeflow.WithMaxRetries(3), reeflow.WithSleepForTest(noWait))
	var resp reeflow.Response
	_, err := client.Connections.List(context.Background(), reeflow.WithResponseInto(&resp))
	require.ErrorIs(t, err, reeflow.ErrRedirectRefused)
	assert.Len(t, rec.all(), 1, "one request, no retry")
	assert.Equal(t, 1, resp.Attempts)
}

// A certificate the client does not trust is not retried: another handshake would fail the
// same way. Connections are counted at the server, since no request gets through.
func TestTLSFailureIsNotRetried(t *testing.T) {
	t.Parallel()
	var conns atomic.Int32
	srv := httptest.NewUnstartedServer(reply(200, `[]`))
	srv.Config.ConnState = func(_ net.Conn, state http.ConnState) {
		if state == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the failed handshakes are expected
	srv.StartTLS()
	t.Cleanup(srv.Close)

	// The SDK's own HTTP client trusts the system's roots, not httptest's certificate.
	client, err := reeflow.NewClient(reeflow.WithBaseURL(srv.URL), reeflow.WithBasicAuth(docKeyID, docSecret),
		reeflow.WithMaxRetries(3), reeflow.WithSleepForTest(noWait))
	require.NoError(t, err)
	t.Cleanup(client.CloseIdleConnections)
	var resp reeflow.Response
	_, err = client.Connections.List(context.Background(), reeflow.WithResponseInto(&resp))
	var certErr *tls.CertificateVerificationError
	require.ErrorAs(t, err, &certErr)
	assert.Equal(t, 1, resp.Attempts)
	srv.Close() // waits for the server's side of the connection
	assert.Equal(t, int32(1), conns.Load(), "one connection, no retry")
}
