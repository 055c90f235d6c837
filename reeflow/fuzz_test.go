package reeflow_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/reeflow/reeflow-go/reeflow"
)

func FuzzParseErrorBody(f *testing.F) {
	for _, seed := range []string{
		`{"message":"Invalid API key","error":"Unauthorized","statusCode":401}`,
		`{"code":"INVALID_EXPIRATION","message":"Expiration cannot be more than 86400 seconds from now"}`,
		`{"message":["name must be a string","name should not be empty"],"error":"Bad Request","statusCode":400}`,
		``, `<html></html>`, `{"message":`, `null`, `{"message":null}`, `{"message":[1,2]}`,
	} {
		f.Add(400, []byte(seed))
	}
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		e := reeflow.ParseErrorBody(status, body)
		if e.StatusCode != status {
			t.Fatalf("status lost: %d != %d", e.StatusCode, status)
		}
		if len(e.Messages) > 0 && e.Message != strings.Join(e.Messages, "; ") {
			t.Fatalf("Message %q does not join Messages %q", e.Message, e.Messages)
		}
		_ = e.Error()
	})
}

func FuzzDecodeConfig(f *testing.F) {
	for _, seed := range []struct{ typ, raw string }{
		{"pg", `{"host":"db","port":5432,"database":"app","user":"u","ssl":true}`},
		{"tinybird", `{"host":"api.tinybird.co"}`},
		{"clickhouse", `{"account":"x"}`}, {"snowflake", `{"account":"x","schemas":["PUBLIC"]}`}, {"bigquery", `{"project_id":"p"}`},
		{"pg", `{"port":"5432"}`}, {"pg", `null`}, {"", `{}`}, {"tinybird", `[]`},
	} {
		f.Add(seed.typ, []byte(seed.raw))
	}
	f.Fuzz(func(t *testing.T, typ string, raw []byte) {
		cfg, err := reeflow.DecodeConfig(reeflow.ConnectionType(typ), json.RawMessage(raw))
		if err != nil {
			if cfg != nil {
				t.Fatal("a config with an error")
			}
			return
		}
		if cfg.ConnectionType() != reeflow.ConnectionType(typ) {
			t.Fatalf("type %q decoded as %q", typ, cfg.ConnectionType())
		}
		switch typ {
		case "pg":
			_ = cfg.(reeflow.PostgresConfig)
		case "tinybird":
			_ = cfg.(reeflow.TinybirdConfig)
		case "bigquery":
			_ = cfg.(reeflow.BigQueryConfig)
		case "snowflake":
			_ = cfg.(reeflow.SnowflakeConfig)
		default:
			if u := cfg.(reeflow.UnknownConfig); string(u.Raw) != string(raw) {
				t.Fatal("raw config altered")
			}
		}
	})
}
