package reeflow

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync/atomic"
	"time"
)

// DefaultBaseURL is Reeflow's API. Resources sit at its root, with no version prefix.
const DefaultBaseURL = "https://api.reeflow.com"

// Version is this SDK's version, sent in the User-Agent header.
const Version = "0.1.0"

// Environment variables read by NewClient when no auth option is given.
//
//nolint:gosec // variable names, not credentials
const (
	EnvAPIKeyID     = "REEFLOW_API_KEY_ID"
	EnvAPIKeySecret = "REEFLOW_API_KEY_SECRET"
	EnvBaseURL      = "REEFLOW_BASE_URL"
	EnvAuthMode     = "REEFLOW_AUTH_MODE" // "basic" (default) or "hmac"
)

// Client calls the Reeflow API. It is safe for concurrent use; create one and share it.
// Printing a Client never shows its credentials.
type Client struct {
	Connections *ConnectionsService
	Sessions    *SessionsService
	APIKeys     *APIKeysService

	c *client
}

// client is the state shared by the services: everything needed to send a request.
type client struct {
	baseURL       string // always ends with "/"
	http          *http.Client
	auth          authenticator
	editors       []RequestEditorFn
	userAgent     []string
	maxRetries    int
	timeout       time.Duration
	maxRetryAfter time.Duration
	maxClockSkew  time.Duration
	logger        *slog.Logger

	now    func() time.Time
	sleep  func(ctx context.Context, d time.Duration) error
	jitter func(limit time.Duration) time.Duration

	// skew is the server's clock minus ours, learned from a "Request timestamp expired" answer.
	skew atomic.Int64
}

// NewClient returns a Client. Without WithBasicAuth, WithHMACAuth or WithCredentialsProvider
// it reads REEFLOW_API_KEY_ID and REEFLOW_API_KEY_SECRET (and REEFLOW_AUTH_MODE); with no
// credentials anywhere it fails with ErrNoCredentials. Without WithBaseURL it uses
// REEFLOW_BASE_URL, else DefaultBaseURL. Every bad option value is an error, never a panic.
func NewClient(opts ...Option) (*Client, error) {
	s := defaultSettings()
	for _, opt := range opts {
		if opt == nil {
			continue
		}
		if err := opt(&s); err != nil {
			return nil, err
		}
	}
	if s.httpClient == nil {
		s.httpClient = defaultHTTPClient()
	}
	if s.baseURL == "" {
		s.baseURL = os.Getenv(EnvBaseURL)
	}
	if s.baseURL == "" {
		s.baseURL = DefaultBaseURL
	}
	base, err := checkBaseURL(s.baseURL)
	if err != nil {
		return nil, err
	}
	if s.auth == nil {
		if s.auth, err = authFromEnv(); err != nil {
			return nil, err
		}
	}
	c := &client{
		baseURL:       base,
		http:          guardRedirects(s.httpClient),
		editors:       s.editors,
		userAgent:     []string{userAgent(s.userAgent)},
		maxRetries:    s.maxRetries,
		timeout:       s.timeout,
		maxRetryAfter: s.maxRetryAfter,
		maxClockSkew:  s.maxClockSkew,
		logger:        s.logger,
		now:           s.now,
		sleep:         s.sleep,
		jitter:        s.jitter,
	}
	if c.auth, err = s.auth.build(c.skewedNow); err != nil {
		return nil, err
	}
	return &Client{
		Connections: &ConnectionsService{c},
		Sessions:    &SessionsService{c},
		APIKeys:     &APIKeysService{c},
		c:           c,
	}, nil
}

// Format prints the client's base URL and auth mode, never its credentials.
func (c Client) Format(f fmt.State, _ rune) {
	if c.c == nil {
		_, _ = fmt.Fprint(f, "reeflow.Client{}")
		return
	}
	_, _ = fmt.Fprintf(f, "reeflow.Client{BaseURL:%s Auth:%s}", c.c.baseURL, c.c.auth.mode())
}

// LogValue logs the client's base URL and auth mode, never its credentials.
func (c Client) LogValue() slog.Value {
	if c.c == nil {
		return slog.GroupValue()
	}
	return slog.GroupValue(slog.String("base_url", c.c.baseURL), slog.String("auth", c.c.auth.mode().String()))
}

// skewedNow is the local time corrected by the clock offset learned from the server.
func (c *client) skewedNow() time.Time {
	return c.now().Add(time.Duration(c.skew.Load()))
}

func userAgent(product string) string {
	ua := "reeflow-go/" + Version
	if product != "" {
		ua += " " + product
	}
	return ua
}

// checkBaseURL enforces HTTPS (plain http on loopback only) and returns the URL with a trailing
// slash, so that the generated request builders resolve paths below it. Its errors never quote
// the URL as given: it may carry "user:password@".
func checkBaseURL(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		// url.Error quotes the whole URL; its cause names only the defect (a port, an escape).
		var urlErr *url.Error
		if errors.As(err, &urlErr) {
			err = urlErr.Err
		}
		return "", fmt.Errorf("reeflow: base URL: %w", err)
	}
	switch {
	case u.User != nil:
		return "", errors.New("reeflow: base URL must not carry user info: pass credentials with an auth option")
	case u.Host == "":
		return "", errors.New("reeflow: base URL has no host: it must look like https://api.reeflow.com")
	case u.RawQuery != "" || u.Fragment != "":
		return "", errors.New("reeflow: base URL must not have a query or fragment")
	case u.Scheme == "https":
	case u.Scheme == "http" && isLoopback(u.Hostname()):
	case u.Scheme == "http":
		return "", fmt.Errorf("%w: %s", ErrInsecureBaseURL, withoutUserInfo(u))
	default:
		return "", fmt.Errorf("reeflow: base URL scheme %q is not https", cleanText(u.Scheme, 20))
	}
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
		if u.RawPath != "" {
			u.RawPath += "/"
		}
	}
	return u.String(), nil
}

// withoutUserInfo returns u as a string without any user name or password.
func withoutUserInfo(u *url.URL) string {
	c := *u
	c.User = nil
	return cleanText(c.String(), 200)
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// CloseIdleConnections closes the idle connections of the client's HTTP transport, for
// programs and tests that end while the client stays reachable.
func (c *Client) CloseIdleConnections() {
	c.c.http.CloseIdleConnections()
}
