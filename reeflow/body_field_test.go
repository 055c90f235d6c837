package reeflow_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/reeflow/reeflow-go/reeflow"
)

// A field WithBodyField sets that the body already has is replaced where it stands, the first
// key of an object included: a duplicate key would leave the field to whichever copy the server
// reads. The keys are read from the raw body, since decoding into a map (or assert.JSONEq)
// keeps one copy and hides the other.
func TestWithBodyFieldReplacesAnExistingKey(t *testing.T) {
	t.Parallel()
	client, rec := newRecorder(t, reply(200, `{}`))
	nameFirst := json.RawMessage(`{"name":"old","config":{"sslmode":"disable","host":"db"},"ssl":true}`)
	configFirst := json.RawMessage(`{"config":{"sslmode":"disable","host":"db"},"ssl":true}`)
	for _, tc := range []struct {
		body        json.RawMessage
		path, value string
		want        string // the body's members, in order, as key=value
		wantConfig  string
	}{
		{nameFirst, "name", "new", `name="new" config={"sslmode":"disable","host":"db"} ssl=true`, `sslmode="disable" host="db"`},
		{nameFirst, "ssl", "x", `name="old" config={"sslmode":"disable","host":"db"} ssl="x"`, `sslmode="disable" host="db"`},
		{nameFirst, "config.sslmode", "verify-full", `name="old" config={"sslmode":"verify-full","host":"db"} ssl=true`, `sslmode="verify-full" host="db"`},
		{nameFirst, "config.host", "db2", `name="old" config={"sslmode":"disable","host":"db2"} ssl=true`, `sslmode="disable" host="db2"`},
		{configFirst, "config.sslmode", "verify-full", `config={"sslmode":"verify-full","host":"db"} ssl=true`, `sslmode="verify-full" host="db"`},
	} {
		require.NoError(t, client.Do(context.Background(), http.MethodPost, "connections", tc.body, nil,
			reeflow.WithBodyField(tc.path, tc.value)), tc.path)
		sent := rec.last(t).Body
		assert.Equal(t, tc.want, members(t, sent), "WithBodyField(%q)", tc.path)
		var top map[string]json.RawMessage
		require.NoError(t, json.Unmarshal(sent, &top))
		assert.Equal(t, tc.wantConfig, members(t, top["config"]), "WithBodyField(%q) in config", tc.path)
	}
}

// members lists the members of a JSON object in the order they were sent, duplicates included,
// as key=value with each value compacted.
func members(t *testing.T, object []byte) string {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(object))
	tok, err := dec.Token()
	require.NoError(t, err)
	require.Equal(t, json.Delim('{'), tok, "%s is an object", object)
	var out bytes.Buffer
	for dec.More() {
		key, err := dec.Token()
		require.NoError(t, err)
		var value json.RawMessage
		require.NoError(t, dec.Decode(&value))
		if out.Len() > 0 {
			out.WriteByte(' ')
		}
		out.WriteString(key.(string) + "=")
		require.NoError(t, json.Compact(&out, value))
	}
	return out.String()
}
