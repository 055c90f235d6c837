package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/reeflow/reeflow-go/internal/fakeoverride"
	"github.com/reeflow/reeflow-go/reeflow"
	"github.com/reeflow/reeflow-go/reeflow/reeflowtest"
)

// Against the fake, which implements openapi.yaml, every assumed type and field name is
// confirmed from its 400 bodies, and nothing is left behind.
func TestConnectionTypesConfirmedByTheFake(t *testing.T) {
	t.Parallel()
	srv := newFake(t)
	o := probeAt(context.Background(), t, srv, srv.URL, "-write")
	for id, evidence := range map[string]string{
		"connections.types":            "Reeflow accepts pg, tinybird, bigquery, snowflake",
		"connections.config.pg":        "Reeflow names database, host, port, user",
		"connections.config.tinybird":  "Reeflow names host",
		"connections.config.bigquery":  "Reeflow names location, project_id",
		"connections.config.snowflake": "Reeflow names account, database, user, warehouse",
	} {
		assert.Equal(t, Confirmed, o.rows[id].Result, "%s: %s", id, o.rows[id].Evidence)
		assert.Equal(t, evidence, o.rows[id].Evidence, id)
	}
	assert.Equal(t, `type "bigquery" takes a config with location, project_id, service_account_key (openapi.yaml's BigQueryConfig; required: location, project_id)`,
		o.rows["connections.config.bigquery"].Fact)
	assert.Equal(t, Assumed, o.rows["connections.config.bigquery"].Source)
	assert.Empty(t, srv.Connections())
	for _, r := range srv.Requests() {
		if r.Method == http.MethodPost && r.Path == "/connections" && strings.Contains(string(r.Body), `"config":{}`) {
			assert.Equal(t, http.StatusBadRequest, r.Status, "an incomplete create is refused: %s", r.Body)
		}
	}
}

// A Reeflow whose field names, type values and accepted types differ from openapi.yaml's (the
// fake's answers rewritten by the test-only override) gets contradicted rows that say how.
func TestConnectionTypesContradicted(t *testing.T) {
	t.Parallel()
	srv := newFake(t)
	url := overridden(t, srv, fakeoverride.Overrides{Respond: func(r *http.Request, resp *fakeoverride.Response) {
		if r.Method != http.MethodPost || r.URL.Path != "/connections" || resp.Status != http.StatusBadRequest {
			return
		}
		body := string(resp.Body)
		switch {
		case strings.Contains(body, "one of the following values"): // NestJS's words for another set of types
			body = `{"message":["type must be one of the following values: pg, tinybird, big_query, snowflake"],"error":"Bad Request","statusCode":400}`
		case strings.Contains(body, "config.project_id"): // a BigQuery that calls its fields otherwise
			body = `{"message":["config.credentials must be a string","config.projectId should not be empty","config.location must be a string"],"error":"Bad Request","statusCode":400}`
		case strings.Contains(body, "config.account"): // a Reeflow that calls Snowflake otherwise
			body = `{"message":["type must be one of the following values: pg, tinybird, big_query, snowflake_pat"],"error":"Bad Request","statusCode":400}`
		}
		resp.Body = []byte(body)
	}})
	o := probeAt(context.Background(), t, srv, url, "-write")
	for id, evidence := range map[string]string{
		"connections.types":            "Reeflow accepts pg, tinybird, big_query, snowflake; not bigquery",
		"connections.config.bigquery":  "Reeflow names credentials, projectId, which openapi.yaml's BigQueryConfig does not have (it has location, project_id, service_account_key)",
		"connections.config.snowflake": `Reeflow refuses the type "snowflake": 400 "type must be one of the following values: pg, tinybird, big_query, snowflake_pat"`,
	} {
		assert.Equal(t, Contradicted, o.rows[id].Result, id)
		assert.Equal(t, evidence, o.rows[id].Evidence, id)
	}
	assert.Equal(t, Confirmed, o.rows["connections.config.pg"].Result)
	assert.Equal(t, exitOK, o.code, "only assumptions were contradicted")
}

// A create that should have been refused and was not is reported, deleted, and said so.
func TestConnectionTypesUnexpectedSuccessIsDeleted(t *testing.T) {
	t.Parallel()
	srv := newFake(t)
	url := overridden(t, srv, fakeoverride.Overrides{Respond: func(r *http.Request, resp *fakeoverride.Response) {
		if r.Method == http.MethodPost && r.URL.Path == "/connections" && resp.Status == http.StatusBadRequest &&
			strings.Contains(string(resp.Body), "config.host") && !strings.Contains(string(resp.Body), "config.port") {
			// A Reeflow that takes an empty Tinybird config: the fake stores one for real.
			conn, err := srv.SeedConnection(reeflow.Connection{Name: "accepted", Config: reeflow.TinybirdConfig{Host: "h"}})
			if err != nil {
				return
			}
			resp.Status = http.StatusCreated
			resp.Body, _ = json.Marshal(conn)
		}
	}})
	o := probeAt(context.Background(), t, srv, url, "-write")
	row := o.rows["connections.config.tinybird"]
	assert.Equal(t, Contradicted, row.Result)
	assert.Regexp(t, `^a create with an empty config was accepted \(connection conn_\w+; its clean-up is reported on stderr\), though openapi.yaml requires host$`, row.Evidence)
	assert.Contains(t, o.stderr, `a create of type "tinybird" with an empty config was not refused`)
	assert.Contains(t, o.stderr, "deleted the throwaway connection conn_")
	assert.Empty(t, srv.Connections(), "nothing is left behind")
	assert.Equal(t, exitOK, o.code)
}

// A create refused for a quota is read into the quota row; the rows it made undecidable are
// inconclusive, not contradicted.
func TestQuotaRow(t *testing.T) {
	t.Parallel()
	srv := reeflowtest.NewServer(t, reeflowtest.WithoutTLS(), reeflowtest.WithQuota("connections", 1))
	_, err := srv.SeedConnection(reeflow.Connection{Name: "existing", Config: reeflow.TinybirdConfig{Host: "h"}})
	require.NoError(t, err)
	o := probeAt(context.Background(), t, srv, srv.URL, "-write")
	row := o.rows["quotas.message"]
	assert.Equal(t, Confirmed, row.Result)
	assert.Equal(t, Documented, row.Source)
	assert.Equal(t, `403 "Quota exceeded: maximum 1 connections allowed per organization (currently: 1)"; resource connections, maximum 1, currently 1`, row.Evidence)
	assert.Equal(t, Inconclusive, o.rows["connections.create"].Result, "a quota says nothing about the API's design")
	assert.Equal(t, Confirmed, o.rows["connections.config.bigquery"].Result, "validation comes before the quota")
	assert.Equal(t, exitOK, o.code)

	reworded := newFake(t)
	url := overridden(t, reworded, fakeoverride.Overrides{Respond: func(r *http.Request, resp *fakeoverride.Response) {
		if r.Method == http.MethodPost && resp.Status == http.StatusCreated {
			resp.Status, resp.Body = http.StatusForbidden, []byte(`{"message":"Quota exceeded for connections","statusCode":403,"error":"Forbidden"}`)
		}
	}})
	o = probeAt(context.Background(), t, reworded, url, "-write")
	assert.Equal(t, Contradicted, o.rows["quotas.message"].Result)
	assert.Equal(t, `403 "Quota exceeded for connections"`, o.rows["quotas.message"].Evidence, "the documented form, without its numbers")
	assert.Equal(t, exitContradicted, o.code, "the message's form is documented")
}

// TestIncompleteCreateWithoutAnAnswerIsLookedForAgain: a create of an incomplete config that
// got no usable answer may still be stored, as the lifecycle's create may: the probe looks again
// after each pause, and still absent, names it and fails the run (exit 3).
func TestIncompleteCreateWithoutAnAnswerIsLookedForAgain(t *testing.T) {
	t.Parallel()
	srv := newFake(t)
	url := overridden(t, srv, fakeoverride.Overrides{Respond: func(r *http.Request, resp *fakeoverride.Response) {
		// The fake's 400 to the empty BigQuery config (it names project_id) is lost on the way.
		if r.Method == http.MethodPost && r.URL.Path == "/connections" && resp.Status == http.StatusBadRequest &&
			strings.Contains(string(resp.Body), "project_id") {
			resp.Status, resp.Body = http.StatusGatewayTimeout, []byte(`<html>Gateway Timeout</html>`)
			resp.Header.Set("Content-Type", "text/html")
		}
	}})
	key := srv.Key()
	p, err := newProbe(config{baseURL: url, keyID: key.ID, secret: key.Secret, write: true}, io.Discard)
	require.NoError(t, err)
	t.Cleanup(p.close)
	var pauses []time.Duration
	p.sleep = func(_ context.Context, d time.Duration) error { pauses = append(pauses, d); return nil }

	p.checkConnectionTypes(context.Background())

	assert.Equal(t, recheckPauses, pauses, "it looked after every pause")
	assert.Regexp(t, `the create of the throwaway connection "reeflow-conformance-\w+ \(throwaway, safe to delete\)" got no answer`, p.leftBehind)
	assert.Contains(t, p.leftBehind, "may still create it")
	for _, row := range p.rows {
		if row.ID == "connections.config.bigquery" {
			assert.Equal(t, Inconclusive, row.Result, row.Evidence)
		}
	}
}
