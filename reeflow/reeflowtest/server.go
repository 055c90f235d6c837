package reeflowtest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/reeflow/reeflow-go/internal/fakeapi"
	"github.com/reeflow/reeflow-go/reeflow"
)

// Server is an in-memory Reeflow API on an httptest server. It is safe for concurrent use.
// Make one with NewServer or Start: on a zero or nil Server, Close does nothing, the methods
// with an error return it, and the others panic with "reeflowtest: Server not created with
// NewServer or Start".
type Server struct {
	// URL is the base URL of the server, such as "https://127.0.0.1:41234".
	URL string

	ts          *httptest.Server
	tb          testing.TB // set by NewServer, so Client can fail the test instead of panicking
	state       *state
	spec        *openapi3.T
	handler     http.Handler
	routes      *customRoutes
	faults      faultList
	log         requestLog
	seq         atomic.Uint64 // numbers requests as they arrive, to order the log
	readTimeout time.Duration
	logger      *slog.Logger
	broken      atomic.Pointer[string] // the first refused setup call of a server from Start
	closing     chan struct{}          // closed by Close, to end delays
	closeMu     sync.Once
}

// Option configures a Server.
type Option func(*config) error

type config struct {
	keyID, secret string
	addr          string
	plainHTTP     bool
	logger        *slog.Logger
	logLimit      int
	readTimeout   time.Duration
	idleTimeout   time.Duration
	unknownFields bool
	quotas        map[string]int
}

// Default connection timeouts; see WithTimeouts.
const (
	defaultReadTimeout = 10 * time.Second
	defaultIdleTimeout = 60 * time.Second
)

// WithKey sets the default key, instead of a random one. The ID must start with "key_".
func WithKey(id, secret string) Option {
	return func(c *config) error {
		if err := (reeflow.Credentials{KeyID: id, Secret: reeflow.NewSecret(secret)}).Validate(); err != nil {
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

// WithLogger logs one line per request (method, path, status, request ID, duration). When the
// logger is enabled for slog.LevelDebug, the line also carries what [Server.Requests] records:
// the query, headers and JSON body, credentials and secrets redacted, and the key, auth mode or
// authentication error.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) error {
		c.logger = l
		return nil
	}
}

// WithTimeouts bounds how long a client may take to send a request (read: first its headers,
// then its body) and how long an idle keep-alive connection stays open (idle), so that a slow or
// idle client cannot hold a connection. The defaults are 10 seconds and 60 seconds. A request
// whose body is late gets 408; one whose headers are late is closed without an answer, as
// net/http does.
func WithTimeouts(read, idle time.Duration) Option {
	return func(c *config) error {
		if read <= 0 || idle <= 0 {
			return fmt.Errorf("reeflowtest: WithTimeouts: timeouts must be positive, not %v and %v", read, idle)
		}
		c.readTimeout, c.idleTimeout = read, idle
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
	cfg := config{logLimit: defaultRequestLogLimit, readTimeout: defaultReadTimeout, idleTimeout: defaultIdleTimeout}
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
	for resource, max := range cfg.quotas {
		st.quotas[resource] = max
	}
	st.addKey(cfg.keyID, "default", cfg.secret) // the first key: within any quota

	spec, err := fakeapi.GetSpec()
	if err != nil {
		return nil, fmt.Errorf("reeflowtest: load embedded spec: %w", err)
	}
	s := &Server{state: st, spec: spec, logger: cfg.logger, readTimeout: cfg.readTimeout, closing: make(chan struct{})}
	s.log.limit = cfg.logLimit
	var apiPatterns []string
	if s.handler, apiPatterns, err = newHandler(st, spec, cfg.unknownFields); err != nil {
		return nil, err
	}
	if s.routes, err = newCustomRoutes(apiPatterns); err != nil {
		return nil, err
	}
	s.ts = httptest.NewUnstartedServer(http.HandlerFunc(s.serveHTTP))
	s.ts.Config.ReadHeaderTimeout = cfg.readTimeout
	s.ts.Config.IdleTimeout = cfg.idleTimeout
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

// Close shuts the server down and closes the idle connections of HTTPClient. Requests waiting
// out a Fault's Delay end at once, their connections dropped.
func (s *Server) Close() {
	if s == nil || s.ts == nil {
		return // a Server not created with NewServer or Start has nothing to close
	}
	s.closeMu.Do(func() {
		close(s.closing)
		s.ts.Client().CloseIdleConnections()
		s.ts.Close()
	})
}

// HTTPClient returns an *http.Client that trusts the server's certificate.
func (s *Server) HTTPClient() *http.Client {
	s.mustBeCreated("HTTPClient")
	return s.ts.Client()
}

// Client returns a reeflow.Client for the server: its base URL, a transport that trusts its
// certificate, and Basic authentication with the default key. Options given here come after
// those, so an auth option replaces the default key. It fails the test (or panics, for a server
// from Start) if the options are invalid.
func (s *Server) Client(opts ...reeflow.Option) *reeflow.Client {
	s.mustBeCreated("Client")
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

// Key is an API key of the fake server. Printing a Key or encoding it as JSON never shows its
// secret: a Key is never a payload, so the secret is read only where it is needed, as k.Secret.
// (Like any string field, Secret is still visible to reflection, for instance when a Key sits in
// an unexported field of a struct that fmt prints.)
type Key struct {
	ID     string
	Secret string
}

// MarshalJSON encodes the key as {"ID": …, "Secret": "[REDACTED]"}, so that JSON, and slog's JSON
// handler, redact the secret as printing does.
func (k Key) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct{ ID, Secret string }{k.ID, redacted})
}

// Format prints the key ID and "[REDACTED]" for the secret.
func (k Key) Format(f fmt.State, verb rune) {
	if verb == 'v' && f.Flag('#') {
		fmt.Fprintf(f, "reeflowtest.Key{ID:%q, Secret:%q}", k.ID, reeflow.NewSecret(k.Secret).String())
		return
	}
	fmt.Fprintf(f, fmt.FormatString(f, verb), struct {
		ID     string
		Secret reeflow.Secret
	}{k.ID, reeflow.NewSecret(k.Secret)})
}

// Key returns the default key.
func (s *Server) Key() Key {
	s.mustBeCreated("Key")
	return s.state.defaultKey()
}

// AddKey creates an enabled key with a random ID and secret. Beyond the organization's quota of
// API keys (20, see WithQuota) it fails the test, as [Server.FailNext] does with a bad argument,
// and returns a zero Key: Reeflow would refuse the key.
func (s *Server) AddKey(name string) Key {
	s.mustBeCreated("AddKey")
	if s.tb != nil {
		s.tb.Helper()
	}
	k := Key{ID: "key_" + randomHex(12), Secret: randomHex(32)}
	if msg := s.state.addKey(k.ID, name, k.Secret); msg != "" {
		s.refuse(fmt.Errorf("reeflowtest: AddKey: %s", msg))
		return Key{}
	}
	return k
}

// DisableKey disables a key: requests with it get 403 "API key is disabled".
func (s *Server) DisableKey(id string) {
	s.mustBeCreated("DisableKey")
	s.state.setKeyEnabled(id, false)
}

// EnableKey enables a key again.
func (s *Server) EnableKey(id string) {
	s.mustBeCreated("EnableKey")
	s.state.setKeyEnabled(id, true)
}

// FailNext makes the next n requests, whatever their route, fail with status before any other
// processing, with a Retry-After header of retryAfter (rounded up to seconds) unless it is 0. It
// replaces the previous FailNext; n = 0 cancels it. status must be a failure, 400 to 599: see
// [Server.AddFault] for what happens otherwise, and for faults on one route, delays and dropped
// connections.
func (s *Server) FailNext(n int, status int, retryAfter time.Duration) {
	s.mustBeCreated("FailNext")
	if s.tb != nil {
		s.tb.Helper()
	}
	if n > 0 {
		if err := checkFailureStatus(status); err != nil {
			s.refuse(fmt.Errorf("reeflowtest: FailNext: %w", err))
			return
		}
	}
	s.state.failNext(n, status, retryAfter)
}

// errNotCreated is the mistake of a zero or nil Server: its methods need the state, routes
// and listener only NewServer and Start make.
var errNotCreated = errors.New("reeflowtest: Server not created with NewServer or Start")

// created reports whether s was made by NewServer or Start.
func (s *Server) created() bool { return s != nil && s.state != nil && s.ts != nil }

// mustBeCreated stops a method of a zero or nil Server that has no error to return with a
// panic naming the mistake, rather than a nil dereference deep inside: such a Server has no
// test to fail, and a setup method that did nothing would let the test pass for the wrong reason.
func (s *Server) mustBeCreated(method string) {
	if !s.created() {
		panic(fmt.Sprintf("%v (calling Server.%s)", errNotCreated, method))
	}
}

// refuse reports a bad argument to a setup method (FailNext, AddFault, Handle), which has no
// error to return and must never panic. In a test it fails the test at the caller's line, as a
// failed require does. A server from Start has no test to fail: it answers every later request
// with a 500 whose message names the problem, and logs it, so the mistake cannot go unnoticed.
func (s *Server) refuse(err error) {
	if s.tb != nil {
		s.tb.Helper()
		s.tb.Fatalf("%v", err)
		return
	}
	msg := err.Error()
	s.broken.CompareAndSwap(nil, &msg)
	if s.logger != nil {
		s.logger.Error("reeflowtest: refused setup call; every request now fails", slog.String("error", msg))
	}
}

// SetClock sets the server's clock, which dates resources, stamps the Date header, bounds the
// HMAC timestamp window and times session tokens. nil restores time.Now.
func (s *Server) SetClock(now func() time.Time) {
	s.mustBeCreated("SetClock")
	s.state.setClock(now)
}

// serveHTTP runs every request through the documented order: request ID and Date, the body,
// injected faults, authentication, body checks, then custom routes or the validated API.
func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	seq := s.seq.Add(1)
	rec := &statusRecorder{ResponseWriter: w}
	entry := Request{
		Method: r.Method, Path: r.URL.EscapedPath(), Query: redactQuery(r.URL.RawQuery),
		Header: redactHeader(r.Header), RequestID: "req_" + randomHex(8),
	}
	rec.Header().Set("X-Request-Id", entry.RequestID)
	rec.Header().Set("Date", s.state.now().UTC().Format(http.TimeFormat))
	var body []byte
	defer func() {
		p := recover()
		dropped := p == http.ErrAbortHandler //nolint:errorlint // a panic value, compared as net/http does
		if p != nil && !dropped {
			writeError(rec, http.StatusInternalServerError, "Internal server error")
		}
		entry.Status = rec.final()
		if dropped {
			entry.Status = 0
		}
		entry.Body = redactJSON(body)
		s.log.add(seq, entry)
		s.logRequest(entry, time.Since(start))
		if dropped {
			panic(p) // net/http closes the connection (HTTP/1) or resets the stream (HTTP/2)
		}
	}()
	if msg := s.broken.Load(); msg != nil {
		writeError(rec, http.StatusInternalServerError, *msg)
		return
	}
	body, readErr := readBody(w, r, s.readTimeout)
	if readErr != nil || len(body) > maxBody {
		// The rest of the body is still on the connection: net/http would wait for it before
		// answering, as long as the client cares to stall. Close instead.
		rec.Header().Set("Connection", "close")
	}
	if f, ok := s.takeFault(r, body); ok && s.applyFault(rec, r, f) {
		return
	}
	switch {
	case errors.Is(readErr, os.ErrDeadlineExceeded):
		writeError(rec, http.StatusRequestTimeout, "Request body was not received in time")
		return
	case readErr != nil:
		writeError(rec, http.StatusBadRequest, "Could not read request body")
		return
	case len(body) > maxBody:
		writeError(rec, http.StatusRequestEntityTooLarge, "Request body is too large")
		return
	}
	auth := s.state.authenticate(r, body)
	if auth.status != 0 {
		entry.AuthError = auth.msg
		writeError(rec, auth.status, auth.msg)
		return
	}
	entry.KeyID, entry.AuthMode = auth.keyID, auth.mode
	if s.routes.serve(rec, r) {
		return
	}
	s.handler.ServeHTTP(rec, r)
}

// readBody reads at most maxBody+1 bytes of the body, within timeout, and leaves r.Body
// readable again for the handlers.
func readBody(w http.ResponseWriter, r *http.Request, timeout time.Duration) ([]byte, error) {
	rc := http.NewResponseController(w)
	_ = rc.SetReadDeadline(time.Now().Add(timeout)) // both of net/http's protocols support it
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	_ = rc.SetReadDeadline(time.Time{})
	r.Body = io.NopCloser(bytes.NewReader(body))
	return body, err
}

// logRequest writes the request's log line, with the details of the requests log when the
// logger is enabled for Debug.
func (s *Server) logRequest(e Request, d time.Duration) {
	if s.logger == nil {
		return
	}
	ctx := context.Background() // the request's own context may be done already
	attrs := []slog.Attr{
		slog.String("method", e.Method), slog.String("path", e.Path), slog.Int("status", e.Status),
		slog.String("request_id", e.RequestID), slog.Duration("duration", d),
	}
	if s.logger.Enabled(ctx, slog.LevelDebug) {
		attrs = append(attrs, slog.Any("query", e.Query), slog.Any("header", e.Header), slog.String("body", string(e.Body)))
		if e.AuthMode != 0 {
			attrs = append(attrs, slog.String("key_id", e.KeyID), slog.String("auth_mode", e.AuthMode.String()))
		}
		if e.AuthError != "" {
			attrs = append(attrs, slog.String("auth_error", e.AuthError))
		}
	}
	s.logger.LogAttrs(ctx, slog.LevelInfo, "reeflowtest: request", attrs...)
}

// maxBody bounds request bodies; Reeflow's own limit is not documented.
const maxBody = 1 << 20

// statusRecorder remembers the status a handler answered with.
type statusRecorder struct {
	http.ResponseWriter
	status int // 0 until a final status is written
}

func (r *statusRecorder) WriteHeader(status int) {
	if r.status == 0 && status >= 200 {
		r.status = status
	}
	r.ResponseWriter.WriteHeader(status)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection, for custom handlers that flush.
func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// final is the status the client gets: a handler that wrote nothing answers 200.
func (r *statusRecorder) final() int {
	if r.status == 0 {
		return http.StatusOK
	}
	return r.status
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return hex.EncodeToString(b)
}

// Connections returns the stored connections in creation order, as stored: unlike the API,
// with their passwords and tokens, so a test can check what its code sent.
func (s *Server) Connections() []reeflow.Connection {
	s.mustBeCreated("Connections")
	s.state.mu.Lock()
	defer s.state.mu.Unlock()
	out := make([]reeflow.Connection, 0, len(s.state.connOrder))
	for _, id := range s.state.connOrder {
		out = append(out, s.state.conns[id].stored())
	}
	return out
}
