package reeflow

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/reeflow/reeflow-go/internal/transport"
)

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

// plain returns the credentials as the transport sends them.
func (c Credentials) plain() transport.Credentials {
	return transport.Credentials{KeyID: c.KeyID, Secret: c.Secret.Reveal()}
}

const keyIDPrefix = "key_"

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

// Secret is a credential that never shows: String, Format (every verb, %#v included),
// MarshalJSON and LogValue all give "[REDACTED]", and the value is held in a closure, which neither fmt, encoding/json,
// slog nor any reflection-based printer can look into, at any depth (even in an unexported field
// of your own struct, where fmt cannot call methods). Reveal returns the value.
//
// Make one with NewSecret. Secrets do not compare with ==; use Equal.
type Secret struct {
	value func() string
}

// NewSecret returns a Secret holding s.
func NewSecret(s string) Secret {
	return Secret{value: func() string { return s }}
}

// Reveal returns the secret itself, for the code that must send or store it.
func (s Secret) Reveal() string {
	if s.value == nil {
		return ""
	}
	return s.value()
}

// Equal reports, in constant time, whether s and other hold the same value.
func (s Secret) Equal(other Secret) bool {
	return subtle.ConstantTimeCompare([]byte(s.Reveal()), []byte(other.Reveal())) == 1
}

// String returns "[REDACTED]".
func (Secret) String() string { return redacted }

// Format prints "[REDACTED]" for every verb and flag.
func (Secret) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(redacted)) }

// MarshalJSON encodes the secret as the JSON string "[REDACTED]": a Secret is never a payload.
func (Secret) MarshalJSON() ([]byte, error) { return []byte(`"` + redacted + `"`), nil }

// UnmarshalJSON refuses to decode a Secret, which JSON never carries (MarshalJSON writes
// "[REDACTED]"); build one with NewSecret.
func (*Secret) UnmarshalJSON([]byte) error {
	return errors.New("reeflow: a Secret is not decoded from JSON: build it with NewSecret")
}

// LogValue makes slog print "[REDACTED]".
func (Secret) LogValue() slog.Value { return slog.StringValue(redacted) }
