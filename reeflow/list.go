package reeflow

import (
	"bytes"
	"encoding/json"
	"errors"
)

// decodeList decodes a JSON array into out, which is left unchanged unless every element
// decodes; null or any other shape is an error.
func decodeList[T any](out *[]T) func([]byte) error {
	return func(b []byte) error {
		if b = bytes.TrimLeft(b, " \t\r\n"); len(b) == 0 || b[0] != '[' {
			return errors.New("body is not a JSON array")
		}
		var list []T
		if err := json.Unmarshal(b, &list); err != nil {
			return err
		}
		*out = list
		return nil
	}
}
