package reeflow

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"strings"
)

// redacted replaces every secret in printed and logged output.
const redacted = "[REDACTED]"

// Secret is a credential that never shows: String, GoString, Format, MarshalJSON and LogValue
// all give "[REDACTED]", and the value is held in a closure, which neither fmt, encoding/json,
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

// IsZero reports whether the secret is empty.
func (s Secret) IsZero() bool { return s.Reveal() == "" }

// Equal reports, in constant time, whether s and other hold the same value.
func (s Secret) Equal(other Secret) bool {
	return subtle.ConstantTimeCompare([]byte(s.Reveal()), []byte(other.Reveal())) == 1
}

// String returns "[REDACTED]".
func (Secret) String() string { return redacted }

// GoString returns "[REDACTED]", so %#v does not show the secret either.
func (Secret) GoString() string { return redacted }

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

// formatRedacted prints value, a copy of a public type whose secrets were already replaced,
// with the verb and flags of f. shadow is value's own type name and public the name %#v should show.
func formatRedacted(f fmt.State, verb rune, value any, shadow, public string) {
	s := fmt.Sprintf(fmt.FormatString(f, verb), value)
	if verb == 'v' && f.Flag('#') {
		s = strings.Replace(s, shadow, public, 1)
	}
	_, _ = f.Write([]byte(s))
}

// redactNonEmpty returns "[REDACTED]" for a set secret and "" for an unset one, so that
// printed output still tells whether a password or token was given.
func redactNonEmpty(s string) string {
	if s == "" {
		return ""
	}
	return redacted
}
