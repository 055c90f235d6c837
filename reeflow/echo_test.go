package reeflow_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/reeflow/reeflow-go/reeflow"
	"github.com/reeflow/reeflow-go/reeflow/reeflowtest"
)

// Tests of the redaction of credentials a server echoes in a failed response (see also
// TestEchoedCredentialsAreRedacted).

// A secret shorter than reeflow's redaction minimum is not looked for in the server's text, and
// what the SDK derives from that text (the fields, the sentinel) is read from the answer as
// received: a user testing their wrong-secret path with "secret" gets ErrInvalidAPIKeySecret and
// Reeflow's message, not "Invalid API key [REDACTED]". A secret made of JSON's syntax no longer
// makes the body unreadable either.
func TestShortSecretsLeaveTheServersWordsAlone(t *testing.T) {
	t.Parallel()
	srv := reeflowtest.NewServer(t)
	for _, secret := range []string{"secret", "key", "API", "e", `"message"`} {
		client := srv.Client(reeflow.WithBasicAuth(srv.Key().ID, secret))
		var resp reeflow.Response
		_, err := client.Connections.List(context.Background(), reeflow.WithResponseInto(&resp))
		require.ErrorIs(t, err, reeflow.ErrInvalidAPIKeySecret, "%q: %v", secret, err)
		var apiErr *reeflow.APIError
		require.ErrorAs(t, err, &apiErr, secret)
		assert.Equal(t, "Invalid API key secret", apiErr.Message, secret)
		assert.Equal(t, "Unauthorized", apiErr.Reason, secret)
		assert.Regexp(t, `^req_[0-9a-f]+$`, resp.RequestID, secret)
		assert.Equal(t, resp.RequestID, apiErr.RequestID, secret)
		if secret != `"message"` { // the body itself cannot keep both the secret out and its syntax
			assert.JSONEq(t, `{"message": "Invalid API key secret", "error": "Unauthorized", "statusCode": 401}`, string(resp.Body), secret)
		}
		assert.Equal(t, "reeflow: list connections: 401 Unauthorized: Invalid API key secret (request ID "+resp.RequestID+")",
			err.Error(), secret)
	}
}

// A longer secret that happens to be one of Reeflow's own words leaves Reeflow's wording alone:
// a sentinel's message, the status text as reason, and a quota refusal's prefix are no echo.
func TestReeflowsWordingIsNoEcho(t *testing.T) {
	t.Parallel()
	t.Run("a sentinel's message", func(t *testing.T) {
		t.Parallel()
		srv := reeflowtest.NewServer(t, reeflowtest.WithKey("key_disabled", "disabled"))
		srv.DisableKey("key_disabled")
		_, err := srv.Client().Connections.List(context.Background())
		require.ErrorIs(t, err, reeflow.ErrAPIKeyDisabled, "%v", err)
		assert.Contains(t, err.Error(), "403 Forbidden: API key is disabled")
	})
	t.Run("the reason", func(t *testing.T) {
		t.Parallel()
		srv := reeflowtest.NewServer(t)
		_, err := srv.Client(reeflow.WithBasicAuth(srv.Key().ID, "Unauthorized")).Connections.List(context.Background())
		require.ErrorIs(t, err, reeflow.ErrInvalidAPIKeySecret, "%v", err)
		var apiErr *reeflow.APIError
		require.ErrorAs(t, err, &apiErr)
		assert.Equal(t, "Unauthorized", apiErr.Reason)
	})
	t.Run("a quota refusal", func(t *testing.T) {
		t.Parallel()
		srv := reeflowtest.NewServer(t, reeflowtest.WithKey("key_quota", "exceeded:"), reeflowtest.WithQuota("connections", 0))
		_, err := srv.Client().Connections.Create(context.Background(), reeflow.CreateConnectionParams{
			Name: "Analytics", Config: reeflow.TinybirdConfig{Host: "api.tinybird.co", Token: "p.token"},
		})
		require.ErrorIs(t, err, reeflow.ErrQuotaExceeded, "%v", err)
		var quota *reeflow.QuotaError
		require.ErrorAs(t, err, &quota)
		assert.Equal(t, "connections", quota.Resource)
		assert.Equal(t, 0, quota.Maximum)
		assert.Equal(t, 0, quota.Current)
	})
}

// echoed answers status with body, having replaced in it "{value}", "{token}", "{pair}" and
// "{secret}" with the request's credentials, each passed through the form function.
func echoed(status int, body string, form func(string) string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		value := r.Header.Get("Authorization")
		token := strings.TrimPrefix(value, "Basic ")
		raw, _ := base64.StdEncoding.DecodeString(token)
		_, secret, _ := strings.Cut(string(raw), ":")
		w.WriteHeader(status)
		_, _ = w.Write([]byte(strings.NewReplacer("{value}", form(value), "{token}", form(token),
			"{pair}", form(string(raw)), "{secret}", form(secret)).Replace(body)))
	}
}

func same(s string) string { return s }

// A long secret echoed is still redacted everywhere (the minimum skips short secrets only).
func TestLongEchoedSecretIsRedacted(t *testing.T) {
	t.Parallel()
	client, _ := newRecorder(t, echoed(http.StatusUnauthorized, `{"message": "Invalid API key secret {secret}", "error": "Unauthorized"}`, same))
	var resp reeflow.Response
	_, err := client.Connections.List(context.Background(), reeflow.WithResponseInto(&resp))
	require.ErrorIs(t, err, reeflow.ErrUnauthorized)
	require.NotErrorIs(t, err, reeflow.ErrInvalidAPIKeySecret, "the message is not the documented one")
	assert.Equal(t, "reeflow: list connections: 401 Unauthorized: Invalid API key secret [REDACTED]", err.Error())
	assert.NotContains(t, string(resp.Body), docSecret)
}

// jsonGo is a string as encoding/json writes it in a JSON string ("<" as \u003c), jsonPHP as
// PHP's json_encode does ("/" as \/), and jsonBoth with both escapes.
func jsonGo(s string) string { b, _ := json.Marshal(s); return string(b[1 : len(b)-1]) }

func jsonBoth(s string) string { return strings.ReplaceAll(jsonGo(s), "/", `\/`) }

func jsonPHP(s string) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	quoted := strings.TrimSuffix(b.String(), "\n")
	return strings.ReplaceAll(quoted[1:len(quoted)-1], "/", `\/`)
}

// TestEchoEscapedAsJSONInABodyThatIsNotJSON: a raw body that is not JSON (a proxy's HTML page
// quoting a JSON object) can hold the credentials as JSON servers escape them: Go's \u003c for
// "<", PHP's \/ for "/", or both. The secret has "/" and "<", so each form differs from the
// others and from the credential as written; each is redacted from the kept bodies.
func TestEchoEscapedAsJSONInABodyThatIsNotJSON(t *testing.T) {
	t.Parallel()
	const keyID, secret = "key_abc123xyz", "a/b<c-0123456789abcdef?"
	pair := keyID + ":" + secret
	token := base64.StdEncoding.EncodeToString([]byte(pair))
	for name, form := range map[string]func(string) string{"encoding/json": jsonGo, "PHP": jsonPHP, "both": jsonBoth} {
		client, _ := newRecorder(t, echoed(http.StatusBadGateway,
			`<html><pre>{"authorization": "{value}", "token": "{token}", "pair": "{pair}", "secret": "{secret}"}</pre></html>`, form),
			reeflow.WithBasicAuth(keyID, secret), reeflow.WithMaxRetries(0))
		var resp reeflow.Response
		_, err := client.Connections.List(context.Background(), reeflow.WithResponseInto(&resp))
		var apiErr *reeflow.APIError
		require.ErrorAs(t, err, &apiErr, name)
		assert.Contains(t, string(apiErr.Body), `"authorization": "[REDACTED]"`, name)
		for what, body := range map[string][]byte{"APIError.Body": apiErr.Body, "Response.Body": resp.Body} {
			for _, c := range []string{"Basic " + token, token, pair, secret} {
				assert.NotContains(t, string(body), form(c), "%s: %s holds %q", name, what, form(c))
			}
		}
	}
}
