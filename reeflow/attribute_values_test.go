package reeflow_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/reeflow/reeflow-go/reeflow"
)

// A json.Number is taken for the number it spells or refused: one that looks like an integer
// but does not parse must never reach a row filter as 0.
func TestJSONNumberAttributeThatDoesNotParseIsRefused(t *testing.T) {
	t.Parallel()
	client, rec := newRecorder(t, reply(201, `{"token":"eyJ.a.b","expires_at":"2026-11-27T10:00:00Z"}`))
	for _, n := range []string{"12a", "0x10", "1_000", "+-1", ""} {
		params := reeflow.CreateSessionParams{UserID: "u", UserAttributes: reeflow.Attributes{"tenant": json.Number(n)}}
		_, err := client.Sessions.Create(context.Background(), params)
		require.ErrorContains(t, err, `user attribute "tenant": value is a json.Number that does not parse as a number`, "%q", n)
		require.ErrorContains(t, params.Validate(), "does not parse", "%q", n)
	}
	assert.Empty(t, rec.all(), "nothing was sent")

	_, err := client.Sessions.Create(context.Background(), reeflow.CreateSessionParams{UserID: "u",
		UserAttributes: reeflow.Attributes{"tenant": json.Number("12"), "score": json.Number("1.5e1")}})
	require.NoError(t, err)
	var body struct {
		User struct {
			Attributes map[string]json.RawMessage `json:"attributes"`
		} `json:"user"`
	}
	require.NoError(t, json.Unmarshal(rec.last(t).Body, &body))
	assert.Equal(t, map[string]json.RawMessage{"tenant": json.RawMessage("12"), "score": json.RawMessage("15")}, body.User.Attributes)
}

// A long attribute name of broken UTF-8 is an error that quotes a bounded part of it, whatever
// its bytes: the cut for the message must not run off the start of the name.
func TestLongInvalidUTF8AttributeNameIsAnError(t *testing.T) {
	t.Parallel()
	client, rec := newRecorder(t, reply(201, `{"token":"eyJ.a.b","expires_at":"2026-11-27T10:00:00Z"}`))
	for _, name := range []string{strings.Repeat("\x80", 200), "\xff" + strings.Repeat("\xbf", 120), strings.Repeat("é", 40) + "\xff"} {
		params := reeflow.CreateSessionParams{UserID: "u", UserAttributes: reeflow.Attributes{name: "x"}}
		var err error
		require.NotPanics(t, func() { _, err = client.Sessions.Create(context.Background(), params) }, "%q", name)
		require.ErrorContains(t, err, "name is not valid UTF-8", "%q", name)
		assert.Less(t, len(err.Error()), 200, "the name is quoted in part: %v", err)
		require.NotPanics(t, func() { err = params.Validate() }, "%q", name)
		require.ErrorContains(t, err, "name is not valid UTF-8", "%q", name)
	}
	assert.Empty(t, rec.all(), "nothing was sent")
}
