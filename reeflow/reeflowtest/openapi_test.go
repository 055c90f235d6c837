package reeflowtest_test

import (
	"net/http"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/reeflow/reeflow-go/reeflow/reeflowtest"
)

// TestServesItsOpenAPIDocument: like Reeflow at /openapi, the fake serves the document it
// implements, which is openapi.yaml itself.
func TestServesItsOpenAPIDocument(t *testing.T) {
	t.Parallel()
	srv := reeflowtest.NewServer(t)
	status, header, body := raw(t, srv, http.MethodGet, "/openapi", "", basic(srv.Key()))
	require.Equal(t, http.StatusOK, status, body)
	assert.Contains(t, header.Get("Content-Type"), "application/json")
	served, err := openapi3.NewLoader().LoadFromData([]byte(body))
	require.NoError(t, err)
	ours, err := openapi3.NewLoader().LoadFromFile("../../openapi.yaml")
	require.NoError(t, err)
	assert.Equal(t, ours.Info.Title, served.Info.Title)
	assert.ElementsMatch(t, ours.Paths.InMatchingOrder(), served.Paths.InMatchingOrder())

	status, _, body = raw(t, srv, http.MethodGet, "/openapi", "", nil)
	assert.Equal(t, http.StatusUnauthorized, status, body)
}
