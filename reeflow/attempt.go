package reeflow

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/reeflow/reeflow-go/internal/hmacsig"
)

// attempt sends the requests of one call.
type attempt struct {
	c       *client
	call    call
	cfg     *callConfig
	policy  retryPolicy
	timeout time.Duration
}

// attemptResult is what one attempt produced.
type attemptResult struct {
	err       error     // nil on success
	apiErr    *APIError // set when the server answered with a non-2xx status
	header    http.Header
	body      []byte // a copy of a 2xx body, kept only for WithResponseInto
	retryable bool   // the policy allows sending the request again
	transient bool   // an idempotent call would have been retried

	// For the log record of the attempt.
	method, path string
	status       int
	requestID    string
	duration     time.Duration
}

// fill copies the result into a WithResponseInto target.
func (res *attemptResult) fill(r *Response, attempts int) {
	*r = Response{StatusCode: res.status, Header: res.header, RequestID: res.requestID, Attempts: attempts, Body: res.body}
	if res.apiErr != nil {
		r.Body = res.apiErr.Body
	}
}

// send sends the request once.
func (a *attempt) send(ctx context.Context) (res attemptResult) {
	if a.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, a.timeout)
		defer cancel()
	}
	req, err := a.prepare(ctx)
	if err != nil {
		return attemptResult{err: err}
	}
	res.method, res.path = req.Method, req.URL.EscapedPath()
	start := a.c.now()
	defer func() { res.duration = a.c.now().Sub(start) }()

	resp, err := a.c.http.Do(req)
	if err != nil {
		if resp != nil { // a refused redirect returns the previous response, body closed
			err = fmt.Errorf("%w (after HTTP %d)", err, resp.StatusCode)
		}
		res.err = err
		res.transient = !permanentTransportError(err)
		res.retryable = res.transient && (a.policy == retryIdempotent || neverSent(err))
		return res
	}
	defer resp.Body.Close()
	res.status, res.requestID, res.header = resp.StatusCode, resp.Header.Get("X-Request-Id"), resp.Header
	if resp.StatusCode < 200 {
		// The SDK never asks for an upgrade, and net/http handles every other 1xx itself. A 101
		// hands over the raw connection, which no context or timeout bounds: never read it.
		res.err = fmt.Errorf("unexpected %d response", resp.StatusCode)
		return res
	}

	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		res.apiErr = newAPIError(resp.StatusCode, resp.Header, readErrorBody(resp.Body), a.c.now())
		res.err = res.apiErr.typed()
		res.transient = retryableStatus(resp.StatusCode)
		// A 429 means the server did not act on the request: even a create may be sent again.
		res.retryable = res.transient && (a.policy == retryIdempotent || resp.StatusCode == http.StatusTooManyRequests)
		return res
	}
	buf, err := a.readSuccess(resp)
	defer releaseBodyBuffer(buf)
	if err != nil {
		// The server acted and answered; only reading its answer failed.
		res.err = fmt.Errorf("read %d response: %w", resp.StatusCode, err)
		res.transient = true
		res.retryable = a.policy == retryIdempotent
		return res
	}
	var body []byte
	if buf != nil {
		body = buf.Bytes()
	}
	if a.cfg.response != nil {
		res.body = bytes.Clone(body)
	}
	if err := a.decode(body); err != nil {
		// The server acted; another attempt would not give a better answer. The decoder's
		// message can quote what the server sent: bound it and escape its control characters.
		res.err = fmt.Errorf("decode %d response: %s", resp.StatusCode, cleanText(err.Error(), maxMessageInError))
		if a.policy == retryUnsent {
			res.err = fmt.Errorf("%w (%s)", res.err, a.call.op.notRetried())
		}
	}
	return res
}

func (a *attempt) decode(body []byte) error {
	switch {
	case a.call.decode == nil:
		return nil
	case len(body) == 0 && !a.call.op.raw:
		return errors.New("empty body")
	}
	return a.call.decode(body)
}

// prepare builds a fresh request (fresh body, fresh headers) and applies, in order, the body
// fields, the client's editors, the call's editors and extra headers, and the authentication,
// which runs last so that a signature covers the final request.
func (a *attempt) prepare(ctx context.Context) (*http.Request, error) {
	req, err := a.call.build(a.c.baseURL)
	if err != nil {
		return nil, fmt.Errorf("build request: %w", err)
	}
	req = req.WithContext(ctx)
	if len(a.cfg.bodyFields) > 0 {
		if err := setRequestBodyFields(req, a.cfg.bodyFields); err != nil {
			return nil, err
		}
	}
	req.Header["User-Agent"] = a.c.userAgent
	for _, group := range [2][]RequestEditorFn{a.c.editors, a.cfg.editors} {
		for _, edit := range group {
			if edit == nil {
				continue
			}
			if err := edit(ctx, req); err != nil {
				return nil, fmt.Errorf("request editor: %w", err)
			}
		}
	}
	for name, values := range a.cfg.header {
		req.Header[name] = append(req.Header[name], values...)
	}
	if name := credentialHeader(req.Header); name != "" {
		return nil, fmt.Errorf("%w: a request editor set %s; the client authenticates every request itself", ErrMultipleCredentials, name)
	}
	if err := a.c.auth.authenticate(ctx, req); err != nil {
		return nil, fmt.Errorf("authenticate: %w", err)
	}
	if len(req.Header[headerAuthorization]) > 0 && len(req.Header[hmacsig.HeaderKey]) > 0 {
		return nil, fmt.Errorf("%w: the request would carry both Authorization and X-API-Key", ErrMultipleCredentials)
	}
	if a.policy == retryUnsent {
		// net/http re-sends a request whose body it can rewind, or that has no body, when an
		// HTTP/2 server resets the stream, without telling the caller: a create could reach the
		// server thousands of times. With a body it cannot rewind, the transport cannot, so a
		// call that must not be repeated is sent once.
		req.GetBody = nil
		if req.Body == nil || req.Body == http.NoBody {
			req.Body, req.ContentLength = io.NopCloser(strings.NewReader("")), 0
		}
	}
	return req, nil
}

// credentialHeader returns the name of a header in h that carries credentials, whatever its
// case (an editor may index the map with a non-canonical key), or "".
func credentialHeader(h http.Header) string {
	for name, values := range h {
		if len(values) > 0 && isCredentialHeader(name) {
			return name
		}
	}
	return ""
}

// setRequestBodyFields rewrites the request's JSON body with the WithBodyField fields set.
func setRequestBodyFields(req *http.Request, fields []bodyField) error {
	if req.GetBody == nil {
		return errors.New("WithBodyField: the request has no body")
	}
	rc, err := req.GetBody()
	if err != nil {
		return fmt.Errorf("WithBodyField: read request body: %w", err)
	}
	body, err := io.ReadAll(rc)
	_ = rc.Close()
	if err != nil {
		return fmt.Errorf("WithBodyField: read request body: %w", err)
	}
	body, err = setBodyFields(body, fields)
	if err != nil {
		return err
	}
	setBody(req, body)
	return nil
}

// setBody makes body the request's body, replayable for signing and for net/http's own retries.
func setBody(req *http.Request, body []byte) {
	req.ContentLength = int64(len(body))
	req.Body = io.NopCloser(bytes.NewReader(body))
	req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
}
