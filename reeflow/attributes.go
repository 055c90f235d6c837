package reeflow

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Attributes are attribute values for Reeflow's row-level security, name to value, carried by
// a session token (CreateSessionParams.UserAttributes and OrganizationAttributes); Reeflow's
// row filters read them with RF_USER_ATTR('name'), and an attribute a filter needs but the
// token lacks is an error there.
//
// A value is a string, a bool, or a number of any integer or float kind (named types such as
// `type Plan string` included), as Reeflow documents. Everything is checked before anything is
// sent, and an error names the attribute without quoting any value:
//   - at most 64 attributes per subject; names of 1 to 64 characters, valid UTF-8, without
//     control characters or leading or trailing white space, and no two names that differ only
//     by case ("Region" and "region": whether Reeflow tells them apart is not documented, and
//     either way one of them is a mistake);
//   - strings of at most 1,024 characters, valid UTF-8 (JSON would silently replace bad bytes);
//   - numbers finite (no NaN or ±Inf), and integers within ±(2^53−1), the range JSON numbers
//     carry exactly (RFC 7493); send a larger ID as a string;
//   - nothing else: no nil, pointers, slices, maps, structs or time.Time.
//
// Numbers travel as JSON numbers, so int 1 and float64 1.0 are the same value on the wire, and
// the same attribute to an embedding.Cache. The limits are this SDK's: Reeflow documents none.
type Attributes map[string]any

// Limits on attributes, checked before sending (Reeflow documents none).
const (
	maxAttributes      = 64
	maxAttributeName   = 64   // characters
	maxAttributeString = 1024 // characters
	maxSafeInteger     = 1<<53 - 1
)

// attrKind is the JSON type of a normalized attribute value.
type attrKind uint8

const (
	attrString attrKind = iota + 1
	attrBool
	attrNumber
)

// attrValue is an attribute value reduced to what JSON carries: a string, a bool or a float64.
type attrValue struct {
	kind attrKind
	s    string
	f    float64
	b    bool
}

// wire is the value as it goes into the request body.
func (v attrValue) wire() any {
	switch v.kind {
	case attrString:
		return v.s
	case attrBool:
		return v.b
	default:
		return v.f
	}
}

var errNotScalar = errors.New("not a string, number or boolean")

// normalizeAttribute checks a value and reduces it to a string, a bool or a float64. Errors
// describe the value's type, never the value.
func normalizeAttribute(v any) (attrValue, error) {
	switch x := v.(type) {
	case string:
		return stringValue(x)
	case bool:
		return attrValue{kind: attrBool, b: x}, nil
	case int:
		return intValue(int64(x))
	case int64:
		return intValue(x)
	case int32:
		return intValue(int64(x))
	case float64:
		return floatValue(x)
	case float32:
		return float32Value(x)
	case json.Number:
		if !strings.ContainsAny(string(x), ".eE") { // an integer: keep it exact or refuse it
			n, err := x.Int64()
			if err != nil {
				if errors.Is(err, strconv.ErrRange) {
					return attrValue{}, errUnsafeInteger
				}
				return attrValue{}, errors.New("is a json.Number that does not parse as a number")
			}
			return intValue(n)
		}
		f, err := x.Float64()
		if err != nil {
			return attrValue{}, errors.New("is a json.Number that does not parse as a number")
		}
		return floatValue(f)
	case nil:
		return attrValue{}, fmt.Errorf("is nil, %w", errNotScalar)
	}
	// Named types and the remaining sizes, by kind.
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.String:
		return stringValue(rv.String())
	case reflect.Bool:
		return attrValue{kind: attrBool, b: rv.Bool()}, nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return intValue(rv.Int())
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		u := rv.Uint()
		if u > maxSafeInteger {
			return attrValue{}, errUnsafeInteger
		}
		return intValue(int64(u))
	case reflect.Float32:
		return float32Value(float32(rv.Float()))
	case reflect.Float64:
		return floatValue(rv.Float())
	}
	return attrValue{}, fmt.Errorf("is a %T, %w", v, errNotScalar)
}

var errUnsafeInteger = errors.New("is an integer outside ±(2^53−1), which a JSON number cannot carry exactly: send it as a string")

func stringValue(s string) (attrValue, error) {
	switch {
	case !utf8.ValidString(s):
		return attrValue{}, errors.New("is a string that is not valid UTF-8")
	case len(s) > maxAttributeString && utf8.RuneCountInString(s) > maxAttributeString:
		return attrValue{}, fmt.Errorf("is a string longer than %d characters", maxAttributeString)
	}
	return attrValue{kind: attrString, s: s}, nil
}

func intValue(n int64) (attrValue, error) {
	if n > maxSafeInteger || n < -maxSafeInteger {
		return attrValue{}, errUnsafeInteger
	}
	return attrValue{kind: attrNumber, f: float64(n)}, nil
}

func floatValue(f float64) (attrValue, error) {
	switch {
	case math.IsNaN(f):
		return attrValue{}, errors.New("is NaN, which JSON cannot carry")
	case math.IsInf(f, 0):
		return attrValue{}, errors.New("is infinite, which JSON cannot carry")
	case f == 0:
		f = 0 // -0 and 0 compare equal in every row filter; send one of them
	}
	return attrValue{kind: attrNumber, f: f}, nil
}

// float32Value takes a float32 as the decimal it prints as, which is what encoding/json would
// send for it: float32(0.1) is 0.1, not 0.10000000149011612.
func float32Value(f float32) (attrValue, error) {
	if math.IsNaN(float64(f)) || math.IsInf(float64(f), 0) {
		return floatValue(float64(f))
	}
	var buf [32]byte
	f64, _ := strconv.ParseFloat(string(strconv.AppendFloat(buf[:0], float64(f), 'g', -1, 32)), 64)
	return floatValue(f64)
}

// checkAttributeName refuses names that cannot be meant: empty, too long, broken UTF-8,
// control characters, or white space around them.
func checkAttributeName(name string) error {
	switch {
	case name == "":
		return errors.New("name is empty")
	case !utf8.ValidString(name):
		return errors.New("name is not valid UTF-8")
	case utf8.RuneCountInString(name) > maxAttributeName:
		return fmt.Errorf("name is longer than %d characters", maxAttributeName)
	}
	first, _ := utf8.DecodeRuneInString(name)
	last, _ := utf8.DecodeLastRuneInString(name)
	if unicode.IsSpace(first) || unicode.IsSpace(last) {
		return errors.New("name has leading or trailing white space")
	}
	for _, r := range name {
		if unicode.IsControl(r) {
			return errors.New("name contains a control character")
		}
	}
	return nil
}

// attribute is one name and its value, as found in an Attributes map.
type attribute struct {
	name  string
	value any
}

// sortedAttributes checks the names of attrs and returns the attributes in canonical order (by
// case-folded name, which is a total order once no two names fold to the same).
func sortedAttributes(subject string, attrs Attributes) ([]attribute, error) {
	if len(attrs) > maxAttributes {
		return nil, fmt.Errorf("%s attributes: %d of them, more than %d", subject, len(attrs), maxAttributes)
	}
	sorted := make([]attribute, 0, len(attrs))
	for name, value := range attrs {
		if err := checkAttributeName(name); err != nil {
			return nil, fmt.Errorf("%s attribute %s: %w", subject, quoteName(name), err)
		}
		sorted = append(sorted, attribute{name, value})
	}
	slices.SortFunc(sorted, func(a, b attribute) int { return compareFold(a.name, b.name) })
	for i := 1; i < len(sorted); i++ {
		if a, b := sorted[i-1].name, sorted[i].name; compareFold(a, b) == 0 {
			a, b = min(a, b), max(a, b) // the same message whatever the map's order
			return nil, fmt.Errorf("%s attributes %s and %s differ only by case: keep one", subject, quoteName(a), quoteName(b))
		}
	}
	return sorted, nil
}

// quoteName quotes a name for an error message, cut short if it is long.
func quoteName(name string) string {
	const keep = 80
	if len(name) > keep {
		cut := keep
		for cut > 0 && !utf8.RuneStart(name[cut]) {
			cut--
		}
		return strconv.Quote(name[:cut]) + "…"
	}
	return strconv.Quote(name)
}

// compareFold orders strings by their runes under Unicode simple case folding: it returns 0
// exactly when strings.EqualFold reports the two equal.
func compareFold(a, b string) int {
	for a != "" && b != "" {
		ra, na := utf8.DecodeRuneInString(a)
		rb, nb := utf8.DecodeRuneInString(b)
		if fa, fb := foldRune(ra), foldRune(rb); fa != fb {
			return cmp.Compare(fa, fb)
		}
		a, b = a[na:], b[nb:]
	}
	return cmp.Compare(len(a), len(b))
}

// foldRune returns the smallest rune of r's case-folding orbit, the same for every rune that
// strings.EqualFold would match with r.
func foldRune(r rune) rune {
	switch {
	case 'a' <= r && r <= 'z':
		return r - 'a' + 'A'
	case r < utf8.RuneSelf:
		return r
	}
	smallest := r
	for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
		smallest = min(smallest, f)
	}
	return smallest
}

// attributesBody checks attrs and returns them as the request body carries them: nil when
// there are none, so that the field is omitted.
func attributesBody(subject string, attrs Attributes) (*map[string]any, error) {
	if len(attrs) == 0 {
		return nil, nil
	}
	out := make(map[string]any, len(attrs))
	err := checkAttributes(subject, attrs, func(name string, v attrValue) { out[name] = v.wire() })
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// checkAttributes checks attrs, names first, then each value in canonical order (so that the
// error is the same whatever the map's order), and hands each value to use.
func checkAttributes(subject string, attrs Attributes, use func(name string, v attrValue)) error {
	if len(attrs) == 0 {
		return nil
	}
	sorted, err := sortedAttributes(subject, attrs)
	if err != nil {
		return err
	}
	for _, a := range sorted {
		v, err := normalizeAttribute(a.value)
		if err != nil {
			return fmt.Errorf("%s attribute %s: value %w", subject, quoteName(a.name), err)
		}
		if use != nil {
			use(a.name, v)
		}
	}
	return nil
}
