package reeflow

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/reeflow/reeflow-go/internal/hmacsig"
)

// Response body limits: an error body is kept up to maxErrorBody and drained up to maxDrain
// more so the connection can be reused; a success body larger than maxSuccessBody is refused.
const (
	maxDrain       = 256 << 10
	maxSuccessBody = 64 << 20
)

// attemptResult is what one attempt produced.
type attemptResult struct {
	err       error     // nil on success
	apiErr    *APIError // set when the server answered with a non-2xx status
	header    http.Header
	retryable bool // the policy allows sending the request again

	// For the log record of the attempt.
	method, path string
	status       int
	requestID    string
	duration     time.Duration
}

// do sends one API call: it builds the request, then per attempt applies the editors and the
// authentication, sends, classifies the response, and waits before a retry. On success it
// hands the body to decode (nil when no body is expected).
func (c *client) do(ctx context.Context, op operation, build func(base string) (*http.Request, error),
	editors []RequestEditorFn, decode func([]byte) error,
) error {
	if ctx == nil {
		return opError(op, errors.New("nil context"))
	}
	clockCorrected := false
	for attempt := 1; ; attempt++ {
		res := c.attempt(ctx, op, build, editors, decode)
		if res.err == nil {
			c.logAttempt(ctx, op, attempt, res, 0)
			return nil
		}
		if ctx.Err() != nil {
			c.logAttempt(ctx, op, attempt, res, 0)
			return opError(op, fmt.Errorf("%w (attempt %d: %w)", context.Cause(ctx), attempt, res.err))
		}
		if !clockCorrected && c.learnClockSkew(res) {
			c.logAttempt(ctx, op, attempt, res, 0)
			clockCorrected = true
			attempt-- // a clock correction is not a retry
			continue
		}
		if !res.retryable || attempt > c.maxRetries {
			c.logAttempt(ctx, op, attempt, res, 0)
			if attempt > 1 {
				return opError(op, fmt.Errorf("giving up after %d attempts: %w", attempt, res.err))
			}
			return opError(op, res.err)
		}
		var retryAfter time.Duration
		if res.apiErr != nil {
			retryAfter = res.apiErr.RetryAfter
		}
		wait := c.backoff(attempt, retryAfter)
		c.logAttempt(ctx, op, attempt, res, wait)
		if err := c.sleep(ctx, wait); err != nil {
			return opError(op, fmt.Errorf("%w (waiting to retry after attempt %d: %w)", err, attempt, res.err))
		}
	}
}

func opError(op operation, err error) error {
	return fmt.Errorf("reeflow: %s: %w", op.name, err)
}

// attempt sends the request once.
func (c *client) attempt(ctx context.Context, op operation, build func(base string) (*http.Request, error),
	editors []RequestEditorFn, decode func([]byte) error,
) (res attemptResult) {
	if c.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.timeout)
		defer cancel()
	}
	req, err := c.prepare(ctx, build, editors)
	if err != nil {
		return attemptResult{err: err}
	}
	res.method, res.path = req.Method, req.URL.EscapedPath()
	start := c.now()
	defer func() { res.duration = c.now().Sub(start) }()

	resp, err := c.http.Do(req)
	if err != nil {
		if resp != nil { // a refused redirect returns the previous response, body closed
			err = fmt.Errorf("%w (after HTTP %d)", err, resp.StatusCode)
		}
		res.err = err
		res.retryable = !permanentTransportError(err) && (op.retry == retryIdempotent || neverSent(err))
		return res
	}
	defer resp.Body.Close()
	res.status, res.requestID, res.header = resp.StatusCode, resp.Header.Get("X-Request-Id"), resp.Header

	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		res.apiErr = newAPIError(resp.StatusCode, resp.Header, readErrorBody(resp.Body), c.now())
		res.err = res.apiErr.typed()
		res.retryable = op.retry == retryIdempotent && retryableStatus(resp.StatusCode)
		return res
	}
	if err := readSuccess(resp, decode); err != nil {
		// The server acted; another attempt would not give a better answer.
		res.err = fmt.Errorf("decode %d response: %w", resp.StatusCode, err)
	}
	return res
}

// prepare builds a fresh request (fresh body, fresh headers) and applies, in order, the
// client's editors, the call's editors and the authentication, which runs last so that a
// signature covers the final request.
func (c *client) prepare(ctx context.Context, build func(base string) (*http.Request, error), editors []RequestEditorFn) (*http.Request, error) {
	req, err := build(c.baseURL)
	if err != nil {
		return nil, fmt.Errorf("build request: %w", err)
	}
	req = req.WithContext(ctx)
	req.Header["User-Agent"] = c.userAgent
	for _, group := range [2][]RequestEditorFn{c.editors, editors} {
		for _, edit := range group {
			if edit == nil {
				continue
			}
			if err := edit(ctx, req); err != nil {
				return nil, fmt.Errorf("request editor: %w", err)
			}
		}
	}
	if hasCredentials(req.Header) {
		return nil, fmt.Errorf("%w: a request editor set Authorization or X-API-Key; the client authenticates every request itself", ErrMultipleCredentials)
	}
	if err := c.auth.authenticate(ctx, req); err != nil {
		return nil, fmt.Errorf("authenticate: %w", err)
	}
	if len(req.Header[headerAuthorization]) > 0 && len(req.Header[hmacsig.HeaderKey]) > 0 {
		return nil, fmt.Errorf("%w: the request would carry both Authorization and X-API-Key", ErrMultipleCredentials)
	}
	return req, nil
}

func hasCredentials(h http.Header) bool {
	return len(h[headerAuthorization]) > 0 || len(h[hmacsig.HeaderKey]) > 0
}

// learnClockSkew handles an HMAC "Request timestamp expired" answer: it takes the server's
// clock from its Date header and keeps the offset for this and later requests. It reports
// whether the request should be signed again with the corrected clock.
func (c *client) learnClockSkew(res attemptResult) bool {
	if c.auth.mode() != AuthHMAC || res.apiErr == nil || res.apiErr.StatusCode != http.StatusUnauthorized ||
		res.apiErr.Message != hmacsig.MessageTimestampExpired {
		return false
	}
	serverNow, err := http.ParseTime(res.header.Get("Date"))
	if err != nil {
		return false
	}
	c.skew.Store(int64(serverNow.Sub(c.now())))
	return true
}

// readErrorBody keeps the first maxErrorBody bytes of an error body and drains a bounded
// remainder, so the connection can be reused without reading an endless body.
func readErrorBody(body io.Reader) []byte {
	kept, _ := io.ReadAll(io.LimitReader(body, maxErrorBody))
	_, _ = io.CopyN(io.Discard, body, maxDrain)
	return kept
}

var bodyBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// readSuccess reads a 2xx body into a pooled buffer and decodes it. decode must copy what it
// keeps (encoding/json does).
func readSuccess(resp *http.Response, decode func([]byte) error) error {
	if decode == nil {
		_, _ = io.CopyN(io.Discard, resp.Body, maxDrain)
		return nil
	}
	buf := bodyBuffers.Get().(*bytes.Buffer)
	defer func() {
		if buf.Cap() <= maxPooledBuffer {
			buf.Reset()
			bodyBuffers.Put(buf)
		}
	}()
	if resp.ContentLength > 0 && resp.ContentLength <= maxSuccessBody {
		buf.Grow(int(resp.ContentLength) + bytes.MinRead)
	}
	n, err := buf.ReadFrom(io.LimitReader(resp.Body, maxSuccessBody+1))
	if err != nil {
		return fmt.Errorf("read body: %w", err)
	}
	if n > maxSuccessBody {
		return fmt.Errorf("body exceeds %d bytes", maxSuccessBody)
	}
	if n == 0 {
		return errors.New("empty body")
	}
	return decode(buf.Bytes())
}

// decodeList decodes a JSON array into out; null or any other shape is an error.
func decodeList[T any](out *[]T) func([]byte) error {
	return func(b []byte) error {
		if b = bytes.TrimLeft(b, " \t\r\n"); len(b) == 0 || b[0] != '[' {
			return errors.New("body is not a JSON array")
		}
		return json.Unmarshal(b, out)
	}
}

// checkID refuses an ID that is empty or a dot segment: escaped or not, "." and ".." would
// resolve to another endpoint.
func checkID(op operation, what, id string) error {
	switch id {
	case "":
		return opError(op, fmt.Errorf("%s ID is empty", what))
	case ".", "..":
		return opError(op, fmt.Errorf("%s ID %q is not an ID", what, id))
	}
	return nil
}
