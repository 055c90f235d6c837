package reeflow

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"reflect"
	"strings"
	"time"

	"github.com/reeflow/reeflow-go/internal/transport"
)

// RequestEditorFn changes a request just before it is sent. It has the signature of
// oapi-codegen's RequestEditorFn, so BasicAuth and HMACAuth also work with generated clients
// and with any *http.Request built by hand. It is an Option too: given to NewClient or to a
// call, it runs as WithRequestEditor(fn), except that an editor made by BasicAuth or HMACAuth
// is taken as the credentials (like WithBasicAuth or WithHMACAuth), not as a second set of them.
type RequestEditorFn func(ctx context.Context, req *http.Request) error

// AuthMode selects how credentials authenticate a request.
type AuthMode int

const (
	// AuthBasic sends "Authorization: Basic base64(key_id:secret)" on every request.
	AuthBasic AuthMode = iota + 1
	// AuthHMAC signs every request (X-API-Key, X-API-Timestamp, X-API-Signature); the secret never travels.
	AuthHMAC
)

// transportMode is m as the pipeline names it. Options accept AuthBasic and AuthHMAC only.
func (m AuthMode) transportMode() transport.Mode {
	if m == AuthHMAC {
		return transport.ModeHMAC
	}
	return transport.ModeBasic
}

// String returns "basic" or "hmac".
func (m AuthMode) String() string {
	switch m {
	case AuthBasic:
		return "basic"
	case AuthHMAC:
		return "hmac"
	default:
		return fmt.Sprintf("AuthMode(%d)", int(m))
	}
}

// BasicAuth returns a RequestEditorFn that sets "Authorization: Basic base64(key_id:secret)",
// byte for byte what `curl -u key_id:secret` and Reeflow's JavaScript example send. The header
// is encoded once, here, not per request. Malformed credentials give an error matching
// ErrInvalidCredentials. Given to NewClient or to a call as an Option, the editor is the
// credentials, as WithBasicAuth would be.
func BasicAuth(keyID, secret string) (RequestEditorFn, error) {
	c := Credentials{KeyID: keyID, Secret: NewSecret(secret)}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return RequestEditorFn(transport.BasicEditor(c.plain())), nil
}

// HMACAuth returns a RequestEditorFn that signs requests in Reeflow's HMAC signature mode: it
// sets X-API-Key, X-API-Timestamp (Unix seconds) and X-API-Signature (lower-case hex
// HMAC-SHA256 of the canonical string) and never sets Authorization, so the secret never
// travels. The body is read through req.GetBody and left in place; a body that cannot be
// replayed is refused. Signing the same request in the same second gives the same headers.
//
// The canonical string is this SDK's (see docs/assumptions.md): Reeflow's own definition could
// not be read. Given to NewClient or to a call as an Option, the editor is the credentials; a
// Client made with WithHMACAuth instead also corrects its clock from the server's.
func HMACAuth(keyID, secret string) (RequestEditorFn, error) {
	c := Credentials{KeyID: keyID, Secret: NewSecret(secret)}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return RequestEditorFn(transport.HMACEditor(c.plain(), time.Now)), nil
}

// The code of the editors BasicAuth and HMACAuth make. Every editor one of them returns runs
// the same function, whatever its credentials: that is how an editor given as an option is
// known to authenticate, so that it replaces the client's credentials instead of adding a
// second set that every call would then refuse.
var (
	basicEditorCode = reflect.ValueOf(transport.BasicEditor(transport.Credentials{})).Pointer()
	hmacEditorCode  = reflect.ValueOf(transport.HMACEditor(transport.Credentials{}, time.Now)).Pointer()
)

// authEditor returns the auth option that fn, an editor made by BasicAuth or HMACAuth, stands
// for; ok is false for any other editor.
func authEditor(fn RequestEditorFn) (spec authSpec, ok bool) {
	switch reflect.ValueOf(fn).Pointer() {
	case basicEditorCode, hmacEditorCode:
		return editorAuthSpec{edit: fn}, true
	}
	return nil, false
}

// authSpec is an auth option as given; it becomes an authenticator once the client's clock,
// corrected by what the server says, is known.
type authSpec interface {
	authenticator(now func() time.Time) transport.Authenticator
}

type staticAuthSpec struct {
	creds Credentials
	mode  AuthMode
}

func (s staticAuthSpec) authenticator(now func() time.Time) transport.Authenticator {
	return transport.StaticAuth(s.mode.transportMode(), s.creds.plain(), now)
}

// editorAuthSpec is an editor from BasicAuth or HMACAuth given as an option. An HMAC editor keeps
// its own clock: the client cannot correct it (WithHMACAuth can).
type editorAuthSpec struct{ edit RequestEditorFn }

func (s editorAuthSpec) authenticator(func() time.Time) transport.Authenticator {
	return transport.EditorAuth(transport.Editor(s.edit))
}

type providerAuthSpec struct {
	provider CredentialsProvider
	mode     AuthMode
}

func (s providerAuthSpec) authenticator(now func() time.Time) transport.Authenticator {
	return transport.ProviderAuth(s.mode.transportMode(), func(ctx context.Context) (transport.Credentials, error) {
		c, err := s.provider.Credentials(ctx)
		if err == nil {
			err = c.Validate()
		}
		// The call's error starts with "reeflow: " already: one prefix per error.
		return c.plain(), transport.WithoutPrefix(err)
	}, now)
}

// Environment variables read by NewClient when no auth option is given.
//
//nolint:gosec // variable names, not credentials
const (
	envAPIKeyID     = "REEFLOW_API_KEY_ID"
	envAPIKeySecret = "REEFLOW_API_KEY_SECRET"
	envAuthMode     = "REEFLOW_AUTH_MODE" // "basic" (default) or "hmac"
)

// authFromEnv reads REEFLOW_API_KEY_ID, REEFLOW_API_KEY_SECRET and REEFLOW_AUTH_MODE.
func authFromEnv() (authSpec, error) {
	id, secret := os.Getenv(envAPIKeyID), os.Getenv(envAPIKeySecret)
	switch {
	case id == "" && secret == "":
		return nil, ErrNoCredentials
	case id == "":
		return nil, fmt.Errorf("%w (%s is not set)", ErrNoCredentials, envAPIKeyID)
	case secret == "":
		return nil, fmt.Errorf("%w (%s is not set)", ErrNoCredentials, envAPIKeySecret)
	}
	var mode AuthMode
	switch strings.ToLower(os.Getenv(envAuthMode)) {
	case "", "basic":
		mode = AuthBasic
	case "hmac":
		mode = AuthHMAC
	default:
		return nil, fmt.Errorf("reeflow: %s must be \"basic\" or \"hmac\"", envAuthMode)
	}
	creds := Credentials{KeyID: id, Secret: NewSecret(secret)}
	if err := creds.Validate(); err != nil {
		return nil, fmt.Errorf("%w (from %s and %s)", err, envAPIKeyID, envAPIKeySecret)
	}
	return staticAuthSpec{creds: creds, mode: mode}, nil
}
