package embedding

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"

	"github.com/reeflow/reeflow-go/reeflow"
)

// cacheKey identifies the sessions a Cache may share: a SHA-256 digest of a canonical encoding
// of the user, the organization and their attributes. A digest rather than the encoding itself,
// so that the cache holds no attribute value in printable form, and a cryptographic one, so that
// two users can never share a token by collision.
type cacheKey [sha256.Size]byte

// canonicalParams is what a key encodes: exactly what POST /sessions carries about the subjects.
// encoding/json makes the encoding canonical: fields in a fixed order, map keys sorted, strings
// escaped one way (Validate refused invalid UTF-8, the one thing JSON would alter), and each
// float64 in its shortest form, which tells every two values apart.
type canonicalParams struct {
	UserID                 string         `json:"user"`
	UserAttributes         map[string]any `json:"user_attributes,omitempty"` // empty: absent, as on the wire
	OrganizationID         string         `json:"organization,omitempty"`
	OrganizationAttributes map[string]any `json:"organization_attributes,omitempty"`
}

// keyOf returns the key of params that p.Validate accepted. Params that differ on the wire never
// share a key. Params the same on the wire share one when their attributes are the same values as
// JSON numbers: any map order, any integer type or float64 (1 and 1.0), json.Number, named types.
// Numbers are keyed as reeflow sends them: a float32 as the shortest decimal that names it
// (float32(0.1) travels as 0.1, not 0.10000000149011612), and -0 as 0.
func keyOf(p reeflow.CreateSessionParams) (cacheKey, error) {
	c := canonicalParams{UserID: p.UserID, OrganizationID: p.OrganizationID}
	var err error
	if c.UserAttributes, err = canonicalAttributes(p.UserAttributes); err != nil {
		return cacheKey{}, err
	}
	if c.OrganizationAttributes, err = canonicalAttributes(p.OrganizationAttributes); err != nil {
		return cacheKey{}, err
	}
	b, err := json.Marshal(c)
	if err != nil {
		return cacheKey{}, err
	}
	return sha256.Sum256(b), nil
}

// canonicalAttributes returns attrs with each value as the JSON type it travels as: a string, a
// bool or a float64. Values are reduced by kind, ignoring any MarshalJSON or MarshalText method,
// since reeflow sends a named type's underlying value: a method would let two different values
// encode alike.
func canonicalAttributes(attrs reeflow.Attributes) (map[string]any, error) {
	out := make(map[string]any, len(attrs))
	for name, v := range attrs {
		cv, err := canonicalValue(v)
		if err != nil {
			return nil, fmt.Errorf("attribute %q: %w", name, err)
		}
		out[name] = cv
	}
	return out, nil
}

func canonicalValue(v any) (any, error) {
	if n, ok := v.(json.Number); ok { // a string kind that travels as a number
		f, err := n.Float64()
		return f + 0, err // -0 + 0 is 0
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.String:
		return rv.String(), nil
	case reflect.Bool:
		return rv.Bool(), nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return float64(rv.Int()), nil // exact: Validate refused integers beyond ±(2^53−1)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return float64(rv.Uint()), nil
	case reflect.Float32:
		f, err := strconv.ParseFloat(strconv.FormatFloat(rv.Float(), 'g', -1, 32), 64)
		return f + 0, err // -0 + 0 is 0
	case reflect.Float64:
		return rv.Float() + 0, nil
	}
	// Validate accepts no other kind today; should it ever, refusing beats guessing a key.
	return nil, fmt.Errorf("a %T has no cache key", v)
}
