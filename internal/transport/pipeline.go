package transport

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"
)

// Clock is the time source of a pipeline: tests replace it to run retries, backoff and HMAC
// timestamps without real waits or randomness.
type Clock struct {
	Now    func() time.Time
	Sleep  func(ctx context.Context, d time.Duration) error // returns the context's cause when it ends first
	Jitter func(limit time.Duration) time.Duration          // a random wait in [0, limit)
}

// Pipeline sends the calls of one client. It is safe for concurrent use.
type Pipeline struct {
	baseURL      string  // ends with "/"
	origin       url.URL // the base URL's scheme and host: the only place credentials go
	http         *http.Client
	maxClockSkew time.Duration
	clock        Clock
	statusError  func(*FailedResponse) error

	errMultipleCredentials, errRedirectRefused error

	// skew is the server's clock minus ours, learned from a "Request timestamp expired" answer.
	skew atomic.Int64
}

// Config is what a Pipeline needs that no call can change.
type Config struct {
	BaseURL      string       // absolute, with a host, ending with "/"
	HTTPClient   *http.Client // redirects are guarded on a copy; nil: defaultHTTPClient
	MaxClockSkew time.Duration
	Clock        Clock // zero fields: the real clock
	// StatusError turns a non-2xx answer into the error the caller sees.
	StatusError func(*FailedResponse) error
	// The errors the pipeline's own refusals wrap, for errors.Is: a request that would carry a
	// second credential, and a redirect it does not follow. Both are required.
	ErrMultipleCredentials, ErrRedirectRefused error
}

// FailedResponse is a non-2xx answer, as StatusError receives it. A server may echo the
// request's credentials: StatusError reads Raw and Header as received, decides from them
// whatever it derives (fields, sentinels, Retry-After), and then keeps only Body and texts
// passed through Redact.
type FailedResponse struct {
	Status int
	Header http.Header // as received
	Raw    []byte      // the body as received, at most MaxErrorBody bytes: parse it, never keep it
	Body   []byte      // Raw with the request's credentials replaced by "[REDACTED]": the body to keep
	Now    time.Time
	// Redact replaces the request's credentials in a text decoded from Raw or Header (a server
	// may escape them in JSON): apply it to every such text the error prints or keeps, once
	// everything derived from the text is decided.
	Redact func(string) string
}

// New returns a Pipeline for cfg. A base URL without a scheme and a host is an error: the
// pipeline would not know which origin its credentials may go to.
func New(cfg Config) (*Pipeline, error) {
	u, err := url.Parse(cfg.BaseURL)
	if err != nil || u.Scheme == "" || u.Host == "" || !strings.HasSuffix(cfg.BaseURL, "/") {
		return nil, errors.New("reeflow: the pipeline needs an absolute base URL with a host, ending with \"/\"")
	}
	if cfg.ErrMultipleCredentials == nil || cfg.ErrRedirectRefused == nil || cfg.StatusError == nil {
		return nil, errors.New("reeflow: the pipeline needs StatusError, ErrMultipleCredentials and ErrRedirectRefused")
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = defaultHTTPClient()
	}
	clock := cfg.Clock
	if clock.Now == nil {
		clock.Now = time.Now
	}
	if clock.Sleep == nil {
		clock.Sleep = sleep
	}
	if clock.Jitter == nil {
		clock.Jitter = fullJitter
	}
	return &Pipeline{
		baseURL: cfg.BaseURL, origin: url.URL{Scheme: u.Scheme, Host: u.Host},
		http: guardRedirects(hc, cfg.ErrRedirectRefused), maxClockSkew: cfg.MaxClockSkew,
		clock: clock, statusError: cfg.StatusError,
		errMultipleCredentials: cfg.ErrMultipleCredentials, errRedirectRefused: cfg.ErrRedirectRefused,
	}, nil
}

// BaseURL returns the base URL that requests are built below, ending with "/".
func (p *Pipeline) BaseURL() string { return p.baseURL }

// Now is the local time corrected by the clock offset learned from the server: the clock HMAC
// signatures are timed by.
func (p *Pipeline) Now() time.Time {
	return p.clock.Now().Add(time.Duration(p.skew.Load()))
}

// CloseIdleConnections closes the idle connections of the pipeline's HTTP client.
func (p *Pipeline) CloseIdleConnections() { p.http.CloseIdleConnections() }

// Result is what the last request of a call that went on the wire received; its zero value
// (Attempts 0) when none did.
type Result struct {
	Status    int // 0 when no attempt got a response
	Header    http.Header
	RequestID string
	Attempts  int    // requests sent, a re-send after a clock correction included
	Body      []byte // an error body, or a 2xx body when Settings.KeepBody
}

// Do sends call with settings s: per attempt it builds the request, sets body fields, extra
// headers and the editors' changes, authenticates, sends, classifies the response, and waits
// before a retry. Its errors start with "reeflow: <call name>: ".
func (p *Pipeline) Do(ctx context.Context, call *Call, s *Settings) (Result, error) {
	policy := call.Policy
	if s.Idempotent {
		policy = RetryIdempotent
	}
	a := attempt{p: p, call: call, s: s, policy: policy}
	clockCorrected := false
	sent := 0 // requests that went on the wire: n counts tries, of which a clock correction is not one
	var result Result
	var sentErr error // the error of the last request that went on the wire
	for n := 1; ; n++ {
		res := a.send(ctx)
		if res.sent {
			sent++
			// Result describes the last request that went on the wire: an attempt refused
			// before sending (an editor's or a provider's error) leaves it as it was.
			result = Result{Status: res.status, Header: res.header, RequestID: res.requestID, Attempts: sent, Body: res.body}
			sentErr = res.err
		} else if sentErr != nil {
			// A retry refused before sending: the answer that made the call retry is kept.
			res.err = fmt.Errorf("%w (after attempt %d: %w)", res.err, sent, sentErr)
		}
		if res.err == nil {
			p.logAttempt(ctx, s.Logger, call, n, &res, 0)
			return result, nil
		}
		if ctx.Err() != nil {
			p.logAttempt(ctx, s.Logger, call, n, &res, 0)
			return result, callError(call, fmt.Errorf("%w (attempt %d: %w)", context.Cause(ctx), n, res.err))
		}
		if !clockCorrected && p.learnClockSkew(ctx, s, call, &res) {
			p.logAttempt(ctx, s.Logger, call, n, &res, 0)
			clockCorrected = true
			n-- // a clock correction is not a retry
			continue
		}
		if !res.retryable || n > s.MaxRetries {
			p.logAttempt(ctx, s.Logger, call, n, &res, 0)
			return result, callError(call, finalError(call, policy, sent, &res))
		}
		if res.retryAfter > s.MaxRetryAfter {
			// The server asked for a longer wait than the caller accepts: retrying earlier
			// than asked would only meet the same refusal, and hammer a server that is shedding
			// load. The answer, with its Retry-After, is the caller's at once.
			p.logAttempt(ctx, s.Logger, call, n, &res, 0)
			return result, callError(call, fmt.Errorf("%w (not retried: the server asked to wait %v, longer than WithMaxRetryAfter's %v)",
				res.err, res.retryAfter, s.MaxRetryAfter))
		}
		wait := p.backoff(n, res.retryAfter)
		if deadline, ok := ctx.Deadline(); ok && p.clock.Now().Add(wait).After(deadline) {
			// The next attempt could not start before the caller's deadline: report this
			// answer now rather than the deadline later (a page view's 429 becomes its 503
			// at once, with the server's Retry-After).
			p.logAttempt(ctx, s.Logger, call, n, &res, 0)
			return result, callError(call, fmt.Errorf("%w (not retried: the wait of %v would outlast the context's deadline)", res.err, wait))
		}
		p.logAttempt(ctx, s.Logger, call, n, &res, wait)
		if err := p.clock.Sleep(ctx, wait); err != nil {
			return result, callError(call, fmt.Errorf("%w (waiting to retry after attempt %d: %w)", err, n, res.err))
		}
	}
}

// finalError is the error of the attempt a call gives up on. A failure that an idempotent call
// would have retried says why this one was not: the server may have acted on it. attempts
// counts the requests that went on the wire, as Result.Attempts does.
func finalError(call *Call, policy Policy, attempts int, res *attemptResult) error {
	err := res.err
	if !res.retryable && policy == RetryUnsent && res.transient {
		err = fmt.Errorf("%w (not retried: %s)", err, call.notRetried())
	}
	if attempts > 1 {
		// After the status and message, so that every error reads "reeflow: <operation>: <status> …".
		return fmt.Errorf("%w (giving up after %d attempts)", err, attempts)
	}
	return err
}

// callError prefixes err with the call's name, as every error of a call is.
func callError(call *Call, err error) error {
	return fmt.Errorf("reeflow: %s: %w", call.Name, WithoutPrefix(err))
}
