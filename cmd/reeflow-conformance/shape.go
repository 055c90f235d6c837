package main

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// envelopeKeys are where a list wrapped in an object usually sits.
var envelopeKeys = []string{"data", "items", "results", "connections", "api_keys", "apiKeys", "keys"}

// listShape reads a list response: the elements, and how they came. A bare JSON array is
// what openapi.yaml assumes; an object holding one (an envelope) is reported with its keys.
func listShape(body []byte) (elems []map[string]json.RawMessage, shape string, isArray bool, err error) {
	var arr []map[string]json.RawMessage
	if err := json.Unmarshal(body, &arr); err == nil {
		return arr, fmt.Sprintf("a JSON array of %d", len(arr)), true, nil
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(body, &obj); err != nil {
		return nil, "", false, fmt.Errorf("the body is neither a JSON array nor a JSON object (%d bytes)", len(body))
	}
	shape = "a JSON object with keys " + strings.Join(sortedKeys(obj), ", ")
	for _, k := range envelopeKeys {
		if raw, ok := obj[k]; ok && json.Unmarshal(raw, &arr) == nil {
			return arr, fmt.Sprintf("%s (an envelope: %d elements under %q)", shape, len(arr), k), false, nil
		}
	}
	return nil, shape, false, nil
}

// objectShape reads a single-object response.
func objectShape(body []byte) (map[string]json.RawMessage, error) {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(body, &obj); err != nil || obj == nil {
		return nil, fmt.Errorf("the body is not a JSON object (%d bytes)", len(body))
	}
	return obj, nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// compareFields checks that every element has the wanted fields. It returns the fields some
// element lacks and the fields beyond the wanted ones, each sorted.
func compareFields(elems []map[string]json.RawMessage, want []string) (missing, extra []string) {
	seenMissing, seenExtra := map[string]bool{}, map[string]bool{}
	for _, e := range elems {
		for _, f := range want {
			if _, ok := e[f]; !ok {
				seenMissing[f] = true
			}
		}
		for f := range e {
			if !slices.Contains(want, f) {
				seenExtra[f] = true
			}
		}
	}
	return sortedKeys(seenMissing), sortedKeys(seenExtra)
}

// checkFields compares the elements' fields with the wanted ones; the evidence names fields,
// never values.
func checkFields(elems []map[string]json.RawMessage, want []string) (Result, string) {
	missing, extra := compareFields(elems, want)
	s := fmt.Sprintf("%d checked", len(elems))
	if len(missing) > 0 {
		s += "; missing: " + strings.Join(missing, ", ")
	}
	if len(extra) > 0 {
		s += "; also sent: " + strings.Join(extra, ", ")
	}
	if len(missing) > 0 {
		return Contradicted, s
	}
	return Confirmed, s
}

// secretFields are field names that would carry a credential.
var secretFields = []string{"password", "token", "secret", "api_key_secret", "apiKeySecret"}

// findSecretFields lists the paths (such as "config.password") at which a JSON value holds a
// field named like a credential, without looking at its value.
func findSecretFields(raw json.RawMessage) []string {
	var v any
	if json.Unmarshal(raw, &v) != nil {
		return nil
	}
	var out []string
	var walk func(prefix string, v any)
	walk = func(prefix string, v any) {
		switch v := v.(type) {
		case map[string]any:
			for _, k := range sortedKeys(v) {
				if slices.Contains(secretFields, k) {
					out = append(out, prefix+k)
				}
				walk(prefix+k+".", v[k])
			}
		case []any:
			for _, e := range v {
				walk(prefix, e)
			}
		}
	}
	walk("", v)
	slices.Sort(out)
	return slices.Compact(out)
}
