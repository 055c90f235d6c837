package reeflow

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"unicode"
	"unicode/utf8"
)

// RequestEditorFn changes a request just before it is sent. It has the signature of
// oapi-codegen's RequestEditorFn, so BasicAuth and HMACAuth also work with generated clients
// and with any *http.Request built by hand.
type RequestEditorFn func(ctx context.Context, req *http.Request) error

// Credentials are an API key: its ID (which starts with "key_") and its secret. Printing,
// logging or JSON-encoding Credentials never shows the secret (see Secret).
type Credentials struct {
	KeyID  string
	Secret Secret
}

type credentialsFields Credentials

// Format prints the key ID and "[REDACTED]" for the secret, for every verb. A key ID that is not
// well formed prints as "[INVALID]": it may be a secret pasted in the wrong place.
func (c Credentials) Format(f fmt.State, verb rune) {
	if checkKeyID(c.KeyID) != nil {
		c.KeyID = "[INVALID]"
	}
	formatRedacted(f, verb, credentialsFields(c), "reeflow.credentialsFields", "reeflow.Credentials")
}

// LogValue logs the key ID (when well formed) and "[REDACTED]" for the secret.
func (c Credentials) LogValue() slog.Value {
	id := c.KeyID
	if checkKeyID(id) != nil {
		id = "[INVALID]"
	}
	return slog.GroupValue(slog.String("key_id", id), slog.String("secret", redacted))
}

// MarshalJSON encodes the key ID (when well formed) and "[REDACTED]" for the secret, as Format
// prints them: Credentials are never a payload.
func (c Credentials) MarshalJSON() ([]byte, error) {
	id := c.KeyID
	if checkKeyID(id) != nil {
		id = "[INVALID]"
	}
	return json.Marshal(struct {
		KeyID  string
		Secret Secret
	}{id, c.Secret})
}

// Equal reports whether c and other are the same key, comparing secrets in constant time.
func (c Credentials) Equal(other Credentials) bool {
	return c.KeyID == other.KeyID && c.Secret.Equal(other.Secret)
}

// Validate reports, without sending anything, whether the credentials are well formed. The
// error matches ErrInvalidCredentials and names the problem, never the secret (nor the key ID,
// which may be a misplaced secret).
func (c Credentials) Validate() error {
	if err := checkKeyID(c.KeyID); err != nil {
		return err
	}
	return checkSecret(c.Secret.Reveal())
}

// CredentialsProvider supplies the credentials for each request, so that keys can be rotated
// while a program runs. Credentials is called once per attempt and must be safe for concurrent use.
type CredentialsProvider interface {
	Credentials(ctx context.Context) (Credentials, error)
}

// AuthMode selects how credentials authenticate a request.
type AuthMode int

const (
	// AuthBasic sends "Authorization: Basic base64(key_id:secret)" on every request.
	AuthBasic AuthMode = iota + 1
	// AuthHMAC signs every request (X-API-Key, X-API-Timestamp, X-API-Signature); the secret never travels.
	AuthHMAC
)

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

const (
	headerAuthorization = "Authorization" // canonical MIME form: indexes http.Header directly
	keyIDPrefix         = "key_"
)

// BasicAuth returns a RequestEditorFn that sets "Authorization: Basic base64(key_id:secret)",
// byte for byte what `curl -u key_id:secret` and Reeflow's JavaScript example send. The header
// is encoded once, here, not per request. Malformed credentials give an error matching
// ErrInvalidCredentials.
func BasicAuth(keyID, secret string) (RequestEditorFn, error) {
	if err := (Credentials{KeyID: keyID, Secret: NewSecret(secret)}).Validate(); err != nil {
		return nil, err
	}
	header := "Basic " + base64.StdEncoding.EncodeToString([]byte(keyID+":"+secret))
	return func(_ context.Context, req *http.Request) error {
		if req == nil {
			return errNilRequest
		}
		if req.Header == nil {
			req.Header = make(http.Header, 1)
		}
		req.Header[headerAuthorization] = []string{header}
		return nil
	}, nil
}

func invalidCredentials(problem string) error {
	return fmt.Errorf("%w: %s", ErrInvalidCredentials, problem)
}

func checkKeyID(id string) error {
	switch {
	case id == "":
		return invalidCredentials("API key ID is empty")
	case !strings.HasPrefix(id, keyIDPrefix):
		return invalidCredentials(`API key ID does not start with "key_" (are the ID and the secret swapped?)`)
	case strings.Contains(id, ":"):
		return invalidCredentials(`API key ID contains ":", which Basic authentication cannot carry`)
	}
	if problem := whiteSpaceProblem(id); problem != "" {
		return invalidCredentials("API key ID " + problem)
	}
	return nil
}

func checkSecret(secret string) error {
	if secret == "" {
		return invalidCredentials("API key secret is empty")
	}
	if !utf8.ValidString(secret) {
		return invalidCredentials("API key secret is not valid UTF-8")
	}
	if problem := whiteSpaceProblem(secret); problem != "" {
		return invalidCredentials("API key secret " + problem)
	}
	return nil
}

// whiteSpaceProblem describes where s has white space or control characters, without quoting s.
func whiteSpaceProblem(s string) string {
	bad := func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }
	last, _ := utf8.DecodeLastRuneInString(s)
	first, _ := utf8.DecodeRuneInString(s)
	switch {
	case last == '\n' || last == '\r':
		return "ends with a line break (often left by an env file or `echo`)"
	case bad(first) || bad(last):
		return "starts or ends with white space or a control character"
	case strings.IndexFunc(s, bad) >= 0:
		return "contains white space or a control character"
	}
	return ""
}
