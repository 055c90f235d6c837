package reeflow_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/reeflow/reeflow-go/reeflow"
)

// canaryPrivateKey is the body of the test key's private key: it must never be printed.
const canaryPrivateKey = "CANARYPRIVATEKEY0123456789"

// serviceAccountKeyJSON is shaped like the key file Google Cloud downloads for a service account.
var serviceAccountKeyJSON = `{
  "type": "service_account",
  "project_id": "my-gcp-project",
  "private_key_id": "0123456789abcdef0123456789abcdef01234567",
  "private_key": "-----BEGIN PRIVATE KEY-----\n` + canaryPrivateKey + `\n-----END PRIVATE KEY-----\n",
  "client_email": "reeflow-reader@my-gcp-project.iam.gserviceaccount.com",
  "client_id": "123456789012345678901",
  "auth_uri": "https://accounts.google.com/o/oauth2/auth",
  "token_uri": "https://oauth2.googleapis.com/token",
  "universe_domain": "googleapis.com"
}
`

func TestBigQueryConfigFromKey(t *testing.T) {
	t.Parallel()
	key := []byte(serviceAccountKeyJSON)
	cfg, err := reeflow.BigQueryConfigFromKey(key, "EU")
	require.NoError(t, err)
	assert.Equal(t, reeflow.BigQueryConfig{ServiceAccountKey: serviceAccountKeyJSON, ProjectID: "my-gcp-project", Location: "EU"}, cfg,
		"the project ID comes from the key, and the key is kept whole")
	copy(key, "XXXXXXXXXX")
	assert.Equal(t, serviceAccountKeyJSON, cfg.ServiceAccountKey, "the caller's bytes are copied")
	assert.Equal(t, reeflow.ConnectionTypeBigQuery, cfg.ConnectionType())
}

// A key that is not a service account's is refused with an error that names the problem and
// quotes none of the key.
func TestBigQueryConfigFromKeyRefusesWhatIsNotAServiceAccountKey(t *testing.T) {
	t.Parallel()
	withField := func(old, replacement string) string {
		require.Contains(t, serviceAccountKeyJSON, old)
		return strings.Replace(serviceAccountKeyJSON, old, replacement, 1)
	}
	for name, tc := range map[string]struct{ key, location, want string }{
		"empty":             {"", "EU", "service-account key is empty"},
		"a path":            {"/home/me/" + canaryPrivateKey + ".json", "EU", "not a JSON object: pass the key file's contents, not its path"},
		"broken JSON":       {`{"type": "service_account", "private_key": "` + canaryPrivateKey + `" "x"}`, "EU", "is not valid JSON (syntax error at byte"},
		"a user credential": {withField(`"type": "service_account"`, `"type": "authorized_user"`), "EU", `its "type" is not "service_account"`},
		"no type":           {withField(`"type": "service_account",`, ``), "EU", `its "type" is not "service_account"`},
		"no client_email":   {withField(`"client_email"`, `"email"`), "EU", `has no "client_email"`},
		"no private_key":    {withField(`"private_key":`, `"key":`), "EU", `has no "private_key"`},
		"not PEM":           {withField(`-----BEGIN PRIVATE KEY-----\n`, ``), "EU", `"private_key" is not a PEM private key`},
		"a number":          {withField(`"client_id": "123456789012345678901"`, `"client_id": 1, "project_id": 7`), "EU", `field "project_id" is not a string`},
		"invalid UTF-8":     {withField(`my-gcp-project.iam`, "my-gcp-project\xff.iam"), "EU", "not valid UTF-8"},
		"no project_id":     {withField(`"project_id": "my-gcp-project",`, ``), "EU", `has no "project_id"`},
		"no location":       {serviceAccountKeyJSON, " ", "location is empty"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			cfg, err := reeflow.BigQueryConfigFromKey([]byte(tc.key), tc.location)
			require.Error(t, err)
			assert.Equal(t, reeflow.BigQueryConfig{}, cfg)
			assert.Contains(t, err.Error(), tc.want)
			assert.True(t, strings.HasPrefix(err.Error(), "reeflow: "), err.Error())
			assert.NotContains(t, err.Error(), canaryPrivateKey)
			assert.NotContains(t, err.Error(), "reeflow-reader@", "no field of the key is quoted")
		})
	}
}
