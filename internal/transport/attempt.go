package transport

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/reeflow/reeflow-go/internal/hmacsig"
	"github.com/reeflow/reeflow-go/internal/safetext"
)

// attempt sends the requests of one call.
type attempt struct {
	p      *Pipeline
	call   *Call
	s      *Settings
	policy Policy
}

// attemptResult is what one attempt produced.
type attemptResult struct {
	err        error // nil on success
	status     int   // 0 when no response came
	header     http.Header
	requestID  string
	body       []byte        // the error body, or a 2xx body kept for the caller
	retryAfter time.Duration // from a non-2xx answer's Retry-After
	retryable  bool          // the policy allows sending the request again
	transient  bool          // an idempotent call would have been retried
	sent       bool          // the request went to the HTTP client

	// For the log record of the attempt.
	method, path string
	duration     time.Duration
}

// send sends the request once.
func (a *attempt) send(ctx context.Context) (res attemptResult) {
	if a.s.AttemptTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, a.s.AttemptTimeout)
		defer cancel()
	}
	req, err := a.prepare(ctx)
	if err != nil {
		return attemptResult{err: err}
	}
	res.method, res.path = req.Method, req.URL.EscapedPath()
	start := a.p.clock.Now()
	defer func() { res.duration = a.p.clock.Now().Sub(start) }()

	res.sent = true
	resp, err := a.p.http.Do(req)
	if err != nil {
		status, header := 0, http.Header(nil)
		var bad *malformedLocationError
		switch {
		case resp != nil: // a redirect CheckRedirect refused: net/http returns its 3xx, body closed
			status, header = resp.StatusCode, resp.Header
		case errors.As(err, &bad):
			status, header = bad.status, bad.header
		}
		err = withoutQuery(err, req.URL)
		if status != 0 {
			// The 3xx is the failed response: its status leads the error, and reaches the log
			// and the Response, as a failed response's always does, its request ID cleaned of
			// the request's credentials as a failed response's is.
			res.status, res.header = status, header
			res.requestID = newRedactor(req.Header).String(header.Get("X-Request-Id"))
			err = fmt.Errorf("%s: %w", statusLine(status), err)
		}
		res.err = err
		res.transient = !a.p.permanentTransportError(err)
		res.retryable = res.transient && (a.policy == RetryIdempotent || neverSent(err))
		return res
	}
	defer resp.Body.Close()
	res.status, res.requestID, res.header = resp.StatusCode, resp.Header.Get("X-Request-Id"), resp.Header
	switch {
	case resp.StatusCode < 200:
		// The SDK never asks for an upgrade, and net/http handles every other 1xx itself. A 101
		// hands over the raw connection, which no context or timeout bounds: never read it.
		res.err = fmt.Errorf("unexpected %d response", resp.StatusCode)
		res.requestID = newRedactor(req.Header).String(res.requestID)
	case resp.StatusCode > 299:
		a.failed(req.Header, resp, &res)
	default:
		a.succeeded(resp, &res)
	}
	return res
}

// failed classifies a non-2xx answer. Everything derived from the server's text (the error's
// fields, its category and sentinel, Retry-After) is read from the answer as received; the
// credentials the request carried (sent, its headers) are then removed from what is kept or
// printed: the body, the request ID and the error's texts.
func (a *attempt) failed(sent http.Header, resp *http.Response, res *attemptResult) {
	now := a.p.clock.Now()
	raw := readErrorBody(resp.Body)
	r := newRedactor(sent)
	res.retryAfter, _ = ParseRetryAfter(resp.Header.Get("Retry-After"), now)
	res.requestID = r.String(res.requestID)
	res.body = r.Bytes(raw)
	res.err = a.p.statusError(&FailedResponse{
		Status: resp.StatusCode, Header: resp.Header, Raw: raw, Body: res.body, Now: now, Redact: r.String,
	})
	res.transient = retryableStatus(resp.StatusCode)
	// A 429 means the server did not act on the request: even a create may be sent again.
	res.retryable = res.transient && (a.policy == RetryIdempotent || resp.StatusCode == http.StatusTooManyRequests)
}

// succeeded reads and decodes a 2xx answer.
func (a *attempt) succeeded(resp *http.Response, res *attemptResult) {
	if a.call.Decode == nil && !a.s.KeepBody {
		drain(resp.Body)
		return
	}
	buf, err := readSuccessBody(resp)
	if err != nil {
		// The server acted and answered; only reading its answer failed.
		res.err = fmt.Errorf("read %d response: %w", resp.StatusCode, err)
		res.transient = true
		res.retryable = a.policy == RetryIdempotent
		return
	}
	defer releaseBody(buf)
	if a.s.KeepBody {
		res.body = bytes.Clone(buf.Bytes())
	}
	if err := a.decode(buf.Bytes()); err != nil {
		// The server acted; another attempt would not give a better answer. The decoder's
		// message can quote what the server sent: bound it and escape its control characters.
		res.err = fmt.Errorf("decode %d response: %s", resp.StatusCode, safetext.Clean(err.Error(), safetext.MaxMessage))
		if a.policy == RetryUnsent {
			res.err = fmt.Errorf("%w (%s)", res.err, a.call.notRetried())
		}
	}
}

func (a *attempt) decode(body []byte) error {
	switch {
	case a.call.Decode == nil:
		return nil
	case len(body) == 0 && a.call.EmptyBodyOK:
		return nil
	case len(body) == 0:
		return errors.New("empty body")
	}
	return a.call.Decode(body)
}

// prepare builds a fresh request (fresh body, fresh headers) and applies, in order, the body
// fields, the editors and extra headers, and the authentication, which runs last so that a
// signature covers the final request.
func (a *attempt) prepare(ctx context.Context) (*http.Request, error) {
	req, err := a.call.Build(a.p.baseURL)
	if err != nil {
		return nil, fmt.Errorf("build request: %w", err)
	}
	req = req.WithContext(ctx)
	if len(a.s.BodyFields) > 0 {
		if err := setRequestBodyFields(req, a.s.BodyFields); err != nil {
			return nil, err
		}
	}
	req.Header["User-Agent"] = []string{a.s.UserAgent}
	for _, edit := range a.s.Editors {
		if err := edit(ctx, req); err != nil {
			return nil, fmt.Errorf("request editor: %w", err)
		}
	}
	if req.Header == nil {
		// An editor dropped the header map: it gets an empty one, which the extra headers and
		// the credentials are then written into.
		req.Header = make(http.Header, len(a.s.Header)+1)
	}
	for name, values := range a.s.Header {
		req.Header[name] = append(req.Header[name], values...)
	}
	if err := a.p.checkOrigin(req); err != nil {
		return nil, err
	}
	if name := credentialHeader(req.Header); name != "" {
		return nil, fmt.Errorf("%w: a request editor set %s; the client authenticates every request itself", a.p.errMultipleCredentials, name)
	}
	if err := a.s.Auth.Authenticate(ctx, req); err != nil {
		return nil, fmt.Errorf("authenticate: %w", err)
	}
	if len(req.Header["Authorization"]) > 0 && len(req.Header[hmacsig.HeaderKey]) > 0 {
		return nil, fmt.Errorf("%w: the request would carry both Authorization and X-API-Key", a.p.errMultipleCredentials)
	}
	if a.policy == RetryUnsent {
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

// checkOrigin refuses a request that an editor sent elsewhere than the base URL's scheme and
// host: authentication runs after the editors, so it would hand the credentials to whatever the
// request now points at, over plain HTTP too. The URL's host is not the only way to point a
// request elsewhere: net/http writes a URL.Opaque of "//other/path" as the absolute-form target
// "http://other/path", whose authority a proxy or gateway honours over the Host header; a set
// req.Host is the Host header; and a URL.User makes net/http add its own Authorization, a second
// credential beside the client's. The error names both origins, never a path, query or user.
func (p *Pipeline) checkOrigin(req *http.Request) error {
	switch {
	case req.URL == nil:
		return errors.New("a request editor removed the request's URL")
	case req.URL.Scheme != p.origin.Scheme || !strings.EqualFold(req.URL.Host, p.origin.Host):
		return fmt.Errorf("a request editor moved the request from %s to %s: the client sends credentials to its base URL's origin only",
			origin(&p.origin), safetext.Clean(origin(req.URL), safetext.MaxID))
	case req.URL.Opaque != "":
		return errors.New("a request editor set the URL's opaque form, which can name another host: the client sends credentials to its base URL's origin only")
	case req.Host != "" && !strings.EqualFold(req.Host, p.origin.Host):
		return fmt.Errorf("a request editor set the Host header to %s, not %s: the client sends credentials to its base URL's origin only",
			safetext.Clean(req.Host, safetext.MaxID), p.origin.Host)
	case req.URL.User != nil:
		return fmt.Errorf("%w: a request editor set user information in the URL, which net/http would send as Authorization", p.errMultipleCredentials)
	}
	return nil
}

// withoutQuery rewrites the *url.Error of net/http, which quotes the whole URL, so that it names
// the request's URL without its query (or a redirect's target): a query can carry data, and
// errors are logged.
func withoutQuery(err error, u *url.URL) error {
	var ue *url.Error
	if !errors.As(err, &ue) {
		return err
	}
	clean := *u
	clean.RawQuery, clean.ForceQuery, clean.Fragment, clean.RawFragment, clean.User = "", false, "", "", nil
	return &url.Error{Op: ue.Op, URL: clean.String(), Err: WithoutPrefix(ue.Err)}
}

// statusLine is "302 Found", or the bare code when it has no standard text.
func statusLine(status int) string {
	if text := http.StatusText(status); text != "" {
		return strconv.Itoa(status) + " " + text
	}
	return strconv.Itoa(status)
}
