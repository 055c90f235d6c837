package reeflow

import (
	"fmt"
	"strings"
	"unicode"
)

// checkID refuses an ID that could reach another endpoint: empty, a dot segment, or holding a
// character that a proxy which decodes and normalises paths could read as a separator (/, \),
// an escape (%), a query or a fragment (?, #). Reeflow's IDs are like conn_… and key_…. The ID
// is not quoted: it may be anything a caller passed by mistake.
func checkID(op operation, what, id string) error {
	switch {
	case id == "":
		return opError(op, fmt.Errorf("%s ID is empty", what))
	case id == "." || id == "..":
		return opError(op, fmt.Errorf("%s ID %q is not an ID", what, id))
	case strings.ContainsAny(id, `/\%?#`):
		return opError(op, fmt.Errorf(`%s ID contains one of / \ %% ? #, which no ID has`, what))
	case strings.IndexFunc(id, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0:
		return opError(op, fmt.Errorf("%s ID contains white space or a control character", what))
	}
	return nil
}
