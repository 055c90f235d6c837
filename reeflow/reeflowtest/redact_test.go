package reeflowtest_test

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/reeflow/reeflow-go/internal/testlog"
	"github.com/reeflow/reeflow-go/reeflow/reeflowtest"
)

// keyFileOfAServiceAccount is shaped like the JSON key file Google issues for a service account, the
// credential a BigQuery connection carries. Its private key is a canary, not a key.
const keyFileOfAServiceAccount = `{
  "type": "service_account",
  "project_id": "acme-analytics",
  "private_key_id": "CANARY-KEY-ID-3f2a9c",
  "private_key": "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC-CANARY-PEM\n-----END PRIVATE KEY-----\n",
  "client_email": "reeflow@acme-analytics.iam.gserviceaccount.com",
  "client_id": "104123456789012345678",
  "auth_uri": "https://accounts.google.com/o/oauth2/auth",
  "token_uri": "https://oauth2.googleapis.com/token",
  "auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs",
  "client_x509_cert_url": "https://www.googleapis.com/robot/v1/metadata/x509/reeflow%40acme-analytics.iam.gserviceaccount.com",
  "universe_domain": "googleapis.com"
}`

// TestRequestsRedactsSecretsUnderNamesItDoesNotKnow: the requests log and the Debug log line
// redact secrets under names the fake does not model (a service-account key file, as an
// object and as a string; a Snowflake access token; key=value and URL connection strings)
// whatever their depth, in bodies and queries, and keep what identifies the account.
func TestRequestsRedactsSecretsUnderNamesItDoesNotKnow(t *testing.T) {
	t.Parallel()
	logs := &testlog.Sink{}
	srv := reeflowtest.NewServer(t, reeflowtest.WithLogger(logs.Logger()))
	srv.Handle("POST", "/warehouses", http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) }))

	body, err := json.Marshal(map[string]any{
		"name": "bq",
		"config": map[string]any{
			"service_account":      json.RawMessage(keyFileOfAServiceAccount),
			"service_account_json": keyFileOfAServiceAccount, // the same key file, as a string
			"snowflake": map[string]any{
				"account": "acme-xy12345", "user": "REEFLOW",
				"programmatic_access_token": "CANARY-PAT", "authenticator": "PROGRAMMATIC_ACCESS_TOKEN",
			},
			"api_key": "CANARY-API-KEY", "accessKey": "CANARY-ACCESS-KEY", "AWS-Secret-Access-Key": "CANARY-AWS",
			"pass": "CANARY-PASS", "db_pwd": "CANARY-PWD", "private-key-passphrase": "CANARY-PASSPHRASE",
			"dsn":      "postgres://reader:CANARY-DSN-PW@db.example.com:5432/app?sslmode=require",
			"jdbc":     "Server=db.example.com;Database=app;Uid=reader;Pwd=CANARY-ODBC;",
			"libpq":    "host=db.example.com user=reader password='CANARY LIBPQ' dbname=app",
			"replicas": []any{map[string]any{"url": "mysql://root:CANARY-REPLICA@10.0.0.2/app"}},
			"keyword":  "kept", "passthrough": true,
		},
	})
	require.NoError(t, err)
	query := url.Values{
		"api_key": {"CANARY-QUERY-KEY"},
		"db":      {"postgres://u:CANARY-QUERY-PW@h/db"},
		"page":    {"2"},
	}
	status, _, _ := raw(t, srv, "POST", "/warehouses?"+query.Encode(), string(body), basic(srv.Key()))
	require.Equal(t, http.StatusNoContent, status)

	got := srv.Requests()[0]
	printed := fmt.Sprintf("%+v %#v %s", got, got, logs.String())
	for _, secret := range []string{"CANARY", "BEGIN PRIVATE KEY"} {
		if i := strings.Index(printed, secret); i >= 0 {
			t.Errorf("%q leaked: …%s…", secret, printed[max(0, i-60):min(len(printed), i+40)])
		}
	}

	var logged struct {
		Config struct {
			ServiceAccount     map[string]any `json:"service_account"`
			ServiceAccountJSON string         `json:"service_account_json"`
			Snowflake          map[string]any
			DSN, JDBC, Libpq   string
			Replicas           []map[string]string
			Keyword            string
			Passthrough        bool
		}
	}
	require.NoError(t, json.Unmarshal(got.Body, &logged))
	c := logged.Config
	assert.Equal(t, "[REDACTED]", c.ServiceAccount["private_key"])
	assert.Equal(t, "[REDACTED]", c.ServiceAccount["private_key_id"])
	assert.Equal(t, "reeflow@acme-analytics.iam.gserviceaccount.com", c.ServiceAccount["client_email"], "who the key belongs to is kept")
	assert.Equal(t, "acme-analytics", c.ServiceAccount["project_id"])
	var nested map[string]any
	require.NoError(t, json.Unmarshal([]byte(c.ServiceAccountJSON), &nested), "a key file sent as a string stays a JSON string")
	assert.Equal(t, "[REDACTED]", nested["private_key"])
	assert.Equal(t, "service_account", nested["type"])
	assert.Equal(t, "[REDACTED]", c.Snowflake["programmatic_access_token"])
	assert.Equal(t, "REEFLOW", c.Snowflake["user"])
	assert.Equal(t, "postgres://reader:[REDACTED]@db.example.com:5432/app?sslmode=require", c.DSN, "only the password of a URL is redacted")
	assert.Equal(t, "Server=db.example.com;Database=app;Uid=reader;Pwd=[REDACTED];", c.JDBC)
	assert.Equal(t, "host=db.example.com user=reader password=[REDACTED] dbname=app", c.Libpq)
	assert.Equal(t, "mysql://root:[REDACTED]@10.0.0.2/app", c.Replicas[0]["url"])
	assert.Equal(t, "kept", c.Keyword)
	assert.True(t, c.Passthrough)

	assert.Equal(t, url.Values{
		"api_key": {"[REDACTED]"},
		"db":      {"postgres://u:[REDACTED]@h/db"},
		"page":    {"2"},
	}, got.Query)
}

// TestRequestsRedactsSecretsUnderHarmlessNames: a secret is recognised by its shape when its
// name says nothing (a PEM private key, a key file in base64, a token as a URL's user, an ODBC
// password in braces, a DSN password with a space, a key file's JSON that does not parse), and by
// the short names credentials go by (pat, pw, auth, bearer, jwt, session; sig and code in
// queries), in bodies, queries and headers; what identifies the account stays.
func TestRequestsRedactsSecretsUnderHarmlessNames(t *testing.T) {
	t.Parallel()
	srv := reeflowtest.NewServer(t)
	srv.Handle("POST", "/hooks", http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) }))
	pem := "-----BEGIN RSA PRIVATE KEY-----\nCANARY-PEM\n-----END RSA PRIVATE KEY-----\n"
	fields := map[string]any{
		"pem":     pem,
		"gcp_b64": base64.StdEncoding.EncodeToString([]byte(keyFileOfAServiceAccount)),
		"repo":    "https://CANARY-GH-TOKEN@github.com/acme/dbt.git",
		"odbc":    "Server=db;Uid=reader;PWD={abc;CANARY-ODBC};Database=app",
		"dsn":     "postgres://reader:pa ss CANARY-SPACE@db.example.com/app",
		"broken":  `{"private_key": "CANARY-BROKEN", "client_email": "sa@x",}`,
		"pat":     "CANARY-PAT", "snowflake_pat": "CANARY-PAT2", "pw": "CANARY-PW", "auth": "CANARY-AUTH",
		"bearer": "CANARY-BEARER", "jwt": "CANARY-JWT", "sessionid": "CANARY-SESSION", "passcode": "CANARY-PASSCODE",
		"ｐａｓｓｗｏｒｄ": "CANARY-FULLWIDTH",
		"path":     "/kept", "pattern": "kept", "homepage": "https://github.com/acme", "code": "kept in a body",
	}
	body, err := json.Marshal(fields)
	require.NoError(t, err)
	query := url.Values{
		"sig": {"CANARY-SIG"}, "code": {"CANARY-CODE"}, "pw": {"CANARY-QPW"}, "jwt": {"CANARY-QJWT"},
		"callback": {"https://CANARY-CB@hooks.example.com/x"}, "page": {"2"},
	}
	header := basic(srv.Key())
	header.Set("X-Auth", "CANARY-XAUTH")
	header.Set("X-Session", "CANARY-XSESSION")
	status, _, _ := raw(t, srv, "POST", "/hooks?"+query.Encode(), string(body), header)
	require.Equal(t, http.StatusNoContent, status)

	got := srv.Requests()[0]
	printed := fmt.Sprintf("%+v %s", got, got.Body)
	for _, secret := range []string{"CANARY", "PRIVATE KEY"} {
		if i := strings.Index(printed, secret); i >= 0 {
			t.Errorf("%q leaked: …%s…", secret, printed[max(0, i-60):min(len(printed), i+40)])
		}
	}
	var logged map[string]any
	require.NoError(t, json.Unmarshal(got.Body, &logged))
	assert.Equal(t, "[REDACTED]", logged["pem"])
	assert.Equal(t, "[REDACTED]", logged["gcp_b64"])
	assert.Equal(t, "https://[REDACTED]@github.com/acme/dbt.git", logged["repo"], "a URL's user alone is the credential")
	assert.Equal(t, "Server=db;Uid=reader;PWD=[REDACTED];Database=app", logged["odbc"], "a braced ODBC value ends at its brace")
	assert.Equal(t, "postgres://reader:[REDACTED]@db.example.com/app", logged["dsn"])
	assert.Equal(t, `{"private_key": "[REDACTED]", "client_email": "sa@x",}`, logged["broken"])
	for _, kept := range []string{"path", "pattern", "homepage", "code"} {
		assert.Equal(t, fields[kept], logged[kept], kept)
	}
	assert.Equal(t, "2", got.Query.Get("page"))
	assert.Equal(t, "https://[REDACTED]@hooks.example.com/x", got.Query.Get("callback"))
	assert.Equal(t, "[REDACTED]", got.Query.Get("sig"))
	assert.Equal(t, "[REDACTED]", got.Header.Get("X-Session"))
}
