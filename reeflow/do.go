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
// with url.PathEscape. A path with a scheme, a host, a fragment, an empty segment or a "." or
// ".." segment (escaped or not) is refused, so a call cannot leave the API.
//
// body, when not nil, is sent as JSON: a json.RawMessage or []byte as it is (it must be valid
// JSON), anything else through encoding/json. out, when not nil, must be a pointer; a 2xx body
// is decoded into it with encoding/json, and an empty one leaves it unchanged.
//
// GET, HEAD, PUT, PATCH, DELETE and OPTIONS are retried on connection errors, timeouts, 429,
// 502, 503 and 504; any other method, POST included, only when the request provably never
// reached the server or got 429, unless the call passes WithIdempotent.
func (c *Client) Do(ctx context.Context, method, path string, body, out any, opts ...Option) error {
	// The name prefixes every error and log record of the call: never the query, which can
	// carry data, and never a control character.
	op := operation{name: "raw call", policy: transport.RetryUnsent, sendsBody: body != nil}
	if c == nil || c.c == nil {
		return opError(op, errNoClient)
	}
	base := c.c.pipeline.BaseURL()
	target, err := rawTarget(base, method, path)
	if err != nil {
		return opError(op, err)
	}
	escapedPath, _, _ := strings.Cut(strings.TrimPrefix(target, base), "?")
	op.name = method + " " + safetext.Clean(escapedPath, safetext.MaxID)
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
		plain, err := url.PathUnescape(seg)
		switch {
		case err != nil:
			return "", fmt.Errorf("path segment %q: %w", seg, err)
		case plain == "":
			return "", errors.New("path has an empty segment")
		case plain == "." || plain == "..":
			return "", errors.New(`path has a "." or ".." segment`)
		case strings.ContainsAny(plain, `/\%`):
			// "..%2Fapi-keys" is one segment here, but a proxy that decodes and normalises
			// paths would route it elsewhere (the same rule as for the services' IDs).
			return "", errors.New(`path has a segment whose escapes decode to "/", "\" or "%"`)
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
// idempotent, and PATCH, which the service methods also retry (Reeflow's PATCH sets fields).
func idempotentMethod(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodOptions:
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
