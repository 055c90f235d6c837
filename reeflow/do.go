package reeflow

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"strings"

	"github.com/reeflow/reeflow-go/internal/safetext"
	"github.com/reeflow/reeflow-go/internal/transport"
)

// Do calls an endpoint this SDK does not model yet, with everything the service methods have:
// the client's authentication (Basic, or HMAC signed afresh per attempt), retries, typed errors,
// logging and the redirect guard.
//
// path is relative to the base URL ("embedded-users/u_42", a leading "/" is allowed), may carry
// a query ("queries?limit=10") and is sent as written: escape a segment that comes from data
// with url.PathEscape. So that a call cannot leave the API, Do refuses a path with a scheme, a
// host, a fragment or a backslash, and any segment that a server or proxy could normalise into
// another path:
//   - an empty segment ("a//b"), or one whose escapes decode to "/", "\" or "%" ("..%2Fadmin");
//   - a segment made of dots only, escaped or not ("..", "%2e%2e", ".%2e", "..."), full-width
//     or other look-alike dots included ("．．", "‥"), and with surrounding spaces;
//   - such a segment followed by ";" path parameters ("..;", "%2e%2e;x=1"), which Tomcat,
//     Jetty and Spring read as the dots alone;
//   - a segment holding a NUL or another control character, escaped or not ("x%00y",
//     "..%00"), or escapes that do not decode to UTF-8 ("%c0%ae");
//   - a segment holding, escaped or not, a non-ASCII character that Unicode normalisation (NFKC)
//     turns into something containing ".", "/", "\", ";" or "%": look-alike dots ("．", "‥",
//     "…", "︰"), slashes and backslashes ("／", "＼", "﹨", and "℀", which becomes "a/c"),
//     semicolons ("；", "﹔", the Greek question mark ";") and percent signs ("％").
//
// body, when not nil, is sent as JSON: a json.RawMessage or []byte as it is (it must be valid
// JSON), anything else through encoding/json. out, when not nil, must be a pointer; a 2xx body
// is decoded into it with encoding/json, and an empty one leaves it unchanged.
//
// GET, HEAD, PUT, DELETE and OPTIONS, which RFC 9110 defines as idempotent, are retried on
// connection errors, timeouts, 429, 502, 503 and 504. Any other method, POST and PATCH
// included, is retried only when the request provably never reached the server or got 429,
// unless the call passes WithIdempotent.
//
// Every error starts "reeflow: <METHOD> <path>: ", the path without its query, which can carry
// data.
func (c *Client) Do(ctx context.Context, method, path string, body, out any, opts ...Option) error {
	op := operation{name: doOperationName(method, path), policy: transport.RetryUnsent, sendsBody: body != nil}
	if c == nil || c.c == nil {
		return opError(op, errNoClient)
	}
	target, err := rawTarget(c.c.pipeline.BaseURL(), method, path)
	if err != nil {
		return opError(op, err)
	}
	if idempotentMethod(method) {
		op.policy = transport.RetryIdempotent
	}
	payload, err := rawBody(body)
	if err != nil {
		return opError(op, err)
	}
	var decode func([]byte) error
	if out != nil {
		if v := reflect.ValueOf(out); v.Kind() != reflect.Pointer || v.IsNil() {
			return opError(op, fmt.Errorf("out must be a non-nil pointer, not %T", out))
		}
		decode = func(b []byte) error { return json.Unmarshal(b, out) }
	}
	return c.c.send(ctx, op, atDoCall, opts, &transport.Call{EmptyBodyOK: true, Decode: decode, Build: func(string) (*http.Request, error) {
		// The attempt's context replaces this one before the request is sent.
		req, err := http.NewRequestWithContext(context.Background(), method, target, nil)
		if err != nil {
			return nil, err
		}
		if payload != nil {
			transport.SetBody(req, payload)
			req.Header.Set("Content-Type", "application/json")
		}
		return req, nil
	}})
}

// doOperationName names a Client.Do call in its errors and log records, whether or not its
// method and path are valid: "<METHOD> <path>", never the query or fragment, which can carry
// data, and never a control character.
func doOperationName(method, path string) string {
	path, _, _ = strings.Cut(path, "?")
	path, _, _ = strings.Cut(path, "#")
	return strings.TrimSpace(safetext.Clean(method, maxMethodInName) + " " + safetext.Clean(strings.TrimPrefix(path, "/"), safetext.MaxID))
}

// maxMethodInName bounds the method in an operation name: the longest standard one is 7 bytes.
const maxMethodInName = 20

// rawTarget checks the method and path of a Client.Do call and returns the absolute URL.
func rawTarget(base, method, path string) (string, error) {
	if method == "" {
		return "", errors.New("empty method")
	}
	if !transport.IsToken(method) {
		return "", errors.New("method has a character that is not allowed in an HTTP method")
	}
	if path == "" || path == "/" {
		return "", errors.New("empty path")
	}
	if strings.ContainsAny(path, "\\\x00") {
		return "", errors.New(`path contains "\" or a NUL byte`)
	}
	rel := strings.TrimPrefix(path, "/")
	u, err := url.Parse(rel)
	switch {
	case err != nil:
		return "", fmt.Errorf("path: %w", errors.Unwrap(err)) // url.Error would quote the path again
	case u.Scheme != "" || u.Host != "" || u.Opaque != "" || strings.HasPrefix(rel, "/"):
		return "", errors.New("path must be relative to the base URL, without a scheme or host")
	case u.Fragment != "" || strings.Contains(rel, "#"):
		return "", errors.New("path must not have a fragment")
	}
	escaped := u.EscapedPath()
	for _, seg := range strings.Split(escaped, "/") {
		if err := checkSegment(seg); err != nil {
			return "", err
		}
	}
	if _, err := url.ParseQuery(u.RawQuery); err != nil || strings.ContainsAny(u.RawQuery, " \t") {
		return "", errors.New("path has a malformed query: escape its values with url.QueryEscape")
	}
	target := base + escaped
	if u.RawQuery != "" {
		target += "?" + u.RawQuery
	}
	return target, nil
}

// idempotentMethod reports the methods Do retries like a GET: those RFC 9110 defines as
// idempotent. Not PATCH: the service methods retry their own PATCH, which sets the fields it
// sends, but an endpoint the SDK does not model may append or count.
func idempotentMethod(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPut, http.MethodDelete, http.MethodOptions:
		return true
	}
	return false
}

// rawBody encodes a Client.Do body.
func rawBody(body any) ([]byte, error) {
	switch b := body.(type) {
	case nil:
		return nil, nil
	case json.RawMessage:
		return checkedJSON(b)
	case []byte:
		return checkedJSON(b)
	}
	payload, err := json.Marshal(body)
	if err != nil {
		return nil, fmt.Errorf("encode body: %w", err)
	}
	return payload, nil
}

func checkedJSON(b []byte) ([]byte, error) {
	if !json.Valid(b) {
		return nil, errors.New("body is not valid JSON")
	}
	return bytes.Clone(b), nil
}
