// Package exampleenv gives the example programs a client: the real Reeflow API when
// REEFLOW_API_KEY_ID and REEFLOW_API_KEY_SECRET are set, otherwise an embedded fake server.
package exampleenv

import (
	"fmt"
	"io"
	"os"

	"github.com/reeflow/reeflow-go/reeflow"
	"github.com/reeflow/reeflow-go/reeflow/reeflowtest"
)

// Client returns a client and a function that releases what it started. It tells w which
// Reeflow it uses.
func Client(w io.Writer, opts ...reeflow.Option) (*reeflow.Client, func(), error) {
	c, _, done, err := ClientAndFake(w, opts...)
	return c, done, err
}

// ClientAndFake is Client, and also returns the embedded fake server when it started one (nil
// on the real API), for examples whose tests inspect what the fake saw.
func ClientAndFake(w io.Writer, opts ...reeflow.Option) (*reeflow.Client, *reeflowtest.Server, func(), error) {
	if os.Getenv(reeflow.EnvAPIKeyID) != "" || os.Getenv(reeflow.EnvAPIKeySecret) != "" {
		c, err := reeflow.NewClient(opts...)
		if err != nil {
			return nil, nil, nil, err
		}
		fmt.Fprintln(w, "Using the Reeflow API with the credentials from REEFLOW_API_KEY_ID and REEFLOW_API_KEY_SECRET.")
		return c, nil, c.CloseIdleConnections, nil
	}
	srv, err := reeflowtest.Start()
	if err != nil {
		return nil, nil, nil, err
	}
	fmt.Fprintln(w, "No REEFLOW_API_KEY_ID in the environment: using an embedded fake Reeflow server (reeflowtest).")
	c := srv.Client(opts...)
	return c, srv, func() { c.CloseIdleConnections(); srv.Close() }, nil
}

// Server starts an embedded fake server, for examples that need its controls (such as
// disabling a key); it tells w so.
func Server(w io.Writer) (*reeflowtest.Server, error) {
	srv, err := reeflowtest.Start()
	if err != nil {
		return nil, err
	}
	fmt.Fprintln(w, "Using an embedded fake Reeflow server (reeflowtest).")
	return srv, nil
}
