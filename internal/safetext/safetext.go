// Package safetext makes text that a server or a caller controls safe to put in an error, a log
// record or a printed value: one line, no terminal escapes, no invalid UTF-8, bounded.
package safetext

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Bounds on server-controlled text quoted in errors and printed values: each stays one short line.
const (
	MaxMessage = 300
	MaxCode    = 64
	MaxID      = 100
)

// Clean returns s as one line, with no terminal escapes and no invalid UTF-8, at most limit
// bytes (plus a marked cut). Control and other non-printing characters are written as Go escapes
// (\n, \x1b, \u202e), so what they were stays visible without acting.
func Clean(s string, limit int) string {
	if strings.IndexFunc(s, func(r rune) bool { return r == utf8.RuneError || !printable(r) }) < 0 {
		return Truncate(s, limit)
	}
	var b strings.Builder
	for i, r := range s {
		if b.Len() >= limit {
			b.WriteString("…")
			break
		}
		switch {
		case r == utf8.RuneError:
			if _, size := utf8.DecodeRuneInString(s[i:]); size == 1 {
				b.WriteString(`\x` + strconv.FormatUint(uint64(s[i]), 16))
				continue
			}
			b.WriteRune(r)
		case printable(r):
			b.WriteRune(r)
		default:
			q := strconv.QuoteRuneToASCII(r)
			b.WriteString(q[1 : len(q)-1])
		}
	}
	return b.String()
}

// printable reports whether r may be written as it is: a space or a graphic character.
// unicode.IsGraphic is false for every Bidi_Control rune (they are format characters), so
// those are escaped too.
func printable(r rune) bool {
	return r == ' ' || unicode.IsGraphic(r)
}

// Truncate cuts s to at most n bytes on a rune boundary, marking the cut.
func Truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
