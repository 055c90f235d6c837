package reeflow

import (
	"encoding/json"
	"fmt"
	"log/slog"
)

// ConnectionType is the kind of database a connection reaches. The set is open: a type this
// SDK does not know yet still decodes, with its config as an UnknownConfig.
type ConnectionType string

// Connection types this SDK knows.
const (
	ConnectionTypePostgres ConnectionType = "pg"       // PostgreSQL (documented)
	ConnectionTypeTinybird ConnectionType = "tinybird" // Tinybird (the value is assumed)
)

// ConnectionConfig is the type-specific part of a connection: a PostgresConfig, a
// TinybirdConfig or an UnknownConfig.
type ConnectionConfig interface {
	ConnectionType() ConnectionType
}

// PostgresConfig is the config of a PostgreSQL connection. Password is sent when creating or
// updating a connection and is never returned by Reeflow; printing or logging a PostgresConfig
// shows "[REDACTED]" in its place.
type PostgresConfig struct {
	Host     string `json:"host"`
	Port     int    `json:"port"`
	Database string `json:"database"`
	User     string `json:"user"`
	Password string `json:"password,omitempty"`
	SSL      bool   `json:"ssl"`
}

// ConnectionType returns ConnectionTypePostgres.
func (PostgresConfig) ConnectionType() ConnectionType { return ConnectionTypePostgres }

type redactedPostgresConfig PostgresConfig

// Format prints the config with its password redacted, for every verb.
func (c PostgresConfig) Format(f fmt.State, verb rune) {
	c.Password = redactNonEmpty(c.Password)
	formatRedacted(f, verb, redactedPostgresConfig(c), "reeflow.redactedPostgresConfig", "reeflow.PostgresConfig")
}

// MarshalJSON encodes the config with its password redacted, so that logging or storing a
// config as JSON cannot leak it. Requests to Reeflow are encoded separately and do carry it.
func (c PostgresConfig) MarshalJSON() ([]byte, error) {
	c.Password = redactNonEmpty(c.Password)
	return json.Marshal(redactedPostgresConfig(c))
}

// LogValue logs the config with its password redacted.
func (c PostgresConfig) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("host", c.Host), slog.Int("port", c.Port), slog.String("database", c.Database),
		slog.String("user", c.User), slog.String("password", redactNonEmpty(c.Password)), slog.Bool("ssl", c.SSL))
}

// TinybirdConfig is the config of a Tinybird connection (field names assumed, see the README).
// Token is sent when creating or updating and never returned; printing or logging a
// TinybirdConfig shows "[REDACTED]" in its place.
type TinybirdConfig struct {
	Host  string `json:"host"`
	Token string `json:"token,omitempty"`
}

// ConnectionType returns ConnectionTypeTinybird.
func (TinybirdConfig) ConnectionType() ConnectionType { return ConnectionTypeTinybird }

type redactedTinybirdConfig TinybirdConfig

// Format prints the config with its token redacted, for every verb.
func (c TinybirdConfig) Format(f fmt.State, verb rune) {
	c.Token = redactNonEmpty(c.Token)
	formatRedacted(f, verb, redactedTinybirdConfig(c), "reeflow.redactedTinybirdConfig", "reeflow.TinybirdConfig")
}

// MarshalJSON encodes the config with its token redacted; requests to Reeflow still carry it.
func (c TinybirdConfig) MarshalJSON() ([]byte, error) {
	c.Token = redactNonEmpty(c.Token)
	return json.Marshal(redactedTinybirdConfig(c))
}

// LogValue logs the config with its token redacted.
func (c TinybirdConfig) LogValue() slog.Value {
	return slog.GroupValue(slog.String("host", c.Host), slog.String("token", redactNonEmpty(c.Token)))
}

// UnknownConfig is the config of a connection type this SDK does not know, kept as raw JSON.
// It can also create or update a connection of such a type. Printing or logging it shows the
// type and the size of Raw, not its content, which may hold credentials.
type UnknownConfig struct {
	Type ConnectionType
	Raw  json.RawMessage
}

// ConnectionType returns the type as Reeflow sent it.
func (c UnknownConfig) ConnectionType() ConnectionType { return c.Type }

// Format prints the type and the size of the raw config.
func (c UnknownConfig) Format(f fmt.State, verb rune) {
	if verb == 'v' && f.Flag('#') {
		fmt.Fprintf(f, "reeflow.UnknownConfig{Type:%q, Raw:[%d bytes]}", c.Type, len(c.Raw))
		return
	}
	if f.Flag('+') {
		fmt.Fprintf(f, "{Type:%s Raw:[%d bytes]}", c.Type, len(c.Raw))
		return
	}
	fmt.Fprintf(f, "{%s [%d bytes]}", c.Type, len(c.Raw))
}

// MarshalJSON encodes the type and the size of the raw config, not its content; requests to
// Reeflow still carry the content.
func (c UnknownConfig) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Type     ConnectionType `json:"type"`
		RawBytes int            `json:"raw_bytes"`
	}{c.Type, len(c.Raw)})
}

// LogValue logs the type and the size of the raw config.
func (c UnknownConfig) LogValue() slog.Value {
	return slog.GroupValue(slog.String("type", string(c.Type)), slog.Int("raw_bytes", len(c.Raw)))
}

// decodeConfig decodes a connection's raw config by its type.
func decodeConfig(t ConnectionType, raw json.RawMessage) (ConnectionConfig, error) {
	if len(raw) == 0 || raw[0] != '{' {
		return nil, fmt.Errorf("%s config is not a JSON object", t)
	}
	switch t {
	case ConnectionTypePostgres:
		var c PostgresConfig
		if err := json.Unmarshal(raw, &c); err != nil {
			return nil, fmt.Errorf("pg config: %w", err)
		}
		return c, nil
	case ConnectionTypeTinybird:
		var c TinybirdConfig
		if err := json.Unmarshal(raw, &c); err != nil {
			return nil, fmt.Errorf("tinybird config: %w", err)
		}
		return c, nil
	default:
		return UnknownConfig{Type: t, Raw: raw}, nil
	}
}
