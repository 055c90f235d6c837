// Command errors provokes each failure of Reeflow's documented authentication error table and
// recognises it with errors.Is.
//
// It runs against an embedded fake server unless REEFLOW_API_KEY_ID and REEFLOW_API_KEY_SECRET
// are set; against Reeflow itself it skips the disabled-key case, which needs a disabled key.
//
//	go run ./examples/errors
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"

	"github.com/reeflow/reeflow-go/reeflow"
	"github.com/reeflow/reeflow-go/reeflow/reeflowtest"
)

func main() {
	if err := run(os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "errors:", err)
		os.Exit(1)
	}
}

// target is the Reeflow the example talks to.
type target struct {
	baseURL string
	http    *http.Client
	key     reeflow.Credentials
	fake    *reeflowtest.Server // nil against Reeflow itself
}

func run(w io.Writer) error {
	t, done, err := newTarget(w)
	if err != nil {
		return err
	}
	defer done()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	cases := []struct {
		name     string
		sentinel error
		call     func() error
	}{
		{"unknown key ID", reeflow.ErrInvalidAPIKey, func() error {
			return t.list(ctx, reeflow.WithBasicAuth("key_does_not_exist", "whatever"))
		}},
		{"wrong secret", reeflow.ErrInvalidAPIKeySecret, func() error {
			return t.list(ctx, reeflow.WithBasicAuth(t.key.KeyID, "not-the-secret"))
		}},
		// The SDK never sends a malformed header or two credentials, so these two requests are
		// built by hand and their responses read with reeflow.CheckResponse.
		{"malformed Basic header", reeflow.ErrInvalidBasicAuthFormat, func() error {
			return t.raw(ctx, http.Header{"Authorization": {"Basic not-base64!"}})
		}},
		{"two credentials at once", reeflow.ErrMultipleCredentials, func() error {
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "https://x", nil)
			req.SetBasicAuth(t.key.KeyID, t.key.Secret.Reveal())
			return t.raw(ctx, http.Header{"Authorization": req.Header["Authorization"], "X-Api-Key": {t.key.KeyID}})
		}},
		{"disabled key", reeflow.ErrAPIKeyDisabled, func() error {
			if t.fake == nil {
				return errSkipped
			}
			k := t.fake.AddKey("to be disabled")
			t.fake.DisableKey(k.ID)
			return t.list(ctx, reeflow.WithBasicAuth(k.ID, k.Secret))
		}},
	}
	for _, c := range cases {
		err := c.call()
		var apiErr *reeflow.APIError
		switch {
		case errors.Is(err, errSkipped):
			fmt.Fprintf(w, "%-24s skipped: needs the fake server\n", c.name)
		case errors.Is(err, c.sentinel) && errors.As(err, &apiErr):
			fmt.Fprintf(w, "%-24s recognised: %d %q\n", c.name, apiErr.StatusCode, apiErr.Message)
		default:
			return fmt.Errorf("%s: expected %w, got %w", c.name, c.sentinel, err)
		}
	}

	// Bad credentials are refused before anything is sent.
	_, err = reeflow.NewClient(reeflow.WithBasicAuth(t.key.KeyID, t.key.Secret.Reveal()+"\n"))
	if !errors.Is(err, reeflow.ErrInvalidCredentials) {
		return fmt.Errorf("a trailing newline was not caught: %w", err)
	}
	fmt.Fprintf(w, "%-24s refused locally: %v\n", "secret with a newline", err)
	return nil
}

var errSkipped = errors.New("skipped")

func newTarget(w io.Writer) (*target, func(), error) {
	if id, secret := os.Getenv("REEFLOW_API_KEY_ID"), os.Getenv("REEFLOW_API_KEY_SECRET"); id != "" || secret != "" {
		base := os.Getenv("REEFLOW_BASE_URL")
		if base == "" {
			base = reeflow.DefaultBaseURL
		}
		fmt.Fprintln(w, "Using the Reeflow API with the credentials from REEFLOW_API_KEY_ID and REEFLOW_API_KEY_SECRET.")
		return &target{baseURL: base, http: http.DefaultClient, key: reeflow.Credentials{KeyID: id, Secret: reeflow.NewSecret(secret)}}, func() {}, nil
	}
	srv, err := reeflowtest.Start()
	if err != nil {
		return nil, nil, err
	}
	fmt.Fprintln(w, "No REEFLOW_API_KEY_ID in the environment: using an embedded fake Reeflow server (reeflowtest).")
	key := srv.Key()
	return &target{baseURL: srv.URL, http: srv.HTTPClient(), key: reeflow.Credentials{KeyID: key.ID, Secret: reeflow.NewSecret(key.Secret)}, fake: srv}, srv.Close, nil
}

// list lists connections with the given auth option.
func (t *target) list(ctx context.Context, auth reeflow.Option) error {
	client, err := reeflow.NewClient(reeflow.WithBaseURL(t.baseURL), reeflow.WithHTTPClient(t.http), auth, reeflow.WithMaxRetries(0))
	if err != nil {
		return err
	}
	_, err = client.Connections.List(ctx)
	return err
}

// raw sends GET /connections with exactly the given headers.
func (t *target) raw(ctx context.Context, header http.Header) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, t.baseURL+"/connections", nil)
	if err != nil {
		return err
	}
	req.Header = header
	resp, err := t.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	return reeflow.CheckResponse(resp)
}
