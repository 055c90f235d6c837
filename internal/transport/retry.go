package transport

import (
	"context"
	"crypto/tls"
	"errors"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Policy says when a call may be sent again.
type Policy int

const (
	// RetryIdempotent retries on connection errors, timeouts, 429, 502, 503 and 504. Repeating the
	// request cannot do anything twice (GET, PUT, PATCH, DELETE, and POST /sessions, which only
	// mints a token).
	RetryIdempotent Policy = iota
	// RetryUnsent retries only when the request provably never reached the server, or got 429, so that
	// a create is never repeated after the server may have acted on it.
	RetryUnsent
)

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
func (p *Pipeline) permanentTransportError(err error) bool {
	var certErr *tls.CertificateVerificationError
	return errors.Is(err, p.errRedirectRefused) || errors.Is(err, errMalformedLocation) || errors.As(err, &certErr)
}

// backoff returns the wait before retry number n (1-based): the server's Retry-After when it
// gave one (a call does not retry after one longer than Settings.MaxRetryAfter), else full
// jitter.
func (p *Pipeline) backoff(n int, retryAfter time.Duration) time.Duration {
	if retryAfter > 0 {
		return retryAfter
	}
	limit := backoffCap
	if n < 6 { // 0.5 s · 2^5 already exceeds the cap
		limit = min(backoffCap, backoffBase<<(n-1))
	}
	return p.clock.Jitter(limit)
}

// ParseRetryAfter reads a Retry-After header in seconds or as an HTTP date. A date in the past
// gives 0. The boolean is false when the header is absent or malformed.
func ParseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	const maxSeconds = int64(1<<63-1) / int64(time.Second)
	secs, err := strconv.ParseInt(v, 10, 64)
	if errors.Is(err, strconv.ErrRange) && v[0] != '-' {
		// More seconds than an int64 holds: the server asks for the longest wait there is,
		// longer than any client waits. Taking it as absent would retry almost at once.
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

func sleep(ctx context.Context, d time.Duration) error {
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
