package reeflow

import (
	"context"
	"time"

	"github.com/reeflow/reeflow-go/internal/transport"
)

// Test hooks: a clock, a sleeper and a jitter source, so that retries, backoff and HMAC
// timestamps are tested without real waits or randomness. Each replaces only what is not nil.

func WithNowForTest(now func() time.Time) Option {
	return clockOption(transport.Clock{Now: now})
}

func WithSleepForTest(sleep func(ctx context.Context, d time.Duration) error) Option {
	return clockOption(transport.Clock{Sleep: sleep})
}

func WithJitterForTest(jitter func(limit time.Duration) time.Duration) Option {
	return clockOption(transport.Clock{Jitter: jitter})
}

func clockOption(c transport.Clock) Option {
	return option{"test clock", atNewClient, func(s *settings) error {
		if c.Now != nil {
			s.clock.Now = c.Now
		}
		if c.Sleep != nil {
			s.clock.Sleep = c.Sleep
		}
		if c.Jitter != nil {
			s.clock.Jitter = c.Jitter
		}
		return nil
	}}
}

// AttemptTimeout returns the client's per-attempt timeout.
func AttemptTimeout(c *Client) time.Duration { return c.c.settings.t.AttemptTimeout }

// DecodeConfig exposes the connection-config decoder to the fuzz test.
var DecodeConfig = decodeConfig

// ParseErrorBody exposes the error-body parser to the fuzz test.
func ParseErrorBody(status int, body []byte) *APIError {
	return newAPIError(status, nil, body, time.Time{})
}

// NormalisesToPathPunctuationForTest lets a test compare the look-alike table with NFKC over
// every code point without a million calls of Client.Do.
var NormalisesToPathPunctuationForTest = normalisesToPathPunctuation
