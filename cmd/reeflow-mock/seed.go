package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/reeflow/reeflow-go/reeflow"
)

// seedFile is the format of -seed: the connections the fake starts with, as the API shows them
// plus their secrets, which the fake keeps as if they had been sent on create.
//
//	{"connections": [
//	  {"id": "conn_demo", "name": "Demo", "type": "pg",
//	   "config": {"host": "localhost", "port": 5432, "database": "app", "user": "app", "password": "…", "ssl": false},
//	   "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z"},
//	  {"name": "Events", "type": "tinybird", "config": {"host": "api.tinybird.co", "token": "…"}}
//	]}
//
// id, created_at and updated_at are optional (a random ID, the time of start). Unknown fields
// are errors, so that a misspelt "pasword" is not silently dropped.
type seedFile struct {
	Connections []seedConnection `json:"connections"`
}

type seedConnection struct {
	ID        string          `json:"id"`
	Name      string          `json:"name"`
	Type      string          `json:"type"`
	Config    json.RawMessage `json:"config"`
	CreatedAt time.Time       `json:"created_at"`
	UpdatedAt time.Time       `json:"updated_at"`
}

type seedPostgresConfig struct {
	Host     string `json:"host"`
	Port     int    `json:"port"`
	Database string `json:"database"`
	User     string `json:"user"`
	Password string `json:"password"`
	SSL      bool   `json:"ssl"`
}

type seedTinybirdConfig struct {
	Host  string `json:"host"`
	Token string `json:"token"`
}

// readSeed reads a -seed file. Its errors name the file and the connection, never a password
// or token.
func readSeed(path string) ([]reeflow.Connection, error) {
	raw, err := os.ReadFile(path) //nolint:gosec // the operator names the file on the command line
	if err != nil {
		return nil, fmt.Errorf("-seed: %w", err)
	}
	var file seedFile
	if err := decodeStrict(raw, &file); err != nil {
		return nil, fmt.Errorf("-seed %s: %w", path, err)
	}
	out := make([]reeflow.Connection, 0, len(file.Connections))
	for i, c := range file.Connections {
		conn, err := c.connection()
		if err != nil {
			return nil, fmt.Errorf("-seed %s: connection %d (%q): %w", path, i+1, c.Name, err)
		}
		out = append(out, conn)
	}
	return out, nil
}

func (c seedConnection) connection() (reeflow.Connection, error) {
	conn := reeflow.Connection{ID: c.ID, Name: c.Name, Type: reeflow.ConnectionType(c.Type), CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt}
	if len(c.Config) == 0 {
		return conn, errors.New("no config")
	}
	switch conn.Type {
	case reeflow.ConnectionTypePostgres:
		var cfg seedPostgresConfig
		if err := decodeStrict(c.Config, &cfg); err != nil {
			return conn, fmt.Errorf("config: %w", err)
		}
		conn.Config = reeflow.PostgresConfig{Host: cfg.Host, Port: cfg.Port, Database: cfg.Database, User: cfg.User, Password: cfg.Password, SSL: cfg.SSL}
	case reeflow.ConnectionTypeTinybird:
		var cfg seedTinybirdConfig
		if err := decodeStrict(c.Config, &cfg); err != nil {
			return conn, fmt.Errorf("config: %w", err)
		}
		conn.Config = reeflow.TinybirdConfig{Host: cfg.Host, Token: cfg.Token}
	default:
		return conn, fmt.Errorf("type %q: use %q or %q", c.Type, reeflow.ConnectionTypePostgres, reeflow.ConnectionTypeTinybird)
	}
	return conn, nil
}

// decodeStrict decodes one JSON value, refusing unknown fields and trailing data. The errors of
// encoding/json name fields and types, and quote at most one offending character of a string.
func decodeStrict(raw []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("trailing data after the JSON value")
	}
	return nil
}
