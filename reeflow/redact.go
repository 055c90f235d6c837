package reeflow

import (
	"fmt"
	"strings"
)

// redacted replaces every secret in printed and logged output.
const redacted = "[REDACTED]"

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
