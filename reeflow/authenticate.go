package reeflow

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"
)

// authSpec is an auth option as given; NewClient builds it into an authenticator once the
// client's clock is known.
type authSpec interface {
	build(clock func() time.Time) (authenticator, error)
}

// authenticator puts credentials on a request, once per attempt, closest to the wire.
type authenticator interface {
	authenticate(ctx context.Context, req *http.Request) error
	mode() AuthMode
}

func newAuthEditor(creds Credentials, mode AuthMode, clock func() time.Time) (RequestEditorFn, error) {
	if mode == AuthHMAC {
		return HMACAuth(creds.KeyID, creds.Secret.Reveal(), WithSigningClock(clock))
	}
	return BasicAuth(creds.KeyID, creds.Secret.Reveal())
}

type staticAuthSpec struct {
	creds    Credentials
	authMode AuthMode
}

func (s staticAuthSpec) build(clock func() time.Time) (authenticator, error) {
	edit, err := newAuthEditor(s.creds, s.authMode, clock)
	if err != nil {
		return nil, err
	}
	return staticAuth{edit: edit, authMode: s.authMode}, nil
}

type staticAuth struct {
	edit     RequestEditorFn
	authMode AuthMode
}

func (a staticAuth) authenticate(ctx context.Context, req *http.Request) error {
	return a.edit(ctx, req)
}

func (a staticAuth) mode() AuthMode { return a.authMode }

type providerAuthSpec struct {
	provider CredentialsProvider
	authMode AuthMode
}

func (s providerAuthSpec) build(clock func() time.Time) (authenticator, error) {
	return &providerAuth{provider: s.provider, authMode: s.authMode, clock: clock}, nil
}

// providerAuth asks its provider for credentials on every attempt and keeps the editor of the
// last credentials seen, so that an unchanged key is not re-encoded per request.
type providerAuth struct {
	provider CredentialsProvider
	authMode AuthMode
	clock    func() time.Time

	mu    sync.Mutex
	creds Credentials
	edit  RequestEditorFn
}

func (a *providerAuth) authenticate(ctx context.Context, req *http.Request) error {
	creds, err := a.provider.Credentials(ctx)
	if err != nil {
		return fmt.Errorf("credentials provider: %w", err)
	}
	edit, err := a.editorFor(creds)
	if err != nil {
		return fmt.Errorf("credentials provider: %w", err)
	}
	return edit(ctx, req)
}

func (a *providerAuth) editorFor(creds Credentials) (RequestEditorFn, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.edit != nil && creds.Equal(a.creds) {
		return a.edit, nil
	}
	edit, err := newAuthEditor(creds, a.authMode, a.clock)
	if err != nil {
		return nil, err
	}
	a.creds, a.edit = creds, edit
	return edit, nil
}

func (a *providerAuth) mode() AuthMode { return a.authMode }

// authFromEnv reads REEFLOW_API_KEY_ID, REEFLOW_API_KEY_SECRET and REEFLOW_AUTH_MODE.
func authFromEnv() (authSpec, error) {
	id, secret := os.Getenv(EnvAPIKeyID), os.Getenv(EnvAPIKeySecret)
	switch {
	case id == "" && secret == "":
		return nil, ErrNoCredentials
	case id == "":
		return nil, fmt.Errorf("%w (%s is not set)", ErrNoCredentials, EnvAPIKeyID)
	case secret == "":
		return nil, fmt.Errorf("%w (%s is not set)", ErrNoCredentials, EnvAPIKeySecret)
	}
	var mode AuthMode
	switch strings.ToLower(os.Getenv(EnvAuthMode)) {
	case "", "basic":
		mode = AuthBasic
	case "hmac":
		mode = AuthHMAC
	default:
		return nil, fmt.Errorf("reeflow: %s must be \"basic\" or \"hmac\"", EnvAuthMode)
	}
	creds := Credentials{KeyID: id, Secret: NewSecret(secret)}
	if err := creds.Validate(); err != nil {
		return nil, fmt.Errorf("%w (from %s and %s)", err, EnvAPIKeyID, EnvAPIKeySecret)
	}
	return staticAuthSpec{creds: creds, authMode: mode}, nil
}
