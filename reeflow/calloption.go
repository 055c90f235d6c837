package reeflow

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// CallOption configures one call of a service method or of Client.Do. RequestEditorFn is a
// CallOption, so BasicAuth and HMACAuth editors and any editor of your own pass straight in.
// A bad option value makes the call return an error before anything is sent.
type CallOption interface {
	applyToCall(*callConfig)
}

// callConfig is what a call's options set. Its zero value means "as the client says".
type callConfig struct {
	editors        []RequestEditorFn
	response       *Response
	bodyFields     []bodyField
	header         http.Header
	maxRetries     *int
	attemptTimeout *time.Duration
	idempotent     bool
	err            error // the first bad option
}

func (c *callConfig) fail(err error) {
	if c.err == nil {
		c.err = err
	}
}

// applyToCall runs the editor on the call's requests, after the client's editors and before
// authentication. A nil editor is ignored.
func (fn RequestEditorFn) applyToCall(c *callConfig) {
	if fn != nil {
		c.editors = append(c.editors, fn)
	}
}

type callOptionFunc func(*callConfig)

func (f callOptionFunc) applyToCall(c *callConfig) { f(c) }

// WithResponseInto fills r when the call returns, whether it succeeded or failed with an API
// error: the status, headers, request ID, number of attempts and raw body of the last attempt.
// Use it to read fields this SDK does not decode, or to log the request ID of a successful call.
func WithResponseInto(r *Response) CallOption {
	return callOptionFunc(func(c *callConfig) {
		if r == nil {
			c.fail(errors.New("WithResponseInto: nil *Response"))
			return
		}
		c.response = r
	})
}

// WithBodyField sets a field of the call's JSON request body that the typed parameters do not
// have, such as a field Reeflow added after this SDK was released. path names the field, with
// dots between nested object keys ("user.attributes"); objects on the way are created when
// absent. value is encoded with encoding/json; a json.RawMessage goes in as it is. A call whose
// request has no body is refused.
func WithBodyField(path string, value any) CallOption {
	return callOptionFunc(func(c *callConfig) {
		keys, err := bodyFieldPath(path)
		if err != nil {
			c.fail(fmt.Errorf("WithBodyField: %w", err))
			return
		}
		raw, err := json.Marshal(value)
		if err != nil {
			c.fail(fmt.Errorf("WithBodyField %q: encode value: %w", path, err))
			return
		}
		c.bodyFields = append(c.bodyFields, bodyField{path: path, keys: keys, value: raw})
	})
}

// WithCallMaxRetries sets how many times this call may be retried after its first attempt,
// instead of the client's WithMaxRetries (0 disables retries for this call).
func WithCallMaxRetries(n int) CallOption {
	return callOptionFunc(func(c *callConfig) {
		if n < 0 {
			c.fail(fmt.Errorf("WithCallMaxRetries: negative count %d", n))
			return
		}
		c.maxRetries = &n
	})
}

// WithAttemptTimeout bounds each attempt of this call, instead of the client's WithTimeout
// (0 leaves the attempts bounded only by the context).
func WithAttemptTimeout(d time.Duration) CallOption {
	return callOptionFunc(func(c *callConfig) {
		if d < 0 {
			c.fail(fmt.Errorf("WithAttemptTimeout: negative duration %s", d))
			return
		}
		c.attemptTimeout = &d
	})
}

// WithHeader adds a header to the call's requests. Headers that carry credentials
// (Authorization, Proxy-Authorization, X-API-*) are refused, since the client authenticates
// every request itself, and so are headers that net/http computes (Host, Content-Length,
// Transfer-Encoding, Connection).
func WithHeader(name, value string) CallOption {
	return callOptionFunc(func(c *callConfig) {
		if err := checkExtraHeader(name, value); err != nil {
			c.fail(fmt.Errorf("WithHeader: %w", err))
			return
		}
		if c.header == nil {
			c.header = make(http.Header, 1)
		}
		c.header.Add(name, value)
	})
}

// WithIdempotent declares that repeating the call cannot do anything twice, so that Client.Do
// may retry a POST (or another method that is not idempotent by definition) the way it retries a
// GET. Service methods already know which of their calls are safe to repeat and ignore it.
func WithIdempotent() CallOption {
	return callOptionFunc(func(c *callConfig) { c.idempotent = true })
}

// newCallConfig applies opts in order.
func newCallConfig(opts []CallOption) callConfig {
	var c callConfig
	for _, opt := range opts {
		if opt != nil {
			opt.applyToCall(&c)
		}
	}
	return c
}

func checkExtraHeader(name, value string) error {
	if name == "" {
		return errors.New("empty header name")
	}
	for i := 0; i < len(name); i++ {
		if !isTokenChar(name[i]) {
			return fmt.Errorf("header name %q has a character that is not allowed in a header name", name)
		}
	}
	if isCredentialHeader(name) {
		return fmt.Errorf("%w: header %s carries credentials; the client authenticates every request itself", ErrMultipleCredentials, http.CanonicalHeaderKey(name))
	}
	switch http.CanonicalHeaderKey(name) {
	case "Host", "Content-Length", "Transfer-Encoding", "Connection":
		return fmt.Errorf("header %s is set by net/http", http.CanonicalHeaderKey(name))
	}
	for i := 0; i < len(value); i++ {
		if b := value[i]; (b < 0x20 && b != '\t') || b == 0x7f {
			return fmt.Errorf("value of header %s has a control character", http.CanonicalHeaderKey(name))
		}
	}
	return nil
}

// isCredentialHeader reports, whatever the case of name, whether it is a header that carries
// credentials: Authorization, Proxy-Authorization or any X-API-* header of HMAC mode.
func isCredentialHeader(name string) bool {
	return strings.EqualFold(name, headerAuthorization) || strings.EqualFold(name, "Proxy-Authorization") ||
		len(name) >= len("X-API-") && strings.EqualFold(name[:len("X-API-")], "X-API-")
}

// isTokenChar reports whether b may appear in an HTTP token (RFC 9110, section 5.6.2).
func isTokenChar(b byte) bool {
	switch {
	case 'a' <= b && b <= 'z', 'A' <= b && b <= 'Z', '0' <= b && b <= '9':
		return true
	}
	return strings.IndexByte("!#$%&'*+-.^_`|~", b) >= 0
}
