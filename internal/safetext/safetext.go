package reeflow

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// cleanText makes text a server or a caller controls safe to put in an error or a printed value:
// one line, no terminal escapes, no invalid UTF-8, at most limit bytes (plus a marked cut).
// Control and other non-printing characters are written as Go escapes (\n, \x1b, \u202e), so
// what they were stays visible without acting.
func cleanText(s string, limit int) string {
	clean := true
	for _, r := range s {
		if r == utf8.RuneError || !printable(r) {
			clean = false
			break
		}
	}
	if clean {
		return truncate(s, limit)
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

func printable(r rune) bool {
	return r == ' ' || unicode.IsGraphic(r) && !unicode.Is(unicode.Bidi_Control, r)
}

// truncate cuts s to at most n bytes on a rune boundary, marking the cut.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
