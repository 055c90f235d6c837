package transport

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// BodyField is a field to set in a call's JSON request body: a path of object keys and the value's JSON.
type BodyField struct {
	Path  string
	keys  []string
	value json.RawMessage
}

// NewBodyField checks a WithBodyField: path names the field, with dots between nested object
// keys, and value is encoded with encoding/json (a json.RawMessage goes in as it is).
func NewBodyField(path string, value any) (BodyField, error) {
	if path == "" {
		return BodyField{}, errors.New("empty field path")
	}
	keys := strings.Split(path, ".")
	for _, k := range keys {
		if k == "" {
			return BodyField{}, fmt.Errorf("field path %q has an empty key", path)
		}
	}
	raw, err := json.Marshal(value)
	if err != nil {
		return BodyField{}, fmt.Errorf("%q: encode value: %w", path, err)
	}
	return BodyField{Path: path, keys: keys, value: raw}, nil
}

// setRequestBodyFields rewrites the request's JSON body with the fields set.
func setRequestBodyFields(req *http.Request, fields []BodyField) error {
	body, err := replayableBody(req)
	switch {
	case err != nil:
		return fmt.Errorf("WithBodyField: %w", err)
	case body == nil:
		return errors.New("WithBodyField: the request has no body")
	}
	if body, err = setBodyFields(body, fields); err != nil {
		return err
	}
	SetBody(req, body)
	return nil
}

// setBodyFields returns body, a JSON object, with each field set. Numbers and the order of the
// fields the body already had are kept as they were sent.
func setBodyFields(body []byte, fields []BodyField) ([]byte, error) {
	var root orderedObject
	if err := root.decode(body); err != nil {
		return nil, fmt.Errorf("WithBodyField: request body is not a JSON object: %w", err)
	}
	for _, f := range fields {
		if err := root.set(f.keys, f.value); err != nil {
			return nil, fmt.Errorf("WithBodyField %q: %w", f.Path, err)
		}
	}
	return root.encode(), nil
}

// orderedObject is a JSON object whose member values stay raw, in their original order, so that
// setting one field changes nothing else in the body.
type orderedObject struct {
	keys   []string
	values []json.RawMessage
}

func (o *orderedObject) decode(b []byte) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return errors.New("not an object")
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		key, _ := tok.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return err
		}
		o.keys = append(o.keys, key)
		o.values = append(o.values, v)
	}
	_, err = dec.Token()
	return err
}

func (o *orderedObject) set(keys []string, value json.RawMessage) error {
	i := o.index(keys[0])
	if len(keys) == 1 {
		if i < 0 {
			o.keys, o.values = append(o.keys, keys[0]), append(o.values, value)
		} else {
			o.values[i] = value
		}
		return nil
	}
	var child orderedObject
	if i >= 0 && !bytes.Equal(bytes.TrimSpace(o.values[i]), []byte("null")) {
		if err := child.decode(o.values[i]); err != nil {
			return fmt.Errorf("%q is not a JSON object in the body", keys[0])
		}
	}
	if err := child.set(keys[1:], value); err != nil {
		return err
	}
	if i < 0 {
		o.keys, o.values = append(o.keys, keys[0]), append(o.values, child.encode())
	} else {
		o.values[i] = child.encode()
	}
	return nil
}

func (o *orderedObject) index(key string) int {
	for i, k := range o.keys {
		if k == key {
			return i
		}
	}
	return -1
}

func (o *orderedObject) encode() []byte {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, k := range o.keys {
		if i > 0 {
			b.WriteByte(',')
		}
		key, _ := json.Marshal(k) // a string always encodes
		b.Write(key)
		b.WriteByte(':')
		b.Write(o.values[i])
	}
	b.WriteByte('}')
	return b.Bytes()
}
