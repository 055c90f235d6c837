package reeflowtest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/reeflow/reeflow-go/reeflow"
)

// Server is an in-memory Reeflow API on an httptest server. It is safe for concurrent use.
type Server struct {
	// URL is the base URL of the server, such as "https://127.0.0.1:41234".
	URL string

	ts      *httptest.Server
	tb      testing.TB // set by NewServer, so Client can fail the test instead of panicking
	state   *state
	handler http.Handler
	logger  *slog.Logger
	closeMu sync.Once
}

// Option configures a Server.
type Option func(*config) error

type config struct {
	keyID, secret string
	addr          string
	plainHTTP     bool
	logger        *slog.Logger
}

// WithKey sets the default key, instead of a random one. The ID must start with "key_".
func WithKey(id, secret string) Option {
	return func(c *config) error {
		if err := (reeflow.Credentials{KeyID: id, Secret: reeflow.Secret(secret)}).Validate(); err != nil {
			return err
		}
		c.keyID, c.secret = id, secret
		return nil
	}
}

// WithAddr sets the listen address (such as "127.0.0.1:4010"), instead of a random loopback port.
func WithAddr(addr string) Option {
	return func(c *config) error {
		if addr == "" {
			return errors.New("reeflowtest: WithAddr: empty address")
		}
		c.addr = addr
		return nil
	}
}

// WithoutTLS serves plain HTTP, for curl, browsers and other non-Go clients. It is allowed on
// loopback addresses only, the only place where the SDK accepts plain HTTP.
func WithoutTLS() Option {
	return func(c *config) error {
		c.plainHTTP = true
		return nil
	}
}

// WithLogger logs one line per request (method, path, status, request ID, duration), never
// credentials or bodies.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) error {
		c.logger = l
		return nil
	}
}

// NewServer starts a fake Reeflow server over HTTPS for the test and closes it when the test ends.
//
//	srv := reeflowtest.NewServer(t)
//	client := srv.Client()
func NewServer(t testing.TB, opts ...Option) *Server {
	t.Helper()
	s, err := Start(opts...)
	if err != nil {
		t.Fatalf("reeflowtest: %v", err)
	}
	s.tb = t
	t.Cleanup(s.Close)
	return s
}

// Start starts a fake Reeflow server, for programs; call Close when done.
func Start(opts ...Option) (*Server, error) {
	var cfg config
	for _, opt := range opts {
		if opt == nil {
			continue
		}
		if err := opt(&cfg); err != nil {
			return nil, err
		}
	}
	st, err := newState()
	if err != nil {
		return nil, err
	}
	if cfg.keyID == "" {
		cfg.keyID, cfg.secret = "key_"+randomHex(12), randomHex(32)
	}
	st.addKey(cfg.keyID, "default", cfg.secret)

	s := &Server{state: st, logger: cfg.logger}
	if s.handler, err = newHandler(st); err != nil {
		return nil, err
	}
	s.ts = httptest.NewUnstartedServer(s.withOverrides(http.HandlerFunc(s.serveHTTP)))
	if cfg.addr != "" {
		l, err := (&net.ListenConfig{}).Listen(context.Background(), "tcp", cfg.addr)
		if err != nil {
			return nil, fmt.Errorf("reeflowtest: listen: %w", err)
		}
		_ = s.ts.Listener.Close()
		s.ts.Listener = l
	}
	if cfg.plainHTTP {
		if host, _, _ := net.SplitHostPort(s.ts.Listener.Addr().String()); !net.ParseIP(host).IsLoopback() {
			_ = s.ts.Listener.Close()
			return nil, fmt.Errorf("reeflowtest: plain HTTP is allowed on loopback only, not %s", host)
		}
		s.ts.Start()
	} else {
		s.ts.EnableHTTP2 = true
		s.ts.StartTLS()
	}
	s.URL = s.ts.URL
	return s, nil
}

// Close shuts the server down and closes the idle connections of HTTPClient.
func (s *Server) Close() {
	s.closeMu.Do(func() {
		s.ts.Client().CloseIdleConnections()
		s.ts.Close()
	})
}

// HTTPClient returns an *http.Client that trusts the server's certificate.
func (s *Server) HTTPClient() *http.Client {
	return s.ts.Client()
}

// Client returns a reeflow.Client for the server: its base URL, a transport that trusts its
// certificate, and Basic authentication with the default key. Options given here come after
// those, so an auth option replaces the default key. It fails the test (or panics, for a server
// from Start) if the options are invalid.
func (s *Server) Client(opts ...reeflow.Option) *reeflow.Client {
	key := s.Key()
	all := append([]reeflow.Option{
		reeflow.WithBaseURL(s.URL),
		reeflow.WithHTTPClient(s.HTTPClient()),
		reeflow.WithBasicAuth(key.ID, key.Secret),
	}, opts...)
	c, err := reeflow.NewClient(all...)
	if err != nil {
		if s.tb != nil {
			s.tb.Helper()
			s.tb.Fatalf("reeflowtest: Client: %v", err)
		}
		panic("reeflowtest: Client: " + err.Error())
	}
	return c
}

// Key is an API key of the fake server. Printing a Key never shows its secret.
type Key struct {
	ID     string
	Secret string
}

// Format prints the key ID and "[REDACTED]" for the secret.
func (k Key) Format(f fmt.State, verb rune) {
	if verb == 'v' && f.Flag('#') {
		fmt.Fprintf(f, "reeflowtest.Key{ID:%q, Secret:%q}", k.ID, reeflow.Secret(k.Secret).String())
		return
	}
	fmt.Fprintf(f, fmt.FormatString(f, verb), struct {
		ID     string
		Secret reeflow.Secret
	}{k.ID, reeflow.Secret(k.Secret)})
}

// Key returns the default key.
func (s *Server) Key() Key {
	return s.state.defaultKey()
}

// AddKey creates an enabled key with a random ID and secret.
func (s *Server) AddKey(name string) Key {
	k := Key{ID: "key_" + randomHex(12), Secret: randomHex(32)}
	s.state.addKey(k.ID, name, k.Secret)
	return k
}

// DisableKey disables a key: requests with it get 403 "API key is disabled".
func (s *Server) DisableKey(id string) { s.state.setKeyEnabled(id, false) }

// EnableKey enables a key again.
func (s *Server) EnableKey(id string) { s.state.setKeyEnabled(id, true) }

// FailNext makes the next n requests fail with status before any other processing, with a
// Retry-After header of retryAfter (rounded up to seconds) unless it is 0.
func (s *Server) FailNext(n int, status int, retryAfter time.Duration) {
	s.state.failNext(n, status, retryAfter)
}

// SetClock sets the server's clock, which dates resources, stamps the Date header, bounds the
// HMAC timestamp window and times session tokens. nil restores time.Now.
func (s *Server) SetClock(now func() time.Time) { s.state.setClock(now) }

// serveHTTP runs every request through the documented order: request ID and Date, injected
// failures, authentication, body checks, then validation and the API itself.
func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
	requestID := "req_" + randomHex(8)
	rec.Header().Set("X-Request-Id", requestID)
	rec.Header().Set("Date", s.state.now().UTC().Format(http.TimeFormat))
	defer func() {
		if p := recover(); p != nil {
			writeError(rec, http.StatusInternalServerError, "Internal server error")
		}
		if s.logger != nil {
			s.logger.Info("reeflowtest: request", slog.String("method", r.Method), slog.String("path", r.URL.EscapedPath()),
				slog.Int("status", rec.status), slog.String("request_id", requestID), slog.Duration("duration", time.Since(start)))
		}
	}()
	if status, retryAfter, fail := s.state.takeFailure(); fail {
		if retryAfter > 0 {
			rec.Header().Set("Retry-After", fmt.Sprint(int64((retryAfter+time.Second-1)/time.Second)))
		}
		writeError(rec, status, http.StatusText(status))
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	switch {
	case err != nil:
		writeError(rec, http.StatusBadRequest, "Could not read request body")
		return
	case len(body) > maxBody:
		writeError(rec, http.StatusRequestEntityTooLarge, "Request body is too large")
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	if !s.state.authenticate(rec, r, body) {
		return
	}
	s.handler.ServeHTTP(rec, r)
}

// maxBody bounds request bodies; Reeflow's own limit is not documented.
const maxBody = 1 << 20

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(status int) {
	r.status = status
	r.ResponseWriter.WriteHeader(status)
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return hex.EncodeToString(b)
}

// Connections returns the stored connections in creation order, as stored: unlike the API,
// with their passwords and tokens, so a test can check what its code sent.
func (s *Server) Connections() []reeflow.Connection {
	s.state.mu.Lock()
	defer s.state.mu.Unlock()
	out := make([]reeflow.Connection, 0, len(s.state.connOrder))
	for _, id := range s.state.connOrder {
		out = append(out, s.state.conns[id].stored())
	}
	return out
}
