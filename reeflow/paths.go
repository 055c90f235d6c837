package reeflow

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/reeflow/reeflow-go/internal/safetext"
)

// checkID refuses an ID that could reach another endpoint: empty, a dot segment (look-alike
// dots included, see checkSegment), or holding a character that a proxy which decodes and
// normalises paths could read as a separator (/, \), an escape (%), a query or a fragment
// (?, #). Dots followed by ";" count as dots: Tomcat, Jetty and Spring drop path parameters. Reeflow's IDs are like conn_… and key_…. The ID
// is not quoted: it may be anything a caller passed by mistake.
func checkID(op operation, what, id string) error {
	switch {
	case id == "":
		return opError(op, fmt.Errorf("%s ID is empty", what))
	case strings.TrimFunc(beforeParameters(id), isDotLike) == "":
		return opError(op, fmt.Errorf(`%s ID is made of dots only (before any ";"), which is not an ID`, what))
	case strings.ContainsAny(id, `/\%?#`):
		return opError(op, fmt.Errorf(`%s ID contains one of / \ %% ? #, which no ID has`, what))
	case strings.IndexFunc(id, normalisesToPathPunctuation) >= 0:
		return opError(op, fmt.Errorf(`%s ID contains a look-alike of . / \ ; or %% (such as "／"), which no ID has`, what))
	case strings.IndexFunc(id, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0:
		return opError(op, fmt.Errorf("%s ID contains white space or a control character", what))
	}
	return nil
}

// checkSegment refuses a path segment, as escaped in the URL, that a server or proxy could
// normalise into another path. Tomcat, Jetty and Spring drop ";" path parameters before
// resolving dot segments ("..;" is ".."), some servers end a path at a NUL ("..%00" is ".."),
// and some normalise Unicode (NFKC makes "．．" and "‥" ".."): an ID-like segment has none of
// these, so refusing them costs nothing and closes the whole family.
func checkSegment(seg string) error {
	plain, err := url.PathUnescape(seg)
	switch {
	case err != nil:
		return fmt.Errorf("path segment %q: %w", safetext.Clean(seg, safetext.MaxID), err)
	case plain == "":
		return errors.New("path has an empty segment")
	case strings.ContainsAny(plain, `/\%`):
		// "..%2Fapi-keys" is one segment here, but a proxy that decodes and normalises
		// paths would route it elsewhere (the same rule as for the services' IDs).
		return errors.New(`path has a segment whose escapes decode to "/", "\" or "%"`)
	case !utf8.ValidString(plain):
		return errors.New("path has a segment whose escapes do not decode to UTF-8")
	case strings.IndexFunc(plain, unicode.IsControl) >= 0:
		return errors.New("path has a segment with a NUL or another control character")
	}
	switch name := strings.TrimSpace(beforeParameters(plain)); {
	case name == "":
		return errors.New(`path has a segment that is empty once its ";" parameters are dropped`)
	case strings.TrimFunc(name, isDotLike) == "":
		return errors.New(`path has a "." or ".." segment, or one a server could read as such (look-alike dots, ";" parameters)`)
	case strings.IndexFunc(plain, normalisesToPathPunctuation) >= 0:
		return errors.New(`path has a segment with a look-alike of ".", "/", "\", ";" or "%" that a server normalising Unicode (NFKC) would read as one`)
	}
	return nil
}

// beforeParameters returns s up to its first ";": what servers that drop path parameters see.
func beforeParameters(s string) string {
	name, _, _ := strings.Cut(s, ";")
	return name
}

// isDotLike reports a full stop or a character that Unicode normalisation (NFKC) turns into
// one or more: fullwidth, small and one- and two-dot leaders.
func isDotLike(r rune) bool {
	switch r {
	case '.', '\uFF0E', '\uFE52', '\u2024', '\u2025':
		return true
	}
	return false
}

// normalisesToPathPunctuation reports a non-ASCII character whose NFKC form contains ".", "/",
// "\", ";" or "%", the characters that make a segment another path once a server or proxy
// normalises Unicode. The list is every such code point of Unicode 15.0 (a test walks them all
// with golang.org/x/text, which package reeflow does not import): few enough for a switch, and
// none belongs in an ID-like segment.
func normalisesToPathPunctuation(r rune) bool {
	switch r {
	case '\u037E', // Greek question mark → ";"
		'\u2024', '\u2025', '\u2026', // one- and two-dot leaders, ellipsis → ".", "..", "..."
		'\u2100', '\u2101', '\u2105', '\u2106', // account of, addressed to the subject, care of, cada una → "a/c", "a/s", "c/o", "c/u"
		'\u2488', '\u2489', '\u248A', '\u248B', '\u248C', '\u248D', '\u248E', '\u248F', '\u2490', '\u2491', // digit full stops → "1." … "10."
		'\u2492', '\u2493', '\u2494', '\u2495', '\u2496', '\u2497', '\u2498', '\u2499', '\u249A', '\u249B', // number full stops → "11." … "20."
		'\u33C2', '\u33C7', '\u33D8', // square a.m., Co., p.m.
		'\uFE14', '\uFE19', '\uFE30', // presentation forms for vertical semicolon, ellipsis, two-dot leader
		'\uFE52', '\uFE54', '\uFE68', '\uFE6A', // small full stop, semicolon, reverse solidus, percent sign
		'\uFF05', '\uFF0E', '\uFF0F', '\uFF1B', '\uFF3C', // fullwidth percent sign, full stop, solidus, semicolon, reverse solidus
		'\U0001F100': // digit zero full stop → "0."
		return true
	}
	return false
}
