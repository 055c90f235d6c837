package main

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// specDiff is how Reeflow's OpenAPI document differs from openapi.yaml, operation by
// operation; path parameters match whatever their names.
type specDiff struct {
	theirOps   int
	onlyOurs   []string // "GET /connections/{id}"
	onlyTheirs []string
	statuses   []string // "GET /connections: openapi.yaml has 404, Reeflow's has 422"
	fields     []string // "POST /sessions request: openapi.yaml has attributes, Reeflow's has …"
}

var pathParam = regexp.MustCompile(`\{[^}]*\}`)

type operation struct {
	name string // as written in its own document
	op   *openapi3.Operation
}

func operations(doc *openapi3.T) map[string]operation {
	out := map[string]operation{}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			key := method + " " + pathParam.ReplaceAllString(path, "{}")
			out[key] = operation{name: method + " " + path, op: op}
		}
	}
	return out
}

func diffSpecs(ours, theirs *openapi3.T) specDiff {
	o, t := operations(ours), operations(theirs)
	d := specDiff{theirOps: len(t)}
	for _, key := range sortedKeys(o) {
		ourOp := o[key]
		theirOp, shared := t[key]
		if !shared {
			d.onlyOurs = append(d.onlyOurs, ourOp.name)
			continue
		}
		if diff := setDiff(statusCodes(ourOp.op), statusCodes(theirOp.op)); diff != "" {
			d.statuses = append(d.statuses, ourOp.name+": "+diff)
		}
		if diff := setDiff(requestFields(ourOp.op), requestFields(theirOp.op)); diff != "" {
			d.fields = append(d.fields, ourOp.name+" request: "+diff)
		}
		for _, code := range successCodes(ourOp.op, theirOp.op) {
			if diff := setDiff(responseFields(ourOp.op, code), responseFields(theirOp.op, code)); diff != "" {
				d.fields = append(d.fields, fmt.Sprintf("%s %s response: %s", ourOp.name, code, diff))
			}
		}
	}
	for _, key := range sortedKeys(t) {
		if _, shared := o[key]; !shared {
			d.onlyTheirs = append(d.onlyTheirs, t[key].name)
		}
	}
	return d
}

func statusCodes(op *openapi3.Operation) []string {
	if op.Responses == nil {
		return nil
	}
	return sortedKeys(op.Responses.Map())
}

// successCodes are the 2xx codes both operations list.
func successCodes(a, b *openapi3.Operation) []string {
	var out []string
	for _, code := range statusCodes(a) {
		if strings.HasPrefix(code, "2") && slices.Contains(statusCodes(b), code) {
			out = append(out, code)
		}
	}
	return out
}

func requestFields(op *openapi3.Operation) []string {
	if op.RequestBody == nil || op.RequestBody.Value == nil {
		return nil
	}
	return jsonFields(op.RequestBody.Value.Content)
}

func responseFields(op *openapi3.Operation, code string) []string {
	resp := op.Responses.Value(code)
	if resp == nil || resp.Value == nil {
		return nil
	}
	return jsonFields(resp.Value.Content)
}

// jsonFields are the top-level property names of a JSON body's schema: the union over
// oneOf, anyOf and allOf, and the items' fields for an array (marked "[]").
func jsonFields(content openapi3.Content) []string {
	var mt *openapi3.MediaType
	for name, m := range content {
		if strings.Contains(name, "json") {
			mt = m
			break
		}
	}
	if mt == nil || mt.Schema == nil {
		return nil
	}
	seen := map[string]bool{}
	var walk func(s *openapi3.SchemaRef, prefix string, depth int)
	walk = func(s *openapi3.SchemaRef, prefix string, depth int) {
		if s == nil || s.Value == nil || depth > 8 {
			return
		}
		v := s.Value
		for name := range v.Properties {
			seen[prefix+name] = true
		}
		for _, group := range []openapi3.SchemaRefs{v.OneOf, v.AnyOf, v.AllOf} {
			for _, sub := range group {
				walk(sub, prefix, depth+1)
			}
		}
		if v.Items != nil && prefix == "" {
			walk(v.Items, "[].", depth+1)
		}
	}
	walk(mt.Schema, "", 0)
	return sortedKeys(seen)
}

// setDiff describes how two sorted sets differ, or returns "" when they are equal.
func setDiff(ours, theirs []string) string {
	var onlyOurs, onlyTheirs []string
	for _, s := range ours {
		if !slices.Contains(theirs, s) {
			onlyOurs = append(onlyOurs, s)
		}
	}
	for _, s := range theirs {
		if !slices.Contains(ours, s) {
			onlyTheirs = append(onlyTheirs, s)
		}
	}
	var parts []string
	if len(onlyOurs) > 0 {
		parts = append(parts, "only openapi.yaml has "+strings.Join(onlyOurs, ", "))
	}
	if len(onlyTheirs) > 0 {
		parts = append(parts, "only Reeflow's has "+strings.Join(onlyTheirs, ", "))
	}
	return strings.Join(parts, ", ")
}
