package reeflow_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/reeflow/reeflow-go/reeflow"
	"github.com/reeflow/reeflow-go/reeflow/reeflowtest"
)

func TestBasicAuthMatchesCurlAndTheDocs(t *testing.T) {
	t.Parallel()
	edit, err := reeflow.BasicAuth(docKeyID, docSecret)
	require.NoError(t, err)
	req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, "https://api.reeflow.com/connections", nil)
	require.NoError(t, err)
	require.NoError(t, edit(context.Background(), req))
	assert.Equal(t, docHeader, req.Header.Get("Authorization"))
	user, pass, ok := req.BasicAuth()
	require.True(t, ok)
	assert.Equal(t, docKeyID, user)
	assert.Equal(t, docSecret, pass)
}

func TestBasicAuthSecretMayContainColon(t *testing.T) {
	t.Parallel()
	edit, err := reeflow.BasicAuth("key_x", "se:cret")
	require.NoError(t, err)
	req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, "https://api.reeflow.com/", nil)
	require.NoError(t, edit(context.Background(), req))
	_, pass, _ := req.BasicAuth()
	assert.Equal(t, "se:cret", pass)
}

func TestEditorsAndCheckResponseRefuseNil(t *testing.T) {
	t.Parallel()
	basic, err := reeflow.BasicAuth(docKeyID, docSecret)
	require.NoError(t, err)
	sign, err := reeflow.HMACAuth(docKeyID, docSecret)
	require.NoError(t, err)
	assert.Error(t, basic(context.Background(), nil))
	assert.Error(t, sign(context.Background(), nil))
	assert.Error(t, sign(context.Background(), &http.Request{}))
	assert.Error(t, reeflow.CheckResponse(nil))
}

func TestAuthModeString(t *testing.T) {
	t.Parallel()
	assert.Equal(t, "basic", reeflow.AuthBasic.String())
	assert.Equal(t, "hmac", reeflow.AuthHMAC.String())
	assert.Equal(t, "AuthMode(7)", fmt.Sprint(reeflow.AuthMode(7)))
}

// TestAuthEditorsGivenAsOptionsAreTheCredentials: the editors BasicAuth and HMACAuth make pass
// straight in as options, and authenticate instead of the client's credentials (to NewClient,
// with nothing in the environment needed; to a call, for that call only).
func TestAuthEditorsGivenAsOptionsAreTheCredentials(t *testing.T) {
	t.Parallel()
	srv := reeflowtest.NewServer(t)
	other := srv.AddKey("other")
	ctx := context.Background()
	basic, err := reeflow.BasicAuth(srv.Key().ID, srv.Key().Secret)
	require.NoError(t, err)
	signer, err := reeflow.HMACAuth(other.ID, other.Secret)
	require.NoError(t, err)
	otherBasic, err := reeflow.BasicAuth(other.ID, other.Secret)
	require.NoError(t, err)

	client, err := reeflow.NewClient(reeflow.WithBaseURL(srv.URL), reeflow.WithHTTPClient(srv.HTTPClient()), basic)
	require.NoError(t, err)
	_, err = client.Connections.List(ctx)
	require.NoError(t, err)
	_, err = client.Connections.List(ctx, reeflow.WithRequestEditor(otherBasic))
	require.NoError(t, err, "a call's auth editor replaces the client's credentials")
	_, err = client.Connections.List(ctx, signer)
	require.NoError(t, err)
	_, err = client.Connections.List(ctx)
	require.NoError(t, err)

	reqs := srv.Requests()
	require.Len(t, reqs, 4)
	for i, want := range []struct {
		key  string
		mode reeflow.AuthMode
	}{{srv.Key().ID, reeflow.AuthBasic}, {other.ID, reeflow.AuthBasic}, {other.ID, reeflow.AuthHMAC}, {srv.Key().ID, reeflow.AuthBasic}} {
		assert.Equal(t, want.key, reqs[i].KeyID, "request %d", i)
		assert.Equal(t, want.mode, reqs[i].AuthMode, "request %d", i)
	}

	hmacClient, err := reeflow.NewClient(reeflow.WithBaseURL(srv.URL), reeflow.WithHTTPClient(srv.HTTPClient()),
		reeflow.WithBasicAuth(srv.Key().ID, srv.Key().Secret), signer)
	require.NoError(t, err, "the last auth option wins")
	_, err = hmacClient.Connections.List(ctx)
	require.NoError(t, err)
	assert.Equal(t, reeflow.AuthHMAC, srv.Requests()[4].AuthMode)
}

// providerFunc is a CredentialsProvider made of a function.
type providerFunc func(context.Context) (reeflow.Credentials, error)

func (f providerFunc) Credentials(ctx context.Context) (reeflow.Credentials, error) { return f(ctx) }

// An error about what a credentials provider gave, or one it returned, carries one "reeflow: "
// prefix however deep its sentinel, and still matches it.
func TestCredentialsProviderErrorsHaveOnePrefix(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		provider providerFunc
		want     error
	}{
		"a key ID without key_": {func(context.Context) (reeflow.Credentials, error) {
			return reeflow.Credentials{KeyID: "bad", Secret: reeflow.NewSecret("s")}, nil
		}, reeflow.ErrInvalidCredentials},
		"a reeflow sentinel returned": {func(context.Context) (reeflow.Credentials, error) {
			return reeflow.Credentials{}, reeflow.ErrNoCredentials
		}, reeflow.ErrNoCredentials},
	} {
		client, rec := newRecorder(t, reply(200, `[]`), reeflow.WithCredentialsProvider(tc.provider, reeflow.AuthBasic))
		_, err := client.Connections.List(context.Background())
		require.ErrorIs(t, err, tc.want, name)
		assert.Equal(t, 1, strings.Count(err.Error(), "reeflow:"), "%s: %s", name, err)
		assert.True(t, strings.HasPrefix(err.Error(), "reeflow: list connections: authenticate: credentials provider: "), "%s: %s", name, err)
		assert.Empty(t, rec.all(), name)
	}
}
