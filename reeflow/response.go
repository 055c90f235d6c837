package reeflow

import "net/http"

// Response is what the last attempt of a call received, filled by WithResponseInto: the way
// to read a header or a field that this SDK does not decode.
type Response struct {
	StatusCode int         // 0 when no attempt got a response
	Header     http.Header // the response headers
	RequestID  string      // X-Request-Id, when present
	Attempts   int         // how many attempts the call made
	// Body is the raw response body: at most 64 MiB for a success and 64 KiB for an error.
	// It can hold what the endpoint returns, a session token included: treat it as the
	// endpoint's data, not as something to log.
	Body []byte
}
