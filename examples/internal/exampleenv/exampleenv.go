// Package exampleenv lets the example programs run without an account: when
// REEFLOW_API_KEY_ID is not set, it starts an embedded fake Reeflow server and returns the
// options that point reeflow.NewClient at it.
package exampleenv

import (
	"fmt"
	"io"
	"os"

	"github.com/reeflow/reeflow-go/reeflow"
	"github.com/reeflow/reeflow-go/reeflow/reeflowtest"
)

// FakeUnlessConfigured returns nothing to add when REEFLOW_API_KEY_ID or REEFLOW_API_KEY_SECRET
// is set: reeflow.NewClient then reads the credentials from the environment and calls Reeflow.
// Otherwise it starts a fake server and returns the options that reach it (its URL, its TLS
// certificate, its key), the server for examples that use its controls, and stop, which closes
// it. It tells w which Reeflow the example uses. stop is never nil.
func FakeUnlessConfigured(w io.Writer) (opts []reeflow.Option, fake *reeflowtest.Server, stop func(), err error) {
	if os.Getenv("REEFLOW_API_KEY_ID") != "" || os.Getenv("REEFLOW_API_KEY_SECRET") != "" {
		fmt.Fprintln(w, "Using the Reeflow API with the credentials from REEFLOW_API_KEY_ID and REEFLOW_API_KEY_SECRET.")
		return nil, nil, func() {}, nil
	}
	srv, err := reeflowtest.Start()
	if err != nil {
		return nil, nil, nil, err
	}
	fmt.Fprintln(w, "No REEFLOW_API_KEY_ID in the environment: using an embedded fake Reeflow server (reeflowtest).")
	key := srv.Key()
	opts = []reeflow.Option{
		reeflow.WithBaseURL(srv.URL),
		reeflow.WithHTTPClient(srv.HTTPClient()),
		reeflow.WithBasicAuth(key.ID, key.Secret),
	}
	return opts, srv, srv.Close, nil
}
