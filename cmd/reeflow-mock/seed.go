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
//	  {"name": "Events", "type": "tinybird", "config": {"host": "api.tinybird.co", "token": "…"}},
//	  {"name": "Warehouse", "type": "bigquery", "config": {"service_account_key": {…the key file…}, "location": "EU"}},
//	  {"name": "Snow", "type": "snowflake", "config": {"account": "myorg-myaccount", "user": "READER",
//	   "token": "…", "warehouse": "WH", "database": "DB", "schemas": ["PUBLIC"]}}
//	]}
//
// A BigQuery "service_account_key" is the key file pasted as it is (a JSON object) or as a JSON
// string, as the API takes it; it is checked as BigQueryConfigFromKey does, and "project_id"
// defaults to the key's.
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

type seedBigQueryConfig struct {
	ServiceAccountKey json.RawMessage `json:"service_account_key"`
	ProjectID         string          `json:"project_id"`
	Location          string          `json:"location"`
}

// config checks the key and fills in the project ID from it unless the file gives one.
func (c seedBigQueryConfig) config() (reeflow.BigQueryConfig, error) {
	key := []byte(c.ServiceAccountKey)
	var s string
	if json.Unmarshal(key, &s) == nil {
		key = []byte(s)
	}
	if len(c.ServiceAccountKey) == 0 {
		return reeflow.BigQueryConfig{ProjectID: c.ProjectID, Location: c.Location}, nil // SeedConnection names what is missing
	}
	cfg, err := reeflow.BigQueryConfigFromKey(key, c.Location)
	if err != nil {
		return cfg, err
	}
	if c.ProjectID != "" {
		cfg.ProjectID = c.ProjectID
	}
	return cfg, nil
}

type seedSnowflakeConfig struct {
	Account   string   `json:"account"`
	User      string   `json:"user"`
	Token     string   `json:"token"`
	Warehouse string   `json:"warehouse"`
	Database  string   `json:"database"`
	Schemas   []string `json:"schemas"`
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
	case reeflow.ConnectionTypeBigQuery:
		var cfg seedBigQueryConfig
		if err := decodeStrict(c.Config, &cfg); err != nil {
			return conn, fmt.Errorf("config: %w", err)
		}
		bq, err := cfg.config()
		if err != nil {
			return conn, fmt.Errorf("config: %w", err)
		}
		conn.Config = bq
	case reeflow.ConnectionTypeSnowflake:
		var cfg seedSnowflakeConfig
		if err := decodeStrict(c.Config, &cfg); err != nil {
			return conn, fmt.Errorf("config: %w", err)
		}
		conn.Config = reeflow.SnowflakeConfig(cfg)
	default:
		return conn, fmt.Errorf("type %q: use %q, %q, %q or %q", c.Type, reeflow.ConnectionTypePostgres, reeflow.ConnectionTypeTinybird,
			reeflow.ConnectionTypeBigQuery, reeflow.ConnectionTypeSnowflake)
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
