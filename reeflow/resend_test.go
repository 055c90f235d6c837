package reeflow_test

import (
	"context"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/net/http2"

	"github.com/reeflow/reeflow-go/reeflow"
)

// resetServer is an HTTP/2 server that reads each request whole, counts it, and then resets its
// stream with REFUSED_STREAM, which tells net/http's HTTP/2 transport that it may send the
// request again.
type resetServer struct {
	url      string
	client   *http.Client
	received atomic.Int32
	resent   chan struct{} // closed when a request arrives a second time
}

// cancelOnResend returns a context that ends when the server receives a request a second time:
// a re-send is the failure these tests look for, and net/http would otherwise repeat it until
// a deadline, which on a busy machine could also expire before the first request arrived.
func (s *resetServer) cancelOnResend(t *testing.T) context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	go func() {
		select {
		case <-s.resent:
			cancel()
		case <-ctx.Done():
		}
	}()
	return ctx
}

func newResetServer(t *testing.T) *resetServer {
	t.Helper()
	// Borrow httptest's certificate and a client that trusts it.
	donor := httptest.NewUnstartedServer(http.NotFoundHandler())
	donor.EnableHTTP2 = true
	donor.StartTLS()
	cert := donor.TLS.Certificates
	roots := donor.Client().Transport.(*http.Transport).TLSClientConfig.RootCAs
	donor.Close()

	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: cert, NextProtos: []string{"h2"}, MinVersion: tls.VersionTLS12})
	require.NoError(t, err)
	s := &resetServer{
		resent: make(chan struct{}),
		url:    "https://" + ln.Addr().String(),
		client: &http.Client{Transport: &http.Transport{
			TLSClientConfig:   &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12},
			ForceAttemptHTTP2: true,
		}},
	}
	var wg sync.WaitGroup
	t.Cleanup(func() {
		_ = ln.Close()
		s.client.CloseIdleConnections()
		wg.Wait()
	})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				s.serve(conn)
			}()
		}
	}()
	return s
}

func (s *resetServer) serve(conn net.Conn) {
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	preface := make([]byte, len(http2.ClientPreface))
	if _, err := io.ReadFull(conn, preface); err != nil {
		return
	}
	fr := http2.NewFramer(conn, conn)
	if fr.WriteSettings() != nil {
		return
	}
	for {
		f, err := fr.ReadFrame()
		if err != nil {
			return
		}
		var ended uint32
		switch f := f.(type) {
		case *http2.SettingsFrame:
			if !f.IsAck() && fr.WriteSettingsAck() != nil {
				return
			}
		case *http2.PingFrame:
			if !f.IsAck() && fr.WritePing(true, f.Data) != nil {
				return
			}
		case *http2.HeadersFrame:
			if f.StreamEnded() {
				ended = f.StreamID
			}
		case *http2.DataFrame:
			if f.StreamEnded() {
				ended = f.StreamID
			}
		}
		if ended != 0 {
			if s.received.Add(1) == 2 {
				close(s.resent)
			}
			if fr.WriteRSTStream(ended, http2.ErrCodeRefusedStream) != nil {
				return
			}
		}
	}
}

// A call that is not safe to repeat reaches the server at most once, whatever the transport
// does: over HTTP/2, net/http would otherwise re-send a reset request on its own.
func TestCreateReachesTheServerAtMostOnce(t *testing.T) {
	t.Parallel()
	params := reeflow.CreateConnectionParams{Name: "once", Config: reeflow.TinybirdConfig{Host: "h", Token: "t"}}
	calls := map[string]func(context.Context, *reeflow.Client) error{
		"Connections.Create": func(ctx context.Context, c *reeflow.Client) error {
			_, err := c.Connections.Create(ctx, params)
			return err
		},
		"Do POST": func(ctx context.Context, c *reeflow.Client) error {
			return c.Do(ctx, http.MethodPost, "embedded-users", map[string]string{"id": "u_1"}, nil)
		},
	}
	for name, call := range calls {
		for _, auth := range []reeflow.Option{reeflow.WithBasicAuth(docKeyID, docSecret), reeflow.WithHMACAuth(docKeyID, docSecret)} {
			t.Run(name+"/HTTP2", func(t *testing.T) {
				t.Parallel()
				srv := newResetServer(t)
				client, err := reeflow.NewClient(reeflow.WithBaseURL(srv.url), reeflow.WithHTTPClient(srv.client), auth)
				require.NoError(t, err)
				require.Error(t, call(srv.cancelOnResend(t), client))
				assert.Equal(t, int32(1), srv.received.Load(), "the request reached the server once")
			})
			t.Run(name+"/HTTP1", func(t *testing.T) {
				t.Parallel()
				var received atomic.Int32
				srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					_, _ = io.Copy(io.Discard, r.Body)
					received.Add(1)
					conn, _, err := http.NewResponseController(w).Hijack()
					if err == nil {
						_ = conn.Close() // read it all, then drop the connection without an answer
					}
				}))
				t.Cleanup(srv.Close)
				client, err := reeflow.NewClient(reeflow.WithBaseURL(srv.URL), reeflow.WithHTTPClient(srv.Client()), auth, noWaits(&waits{})[0])
				require.NoError(t, err)
				err = call(context.Background(), client)
				require.Error(t, err)
				assert.Contains(t, err.Error(), "not retried")
				assert.Equal(t, int32(1), received.Load())
			})
		}
	}
}

// A body-less call that must not be repeated reaches the server once over HTTP/2 too:
// net/http re-sends a request without a body on a stream reset, whatever GetBody says.
func TestBodylessPostReachesTheServerOnce(t *testing.T) {
	t.Parallel()
	srv := newResetServer(t)
	client, err := reeflow.NewClient(reeflow.WithBaseURL(srv.url), reeflow.WithHTTPClient(srv.client), reeflow.WithBasicAuth(docKeyID, docSecret))
	require.NoError(t, err)
	require.Error(t, client.Do(srv.cancelOnResend(t), http.MethodPost, "embedded-users/u_1/disable", nil, nil))
	assert.Equal(t, int32(1), srv.received.Load())
}
