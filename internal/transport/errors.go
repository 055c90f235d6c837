package transport

import (
	"errors"
	"strings"
)

// Errors that package reeflow re-exports as its own sentinels.
var (
	// ErrMultipleCredentials: a request would carry a second credential.
	ErrMultipleCredentials = errors.New("reeflow: multiple credentials")
	// ErrRedirectRefused: a redirect to another origin, from https to http, or one that changes the method.
	ErrRedirectRefused = errors.New("reeflow: redirect refused")
	// ErrNilRequest: an editor or CheckResponse was given nil.
	ErrNilRequest = errors.New("reeflow: nil request or response")
)

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
