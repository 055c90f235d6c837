package reeflow_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// An ID that starts with white space or a control character is refused like one that holds
// them further in: "\nconn_1" is a copy-paste mistake, and never leaves the client.
func TestIDStartingWithWhiteSpaceOrControlIsRefused(t *testing.T) {
	t.Parallel()
	client, rec := newRecorder(t, reply(200, pgConnectionJSON))
	ctx := context.Background()
	for _, id := range []string{"\nconn_1", " conn_1", "\tconn_1", "\x00conn_1", "\x7fconn_1", "\u00a0conn_1", "conn_\x001"} {
		_, err := client.Connections.Get(ctx, id)
		require.ErrorContains(t, err, "connection ID contains white space or a control character", "%q", id)
		require.ErrorContains(t, client.Connections.Delete(ctx, id), "connection ID contains white space or a control character", "%q", id)
		_, err = client.APIKeys.Get(ctx, id)
		require.ErrorContains(t, err, "API key ID contains white space or a control character", "%q", id)
	}
	assert.Empty(t, rec.all(), "nothing was sent")
}
