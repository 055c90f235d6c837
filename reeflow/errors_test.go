package reeflow_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"go/ast"
	"go/doc"
	"go/printer"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/reeflow/reeflow-go/reeflow"
)

// documentedRows is Reeflow's documented Basic authentication error table.
var documentedRows = []struct {
	sentinel error
	status   int
	message  string
}{
	{reeflow.ErrInvalidAPIKey, 401, "Invalid API key"},
	{reeflow.ErrInvalidAPIKeySecret, 401, "Invalid API key secret"},
	{reeflow.ErrInvalidBasicAuthFormat, 401, "Invalid Basic auth format"},
	{reeflow.ErrAPIKeyDisabled, 403, "API key is disabled"},
	{reeflow.ErrMultipleCredentials, 400, "Multiple credentials provided"},
}

func TestDocumentedErrorTable(t *testing.T) {
	t.Parallel()
	for _, row := range documentedRows {
		t.Run(row.message, func(t *testing.T) {
			t.Parallel()
			body := `{"message":"` + row.message + `","error":"` + http.StatusText(row.status) + `","statusCode":` + strconv.Itoa(row.status) + `}`
			client, _ := newRecorder(t, reply(row.status, body))
			_, err := client.Connections.List(context.Background())
			require.Error(t, err)
			for _, other := range documentedRows {
				if other.message == row.message {
					assert.ErrorIs(t, err, other.sentinel)
				} else {
					assert.NotErrorIs(t, err, other.sentinel, "must not match %v", other.sentinel)
				}
			}
			var apiErr *reeflow.APIError
			require.ErrorAs(t, err, &apiErr)
			assert.Equal(t, row.status, apiErr.StatusCode)
			assert.Equal(t, row.message, apiErr.Message)
			assert.Equal(t, http.StatusText(row.status), apiErr.Reason)
			switch row.status {
			case 400:
				var typed *reeflow.BadRequestError
				assert.ErrorAs(t, err, &typed)
				assert.ErrorIs(t, err, reeflow.ErrBadRequest)
			case 401:
				var typed *reeflow.AuthenticationError
				assert.ErrorAs(t, err, &typed)
				assert.ErrorIs(t, err, reeflow.ErrUnauthorized)
			case 403:
				var typed *reeflow.PermissionDeniedError
				assert.ErrorAs(t, err, &typed)
				assert.ErrorIs(t, err, reeflow.ErrForbidden)
			}
		})
	}
}

func TestErrorBodyShapes(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name                  string
		status                int
		body                  string
		code, message, reason string
		messages              []string
		sentinel              error
	}{
		{
			name: "standard", status: 403,
			body:    `{"message": "Quota exceeded: maximum 20 API keys allowed per organization (currently: 20)", "statusCode": 403, "error": "Forbidden"}`,
			message: "Quota exceeded: maximum 20 API keys allowed per organization (currently: 20)", reason: "Forbidden",
			messages: []string{"Quota exceeded: maximum 20 API keys allowed per organization (currently: 20)"}, sentinel: reeflow.ErrForbidden,
		},
		{
			name: "code", status: 400,
			body: `{"code": "INVALID_EXPIRATION", "message": "Expiration cannot be more than 86400 seconds from now"}`,
			code: "INVALID_EXPIRATION", message: "Expiration cannot be more than 86400 seconds from now",
			messages: []string{"Expiration cannot be more than 86400 seconds from now"}, sentinel: reeflow.ErrBadRequest,
		},
		{
			name: "validation", status: 400,
			body:    `{"message": ["name must be a string", "name should not be empty"], "error": "Bad Request", "statusCode": 400}`,
			message: "name must be a string; name should not be empty", reason: "Bad Request",
			messages: []string{"name must be a string", "name should not be empty"}, sentinel: reeflow.ErrBadRequest,
		},
		{name: "empty", status: 502, body: ``, sentinel: reeflow.ErrServer},
		{name: "html", status: 503, body: `<html><body><h1>503 Service Unavailable</h1></body></html>`, sentinel: reeflow.ErrServer},
		{name: "truncated", status: 401, body: `{"message": "Invalid API k`, sentinel: reeflow.ErrUnauthorized},
		{name: "wrong shape", status: 404, body: `{"message": 42}`, sentinel: reeflow.ErrNotFound},
		{name: "json array", status: 429, body: `["slow down"]`, sentinel: reeflow.ErrRateLimited},
		{name: "unusual status", status: 418, body: `{"message":"I'm a teapot"}`, message: "I'm a teapot", messages: []string{"I'm a teapot"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			client, _ := newRecorder(t, reply(tc.status, tc.body))
			_, err := client.Connections.Get(context.Background(), "conn_1")
			require.Error(t, err)
			var apiErr *reeflow.APIError
			require.ErrorAs(t, err, &apiErr)
			assert.Equal(t, tc.status, apiErr.StatusCode, "the status is never lost")
			assert.Equal(t, tc.code, apiErr.Code)
			assert.Equal(t, tc.message, apiErr.Message)
			assert.Equal(t, tc.messages, apiErr.Messages)
			assert.Equal(t, tc.reason, apiErr.Reason)
			assert.Equal(t, []byte(tc.body), append([]byte{}, apiErr.Body...))
			if tc.sentinel != nil {
				assert.ErrorIs(t, err, tc.sentinel)
			}
			assert.Contains(t, err.Error(), strconv.Itoa(tc.status))
			assert.Contains(t, err.Error(), "get connection")
			assert.NotContains(t, err.Error(), "<html>", "Error() never quotes an HTML page")
		})
	}
}

func TestCategorySentinelsAreExclusive(t *testing.T) {
	t.Parallel()
	sentinels := map[int]error{400: reeflow.ErrBadRequest, 401: reeflow.ErrUnauthorized, 403: reeflow.ErrForbidden,
		404: reeflow.ErrNotFound, 429: reeflow.ErrRateLimited, 500: reeflow.ErrServer}
	for status := range sentinels {
		err := &reeflow.APIError{StatusCode: status}
		for other, sentinel := range sentinels {
			assert.Equal(t, status == other, errors.Is(err, sentinel), "status %d vs %v", status, sentinel)
		}
	}
	assert.ErrorIs(t, &reeflow.APIError{StatusCode: 599}, reeflow.ErrServer)
	assert.NotErrorIs(t, &reeflow.APIError{StatusCode: 600}, reeflow.ErrServer)
}

func TestDocumentedMessageWithOtherStatusIsNotTheRow(t *testing.T) {
	t.Parallel()
	client, _ := newRecorder(t, reply(400, `{"message":"Invalid API key","statusCode":400}`))
	_, err := client.APIKeys.List(context.Background())
	assert.NotErrorIs(t, err, reeflow.ErrInvalidAPIKey)
	assert.ErrorIs(t, err, reeflow.ErrBadRequest)
}

func TestErrorCarriesRequestIDAndRetryAfter(t *testing.T) {
	t.Parallel()
	client, _ := newRecorder(t, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("X-Request-Id", "req_42")
		w.Header().Set("Retry-After", "7")
		w.WriteHeader(http.StatusTooManyRequests)
	})
	_, err := client.APIKeys.Get(context.Background(), "key_1")
	var apiErr *reeflow.APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, "req_42", apiErr.RequestID)
	assert.Equal(t, 7*time.Second, apiErr.RetryAfter)
	assert.Contains(t, err.Error(), "req_42")
	assert.ErrorIs(t, err, reeflow.ErrRateLimited)
}

func TestErrorBodyIsBounded(t *testing.T) {
	t.Parallel()
	huge := `{"message":"` + strings.Repeat("x", 200<<10) + `"}`
	client, _ := newRecorder(t, reply(500, huge))
	_, err := client.Connections.List(context.Background())
	var apiErr *reeflow.APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Len(t, apiErr.Body, 64<<10)
	assert.Equal(t, 500, apiErr.StatusCode)
	assert.Less(t, len(err.Error()), 500, "Error() stays short")
}

func TestLongMessageIsCutInError(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("é", 1000)
	client, _ := newRecorder(t, reply(400, `{"message":"`+long+`"}`))
	_, err := client.Connections.List(context.Background())
	var apiErr *reeflow.APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, long, apiErr.Message, "the field keeps the whole message")
	assert.Less(t, len(err.Error()), 400)
	assert.True(t, strings.HasSuffix(err.Error(), "…"))
}

// Everything a server controls is bounded and stripped of control characters before it reaches
// Error() or a printed value: logging an error cannot forge a log line.
func TestHostileErrorBodiesGiveOneShortLine(t *testing.T) {
	t.Parallel()
	longCode := strings.Repeat("C", 60_000) + "\n\x1b[31mFORGED level=ERROR msg=pwned"
	body, err := json.Marshal(map[string]any{
		"code":       longCode,
		"message":    "Not found\nlevel=INFO msg=\"forged line\"\x1b[2J\u202eevil",
		"error":      "Not Found\r\n",
		"statusCode": 404,
	})
	require.NoError(t, err)
	client, _ := newRecorder(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Request-Id", "req_"+strings.Repeat("1", 5000)) // net/http refuses control characters in headers
		reply(404, string(body))(w, r)
	})
	_, err = client.Connections.Get(context.Background(), "conn_1")
	require.ErrorIs(t, err, reeflow.ErrNotFound)
	for _, out := range []string{err.Error(), fmt.Sprintf("%v", err), fmt.Sprintf("%+v", err)} {
		assert.Less(t, len(out), 700, "one short line")
		assert.NotContains(t, out, "\n")
		assert.NotContains(t, out, "\r")
		assert.NotContains(t, out, "\x1b")
		assert.NotContains(t, out, "\u202e")
		assert.Contains(t, out, `\n`, "what the control characters were stays visible")
	}
	var apiErr *reeflow.APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, longCode, apiErr.Code, "the field itself keeps what the server sent")
	assert.Less(t, len(fmt.Sprintf("%#v", apiErr)), 1200)

	// The text fields of the types that print through their own Format (to redact a secret)
	// are bounded and escaped too. Types without a secret print as fmt prints them.
	forged := "x\x1b[2J\nlevel=ERROR msg=forged"
	for _, v := range []any{
		reeflow.PostgresConfig{Host: forged, Database: forged, User: forged, SSL: true},
		reeflow.TinybirdConfig{Host: forged},
	} {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
			out := fmt.Sprintf(verb, v)
			assert.NotContains(t, out, "\x1b", "%T %s", v, verb)
			assert.NotContains(t, out, "\n", "%T %s", v, verb)
		}
	}

	// An unknown connection type chosen by the server prints bounded and escaped too.
	client, _ = newRecorder(t, reply(200, `{"id":"conn_1\u001b[1A","name":"n\nforged","type":"`+strings.Repeat("t", 5000)+`\u001b[31m","config":{},"created_at":"2026-01-02T03:04:05Z","updated_at":"2026-01-02T03:04:05Z"}`))
	conn, err := client.Connections.Get(context.Background(), "conn_1")
	require.NoError(t, err)
	for _, v := range []any{conn.Config, *conn, conn} {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
			out := fmt.Sprintf(verb, v)
			assert.NotContains(t, out, "\x1b", verb)
			assert.NotContains(t, out, "\n", verb)
			assert.Less(t, len(out), 1000, verb)
		}
	}
}

// Zero values of the error types, as a user's mock builds them, never panic.
func TestZeroErrorValuesDoNotPanic(t *testing.T) {
	t.Parallel()
	for _, e := range []error{&reeflow.AuthenticationError{}, &reeflow.BadRequestError{}, &reeflow.PermissionDeniedError{}, (*reeflow.APIError)(nil)} {
		wrapped := fmt.Errorf("mock: %w", e)
		assert.NotPanics(t, func() {
			assert.False(t, errors.Is(wrapped, reeflow.ErrUnauthorized))
			_ = wrapped.Error()
			_ = fmt.Sprintf("%v %+v %#v", e, e, e)
		}, "%T", e)
	}
}

// %#v of a nil wrapper, or of one around no *APIError, names the wrapper's own type, not the
// *APIError it would wrap; a wrapper around one prints it.
func TestNilWrappersGoStringNameTheirType(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		err  error
		want string
	}{
		{(*reeflow.BadRequestError)(nil), "(*reeflow.BadRequestError)(nil)"},
		{(*reeflow.AuthenticationError)(nil), "(*reeflow.AuthenticationError)(nil)"},
		{(*reeflow.PermissionDeniedError)(nil), "(*reeflow.PermissionDeniedError)(nil)"},
		{(*reeflow.QuotaError)(nil), "(*reeflow.QuotaError)(nil)"},
		{(*reeflow.APIError)(nil), "(*reeflow.APIError)(nil)"},
		{&reeflow.BadRequestError{}, "&reeflow.BadRequestError{APIError:(*reeflow.APIError)(nil)}"},
		{&reeflow.AuthenticationError{}, "&reeflow.AuthenticationError{APIError:(*reeflow.APIError)(nil)}"},
		{&reeflow.PermissionDeniedError{}, "&reeflow.PermissionDeniedError{APIError:(*reeflow.APIError)(nil)}"},
		{&reeflow.QuotaError{}, "&reeflow.QuotaError{APIError:(*reeflow.APIError)(nil)}"},
		{&reeflow.BadRequestError{APIError: &reeflow.APIError{StatusCode: 400}},
			`&reeflow.APIError{StatusCode:400, Code:"", Message:"", Reason:"", RequestID:"", RetryAfter:0s, Body:[0 bytes]}`},
	} {
		assert.Equal(t, tc.want, fmt.Sprintf("%#v", tc.err), "%T", tc.err)
	}
}

// A typed nil error (a function returning a nil *PermissionDeniedError as error) is not any
// sentinel, and errors.Is and errors.As, which call Unwrap and Is on it, never panic.
func TestTypedNilErrorsMatchNothing(t *testing.T) {
	t.Parallel()
	for _, e := range []error{(*reeflow.BadRequestError)(nil), (*reeflow.AuthenticationError)(nil),
		(*reeflow.PermissionDeniedError)(nil), (*reeflow.QuotaError)(nil), (*reeflow.APIError)(nil)} {
		wrapped := fmt.Errorf("mock: %w", e)
		assert.NotPanics(t, func() {
			for _, sentinel := range []error{reeflow.ErrNotFound, reeflow.ErrForbidden, reeflow.ErrQuotaExceeded, reeflow.ErrUnauthorized, reeflow.ErrBadRequest} {
				assert.False(t, errors.Is(wrapped, sentinel), "%T is not %v", e, sentinel)
			}
			var quota *reeflow.QuotaError
			isQuota := fmt.Sprintf("%T", e) == "*reeflow.QuotaError"
			assert.Equal(t, isQuota, errors.As(wrapped, &quota), "%T", e)
		}, "%T", e)
	}
}

func TestIsNeverPanics(t *testing.T) {
	t.Parallel()
	client, _ := newRecorder(t, reply(401, `{"message":"Invalid API key","error":"Unauthorized","statusCode":401}`))
	_, err := client.Connections.List(context.Background())
	require.Error(t, err)
	assert.NotPanics(t, func() {
		assert.False(t, errors.Is(err, unhashableError{"x"}))
		var target unhashableError
		assert.False(t, errors.As(err, &target))
	})
	assert.ErrorIs(t, err, reeflow.ErrInvalidAPIKey)
}

// unhashableError is an error type that cannot be a map key.
type unhashableError []string

func (unhashableError) Error() string { return "unhashable" }

// Every error of a call reads "reeflow: <operation>: <status> <message> (request ID …)", with
// no word said twice, whichever path produced it.
func TestErrorTextHasOneFormat(t *testing.T) {
	t.Parallel()
	respond := func(status int, body string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("X-Request-Id", "req_1")
			reply(status, body)(w, r)
		}
	}
	ctx := context.Background()
	cases := []struct {
		name    string
		respond http.HandlerFunc
		call    func(*reeflow.Client) error
		want    string
	}{
		{"message equal to the status text", respond(429, `{"statusCode":429,"message":"Too Many Requests"}`),
			func(c *reeflow.Client) error { _, err := c.Connections.List(ctx); return err },
			"reeflow: list connections: 429 Too Many Requests (request ID req_1)"},
		{"the same in another case", respond(503, `{"message":"service unavailable"}`),
			func(c *reeflow.Client) error { _, err := c.Connections.List(ctx); return err },
			"reeflow: list connections: 503 Service Unavailable (request ID req_1)"},
		{"a message of its own", respond(404, `{"statusCode":404,"message":"Connection not found","error":"Not Found"}`),
			func(c *reeflow.Client) error { _, err := c.Connections.Get(ctx, "conn_1"); return err },
			"reeflow: get connection: 404 Not Found: Connection not found (request ID req_1)"},
		{"a code", respond(400, `{"statusCode":400,"message":"Bad Request","code":"INVALID_EXPIRATION"}`),
			func(c *reeflow.Client) error {
				_, err := c.Sessions.Create(ctx, reeflow.CreateSessionParams{UserID: "u"})
				return err
			},
			"reeflow: create session: 400 Bad Request [INVALID_EXPIRATION] (request ID req_1)"},
		{"a status without a text", respond(499, `{"message":"client closed"}`),
			func(c *reeflow.Client) error { _, err := c.Connections.List(ctx); return err },
			"reeflow: list connections: 499: client closed (request ID req_1)"},
		{"Client.Do", respond(429, `{"message":"Too Many Requests"}`),
			func(c *reeflow.Client) error { return c.Do(ctx, http.MethodGet, "/reports/r_1?token=tok_x", nil, nil) },
			"reeflow: GET reports/r_1: 429 Too Many Requests (request ID req_1)"},
		{"retries ran out", respond(503, `{"message":"Service Unavailable"}`),
			func(c *reeflow.Client) error {
				_, err := c.Connections.List(ctx, reeflow.WithMaxRetries(1))
				return err
			},
			"reeflow: list connections: 503 Service Unavailable (request ID req_1) (giving up after 2 attempts)"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			client, _ := newRecorder(t, tc.respond, noWaits(&waits{})...)
			err := tc.call(client)
			require.Error(t, err)
			assert.Equal(t, tc.want, err.Error())
		})
	}
}

func FuzzParseErrorBody(f *testing.F) {
	for _, seed := range []string{
		`{"message":"Invalid API key","error":"Unauthorized","statusCode":401}`,
		`{"code":"INVALID_EXPIRATION","message":"Expiration cannot be more than 86400 seconds from now"}`,
		`{"message":["name must be a string","name should not be empty"],"error":"Bad Request","statusCode":400}`,
		``, `<html></html>`, `{"message":`, `null`, `{"message":null}`, `{"message":[1,2]}`,
	} {
		f.Add(400, []byte(seed))
	}
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		e := reeflow.ParseErrorBody(status, body)
		if e.StatusCode != status {
			t.Fatalf("status lost: %d != %d", e.StatusCode, status)
		}
		if len(e.Messages) > 0 && e.Message != strings.Join(e.Messages, "; ") {
			t.Fatalf("Message %q does not join Messages %q", e.Message, e.Messages)
		}
		_ = e.Error()
	})
}

// go doc shows every exported declaration of reeflow as written: none may name an internal
// package, which a user can neither read nor import (a sentinel declared as
// "= transport.ErrRedirectRefused" hid its message).
func TestGodocNamesNoInternalPackage(t *testing.T) {
	t.Parallel()
	fset, files := parsePackage(t)
	internal := map[string]bool{} // the names internal packages are imported as
	for _, f := range files {
		for _, imp := range f.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			if strings.Contains(path, "/internal/") {
				name := path[strings.LastIndex(path, "/")+1:]
				if imp.Name != nil {
					name = imp.Name.Name
				}
				internal[name] = true
			}
		}
	}
	require.True(t, internal["transport"], "the test reads the imports")
	pkg, err := doc.NewFromFiles(fset, files, "github.com/reeflow/reeflow-go/reeflow")
	require.NoError(t, err)

	var decls []ast.Node
	addValues := func(vs []*doc.Value) {
		for _, v := range vs {
			decls = append(decls, v.Decl)
		}
	}
	addFuncs := func(fs []*doc.Func) {
		for _, f := range fs {
			decls = append(decls, f.Decl)
		}
	}
	addValues(pkg.Consts)
	addValues(pkg.Vars)
	addFuncs(pkg.Funcs)
	for _, typ := range pkg.Types {
		decls = append(decls, typ.Decl)
		addValues(typ.Consts)
		addValues(typ.Vars)
		addFuncs(typ.Funcs)
		addFuncs(typ.Methods)
	}
	for _, d := range decls {
		var b strings.Builder
		require.NoError(t, printer.Fprint(&b, fset, d))
		ast.Inspect(d, func(n ast.Node) bool {
			if sel, ok := n.(*ast.SelectorExpr); ok {
				if x, ok := sel.X.(*ast.Ident); ok && internal[x.Name] {
					t.Errorf("go doc shows %s.%s in:\n%s", x.Name, sel.Sel.Name, b.String())
				}
			}
			return true
		})
	}
}
