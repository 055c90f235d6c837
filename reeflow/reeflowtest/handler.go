package reeflowtest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	middleware "github.com/oapi-codegen/nethttp-middleware"

	"github.com/reeflow/reeflow-go/internal/fakeapi"
)

// newHandler serves the API of openapi.yaml: requests are validated against the spec, then
// routed to the generated strict server, which calls the fake's handlers. It also returns the
// routes it serves, as net/http patterns ("GET /connections/{connection_id}"). With
// unknownFields, the fields a body's schema does not declare are dropped before validation.
func newHandler(st *state, spec *openapi3.T, unknownFields bool) (http.Handler, []string, error) {
	mux := &patternRecorder{ServeMux: http.NewServeMux()}
	mux.ServeMux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { writeRouteNotFound(w, r) })
	strict := fakeapi.NewStrictHandlerWithOptions(&api{st: st, spec: spec}, nil, fakeapi.StrictHTTPServerOptions{
		RequestErrorHandlerFunc: func(w http.ResponseWriter, _ *http.Request, _ error) {
			writeError(w, http.StatusBadRequest, "Malformed request body")
		},
		ResponseErrorHandlerFunc: func(w http.ResponseWriter, _ *http.Request, _ error) {
			writeError(w, http.StatusInternalServerError, "Internal server error")
		},
	})
	routes := fakeapi.HandlerWithOptions(strict, fakeapi.StdHTTPServerOptions{
		BaseRouter: mux,
		ErrorHandlerFunc: func(w http.ResponseWriter, _ *http.Request, err error) {
			writeValidationError(w, []string{err.Error()})
		},
	})
	validate := middleware.OapiRequestValidatorWithOptions(spec, &middleware.Options{
		DoNotValidateServers: true,
		Options: openapi3filter.Options{
			MultiError:         true,
			AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, // authenticate already ran
		},
		ErrorHandlerWithOpts: func(_ context.Context, err error, w http.ResponseWriter, r *http.Request, opts middleware.ErrorHandlerOpts) {
			if opts.MatchedRoute == nil {
				writeRouteNotFound(w, r)
				return
			}
			writeValidationError(w, validationMessages(err))
		},
	})
	validated := validate(routes)
	if unknownFields {
		router, err := gorillamux.NewRouter(spec) // after the validator dropped the servers, as its own router does
		if err != nil {
			return nil, nil, fmt.Errorf("reeflowtest: route the spec: %w", err)
		}
		validated = dropUnknownFields(router, validated)
	}
	return rejectMalformedJSON(validated), mux.patterns, nil
}

// patternRecorder is a ServeMux that remembers the patterns registered on it.
type patternRecorder struct {
	*http.ServeMux
	patterns []string
}

func (m *patternRecorder) HandleFunc(pattern string, handler func(http.ResponseWriter, *http.Request)) {
	m.patterns = append(m.patterns, pattern)
	m.ServeMux.HandleFunc(pattern, handler)
}

// rejectMalformedJSON answers a body that is not JSON at all with one message, as NestJS does,
// before schema validation would report it in its own words.
func rejectMalformedJSON(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body) // already buffered by serveHTTP
		if len(bytes.TrimSpace(body)) > 0 && !json.Valid(body) {
			writeError(w, http.StatusBadRequest, "Malformed JSON in request body")
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		next.ServeHTTP(w, r)
	})
}

// writeRouteNotFound answers like NestJS does for an unknown route.
func writeRouteNotFound(w http.ResponseWriter, r *http.Request) {
	writeError(w, http.StatusNotFound, fmt.Sprintf("Cannot %s %s", r.Method, r.URL.EscapedPath()))
}

// validationMessages turns kin-openapi's errors into one message per problem, naming the
// field; kin-openapi's reasons never quote the value, so no password is echoed.
func validationMessages(err error) []string {
	var out []string
	var walk func(error)
	walk = func(err error) {
		var multi openapi3.MultiError
		var reqErr *openapi3filter.RequestError
		var schemaErr *openapi3.SchemaError
		switch {
		case errors.As(err, &multi):
			for _, e := range multi {
				walk(e)
			}
		case errors.As(err, &schemaErr) && isUnknownDiscriminator(schemaErr):
			out = append(out, discriminatorMessage(schemaErr.Schema))
		case errors.As(err, &schemaErr):
			if field := strings.Join(schemaErr.JSONPointer(), "."); field != "" {
				out = append(out, field+": "+schemaErr.Reason)
			} else {
				out = append(out, schemaErr.Reason)
			}
		case errors.As(err, &reqErr) && reqErr.Err != nil:
			walk(reqErr.Err)
		case errors.As(err, &reqErr):
			out = append(out, reqErr.Reason)
		default:
			out = append(out, firstLine(err.Error()))
		}
	}
	walk(err)
	if len(out) == 0 {
		out = []string{"Invalid request"}
	}
	return out
}

// isUnknownDiscriminator reports whether err refuses a value of a discriminator, such as a
// connection type the spec does not have.
func isUnknownDiscriminator(err *openapi3.SchemaError) bool {
	return err.Schema != nil && err.Schema.Discriminator != nil && strings.HasSuffix(err.Reason, "has invalid value")
}

// discriminatorMessage lists the values a discriminator accepts, in the spec's order and in
// NestJS's words ("type must be one of the following values: pg, tinybird"), so that a client
// learns them from the answer, as it would from Reeflow.
func discriminatorMessage(schema *openapi3.Schema) string {
	var values []string
	for _, ref := range schema.OneOf {
		for value, target := range schema.Discriminator.Mapping {
			if target.Ref == ref.Ref {
				values = append(values, value)
			}
		}
	}
	return schema.Discriminator.PropertyName + " must be one of the following values: " + strings.Join(values, ", ")
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}
