package reeflow_test

import (
	"context"
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/reeflow/reeflow-go/reeflow"
)

type plan string

type tier uint8

func TestSessionAttributesOnTheWire(t *testing.T) {
	t.Parallel()
	client, rec := newRecorder(t, reply(201, `{"token":"eyJ.x.y","expires_at":"2026-11-27T10:00:00Z"}`))
	_, err := client.Sessions.Create(context.Background(), reeflow.CreateSessionParams{
		UserID: "user_1",
		UserAttributes: reeflow.Attributes{
			"region": "eu", "plan": plan("pro"), "admin": false, "level": 3, "tier": tier(2),
			"ratio": float32(0.1), "score": 2.5, "big": int64(1<<53 - 1), "negative_zero": math.Copysign(0, -1),
			"number": json.Number("12.50"),
		},
		OrganizationID:         "org_1",
		OrganizationAttributes: reeflow.Attributes{"country": "FR", "seats": uint16(40)},
	})
	require.NoError(t, err)
	assert.JSONEq(t, `{
		"user": {"id": "user_1", "attributes": {
			"region": "eu", "plan": "pro", "admin": false, "level": 3, "tier": 2,
			"ratio": 0.1, "score": 2.5, "big": 9007199254740991, "negative_zero": 0, "number": 12.5}},
		"organization": {"id": "org_1", "attributes": {"country": "FR", "seats": 40}}
	}`, string(rec.last(t).Body))
	assert.Contains(t, string(rec.last(t).Body), `"ratio":0.1,`, "a float32 goes as the decimal it prints as")
	assert.Contains(t, string(rec.last(t).Body), `"negative_zero":0,`, "-0 goes as 0")

	_, err = client.Sessions.Create(context.Background(), reeflow.CreateSessionParams{
		UserID: "user_1", UserAttributes: reeflow.Attributes{}, OrganizationAttributes: reeflow.Attributes{},
	})
	require.NoError(t, err)
	assert.JSONEq(t, `{"user": {"id": "user_1"}}`, string(rec.last(t).Body), "empty attributes are omitted")
}

// canaryValue stands for an attribute value that must not appear in an error.
const canaryValue = "CANARYVALUE-4f1c"

func TestBadSessionAttributesAreRefusedBeforeSending(t *testing.T) {
	t.Parallel()
	client, rec := newRecorder(t, reply(201, `{"token":"eyJ.x.y","expires_at":"2026-11-27T10:00:00Z"}`))
	tooMany := reeflow.Attributes{}
	for i := range 65 {
		tooMany[strings.Repeat("a", i+1)] = canaryValue
	}
	user := func(attrs reeflow.Attributes) reeflow.CreateSessionParams {
		return reeflow.CreateSessionParams{UserID: "u", UserAttributes: attrs}
	}
	canaryPtr := canaryValue
	cases := []struct {
		name   string
		params reeflow.CreateSessionParams
		want   string
	}{
		{"empty name", user(reeflow.Attributes{"": canaryValue}), `user attribute "": name is empty`},
		{"leading space", user(reeflow.Attributes{" region": canaryValue}), `user attribute " region": name has leading or trailing white space`},
		{"trailing tab", user(reeflow.Attributes{"region\t": canaryValue}), `name has leading or trailing white space`},
		{"control character", user(reeflow.Attributes{"re\x00gion": canaryValue}), `name contains a control character`},
		{"broken UTF-8 name", user(reeflow.Attributes{"re\xffgion": canaryValue}), `name is not valid UTF-8`},
		{"name too long", user(reeflow.Attributes{strings.Repeat("n", 65): canaryValue}), `name is longer than 64 characters`},
		{"too many", user(tooMany), `user attributes: 65 of them, more than 64`},
		{"names differing by case", user(reeflow.Attributes{"Region": canaryValue, "region": canaryValue}), `user attributes "Region" and "region" differ only by case`},
		{"names differing by Unicode case", user(reeflow.Attributes{"straße": 1, "STRAßE": 2}), `differ only by case`},
		{"nil", user(reeflow.Attributes{"region": nil}), `user attribute "region": value is nil, not a string, number or boolean`},
		{"slice", user(reeflow.Attributes{"regions": []string{canaryValue}}), `user attribute "regions": value is a []string, not a string, number or boolean`},
		{"map", user(reeflow.Attributes{"nested": map[string]any{"x": canaryValue}}), `value is a map[string]interface {}, not a string`},
		{"time", user(reeflow.Attributes{"since": time.Now()}), `value is a time.Time, not a string`},
		{"pointer", user(reeflow.Attributes{"region": &canaryPtr}), `value is a *string, not a string`},
		{"NaN", user(reeflow.Attributes{"score": math.NaN()}), `user attribute "score": value is NaN`},
		{"+Inf", user(reeflow.Attributes{"score": math.Inf(1)}), `value is infinite`},
		{"float32 -Inf", user(reeflow.Attributes{"score": float32(math.Inf(-1))}), `value is infinite`},
		{"integer beyond 2^53", user(reeflow.Attributes{"id": int64(1 << 53)}), `user attribute "id": value is an integer outside ±(2^53−1)`},
		{"uint64 max", user(reeflow.Attributes{"id": uint64(math.MaxUint64)}), `outside ±(2^53−1)`},
		{"json.Number integer beyond 2^53", user(reeflow.Attributes{"id": json.Number("9007199254740993")}), `user attribute "id": value is an integer outside ±(2^53−1)`},
		{"json.Number beyond int64", user(reeflow.Attributes{"id": json.Number("99999999999999999999999")}), `outside ±(2^53−1)`},
		{"json.Number not a number", user(reeflow.Attributes{"n": json.Number(canaryValue)}), `value is a json.Number that does not parse`},
		{"broken UTF-8 value", user(reeflow.Attributes{"region": canaryValue + "\xff"}), `user attribute "region": value is a string that is not valid UTF-8`},
		{"value too long", user(reeflow.Attributes{"region": canaryValue + strings.Repeat("é", 1024)}), `value is a string longer than 1024 characters`},
		{"organization attributes without an organization", reeflow.CreateSessionParams{UserID: "u", OrganizationAttributes: reeflow.Attributes{"country": canaryValue}},
			`OrganizationAttributes are set but OrganizationID is empty`},
		{"bad organization attribute", reeflow.CreateSessionParams{UserID: "u", OrganizationID: "o", OrganizationAttributes: reeflow.Attributes{"seats": math.NaN()}},
			`organization attribute "seats": value is NaN`},
	}
	for _, tc := range cases {
		_, err := client.Sessions.Create(context.Background(), tc.params)
		require.Error(t, err, tc.name)
		assert.Contains(t, err.Error(), tc.want, tc.name)
		assert.True(t, strings.HasPrefix(err.Error(), "reeflow: create session: "), "%s: %v", tc.name, err)
		assert.NotContains(t, err.Error(), canaryValue, "%s: an error never quotes a value", tc.name)
		verr := tc.params.Validate()
		require.Error(t, verr, "%s: Validate refuses what Create refuses", tc.name)
		assert.Contains(t, verr.Error(), tc.want, tc.name)
		assert.NotContains(t, verr.Error(), canaryValue, tc.name)
	}
	assert.Empty(t, rec.all(), "nothing was sent")

	long := strings.Repeat("ü", 64)
	_, err := client.Sessions.Create(context.Background(), user(reeflow.Attributes{long: strings.Repeat("é", 1024), "x": int8(-128)}))
	require.NoError(t, err, "64-character names and 1,024-character values are within the limits")
}

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
