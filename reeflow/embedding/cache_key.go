package embedding

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/reeflow/reeflow-go/reeflow"
)

// cacheKey identifies the sessions a Cache may share: a SHA-256 digest of an unambiguous encoding
// of the user, the organization and their attributes. A digest rather than the encoding itself,
// so that the cache holds no attribute value in printable form, and a cryptographic one, so that
// two users can never share a token by collision.
type cacheKey [sha256.Size]byte

// String returns the key as a Store is given it: lower-case hex.
func (k cacheKey) String() string { return hex.EncodeToString(k[:]) }

// keyOf returns the key of params that p.Validate accepted. Params that differ on the wire never
// share a key. Params the same on the wire share one when their attributes are the same values as
// JSON numbers: any map order, any integer type or float64 (1 and 1.0), json.Number, named types.
// Numbers are keyed as reeflow sends them: a float32 as the shortest decimal that names it
// (float32(0.1) travels as 0.1, not 0.10000000149011612), and -0 as 0.
//
// The encoding is what POST /sessions carries about the subjects, in a fixed order: the user ID,
// the user's attributes, the organization ID, its attributes. A string is its length then its
// bytes, a set of attributes their count then each name and value sorted by name, and a value a
// tag (string, bool or number) then the string, the bool, or the float64's bits: no two
// different params encode alike, whatever their strings hold. It is built in a buffer on the
// stack, since a key is computed on every page view.
//
// keyOf refuses the numbers Validate refuses that would otherwise share a valid number's key: an
// integer beyond ±(2^53−1), which converts to a float64 that is valid, and a json.Number that
// reeflow does not take for the float it parses as. So no params that Validate refuses have the
// key of params it accepts: a Cache that finds a key among the tokens it minted itself (each for
// params it validated) need not validate again.
func keyOf(p reeflow.CreateSessionParams) (cacheKey, error) {
	var buf [512]byte
	b := appendString(buf[:0], p.UserID)
	b, err := appendAttributes(b, p.UserAttributes)
	if err != nil {
		return cacheKey{}, err
	}
	b = appendString(b, p.OrganizationID)
	if b, err = appendAttributes(b, p.OrganizationAttributes); err != nil {
		return cacheKey{}, err
	}
	return sha256.Sum256(b), nil
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// attribute is one name and value of an Attributes map.
type attribute struct {
	name  string
	value any
}

// appendAttributes encodes attrs, an empty map as none (as on the wire).
func appendAttributes(b []byte, attrs reeflow.Attributes) ([]byte, error) {
	var buf [16]attribute // enough for most, without allocating
	sorted := buf[:0]
	for name, v := range attrs {
		sorted = append(sorted, attribute{name, v})
	}
	slices.SortFunc(sorted, func(a, b attribute) int { return strings.Compare(a.name, b.name) })
	b = binary.AppendUvarint(b, uint64(len(sorted)))
	for _, a := range sorted {
		b = appendString(b, a.name)
		var err error
		if b, err = appendValue(b, a.value); err != nil {
			return nil, fmt.Errorf("attribute %q: %w", a.name, err)
		}
	}
	return b, nil
}

// The tags of attribute values in a key.
const (
	tagString = 's'
	tagBool   = 'b'
	tagNumber = 'n'
)

// appendValue encodes v as the JSON type it travels as: a string, a bool or a float64. Values are
// reduced by kind, ignoring any MarshalJSON or MarshalText method, since reeflow sends a named
// type's underlying value: a method would let two different values encode alike.
func appendValue(b []byte, v any) ([]byte, error) {
	switch x := v.(type) { // the common types without reflection
	case string:
		return appendString(append(b, tagString), x), nil
	case bool:
		return appendBool(b, x), nil
	case int:
		return appendInteger(b, int64(x))
	case float64:
		return appendNumber(b, x), nil
	case json.Number: // a string kind that travels as a number
		if !strings.ContainsAny(string(x), ".eE") { // an integer to reeflow, as it parses them
			n, err := x.Int64()
			if err != nil {
				return nil, errUnkeyedNumber
			}
			return appendInteger(b, n)
		}
		f, err := x.Float64()
		return appendNumber(b, f), err
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.String:
		return appendString(append(b, tagString), rv.String()), nil
	case reflect.Bool:
		return appendBool(b, rv.Bool()), nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return appendInteger(b, rv.Int())
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		if rv.Uint() > maxSafeInteger {
			return nil, errUnkeyedNumber
		}
		return appendInteger(b, int64(rv.Uint())) //nolint:gosec // at most 2^53−1, checked above
	case reflect.Float32:
		f, err := strconv.ParseFloat(strconv.FormatFloat(rv.Float(), 'g', -1, 32), 64)
		return appendNumber(b, f), err
	case reflect.Float64:
		return appendNumber(b, rv.Float()), nil
	}
	// Validate accepts no other kind today; should it ever, refusing beats guessing a key.
	return nil, fmt.Errorf("a %T has no cache key", v)
}

// maxSafeInteger is the largest integer that reeflow sends, and a float64 holds exactly.
const maxSafeInteger = 1<<53 - 1

var errUnkeyedNumber = errors.New("a number that reeflow refuses has no cache key")

func appendInteger(b []byte, n int64) ([]byte, error) {
	if n > maxSafeInteger || n < -maxSafeInteger {
		return nil, errUnkeyedNumber
	}
	return appendNumber(b, float64(n)), nil // exact
}

func appendBool(b []byte, v bool) []byte {
	if v {
		return append(b, tagBool, 1)
	}
	return append(b, tagBool, 0)
}

// appendNumber encodes f by its bits, which tell every two values apart, -0 taken as 0 (the same
// on the wire); Validate refused NaN, the one value unequal to itself.
func appendNumber(b []byte, f float64) []byte {
	return binary.BigEndian.AppendUint64(append(b, tagNumber), math.Float64bits(f+0)) // -0 + 0 is 0
}
