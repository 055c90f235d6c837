package transport

import (
	"context"
	"log/slog"
	"net/http"
	"time"
)

// Call describes one API call.
type Call struct {
	// Name names the call in every error and log record ("list connections"). It never holds
	// a query or a control character.
	Name   string
	Policy Policy
	// MayHaveActed says, for a call that is not retried once sent, what the caller should check
	// after a failure. Empty: a generic sentence that points at WithIdempotent.
	MayHaveActed string
	// EmptyBodyOK: a 2xx with an empty body is a success that Decode does not see (Client.Do);
	// otherwise it is an error.
	EmptyBodyOK bool
	// Build returns a fresh request below baseURL; it is called once per attempt.
	Build func(baseURL string) (*http.Request, error)
	// Decode receives a 2xx body; nil when the call expects none.
	Decode func([]byte) error
}

// notRetried explains why a failed call that was sent is not sent again.
func (c *Call) notRetried() string {
	if c.MayHaveActed != "" {
		return c.MayHaveActed
	}
	return "the server may have acted on the request; pass WithIdempotent if repeating it is safe"
}

// Editor changes a request before it is sent; it has the signature of oapi-codegen's
// RequestEditorFn.
type Editor func(ctx context.Context, req *http.Request) error

// Settings are what the options of a client and of a call decide. A call runs with the client's
// settings, changed by its own options.
type Settings struct {
	Auth           Authenticator // never nil
	Editors        []Editor      // run in order, before authentication
	Header         http.Header   // added to every request; credential headers are refused earlier
	BodyFields     []BodyField
	UserAgent      string
	MaxRetries     int
	AttemptTimeout time.Duration // 0: attempts bounded by the context only
	MaxRetryAfter  time.Duration // the longest Retry-After waited for; an answer asking longer is not retried
	Logger         *slog.Logger
	Idempotent     bool // the caller vouches that repeating the call is safe
	KeepBody       bool // Result.Body keeps a 2xx body
}
