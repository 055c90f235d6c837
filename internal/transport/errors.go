package transport

import (
	"errors"
	"strings"
)

// ErrNilRequest is the error of an editor or CheckResponse given nil. The sentinels package
// reeflow documents (ErrMultipleCredentials, ErrRedirectRefused) are its own, given to the
// pipeline in Config and to CheckHeader.
var ErrNilRequest = errors.New("reeflow: nil request or response")

// WithoutPrefix returns err printed without its leading "reeflow: ", for wrapping in an error
// that starts with the prefix already ("reeflow: list connections: multiple credentials: …").
// errors.Is and errors.As see err as it was.
func WithoutPrefix(err error) error {
	if err == nil || !strings.HasPrefix(err.Error(), "reeflow: ") {
		return err
	}
	return unprefixed{err}
}

type unprefixed struct{ error }

func (e unprefixed) Error() string { return strings.TrimPrefix(e.error.Error(), "reeflow: ") }
func (e unprefixed) Unwrap() error { return e.error }
