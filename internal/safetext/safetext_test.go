package safetext_test

import (
	"testing"
	"unicode"

	"github.com/stretchr/testify/assert"

	"github.com/reeflow/reeflow-go/internal/safetext"
)

func TestClean(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, in, want string }{
		{"plain text is kept", "Invalid API key", "Invalid API key"},
		{"a line break is escaped", "a\nb", `a\nb`},
		{"a terminal escape is escaped", "\x1b[2J", `\x1b[2J`},
		{"a right-to-left override is escaped", "abc\u202edef", `abc\u202edef`},
		{"invalid UTF-8 is escaped byte by byte", "a\xffb", `a\xffb`},
		{"a real U+FFFD is kept", "a\uFFFDb", "a\uFFFDb"},
		{"long text is cut and marked", "abcdefghij", "abcd…"},
		{"a cut never splits a rune", "ééé", "é…"},
	} {
		limit := 100
		if tc.name == "long text is cut and marked" {
			limit = 4
		}
		if tc.name == "a cut never splits a rune" {
			limit = 3
		}
		assert.Equal(t, tc.want, safetext.Clean(tc.in, limit), tc.name)
	}
}

// TestEveryBidiControlIsEscaped: no rune of Unicode's Bidi_Control property passes through, so
// server text cannot reorder what a terminal or a log viewer shows around it.
func TestEveryBidiControlIsEscaped(t *testing.T) {
	t.Parallel()
	for _, rng := range unicode.Bidi_Control.R16 {
		for r := rune(rng.Lo); r <= rune(rng.Hi); r += rune(rng.Stride) {
			assert.NotContains(t, safetext.Clean("x"+string(r), 100), string(r), "U+%04X", r)
		}
	}
}
