package reeflow

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/reeflow/reeflow-go/internal/safetext"
)

// Response is what the last request of a call that went on the wire received, filled by
// WithResponseInto: the way to read a header or a field that this SDK does not decode. It is a
// record of the call, never sent back: printing, logging or JSON-encoding it shows the status,
// the request ID, the attempts and the size of the body.
type Response struct {
	StatusCode int         // 0 when no attempt got a response
	Header     http.Header // the response headers
	RequestID  string      // X-Request-Id, when present
	Attempts   int         // how many requests went on the wire, a re-send after a clock correction included
	// Body is the raw response body: at most 64 MiB for a success and 64 KiB for an error.
	// It can hold what the endpoint returns, a session token included: printing, logging or
	// JSON-encoding a Response shows its size, never its content.
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

// MarshalJSON encodes what LogValue logs: {"status", "request_id", "attempts", "body_bytes"}.
// slog's JSON handler encodes a Response nested in a slice, a map or a struct with
// encoding/json, which would otherwise write the body, base64-encoded.
func (r Response) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Status    int    `json:"status"`
		RequestID string `json:"request_id"`
		Attempts  int    `json:"attempts"`
		BodyBytes int    `json:"body_bytes"`
	}{r.StatusCode, safetext.Clean(r.RequestID, safetext.MaxID), r.Attempts, len(r.Body)})
}
