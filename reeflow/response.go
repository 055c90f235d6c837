package reeflow

import (
	"fmt"
	"log/slog"
	"net/http"

	"github.com/reeflow/reeflow-go/internal/safetext"
)

// Response is what the last attempt of a call received, filled by WithResponseInto: the way
// to read a header or a field that this SDK does not decode.
type Response struct {
	StatusCode int         // 0 when no attempt got a response
	Header     http.Header // the response headers
	RequestID  string      // X-Request-Id, when present
	Attempts   int         // how many requests went on the wire, a re-send after a clock correction included
	// Body is the raw response body: at most 64 MiB for a success and 64 KiB for an error.
	// It can hold what the endpoint returns, a session token included: printing or logging a
	// Response shows its size, never its content.
	Body []byte
}

// Format prints the status, request ID, attempts and the size of the body, for every verb.
func (r Response) Format(f fmt.State, _ rune) {
	_, _ = fmt.Fprintf(f, "reeflow.Response{StatusCode:%d RequestID:%s Attempts:%d Body:[%d bytes]}",
		r.StatusCode, safetext.Clean(r.RequestID, safetext.MaxID), r.Attempts, len(r.Body))
}

// LogValue logs the status, request ID, attempts and the size of the body.
func (r Response) LogValue() slog.Value {
	return slog.GroupValue(slog.Int("status", r.StatusCode), slog.String("request_id", safetext.Clean(r.RequestID, safetext.MaxID)),
		slog.Int("attempts", r.Attempts), slog.Int("body_bytes", len(r.Body)))
}
