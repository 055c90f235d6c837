package reeflow

import (
	"fmt"
	"log/slog"
	"strings"
)

// redacted replaces every secret in printed and logged output.
const redacted = "[REDACTED]"

// Secret is a credential that never prints: String, GoString, Format, MarshalJSON and
// LogValue all give "[REDACTED]". Convert it with string(s) where the value itself is needed.
type Secret string

// String returns "[REDACTED]".
func (Secret) String() string { return redacted }

// GoString returns "[REDACTED]", so %#v does not show the secret either.
func (Secret) GoString() string { return redacted }

// Format prints "[REDACTED]" for every verb and flag.
func (Secret) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(redacted)) }

// MarshalJSON encodes the secret as the JSON string "[REDACTED]".
func (Secret) MarshalJSON() ([]byte, error) { return []byte(`"` + redacted + `"`), nil }

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
