package reeflow

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"time"
)

// Option configures a Client. A bad value makes NewClient return an error.
type Option func(*settings) error

type settings struct {
	baseURL       string
	httpClient    *http.Client
	auth          authSpec
	editors       []RequestEditorFn
	userAgent     string
	maxRetries    int
	timeout       time.Duration
	maxRetryAfter time.Duration
	maxClockSkew  time.Duration
	logger        *slog.Logger
	now           func() time.Time
	sleep         func(ctx context.Context, d time.Duration) error
	jitter        func(limit time.Duration) time.Duration
}

const (
	defaultMaxRetries    = 2
	defaultMaxRetryAfter = 60 * time.Second
	// defaultTimeout bounds each attempt, so that no call hangs forever by default, even with
	// context.Background() and a server that sends its body one byte at a time.
	defaultTimeout = 60 * time.Second
)

func defaultSettings() settings {
	return settings{
		maxRetries:    defaultMaxRetries,
		maxRetryAfter: defaultMaxRetryAfter,
		maxClockSkew:  defaultMaxClockSkew,
		timeout:       defaultTimeout,
		now:           time.Now,
		sleep:         sleepContext,
		jitter:        fullJitter,
	}
}

// WithBaseURL sets the API's base URL (default DefaultBaseURL, or REEFLOW_BASE_URL). It must be
// https; plain http is accepted only for loopback hosts, such as a local reeflowtest server.
func WithBaseURL(url string) Option {
	return func(s *settings) error {
		if url == "" {
			return errors.New("reeflow: WithBaseURL: empty URL")
		}
		s.baseURL = url
		return nil
	}
}

// WithHTTPClient sends requests with c instead of the SDK's tuned default client. Whatever
// client is given, redirects to another origin or from https to http are refused.
func WithHTTPClient(c *http.Client) Option {
	return func(s *settings) error {
		if c == nil {
			return errors.New("reeflow: WithHTTPClient: nil client")
		}
		s.httpClient = c
		return nil
	}
}

// WithBasicAuth authenticates every request with HTTP Basic authentication (see BasicAuth).
// Of several auth options, the last one wins.
func WithBasicAuth(keyID, secret string) Option {
	return withStaticAuth(keyID, secret, AuthBasic)
}

// WithHMACAuth signs every request in HMAC signature mode (see HMACAuth). Each attempt is
// signed afresh, and a clock offset reported by the server is learned and corrected.
func WithHMACAuth(keyID, secret string) Option {
	return withStaticAuth(keyID, secret, AuthHMAC)
}

func withStaticAuth(keyID, secret string, mode AuthMode) Option {
	return func(s *settings) error {
		creds := Credentials{KeyID: keyID, Secret: NewSecret(secret)}
		if err := creds.Validate(); err != nil {
			return err
		}
		s.auth = staticAuthSpec{creds: creds, authMode: mode}
		return nil
	}
}

// WithCredentialsProvider asks p for credentials before every attempt and authenticates with
// mode, so keys rotate without restarting the program.
func WithCredentialsProvider(p CredentialsProvider, mode AuthMode) Option {
	return func(s *settings) error {
		if p == nil {
			return errors.New("reeflow: WithCredentialsProvider: nil provider")
		}
		if mode != AuthBasic && mode != AuthHMAC {
			return fmt.Errorf("reeflow: WithCredentialsProvider: unknown %s", mode)
		}
		s.auth = providerAuthSpec{provider: p, authMode: mode}
		return nil
	}
}

// WithRequestEditor adds an editor that runs on every request, before authentication. An
// editor must not add credentials: a request carrying two is refused (ErrMultipleCredentials).
func WithRequestEditor(fn RequestEditorFn) Option {
	return func(s *settings) error {
		if fn == nil {
			return errors.New("reeflow: WithRequestEditor: nil editor")
		}
		s.editors = append(s.editors, fn)
		return nil
	}
}

// WithUserAgent appends product (such as "my-service/1.2") to the "reeflow-go/<version>" User-Agent.
func WithUserAgent(product string) Option {
	return func(s *settings) error {
		for _, r := range product {
			if r < 0x20 || r == 0x7f {
				return errors.New("reeflow: WithUserAgent: control character in product")
			}
		}
		s.userAgent = product
		return nil
	}
}

// WithMaxRetries sets how many times a failed request may be retried after the first attempt
// (default 2; 0 disables retries).
func WithMaxRetries(n int) Option {
	return func(s *settings) error {
		if n < 0 {
			return fmt.Errorf("reeflow: WithMaxRetries: negative count %d", n)
		}
		s.maxRetries = n
		return nil
	}
}

// WithTimeout bounds each attempt of a call, not the whole call: sending the request, waiting for
// the response and reading its body (default 60 s; 0 leaves attempts bounded only by the
// context). A timed-out attempt of a retryable request is retried; the caller's context bounds
// the whole call. WithAttemptTimeout overrides it for one call.
func WithTimeout(d time.Duration) Option {
	return func(s *settings) error {
		if d < 0 {
			return fmt.Errorf("reeflow: WithTimeout: negative duration %s", d)
		}
		s.timeout = d
		return nil
	}
}

// WithMaxRetryAfter caps how long a Retry-After header can make the client wait (default 60 s).
func WithMaxRetryAfter(d time.Duration) Option {
	return func(s *settings) error {
		if d < 0 {
			return fmt.Errorf("reeflow: WithMaxRetryAfter: negative duration %s", d)
		}
		s.maxRetryAfter = d
		return nil
	}
}

// WithMaxClockSkew bounds the clock offset that HMAC mode learns from a server's Date header
// after a "Request timestamp expired" answer (default 15 minutes). A Date further off is ignored
// and logged: an offset learned without bound would let one forged response make the client sign
// requests that stay valid, and replayable, far into the future.
func WithMaxClockSkew(d time.Duration) Option {
	return func(s *settings) error {
		if d < 0 {
			return fmt.Errorf("reeflow: WithMaxClockSkew: negative duration %s", d)
		}
		s.maxClockSkew = d
		return nil
	}
}

// WithLogger logs one record per attempt (method, path, status, attempt, duration, request ID,
// retry wait) at Debug, and failed attempts at Warn. Credentials, passwords, tokens and bodies
// are never logged.
func WithLogger(l *slog.Logger) Option {
	return func(s *settings) error {
		s.logger = l
		return nil
	}
}

func sleepContext(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}

// fullJitter returns a random wait in [0, limit).
func fullJitter(limit time.Duration) time.Duration {
	if limit <= 0 {
		return 0
	}
	return rand.N(limit) //nolint:gosec // jitter spreads retries; it needs no unpredictability
}
