package reeflow

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/reeflow/reeflow-go/internal/hmacsig"
	"github.com/reeflow/reeflow-go/internal/safetext"
	"github.com/reeflow/reeflow-go/internal/transport"
)

// Sentinels for the category of a failed response; errors.Is matches them against any error
// a Client returns.
var (
	ErrBadRequest   = errors.New("reeflow: bad request")  // 400
	ErrUnauthorized = errors.New("reeflow: unauthorized") // 401
	ErrForbidden    = errors.New("reeflow: forbidden")    // 403
	ErrNotFound     = errors.New("reeflow: not found")    // 404
	ErrRateLimited  = errors.New("reeflow: rate limited") // 429
	ErrServer       = errors.New("reeflow: server error") // 5xx
)

// Sentinels for the rows of Reeflow's documented authentication error table. Each matches a
// response with its documented status and message, and no other.
var (
	ErrInvalidAPIKey          = errors.New("reeflow: invalid API key")           // 401 "Invalid API key": unknown key ID
	ErrInvalidAPIKeySecret    = errors.New("reeflow: invalid API key secret")    // 401 "Invalid API key secret"
	ErrInvalidBasicAuthFormat = errors.New("reeflow: invalid Basic auth format") // 401 "Invalid Basic auth format"
	ErrAPIKeyDisabled         = errors.New("reeflow: API key is disabled")       // 403 "API key is disabled"
	ErrMultipleCredentials    = errors.New("reeflow: multiple credentials")      // 400 "Multiple credentials provided", or refused before sending
)

// Sentinels for problems found before anything is sent.
var (
	// ErrInvalidCredentials: a key ID or secret that cannot be right (see Credentials.Validate).
	ErrInvalidCredentials = errors.New("reeflow: invalid credentials")
	// ErrNoCredentials: no auth option and no credentials in the environment.
	ErrNoCredentials = errors.New("reeflow: no credentials: set REEFLOW_API_KEY_ID and REEFLOW_API_KEY_SECRET, or pass WithBasicAuth, WithHMACAuth or WithCredentialsProvider")
	// ErrInsecureBaseURL: a base URL that is not https (plain http is allowed on loopback only).
	ErrInsecureBaseURL = errors.New("reeflow: insecure base URL: Reeflow accepts HTTPS only (http is allowed for loopback hosts)")
)

// ErrRedirectRefused matches a redirect the client does not follow: to another origin or from
// https to http (either could carry the credentials away), one that would change the method, the
// 11th in a row, or one whose Location cannot be parsed. The error names the redirect's status
// ("reeflow: list connections: 302 Found: …"), which WithResponseInto's Response also carries.
// A 3xx that net/http does not follow in the first place (a 300 or 304, or a 307 or 308 answering
// a create, whose body the client does not send twice) is returned as it is, an *APIError with
// its status and body, and does not match.
var ErrRedirectRefused = errors.New("reeflow: redirect refused")

// Sentinels for HMAC signature mode's failures and for a request without credentials. Reeflow
// does not document these statuses and messages: they are this SDK's assumption (see
// docs/assumptions.md), so they match only if Reeflow answers as assumed; ErrUnauthorized matches whatever
// the message.
var (
	ErrInvalidSignature   = errors.New("reeflow: invalid signature")         // 401 "Invalid signature" (assumed)
	ErrTimestampExpired   = errors.New("reeflow: request timestamp expired") // 401 "Request timestamp expired" (assumed)
	ErrInvalidHMACFormat  = errors.New("reeflow: invalid HMAC auth format")  // 401 "Invalid HMAC auth format" (assumed)
	ErrMissingCredentials = errors.New("reeflow: missing credentials")       // 401 "Missing credentials" (assumed)
)

// errorRow is a row of an error table: the sentinel matches a response with this status and message.
type errorRow struct {
	sentinel error
	status   int
	message  string
}

// errorTable holds Reeflow's documented authentication error table, then the assumed HMAC and
// missing-credentials rows. It is a slice, not a map: errors.Is may pass any target, and a map
// lookup would panic on an unhashable one.
var errorTable = []errorRow{
	{ErrInvalidAPIKey, http.StatusUnauthorized, "Invalid API key"},
	{ErrInvalidAPIKeySecret, http.StatusUnauthorized, "Invalid API key secret"},
	{ErrInvalidBasicAuthFormat, http.StatusUnauthorized, "Invalid Basic auth format"},
	{ErrAPIKeyDisabled, http.StatusForbidden, "API key is disabled"},
	{ErrMultipleCredentials, http.StatusBadRequest, "Multiple credentials provided"},
	{ErrInvalidSignature, http.StatusUnauthorized, hmacsig.MessageInvalidSignature},
	{ErrTimestampExpired, http.StatusUnauthorized, hmacsig.MessageTimestampExpired},
	{ErrInvalidHMACFormat, http.StatusUnauthorized, hmacsig.MessageInvalidFormat},
	{ErrMissingCredentials, http.StatusUnauthorized, hmacsig.MessageMissingCredentials},
}

// APIError is a response with a non-2xx status. 400, 401 and 403 come wrapped as
// *BadRequestError, *AuthenticationError and *PermissionDeniedError; errors.As(err, &apiErr)
// with apiErr a *APIError works for every one of them. The status code is always set, whatever
// the body was (empty, HTML, truncated).
type APIError struct {
	StatusCode int
	Code       string        // the body's machine-readable "code", e.g. "INVALID_EXPIRATION"
	Message    string        // the message; several validation messages joined with "; "
	Messages   []string      // every message, as sent
	Reason     string        // the body's "error" field, e.g. "Unauthorized"
	RequestID  string        // X-Request-Id, when present
	RetryAfter time.Duration // from Retry-After, when present
	Body       []byte        // the raw body, at most 64 KiB
}

// Error returns the status, the code and the message on one short line: "429 Too Many
// Requests [CODE]: message (request ID …)". A message that only repeats the status text is left
// out. Everything the server sent is bounded and stripped of control characters first, so that
// logging the error cannot forge log lines or move a terminal's cursor.
func (e *APIError) Error() string {
	if e == nil {
		return "reeflow: <nil APIError>"
	}
	var b strings.Builder
	b.WriteString(strconv.Itoa(e.StatusCode))
	text := http.StatusText(e.StatusCode)
	if text != "" {
		b.WriteString(" " + text)
	}
	if e.Code != "" {
		b.WriteString(" [" + safetext.Clean(e.Code, safetext.MaxCode) + "]")
	}
	switch {
	case e.Message != "" && !strings.EqualFold(strings.TrimSpace(e.Message), text):
		b.WriteString(": " + safetext.Clean(e.Message, safetext.MaxMessage))
	case e.Message != "": // "Too Many Requests" again says nothing
	case len(e.Body) == 0:
		b.WriteString(" (empty body)")
	default:
		b.WriteString(" (body is not a Reeflow error)")
	}
	if e.RequestID != "" {
		b.WriteString(" (request ID " + safetext.Clean(e.RequestID, safetext.MaxID) + ")")
	}
	return b.String()
}

// GoString shows the fields that identify the error, bounded, and leaves the raw body out.
func (e *APIError) GoString() string {
	if e == nil {
		return "(*reeflow.APIError)(nil)"
	}
	return fmt.Sprintf("&reeflow.APIError{StatusCode:%d, Code:%q, Message:%q, Reason:%q, RequestID:%q, RetryAfter:%s, Body:[%d bytes]}",
		e.StatusCode, safetext.Truncate(e.Code, safetext.MaxCode), safetext.Truncate(e.Message, safetext.MaxMessage), safetext.Truncate(e.Reason, safetext.MaxCode),
		safetext.Truncate(e.RequestID, safetext.MaxID), e.RetryAfter, len(e.Body))
}

// Is matches the category sentinels (ErrBadRequest, ErrUnauthorized, ErrForbidden, ErrNotFound,
// ErrRateLimited, ErrServer) by status, and each authentication error sentinel by its status
// and message. It never panics, whatever the target.
func (e *APIError) Is(target error) bool {
	if e == nil {
		return false
	}
	switch target {
	case ErrBadRequest:
		return e.StatusCode == http.StatusBadRequest
	case ErrUnauthorized:
		return e.StatusCode == http.StatusUnauthorized
	case ErrForbidden:
		return e.StatusCode == http.StatusForbidden
	case ErrNotFound:
		return e.StatusCode == http.StatusNotFound
	case ErrRateLimited:
		return e.StatusCode == http.StatusTooManyRequests
	case ErrServer:
		return e.StatusCode >= 500 && e.StatusCode <= 599
	}
	for _, row := range errorTable {
		if row.sentinel == target {
			return row.status == e.StatusCode && row.message == e.Message
		}
	}
	return false
}

// BadRequestError is a 400 response: validation errors, domain errors with a Code, or
// "Multiple credentials provided".
type BadRequestError struct{ *APIError }

// AuthenticationError is a 401 response: the credentials were missing, unknown or wrong.
type AuthenticationError struct{ *APIError }

// PermissionDeniedError is a 403 response: a disabled key, a quota, or a missing permission.
type PermissionDeniedError struct{ *APIError }

// The wrappers (and QuotaError) declare every method of the error they are instead of letting
// the embedded *APIError promote it: a promoted method reaches the field through the wrapper's
// pointer, which panics when the wrapper is nil. Each of them reads the field through its api
// method only, the one place where a nil wrapper is handled; the *APIError methods handle nil.
// GoString, which names the wrapper's type, also tells wrapperGoString whether the wrapper is nil.

// Error describes the response as APIError.Error does.
func (e *BadRequestError) Error() string { return e.api().Error() }

// GoString prints the underlying *APIError as APIError.GoString does (see wrapperGoString).
func (e *BadRequestError) GoString() string {
	return wrapperGoString("BadRequestError", e == nil, e.api())
}

// Is matches the sentinels the underlying *APIError matches; a nil error matches none.
func (e *BadRequestError) Is(target error) bool { return e.api().Is(target) }

// Unwrap returns the underlying *APIError.
func (e *BadRequestError) Unwrap() error { return unwrapAPIError(e.api()) }

func (e *BadRequestError) api() *APIError {
	if e == nil {
		return nil
	}
	return e.APIError
}

// Error describes the response as APIError.Error does.
func (e *AuthenticationError) Error() string { return e.api().Error() }

// GoString prints the underlying *APIError as APIError.GoString does (see wrapperGoString).
func (e *AuthenticationError) GoString() string {
	return wrapperGoString("AuthenticationError", e == nil, e.api())
}

// Is matches the sentinels the underlying *APIError matches; a nil error matches none.
func (e *AuthenticationError) Is(target error) bool { return e.api().Is(target) }

// Unwrap returns the underlying *APIError.
func (e *AuthenticationError) Unwrap() error { return unwrapAPIError(e.api()) }

func (e *AuthenticationError) api() *APIError {
	if e == nil {
		return nil
	}
	return e.APIError
}

// Error describes the response as APIError.Error does.
func (e *PermissionDeniedError) Error() string { return e.api().Error() }

// GoString prints the underlying *APIError as APIError.GoString does (see wrapperGoString).
func (e *PermissionDeniedError) GoString() string {
	return wrapperGoString("PermissionDeniedError", e == nil, e.api())
}

// Is reports whether the 403 is a quota refusal, for errors.Is(err, ErrQuotaExceeded); other
// targets are matched by the underlying *APIError.
func (e *PermissionDeniedError) Is(target error) bool {
	return target == ErrQuotaExceeded && isQuotaExceeded(e.api())
}

// As sets target, a non-nil **QuotaError, to the quota refusal this 403 is, for errors.As; it
// reports false for any other target and for a 403 that is not a quota refusal.
func (e *PermissionDeniedError) As(target any) bool {
	qe, ok := target.(**QuotaError)
	if !ok || qe == nil || !isQuotaExceeded(e.api()) {
		return false
	}
	*qe = parseQuota(e.api())
	return true
}

// Unwrap returns the underlying *APIError.
func (e *PermissionDeniedError) Unwrap() error { return unwrapAPIError(e.api()) }

func (e *PermissionDeniedError) api() *APIError {
	if e == nil {
		return nil
	}
	return e.APIError
}

// wrapperGoString is the GoString of a wrapper (isNil: a nil pointer) around api, which its api
// method gives: api's, or for a nil wrapper, or one around no *APIError, the wrapper's own type,
// as %#v would name it: "(*reeflow.BadRequestError)(nil)", not the *APIError it wraps.
func wrapperGoString(typeName string, isNil bool, api *APIError) string {
	switch {
	case isNil:
		return "(*reeflow." + typeName + ")(nil)"
	case api == nil:
		return "&reeflow." + typeName + "{APIError:(*reeflow.APIError)(nil)}"
	}
	return api.GoString()
}

// unwrapAPIError returns e, or nil for a nil *APIError: a typed nil in an interface would make
// errors.Is call methods on it.
func unwrapAPIError(e *APIError) error {
	if e == nil {
		return nil
	}
	return e
}

// CheckResponse returns nil for a 2xx response, and otherwise the typed error its status and
// body describe: an *APIError, wrapped as *BadRequestError, *AuthenticationError or
// *PermissionDeniedError for 400, 401 and 403. It reads at most 64 KiB of the body and leaves
// closing it to the caller. Use it with requests built by hand and signed with BasicAuth or
// HMACAuth; the Client applies it to every response itself.
func CheckResponse(resp *http.Response) error {
	if resp == nil {
		return transport.ErrNilRequest
	}
	if resp.StatusCode >= 200 && resp.StatusCode <= 299 {
		return nil
	}
	var body []byte
	if resp.Body != nil {
		body, _ = io.ReadAll(io.LimitReader(resp.Body, transport.MaxErrorBody))
	}
	return newAPIError(resp.StatusCode, resp.Header, body, time.Now()).typed()
}

// newAPIError builds the error of a failed response from its status, headers and (bounded) body.
func newAPIError(status int, header http.Header, body []byte, now time.Time) *APIError {
	e := &APIError{StatusCode: status, Body: body, RequestID: header.Get("X-Request-Id")}
	e.RetryAfter, _ = transport.ParseRetryAfter(header.Get("Retry-After"), now)
	b := transport.ParseErrorBody(body)
	e.Code, e.Reason, e.Message, e.Messages = b.Code, b.Reason, b.Message, b.Messages
	return e
}

// typed wraps e in the type of its status: *BadRequestError, *AuthenticationError or
// *PermissionDeniedError, or e itself.
func (e *APIError) typed() error {
	switch e.StatusCode {
	case http.StatusBadRequest:
		return &BadRequestError{e}
	case http.StatusUnauthorized:
		return &AuthenticationError{e}
	case http.StatusForbidden:
		return &PermissionDeniedError{e}
	}
	return e
}
