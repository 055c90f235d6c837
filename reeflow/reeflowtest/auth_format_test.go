package reeflowtest_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/reeflow/reeflow-go/reeflow"
)

// TestHMACSignatureMustBeLowerCaseHex: a signature in upper-case hex, or of the wrong length,
// is a malformed HMAC header ("Invalid HMAC auth format"), not a wrong signature; the same
// signature in lower case is accepted.
func TestHMACSignatureMustBeLowerCaseHex(t *testing.T) {
	t.Parallel()
	srv, _ := newServer(t)
	key := srv.Key()
	sign, err := reeflow.HMACAuth(key.ID, key.Secret)
	require.NoError(t, err)
	withSignature := func(edit func(string) string) reeflow.RequestEditorFn {
		return func(ctx context.Context, r *http.Request) error {
			if err := sign(ctx, r); err != nil {
				return err
			}
			r.Header.Set("X-API-Signature", edit(r.Header.Get("X-API-Signature")))
			return nil
		}
	}
	status, _ := send(t, srv, withSignature(func(s string) string { return s }), "GET", "/connections", "")
	require.Equal(t, http.StatusOK, status, "the signature as the SDK writes it")
	for name, edit := range map[string]func(string) string{
		"upper case": strings.ToUpper,
		"too short":  func(s string) string { return s[:63] },
		"not hex":    func(s string) string { return "g" + s[1:] },
	} {
		status, body := send(t, srv, withSignature(edit), "GET", "/connections", "")
		assert.Equal(t, http.StatusUnauthorized, status, name)
		assert.JSONEq(t, `{"message":"Invalid HMAC auth format","error":"Unauthorized","statusCode":401}`, body, name)
	}
}

// TestMissingRequiredBodyIsABadRequest: a POST without the body its route requires gets a 400
// whose message says so, never a 500.
func TestMissingRequiredBodyIsABadRequest(t *testing.T) {
	t.Parallel()
	srv, _ := newServer(t)
	for _, path := range []string{"/sessions", "/connections"} {
		status, _, body := raw(t, srv, "POST", path, "", basic(srv.Key()))
		assert.Equal(t, http.StatusBadRequest, status, path)
		var got struct {
			Message    any
			StatusCode int
		}
		require.NoError(t, json.Unmarshal([]byte(body), &got), body)
		assert.NotEmpty(t, got.Message, path)
		assert.Equal(t, http.StatusBadRequest, got.StatusCode, path)
	}
}

// TestRequestsKeepNumbersAsSent: the requests log keeps every number with the digits it was
// sent with: a 20-digit ID is not rounded through float64, 1.50 is not shortened to 1.5.
func TestRequestsKeepNumbersAsSent(t *testing.T) {
	t.Parallel()
	srv, _ := newServer(t)
	srv.Handle("POST", "/numbers", http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) }))
	status, _, _ := raw(t, srv, "POST", "/numbers", `{"id":12345678901234567890,"price":1.50,"exp":1e3,"neg":-0}`, basic(srv.Key()))
	require.Equal(t, http.StatusNoContent, status)
	assert.Equal(t, `{"exp":1e3,"id":12345678901234567890,"neg":-0,"price":1.50}`, string(srv.Requests()[0].Body))
}
