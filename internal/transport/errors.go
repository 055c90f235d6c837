package transport

import "errors"

// Errors that package reeflow re-exports as its own sentinels.
var (
	// ErrMultipleCredentials: a request would carry a second credential.
	ErrMultipleCredentials = errors.New("reeflow: multiple credentials")
	// ErrRedirectRefused: a redirect to another origin, from https to http, or one that changes the method.
	ErrRedirectRefused = errors.New("reeflow: redirect refused")
	// ErrNilRequest: an editor or CheckResponse was given nil.
	ErrNilRequest = errors.New("reeflow: nil request or response")
)
