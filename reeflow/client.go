package reeflow

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"

	"github.com/reeflow/reeflow-go/internal/safetext"
	"github.com/reeflow/reeflow-go/internal/transport"
)

// DefaultBaseURL is Reeflow's API. Resources sit at its root, with no version prefix.
const DefaultBaseURL = "https://api.reeflow.com"

// Version is this SDK's version, sent in the User-Agent header.
const Version = "0.1.0"

// envBaseURL is the environment variable NewClient reads when WithBaseURL is not given.
const envBaseURL = "REEFLOW_BASE_URL"

// Client calls the Reeflow API. It is safe for concurrent use; create one with NewClient and
// share it. Printing a Client never shows its credentials.
type Client struct {
	Connections *ConnectionsService
	Sessions    *SessionsService
	APIKeys     *APIKeysService

	c *client
}

// client is what the services share: the pipeline that sends their calls, and the settings
// every call starts from.
type client struct {
	pipeline *transport.Pipeline
	settings settings // NewClient's; a call's options change a copy
}

// NewClient returns a Client. Without WithBasicAuth, WithHMACAuth or WithCredentialsProvider
// it reads REEFLOW_API_KEY_ID and REEFLOW_API_KEY_SECRET (and REEFLOW_AUTH_MODE); with no
// credentials anywhere it fails with ErrNoCredentials. Without WithBaseURL it uses
// REEFLOW_BASE_URL, else DefaultBaseURL. Every bad option is an error, never a panic, and so is
// an option that applies to single calls only (see Option).
func NewClient(opts ...Option) (*Client, error) {
	s := defaultSettings()
	if err := s.applyOptions(opts, atNewClient); err != nil {
		return nil, fmt.Errorf("reeflow: %w", err)
	}
	if s.baseURL == "" {
		s.baseURL = os.Getenv(envBaseURL)
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
	c := &client{settings: s}
	c.pipeline, err = transport.New(transport.Config{
		BaseURL: base, HTTPClient: s.httpClient, MaxClockSkew: s.maxClockSkew, Clock: s.clock,
		StatusError: func(f *transport.FailedResponse) error {
			e := newAPIError(f.Status, f.Header, f.Raw, f.Now)
			redactEcho(e, f.Redact)
			e.Body = f.Body
			return e.typed()
		},
		ErrMultipleCredentials: ErrMultipleCredentials, ErrRedirectRefused: ErrRedirectRefused,
	})
	if err != nil {
		return nil, err
	}
	c.settings.t.Auth = s.auth.authenticator(c.pipeline.Now)
	c.settings.ownsHeader = false // calls copy it before adding to it
	return &Client{
		Connections: &ConnectionsService{c},
		Sessions:    &SessionsService{c},
		APIKeys:     &APIKeysService{c},
		c:           c,
	}, nil
}

// redactEcho replaces, in the texts e prints and keeps, the credentials of the request it
// answers: a server that echoes the request's Authorization must not put the credential into
// Error, GoString or the logs. e is built from the answer as received, so its category, the
// sentinel its message matches and whether it is a quota refusal are decided already; a text
// that is Reeflow's own wording (a sentinel's message, a quota refusal's "Quota exceeded"
// prefix, the status text as reason) is no echo, and stays as sent, so that a secret which
// happens to be one of its words leaves them so.
func redactEcho(e *APIError, redact func(string) string) {
	e.Message = redactMessage(e.StatusCode, e.Message, redact)
	for i, m := range e.Messages {
		e.Messages[i] = redactMessage(e.StatusCode, m, redact)
	}
	if e.Reason != http.StatusText(e.StatusCode) {
		e.Reason = redact(e.Reason)
	}
	e.Code, e.RequestID = redact(e.Code), redact(e.RequestID)
}

// redactMessage redacts msg, a message of a response with this status, keeping Reeflow's own
// wording (see redactEcho).
func redactMessage(status int, msg string, redact func(string) string) string {
	for _, row := range errorTable {
		if row.status == status && row.message == msg {
			return msg
		}
	}
	if isQuotaExceeded(&APIError{StatusCode: status, Message: msg}) {
		return msg[:len(quotaPrefix)] + redact(msg[len(quotaPrefix):])
	}
	return redact(msg)
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
		return "", fmt.Errorf("reeflow: base URL scheme %q is not https", safetext.Clean(u.Scheme, 20))
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
	return safetext.Clean(c.String(), 200)
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
	if c != nil && c.c != nil {
		c.c.pipeline.CloseIdleConnections()
	}
}
