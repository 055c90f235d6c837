package transport

import (
	"encoding/json"
	"strings"

	"github.com/reeflow/reeflow-go/internal/api"
)

// ErrorBody is what Reeflow's error body says, in any of its three documented shapes (message
// as a string or an array, with optional statusCode, error and code).
type ErrorBody struct {
	Code     string   // the machine-readable "code"
	Reason   string   // the "error" field, e.g. "Unauthorized"
	Message  string   // the message; several joined with "; "
	Messages []string // every message, as sent
}

// ParseErrorBody reads an error body. A body in another shape gives the zero ErrorBody.
func ParseErrorBody(body []byte) ErrorBody {
	var parsed api.ErrorResponse
	var e ErrorBody
	if json.Unmarshal(body, &parsed) != nil {
		return e
	}
	if parsed.Code != nil {
		e.Code = *parsed.Code
	}
	if parsed.Error != nil {
		e.Reason = *parsed.Error
	}
	if one, err := parsed.Message.AsErrorMessage0(); err == nil {
		e.Message, e.Messages = one, []string{one}
	} else if many, err := parsed.Message.AsErrorMessage1(); err == nil {
		e.Message, e.Messages = strings.Join(many, "; "), many
	}
	return e
}
