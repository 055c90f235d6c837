package reeflow

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/reeflow/reeflow-go/internal/transport"
)

// operation is what a service method's calls have in common.
type operation struct {
	name      string // in every error and log record of the call
	policy    transport.Policy
	sendsBody bool // the request has a JSON body: WithBodyField applies
	// mayHaveActed says, for a call that is not retried once sent, what the caller should check
	// after a failure: the server may have acted on it.
	mayHaveActed string
}

// errNoClient is the error of a call on a service or Client that NewClient did not make.
var errNoClient = errors.New("the client was not created with NewClient")

// do sends one call with the client's settings changed by opts, and fills the call's
// WithResponseInto, if any, from the last request that went on the wire.
func (c *client) do(ctx context.Context, op operation, opts []Option,
	build func(base string) (*http.Request, error), decode func([]byte) error) error {
	return c.send(ctx, op, atServiceCall, opts, &transport.Call{Build: build, Decode: decode})
}

func (c *client) send(ctx context.Context, op operation, where scope, opts []Option, call *transport.Call) error {
	switch {
	case c == nil:
		return opError(op, errNoClient)
	case ctx == nil: // context.WithTimeout would panic; bad input is an error here
		return opError(op, errors.New("nil context"))
	}
	s := &c.settings
	if len(opts) > 0 {
		var err error
		if s, err = c.callSettings(op, where, opts); err != nil {
			return opError(op, err)
		}
	}
	call.Name, call.Policy, call.MayHaveActed = op.name, op.policy, op.mayHaveActed
	res, err := c.pipeline.Do(ctx, call, &s.t)
	if s.response != nil && res.Attempts > 0 {
		// A call refused before anything went on the wire (an editor's or a provider's error,
		// the origin check) leaves the Response as it was, as WithResponseInto says.
		*s.response = Response{StatusCode: res.Status, Header: res.Header, RequestID: res.RequestID, Attempts: res.Attempts, Body: res.Body}
	}
	return err
}

// callSettings returns the client's settings changed by a call's options.
func (c *client) callSettings(op operation, where scope, opts []Option) (*settings, error) {
	s := c.settings
	s.auth = nil
	if err := s.applyOptions(opts, where); err != nil {
		return nil, err
	}
	if len(s.t.BodyFields) > 0 && !op.sendsBody {
		return nil, fmt.Errorf("WithBodyField: %s sends no request body", op.name)
	}
	if s.auth != nil {
		s.t.Auth = s.auth.authenticator(c.pipeline.Now)
	}
	return &s, nil
}

func opError(op operation, err error) error {
	return fmt.Errorf("reeflow: %s: %w", op.name, transport.WithoutPrefix(err))
}
