package reeflow

import "fmt"

// checkID refuses an ID that is empty or a dot segment: escaped or not, "." and ".." would
// resolve to another endpoint.
func checkID(op operation, what, id string) error {
	switch id {
	case "":
		return opError(op, fmt.Errorf("%s ID is empty", what))
	case ".", "..":
		return opError(op, fmt.Errorf("%s ID %q is not an ID", what, id))
	}
	return nil
}
