package reeflowtest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/routers"
)

// WithUnknownFields makes the server accept JSON fields that openapi.yaml does not define, as
// a newer Reeflow would, instead of answering 400 "property … is unsupported". A test that sends
// a field the SDK does not model (reeflow.WithBodyField("config.sslmode", "verify-full")) can
// then check the call with [Server.Requests], which records the body as sent. The fake ignores
// such fields: it neither stores nor returns them. Every other check of the spec still applies:
// required fields, types, formats and limits.
func WithUnknownFields() Option {
	return func(c *config) error {
		c.unknownFields = true
		return nil
	}
}

// dropUnknownFields removes from each JSON request body the fields its operation's schema does
// not declare, before validation sees them. Removing them, rather than opening the schemas, keeps
// a oneOf whose members differ only by their closed field sets ("config" of an update) decidable.
func dropUnknownFields(router routers.Router, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		route, _, err := router.FindRoute(r)
		if err != nil || route.Operation.RequestBody == nil || route.Operation.RequestBody.Value == nil {
			next.ServeHTTP(w, r)
			return
		}
		media := route.Operation.RequestBody.Value.Content.Get("application/json")
		body, _ := io.ReadAll(r.Body) // already buffered by serveHTTP
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.UseNumber() // keep numbers exactly as sent
		var v any
		if media != nil && media.Schema != nil && dec.Decode(&v) == nil {
			if pruned, err := json.Marshal(prune(v, []*openapi3.SchemaRef{media.Schema})); err == nil {
				body = pruned
				r.ContentLength = int64(len(body))
			}
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		next.ServeHTTP(w, r)
	})
}

// prune removes from v the object fields that none of schemas declares, at any depth. A field
// stays when any schema that could apply (a member of a oneOf, anyOf or allOf) declares it or
// leaves its object open.
func prune(v any, schemas []*openapi3.SchemaRef) any {
	candidates := flatten(schemas)
	switch v := v.(type) {
	case map[string]any:
		open := false
		declared := map[string][]*openapi3.SchemaRef{}
		for _, s := range candidates {
			if len(s.Properties) == 0 && !s.Type.Is(openapi3.TypeObject) {
				continue // a bare combinator: its members speak for it
			}
			if s.AdditionalProperties.Has == nil || *s.AdditionalProperties.Has || s.AdditionalProperties.Schema != nil {
				open = true
			}
			for name, p := range s.Properties {
				declared[name] = append(declared[name], p)
			}
		}
		for name, field := range v {
			switch props, ok := declared[name]; {
			case ok:
				v[name] = prune(field, props)
			case !open:
				delete(v, name)
			}
		}
	case []any:
		var items []*openapi3.SchemaRef
		for _, s := range candidates {
			if s.Items != nil {
				items = append(items, s.Items)
			}
		}
		for i, item := range v {
			v[i] = prune(item, items)
		}
	}
	return v
}

// flatten lists schemas and the members of their oneOf, anyOf and allOf, at any depth.
func flatten(schemas []*openapi3.SchemaRef) []*openapi3.Schema {
	var out []*openapi3.Schema
	seen := map[*openapi3.Schema]bool{}
	var walk func(*openapi3.SchemaRef)
	walk = func(ref *openapi3.SchemaRef) {
		if ref == nil || ref.Value == nil || seen[ref.Value] {
			return
		}
		seen[ref.Value] = true
		out = append(out, ref.Value)
		for _, members := range []openapi3.SchemaRefs{ref.Value.OneOf, ref.Value.AnyOf, ref.Value.AllOf} {
			for _, m := range members {
				walk(m)
			}
		}
	}
	for _, s := range schemas {
		walk(s)
	}
	return out
}
