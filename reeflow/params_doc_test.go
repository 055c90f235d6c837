package reeflow_test

import (
	"bytes"
	"context"
	"encoding/json"
	"go/doc"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/reeflow/reeflow-go/reeflow"
)

// Each params type documents, in go doc, the JSON body its method sends for an example value.
// This test sends the same value and compares the body on the wire with the documented JSON,
// byte for byte once the documented JSON is compacted: the doc cannot drift from the code.
func TestParamsDocumentTheirWireBody(t *testing.T) {
	t.Parallel()
	docs := typeDocs(t)
	ctx := context.Background()
	cases := map[string]func(*reeflow.Client) error{
		"CreateSessionParams": func(c *reeflow.Client) error {
			_, err := c.Sessions.Create(ctx, reeflow.CreateSessionParams{
				UserID:                 "user_42",
				UserAttributes:         reeflow.Attributes{"tenant_id": "t_1", "max_rows": 500},
				OrganizationID:         "org_7",
				OrganizationAttributes: reeflow.Attributes{"plan": "pro"},
				Expiration:             time.Date(2026, 11, 26, 13, 0, 0, 0, time.UTC),
			})
			return err
		},
		"CreateConnectionParams": func(c *reeflow.Client) error {
			_, err := c.Connections.Create(ctx, reeflow.CreateConnectionParams{
				Name: "Analytics",
				Config: reeflow.PostgresConfig{
					Host: "db.example.com", Port: 5432, Database: "app",
					User: "reeflow_ro", Password: "s3cret", SSL: true,
				},
			})
			return err
		},
		"UpdateConnectionParams": func(c *reeflow.Client) error {
			name := "Analytics (replica)"
			_, err := c.Connections.Update(ctx, "conn_1", reeflow.UpdateConnectionParams{
				Name:   &name,
				Config: reeflow.TinybirdConfig{Host: "api.tinybird.co"},
			})
			return err
		},
	}
	for typeName := range docs {
		if strings.HasSuffix(typeName, "Params") {
			assert.Contains(t, cases, typeName, "every params type documents its wire body")
		}
	}
	for typeName, call := range cases {
		client, rec := newRecorder(t, func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/sessions" {
				reply(201, `{"token":"t","expires_at":"2026-11-26T13:00:00Z"}`)(w, r)
				return
			}
			reply(200, pgConnectionJSON)(w, r)
		})
		require.NoError(t, call(client), typeName)
		documented := documentedBody(t, docs[typeName])
		var want bytes.Buffer
		require.NoError(t, json.Compact(&want, []byte(documented)), "%s documents invalid JSON:\n%s", typeName, documented)
		assert.Equal(t, want.String(), string(rec.last(t).Body), "the wire body of %s differs from its doc", typeName)
	}
}

// typeDocs returns the doc comment of every type of package reeflow, from its source.
func typeDocs(t *testing.T) map[string]string {
	t.Helper()
	fset, files := parsePackage(t)
	pkg, err := doc.NewFromFiles(fset, files, "github.com/reeflow/reeflow-go/reeflow")
	require.NoError(t, err)
	docs := map[string]string{}
	for _, typ := range pkg.Types {
		docs[typ.Name] = typ.Doc
	}
	return docs
}

// documentedBody returns the code block that follows the line "is sent as:" in a doc comment.
func documentedBody(t *testing.T, text string) string {
	t.Helper()
	_, after, found := strings.Cut(text, "is sent as:\n")
	require.True(t, found, "the doc has no \"is sent as:\" block:\n%s", text)
	var block []string
	for _, line := range strings.Split(strings.TrimLeft(after, "\n"), "\n") {
		if !strings.HasPrefix(line, "\t") {
			break
		}
		block = append(block, line)
	}
	return strings.Join(block, "\n")
}
