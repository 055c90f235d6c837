package reeflow

import (
	"fmt"
	"strings"
	"unicode"
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

// beforeParameters returns s up to its first ";": what servers that drop path parameters see.
func beforeParameters(s string) string {
	name, _, _ := strings.Cut(s, ";")
	return name
}
