package reeflow

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
)

// ErrQuotaExceeded matches a 403 whose message starts with "Quota exceeded": Reeflow refused to
// create a resource because the organization has as many as its quota allows (documented:
// "Quotas only restrict creating new resources", for instance 20 API keys per organization).
// The error is still a *PermissionDeniedError and matches ErrForbidden; errors.As with a
// *QuotaError gives the resource and the numbers.
var ErrQuotaExceeded = errors.New("reeflow: quota exceeded")

// QuotaError is a create refused for a quota, as errors.As finds it in any error that matches
// ErrQuotaExceeded:
//
//	var quota *reeflow.QuotaError
//	if errors.As(err, &quota) {
//		log.Printf("at most %d %s", quota.Maximum, quota.Resource)
//	}
//
// The fields are read from the documented message, "Quota exceeded: maximum 20 api-keys allowed
// per organization (currently: 20)"; the message itself stays in APIError.Message, so nothing is
// lost when it is worded otherwise.
type QuotaError struct {
	*APIError
	// Resource is what the quota counts, lower case with words joined by "-": Reeflow's two
	// spellings "api-keys" and "API keys" both give "api-keys". Empty when the message does not
	// say, or names it with more than 64 bytes or anything but ASCII letters, digits, "-", "_"
	// and spaces: it is server text, which APIError.Message keeps, escaped and bounded.
	Resource string
	// Maximum is the quota, and Current how many the organization has; each is -1 when the
	// message does not say, as http.Response.ContentLength is for an unknown length.
	Maximum, Current int
}

// Error describes the response as APIError.Error does.
func (e *QuotaError) Error() string { return e.api().Error() }

// GoString prints the underlying *APIError as APIError.GoString does (see wrapperGoString).
func (e *QuotaError) GoString() string { return wrapperGoString("QuotaError", e == nil, e.api()) }

// Is matches ErrQuotaExceeded, and every other sentinel the underlying *APIError matches. A nil
// *QuotaError is no quota refusal.
func (e *QuotaError) Is(target error) bool {
	return e != nil && (target == ErrQuotaExceeded || e.api().Is(target))
}

// Unwrap returns the underlying *APIError.
func (e *QuotaError) Unwrap() error { return unwrapAPIError(e.api()) }

// api is the underlying *APIError, nil for a nil *QuotaError (see BadRequestError.api).
func (e *QuotaError) api() *APIError {
	if e == nil {
		return nil
	}
	return e.APIError
}

const quotaPrefix = "quota exceeded"

func isQuotaExceeded(e *APIError) bool {
	return e != nil && e.StatusCode == http.StatusForbidden &&
		len(e.Message) >= len(quotaPrefix) && strings.EqualFold(e.Message[:len(quotaPrefix)], quotaPrefix)
}

// parseQuota reads "…maximum N <resource> allowed… (currently: M)" from the message; each part
// that is missing or worded otherwise is left unknown.
func parseQuota(e *APIError) *QuotaError {
	q := &QuotaError{APIError: e, Maximum: -1, Current: -1}
	msg := e.Message[len(quotaPrefix):]
	if _, rest, ok := strings.Cut(msg, "maximum "); ok {
		if n, tail, ok := leadingCount(rest); ok {
			q.Maximum = n
			if resource, _, ok := strings.Cut(strings.TrimSpace(tail), " allowed"); ok && plainResourceName(resource) {
				q.Resource = strings.ToLower(strings.Join(strings.Fields(resource), "-"))
			}
		}
	}
	if _, rest, ok := strings.Cut(msg, "currently: "); ok {
		if n, _, ok := leadingCount(rest); ok {
			q.Current = n
		}
	}
	return q
}

// maxResourceName bounds QuotaError.Resource: Reeflow's resource names are a word or two.
const maxResourceName = 64

// plainResourceName reports a resource name worth keeping: short, and made of ASCII letters,
// digits, "-", "_" and spaces. Resource is server text a program may print or switch on, so
// anything else (escape sequences, bidi controls, kilobytes) leaves it unknown; the message
// keeps it, escaped and bounded.
func plainResourceName(s string) bool {
	if s == "" || len(s) > maxResourceName {
		return false
	}
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_', r == ' ':
		default:
			return false
		}
	}
	return true
}

// leadingCount parses the decimal count s starts with.
func leadingCount(s string) (n int, rest string, ok bool) {
	end := 0
	for end < len(s) && s[end] >= '0' && s[end] <= '9' {
		end++
	}
	n, err := strconv.Atoi(s[:end])
	if err != nil {
		return 0, s, false
	}
	return n, s[end:], true
}
