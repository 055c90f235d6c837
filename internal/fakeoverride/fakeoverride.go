// Package fakeoverride lets this module's own tests make the fake Reeflow server
// (reeflow/reeflowtest) answer unlike the SDK assumes: accept another HMAC canonical string,
// send other error messages, return other response shapes. cmd/reeflow-conformance is tested
// with it, so that the probe is seen to report what a real server that disagrees with
// openapi.yaml would make it report.
//
// It is internal so that reeflowtest's public API stays what its users need: no option or
// method there exposes it, and only code inside this module can import it. Package reeflowtest
// registers itself here when it is initialised (as grpc's public packages set the hooks its
// internal package holds), so this package does not import it and the fake stays free of
// test-only options.
package fakeoverride

import (
	"errors"
	"net/http"

	"github.com/reeflow/reeflow-go/internal/hmacsig"
)

// Overrides are the ways a fake server can be made to disagree with openapi.yaml. The zero
// value overrides nothing.
type Overrides struct {
	// Canonical, when set, is the canonical string the fake's HMAC verifier accepts instead of
	// hmacsig.Default.
	Canonical *hmacsig.Variant
	// Respond, when set, sees every response before it is sent and may change its status,
	// headers and body.
	Respond func(r *http.Request, resp *Response)
}

// Response is a response of the fake server on its way out.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// Apply makes srv, which must be a *reeflowtest.Server, follow o from its next request on,
// replacing any earlier overrides.
func Apply(srv any, o Overrides) error {
	if apply == nil {
		return errors.New("fakeoverride: package reeflowtest is not linked into this program")
	}
	return apply(srv, o)
}

var apply func(srv any, o Overrides) error

// Register is called by package reeflowtest when it is initialised, with the function that
// applies overrides to one of its servers.
func Register(fn func(srv any, o Overrides) error) {
	apply = fn
}
