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
	"unicode"
	"unicode/utf8"

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

// checkSegment refuses a path segment, as escaped in the URL, that a server or proxy could
// normalise into another path. Tomcat, Jetty and Spring drop ";" path parameters before
// resolving dot segments ("..;" is ".."), some servers end a path at a NUL ("..%00" is ".."),
// and some normalise Unicode (NFKC makes "．．" and "‥" ".."): an ID-like segment has none of
// these, so refusing them costs nothing and closes the whole family.
func checkSegment(seg string) error {
	plain, err := url.PathUnescape(seg)
	switch {
	case err != nil:
		return fmt.Errorf("path segment %q: %w", safetext.Clean(seg, safetext.MaxID), err)
	case plain == "":
		return errors.New("path has an empty segment")
	case strings.ContainsAny(plain, `/\%`):
		// "..%2Fapi-keys" is one segment here, but a proxy that decodes and normalises
		// paths would route it elsewhere (the same rule as for the services' IDs).
		return errors.New(`path has a segment whose escapes decode to "/", "\" or "%"`)
	case !utf8.ValidString(plain):
		return errors.New("path has a segment whose escapes do not decode to UTF-8")
	case strings.IndexFunc(plain, unicode.IsControl) >= 0:
		return errors.New("path has a segment with a NUL or another control character")
	}
	switch name := strings.TrimSpace(beforeParameters(plain)); {
	case name == "":
		return errors.New(`path has a segment that is empty once its ";" parameters are dropped`)
	case strings.TrimFunc(name, isDotLike) == "":
		return errors.New(`path has a "." or ".." segment, or one a server could read as such (look-alike dots, ";" parameters)`)
	case strings.IndexFunc(plain, normalisesToPathPunctuation) >= 0:
		return errors.New(`path has a segment with a look-alike of ".", "/", "\", ";" or "%" that a server normalising Unicode (NFKC) would read as one`)
	}
	return nil
}

// isDotLike reports a full stop or a character that Unicode normalisation (NFKC) turns into
// one or more: fullwidth, small and one- and two-dot leaders.
func isDotLike(r rune) bool {
	switch r {
	case '.', '\uFF0E', '\uFE52', '\u2024', '\u2025':
		return true
	}
	return false
}

// normalisesToPathPunctuation reports a non-ASCII character whose NFKC form contains ".", "/",
// "\", ";" or "%", the characters that make a segment another path once a server or proxy
// normalises Unicode. The list is every such code point of Unicode 15.0 (a test walks them all
// with golang.org/x/text, which package reeflow does not import): few enough for a switch, and
// none belongs in an ID-like segment.
func normalisesToPathPunctuation(r rune) bool {
	switch r {
	case '\u037E', // Greek question mark → ";"
		'\u2024', '\u2025', '\u2026', // one- and two-dot leaders, ellipsis → ".", "..", "..."
		'\u2100', '\u2101', '\u2105', '\u2106', // account of, addressed to the subject, care of, cada una → "a/c", "a/s", "c/o", "c/u"
		'\u2488', '\u2489', '\u248A', '\u248B', '\u248C', '\u248D', '\u248E', '\u248F', '\u2490', '\u2491', // digit full stops → "1." … "10."
		'\u2492', '\u2493', '\u2494', '\u2495', '\u2496', '\u2497', '\u2498', '\u2499', '\u249A', '\u249B', // number full stops → "11." … "20."
		'\u33C2', '\u33C7', '\u33D8', // square a.m., Co., p.m.
		'\uFE14', '\uFE19', '\uFE30', // presentation forms for vertical semicolon, ellipsis, two-dot leader
		'\uFE52', '\uFE54', '\uFE68', '\uFE6A', // small full stop, semicolon, reverse solidus, percent sign
		'\uFF05', '\uFF0E', '\uFF0F', '\uFF1B', '\uFF3C', // fullwidth percent sign, full stop, solidus, semicolon, reverse solidus
		'\U0001F100': // digit zero full stop → "0."
		return true
	}
	return false
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
