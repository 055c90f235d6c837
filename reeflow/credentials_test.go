package reeflow_test

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/reeflow/reeflow-go/reeflow"
)

func TestCredentialChecks(t *testing.T) {
	t.Parallel()
	const secret = "s3cr3t-CANARY-value"
	cases := []struct {
		name, id, secret, problem string
	}{
		{"empty key ID", "", secret, "API key ID is empty"},
		{"no key_ prefix", "abc123", secret, `does not start with "key_"`},
		{"swapped ID and secret", secret, "key_abc", `does not start with "key_"`},
		{"colon in key ID", "key_a:b", secret, `contains ":"`},
		{"space in key ID", "key_a b", secret, "white space"},
		{"empty secret", "key_abc", "", "secret is empty"},
		{"trailing newline", "key_abc", secret + "\n", "ends with a line break"},
		{"trailing CRLF", "key_abc", secret + "\r\n", "ends with a line break"},
		{"leading space", "key_abc", " " + secret, "starts or ends with white space"},
		{"inner tab", "key_abc", "s3cr3t\tCANARY", "contains white space or a control character"},
		{"control character", "key_abc", "s3cr3t\x00CANARY", "control character"},
		{"invalid UTF-8", "key_abc", "s3cr3t\xffCANARY", "not valid UTF-8"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			for name, build := range map[string]func() error{
				"BasicAuth":     func() error { _, err := reeflow.BasicAuth(tc.id, tc.secret); return err },
				"HMACAuth":      func() error { _, err := reeflow.HMACAuth(tc.id, tc.secret); return err },
				"WithBasicAuth": func() error { _, err := reeflow.NewClient(reeflow.WithBasicAuth(tc.id, tc.secret)); return err },
				"WithHMACAuth":  func() error { _, err := reeflow.NewClient(reeflow.WithHMACAuth(tc.id, tc.secret)); return err },
			} {
				err := build()
				require.Error(t, err, name)
				assert.ErrorIs(t, err, reeflow.ErrInvalidCredentials, name)
				assert.Contains(t, err.Error(), tc.problem, name)
				assert.NotContains(t, err.Error(), "CANARY", name)
			}
		})
	}
}

func TestCredentialsNeverSentWhenInvalid(t *testing.T) {
	t.Parallel()
	_, rec := newRecorder(t, reply(200, `[]`))
	_, err := reeflow.NewClient(reeflow.WithBaseURL("http://127.0.0.1:1"), reeflow.WithBasicAuth("key_abc", "secret\n"))
	require.ErrorIs(t, err, reeflow.ErrInvalidCredentials)
	assert.Empty(t, rec.all())
}

func TestCredentialsValidate(t *testing.T) {
	t.Parallel()
	require.NoError(t, reeflow.Credentials{KeyID: docKeyID, Secret: reeflow.NewSecret(docSecret)}.Validate())
	err := reeflow.Credentials{KeyID: docKeyID, Secret: reeflow.NewSecret(docSecret + " ")}.Validate()
	require.ErrorIs(t, err, reeflow.ErrInvalidCredentials)
	assert.False(t, strings.Contains(err.Error(), docSecret))
}

// Credentials with the ID and secret swapped never encode the secret as the key ID.
func TestSwappedCredentialsNeverEncodeTheSecret(t *testing.T) {
	t.Parallel()
	b, err := json.Marshal(reeflow.Credentials{KeyID: canarySecret, Secret: reeflow.NewSecret("key_abc")})
	require.NoError(t, err)
	assert.NotContains(t, string(b), canarySecret)
	assert.JSONEq(t, `{"KeyID":"[INVALID]","Secret":"[REDACTED]"}`, string(b))

	var logs strings.Builder
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("creds", "c", reeflow.Credentials{KeyID: canarySecret, Secret: reeflow.NewSecret("key_abc")})
	assert.NotContains(t, logs.String(), canarySecret, "nor logs it")
	assert.Contains(t, logs.String(), `"key_id":"[INVALID]"`)
}

func TestSecretIsOpaque(t *testing.T) {
	t.Parallel()
	s := reeflow.NewSecret(canarySecret)
	assert.Equal(t, canarySecret, s.Reveal())
	assert.True(t, s.Equal(reeflow.NewSecret(canarySecret)))
	assert.False(t, s.Equal(reeflow.NewSecret(canarySecret+"x")))
	assert.Empty(t, reeflow.Secret{}.Reveal())

	var c reeflow.Credentials
	err := json.Unmarshal([]byte(`{"KeyID":"key_1","Secret":"[REDACTED]"}`), &c)
	require.ErrorContains(t, err, "a Secret is not decoded from JSON")

	// A key ID that fails validation may be a secret in the wrong field: it never prints.
	swapped := reeflow.Credentials{KeyID: canarySecret, Secret: reeflow.NewSecret("key_abc")}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
		out := fmt.Sprintf(verb, swapped)
		assert.NotContains(t, out, canarySecret, verb)
		assert.Contains(t, out, "[INVALID]", verb)
	}
	assert.Contains(t, fmt.Sprintf("%v", reeflow.Credentials{KeyID: "key_ok", Secret: s}), "key_ok", "a well-formed ID still prints")
}
