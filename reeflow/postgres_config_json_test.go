package reeflow_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/reeflow/reeflow-go/reeflow"
)

// A PostgresConfig read from JSON (a config file, a Connection from Reeflow) with a field of
// the wrong type is an error: taken as its zero value, "port":"5432" would connect to port 0
// and "ssl":"yes" would turn TLS off.
func TestPostgresConfigJSONWithWrongTypesIsAnError(t *testing.T) {
	t.Parallel()
	for name, config := range map[string]string{
		`"port":"5432"`:  `{"host":"db","port":"5432","database":"app","user":"u","ssl":true}`,
		`"port":5432.5`:  `{"host":"db","port":5432.5,"database":"app","user":"u","ssl":true}`,
		`"ssl":"yes"`:    `{"host":"db","port":5432,"database":"app","user":"u","ssl":"yes"}`,
		`"ssl":1`:        `{"host":"db","port":5432,"database":"app","user":"u","ssl":1}`,
		`"ssl":"true"`:   `{"host":"db","port":5432,"database":"app","user":"u","ssl":"true"}`,
		`"host":["db"]`:  `{"host":["db"],"port":5432,"database":"app","user":"u","ssl":true}`,
		`not an object`:  `["db",5432]`,
		`"ssl":"false"`:  `{"host":"db","port":5432,"database":"app","user":"u","ssl":"false"}`,
		`trailing comma`: `{"host":"db","port":5432,}`,
	} {
		var c reeflow.PostgresConfig
		err := json.Unmarshal([]byte(config), &c)
		assert.Error(t, err, "PostgresConfig from %s", name)
		if strings.HasPrefix(name, `"ssl"`) {
			assert.ErrorContains(t, err, `"ssl" is not a boolean`, name)
		}

		var conn reeflow.Connection
		err = json.Unmarshal([]byte(`{"id":"conn_1","name":"Main","type":"pg","config":`+config+`}`), &conn)
		assert.Error(t, err, "Connection with %s", name)
	}

	var c reeflow.PostgresConfig
	require.NoError(t, json.Unmarshal([]byte(`{"host":"db","port":5432,"database":"app","user":"u","ssl":false}`), &c))
	assert.Equal(t, reeflow.PostgresConfig{Host: "db", Port: 5432, Database: "app", User: "u", InsecureNoSSL: true}, c)
}
