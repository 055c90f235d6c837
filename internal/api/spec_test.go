package api_test

import (
	"context"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func loadSpec(t *testing.T) *openapi3.T {
	t.Helper()
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromFile("../../openapi.yaml")
	require.NoError(t, err)
	require.NoError(t, doc.Validate(context.Background()))
	return doc
}

func TestSpecIsValidOpenAPI303(t *testing.T) {
	t.Parallel()
	doc := loadSpec(t)
	assert.Equal(t, "3.0.3", doc.OpenAPI)
}

// TestEveryOperationSaysWhereItComesFrom keeps assumptions from passing as Reeflow's documented behaviour.
func TestEveryOperationSaysWhereItComesFrom(t *testing.T) {
	t.Parallel()
	doc := loadSpec(t)
	want := map[string]bool{
		"GET /connections": true, "POST /connections": true,
		"GET /connections/{connection_id}": true, "PATCH /connections/{connection_id}": true, "DELETE /connections/{connection_id}": true,
		"POST /sessions": true, "GET /api-keys": true, "GET /api-keys/{api_key_id}": true,
		"GET /openapi": true,
	}
	got := map[string]bool{}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			name := method + " " + path
			got[name] = true
			source, ok := op.Extensions["x-reeflow-source"]
			require.True(t, ok, "%s has no x-reeflow-source", name)
			assert.Contains(t, []any{"documented", "assumed"}, source, name)
			if source == "assumed" {
				assert.True(t, strings.Contains(op.Description, "ssumed"), "%s: the description must say what is assumed", name)
			}
			assert.NotEmpty(t, op.OperationID, name)
		}
	}
	assert.Equal(t, want, got)
}

func TestSecuritySchemes(t *testing.T) {
	t.Parallel()
	doc := loadSpec(t)
	require.Len(t, doc.Security, 2, "Basic or HMAC, either one satisfies an operation")
	assert.Contains(t, doc.Security[0], "basicAuth")
	assert.ElementsMatch(t, []string{"hmacKey", "hmacTimestamp", "hmacSignature"}, keys(doc.Security[1]))
	assert.Equal(t, "X-API-Key", doc.Components.SecuritySchemes["hmacKey"].Value.Name)
	assert.Equal(t, "X-API-Timestamp", doc.Components.SecuritySchemes["hmacTimestamp"].Value.Name)
	assert.Equal(t, "X-API-Signature", doc.Components.SecuritySchemes["hmacSignature"].Value.Name)
}

func TestSecretsAreWriteOnlyAndDiscriminatorsMapped(t *testing.T) {
	t.Parallel()
	doc := loadSpec(t)
	schemas := doc.Components.Schemas
	assert.True(t, schemas["PostgresConfig"].Value.Properties["password"].Value.WriteOnly)
	assert.True(t, schemas["TinybirdConfig"].Value.Properties["token"].Value.WriteOnly)
	assert.True(t, schemas["BigQueryConfig"].Value.Properties["service_account_key"].Value.WriteOnly)
	assert.True(t, schemas["SnowflakeConfig"].Value.Properties["token"].Value.WriteOnly)
	for _, name := range []string{"Connection", "CreateConnectionRequest"} {
		d := schemas[name].Value.Discriminator
		require.NotNil(t, d, name)
		assert.Equal(t, "type", d.PropertyName)
		assert.ElementsMatch(t, []string{"pg", "tinybird", "bigquery", "snowflake"}, keys(d.Mapping), name)
	}
	// The names the docs do not show are marked as this SDK's assumption.
	for _, name := range []string{"BigQueryConfig", "SnowflakeConfig"} {
		assert.Equal(t, "assumed", schemas[name].Value.Extensions["x-reeflow-source"], name)
		assert.Contains(t, schemas[name].Value.Description, "Assumed:", name)
	}
}

func TestErrorBodyAcceptsTheThreeDocumentedShapes(t *testing.T) {
	t.Parallel()
	doc := loadSpec(t)
	schema := doc.Components.Schemas["ErrorResponse"].Value
	for _, body := range []map[string]any{
		{"message": "API key is disabled", "statusCode": 403.0, "error": "Forbidden"},
		{"code": "INVALID_EXPIRATION", "message": "Expiration cannot be more than 86400 seconds from now"},
		{"message": []any{"name must be a string", "name should not be empty"}, "error": "Bad Request", "statusCode": 400.0},
	} {
		assert.NoError(t, schema.VisitJSON(body))
	}
	assert.Error(t, schema.VisitJSON(map[string]any{"message": 42.0}))
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
