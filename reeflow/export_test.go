package reeflow

import (
	"context"
	"time"
)

// Test hooks: a clock, a sleeper and a jitter source, so that retries, backoff and HMAC
// timestamps are tested without real waits or randomness.

func WithNowForTest(now func() time.Time) Option {
	return func(s *settings) error { s.now = now; return nil }
}

func WithSleepForTest(sleep func(ctx context.Context, d time.Duration) error) Option {
	return func(s *settings) error { s.sleep = sleep; return nil }
}

func WithJitterForTest(jitter func(limit time.Duration) time.Duration) Option {
	return func(s *settings) error { s.jitter = jitter; return nil }
}

// AttemptTimeout returns the client's per-attempt timeout.
func AttemptTimeout(c *Client) time.Duration { return c.c.timeout }

// ParseRetryAfter exposes the Retry-After parser to the fuzz test.
var ParseRetryAfter = parseRetryAfter

// DecodeConfig exposes the connection-config decoder to the fuzz test.
var DecodeConfig = decodeConfig

// ParseErrorBody exposes the error-body parser to the fuzz test.
func ParseErrorBody(status int, body []byte) *APIError {
	e := &APIError{StatusCode: status, Body: body}
	parseErrorBody(e, body)
	return e
}
