package reeflow

import (
	"crypto/tls"
	"errors"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// retryPolicy says when an operation may be sent again.
type retryPolicy int

const (
	// retryIdempotent: on connection errors, timeouts, 429, 502, 503 and 504. Repeating the
	// request cannot do anything twice (GET, PUT, PATCH, DELETE, and POST /sessions, which
	// only mints a token).
	retryIdempotent retryPolicy = iota
	// retryUnsent: only when the request provably never reached the server, so that a create
	// is never repeated after the server may have acted on it.
	retryUnsent
)

// operation names an API call in errors and logs, with its retry policy.
type operation struct {
	name      string
	retry     retryPolicy
	sendsBody bool // the request has a JSON body (WithBodyField applies)
	raw       bool // a Client.Do call: WithIdempotent applies, and a 2xx may have no body
	// mayHaveActed says, for a call that is not retried once sent, what the caller should
	// check after a failure: the server may have acted on it.
	mayHaveActed string
}

// notRetried explains why a failed call that was sent is not sent again.
func (op operation) notRetried() string {
	if op.mayHaveActed != "" {
		return op.mayHaveActed
	}
	return "the server may have acted on the request; pass WithIdempotent if repeating it is safe"
}

// Backoff: exponential with full jitter, between 0 and min(backoffCap, backoffBase·2^(n-1)).
const (
	backoffBase = 500 * time.Millisecond
	backoffCap  = 8 * time.Second
)

func retryableStatus(status int) bool {
	switch status {
	case http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// neverSent reports whether a transport error happened before any byte of the request could
// reach the server: the connection was never established.
func neverSent(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}

// permanentTransportError reports errors that another attempt cannot fix.
func permanentTransportError(err error) bool {
	var certErr *tls.CertificateVerificationError
	return errors.Is(err, ErrRedirectRefused) || errors.As(err, &certErr)
}

// backoff returns the wait before retry number n (1-based): the server's Retry-After when it
// gave one (capped), else full jitter.
func (c *client) backoff(n int, retryAfter time.Duration) time.Duration {
	if retryAfter > 0 {
		return min(retryAfter, c.maxRetryAfter)
	}
	limit := backoffCap
	if n < 6 { // 0.5 s · 2^5 already exceeds the cap
		limit = min(backoffCap, backoffBase<<(n-1))
	}
	return c.jitter(limit)
}

// parseRetryAfter reads a Retry-After header in seconds or as an HTTP date. A date in the past
// gives 0. The boolean is false when the header is absent or malformed.
func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	const maxSeconds = int64(1<<63-1) / int64(time.Second)
	secs, err := strconv.ParseInt(v, 10, 64)
	if errors.Is(err, strconv.ErrRange) && v[0] != '-' {
		// More seconds than an int64 holds: the server asks for the longest wait there is,
		// which the client's cap then bounds. Taking it as absent would retry almost at once.
		secs, err = maxSeconds, nil
	}
	if err == nil {
		if secs < 0 {
			return 0, false
		}
		return time.Duration(min(secs, maxSeconds)) * time.Second, true
	}
	when, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	return max(when.Sub(now), 0), true
}
