package reeflow_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/reeflow/reeflow-go/reeflow"
)

// A POST without a body (an action such as "disable") succeeds through Client.Do: it reaches
// the server once, with an empty body and no Content-Type, and its answer is decoded (or, empty,
// leaves out unchanged). (Over HTTP/1.1 the empty body goes out chunked: the guard against
// HTTP/2 re-sends gives it a body net/http cannot rewind, whose length net/http then calls
// unknown.)
func TestDoBodylessPostSucceeds(t *testing.T) {
	t.Parallel()
	client, rec := newRecorder(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/embedded-users/u_1/disable" {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		reply(200, `{"enabled":false}`)(w, r)
	})
	ctx := context.Background()
	out := struct{ Enabled bool }{Enabled: true}
	var resp reeflow.Response
	require.NoError(t, client.Do(ctx, http.MethodPost, "embedded-users/u_1/disable", nil, &out, reeflow.WithResponseInto(&resp)))
	assert.True(t, out.Enabled, "an empty answer leaves out unchanged")
	assert.Equal(t, http.StatusNoContent, resp.StatusCode)
	assert.Equal(t, 1, resp.Attempts)

	require.NoError(t, client.Do(ctx, http.MethodPost, "embedded-users/u_1/status", nil, &out))
	assert.False(t, out.Enabled, "the answer is decoded")

	all := rec.all()
	require.Len(t, all, 2, "each call reached the server once")
	for _, got := range all {
		assert.Equal(t, http.MethodPost, got.Method)
		assert.Empty(t, got.Body)
		assert.Empty(t, got.Header.Get("Content-Type"), "no body, no Content-Type")
		assert.Equal(t, docHeader, got.Header.Get("Authorization"))
	}
}
