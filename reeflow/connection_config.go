package reeflow

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"unicode/utf8"

	"github.com/reeflow/reeflow-go/internal/api"
	"github.com/reeflow/reeflow-go/internal/safetext"
)

// ConnectionType is the kind of database a connection reaches. The set is open: a type this
// SDK does not know yet still decodes, with its config as an UnknownConfig.
type ConnectionType string

// Connection types this SDK knows.
const (
	ConnectionTypePostgres  ConnectionType = "pg"        // PostgreSQL (documented)
	ConnectionTypeTinybird  ConnectionType = "tinybird"  // Tinybird (the value is assumed)
	ConnectionTypeBigQuery  ConnectionType = "bigquery"  // Google BigQuery (the value is assumed)
	ConnectionTypeSnowflake ConnectionType = "snowflake" // Snowflake (the value is assumed)
)

// ConnectionConfig is the type-specific part of a connection: a PostgresConfig, a
// TinybirdConfig, a BigQueryConfig, a SnowflakeConfig or an UnknownConfig (which carries any
// other type). The set is closed.
type ConnectionConfig interface {
	ConnectionType() ConnectionType
	isConnectionConfig()
}

// PostgresConfig is the config of a PostgreSQL connection. Its JSON is Reeflow's wire format,
// password included; printing or logging it (fmt, slog) shows "[REDACTED]" for the password.
// Reeflow never returns the password.
//
// Connecting without TLS is a decision the code must show: a config with SSL false is sent only
// when InsecureNoSSL is true, so that a config that forgot SSL is refused instead of silently
// reaching the database in the clear. InsecureNoSSL is not sent; decoding a config whose "ssl" is
// false sets it, so a config read from Reeflow can be sent back as it is.
type PostgresConfig struct {
	Host     string `json:"host"`
	Port     int    `json:"port"`
	Database string `json:"database"`
	User     string `json:"user"`
	// Password is the database user's password.
	// Printing the config (any fmt verb) or logging it with slog shows "[REDACTED]" instead.
	// Not redacted: json.Marshal (the wire format), and the config inside your own struct when
	// fmt reaches it through an unexported field or slog's JSON handler encodes that struct
	// with encoding/json. Log the config itself, not a struct holding it.
	Password string `json:"password,omitempty"`
	SSL      bool   `json:"ssl"`
	// InsecureNoSSL confirms that SSL is false on purpose.
	InsecureNoSSL bool `json:"-"`
}

// ConnectionType returns ConnectionTypePostgres.
func (PostgresConfig) ConnectionType() ConnectionType { return ConnectionTypePostgres }

func (PostgresConfig) isConnectionConfig() {}

type redactedPostgresConfig PostgresConfig

// Format prints the config with its password redacted, for every verb.
func (c PostgresConfig) Format(f fmt.State, verb rune) {
	c.Password = redactNonEmpty(c.Password)
	// The other fields may come from a server: bounded, control characters escaped.
	c.Host, c.Database, c.User = safetext.Clean(c.Host, safetext.MaxMessage), safetext.Clean(c.Database, safetext.MaxMessage), safetext.Clean(c.User, safetext.MaxMessage)
	formatRedacted(f, verb, redactedPostgresConfig(c), "reeflow.redactedPostgresConfig", "reeflow.PostgresConfig")
}

// UnmarshalJSON decodes a config in Reeflow's wire format. An explicit "ssl": false sets
// InsecureNoSSL, since that is how the connection stands; a config without "ssl" (a file of your
// own, say) is left to choose, and is refused until it does.
func (c *PostgresConfig) UnmarshalJSON(b []byte) error {
	var w postgresWire
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*c = w.config()
	return nil
}

// postgresWire decodes a PostgresConfig in one scan, telling an absent "ssl" from false.
type postgresWire struct {
	Host     string  `json:"host"`
	Port     int     `json:"port"`
	Database string  `json:"database"`
	User     string  `json:"user"`
	Password string  `json:"password"`
	SSL      sslFlag `json:"ssl"`
}

func (w postgresWire) config() PostgresConfig {
	return PostgresConfig{Host: w.Host, Port: w.Port, Database: w.Database, User: w.User, Password: w.Password,
		SSL: w.SSL.value, InsecureNoSSL: w.SSL.set && !w.SSL.value}
}

// sslFlag is a JSON boolean that remembers whether it was present, without the allocation of a *bool.
type sslFlag struct{ set, value bool }

func (f *sslFlag) UnmarshalJSON(b []byte) error {
	switch string(b) {
	case "true":
		*f = sslFlag{set: true, value: true}
	case "false":
		*f = sslFlag{set: true}
	case "null":
	default:
		return errors.New(`"ssl" is not a boolean`)
	}
	return nil
}

// LogValue logs the config with its password redacted.
func (c PostgresConfig) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("host", c.Host), slog.Int("port", c.Port), slog.String("database", c.Database),
		slog.String("user", c.User), slog.String("password", redactNonEmpty(c.Password)), slog.Bool("ssl", c.SSL))
}

// TinybirdConfig is the config of a Tinybird connection (field names assumed, see docs/assumptions.md).
// Its JSON is the wire format, token included; printing or logging it (fmt, slog) shows
// "[REDACTED]" for the token. Reeflow never returns the token.
type TinybirdConfig struct {
	Host string `json:"host"`
	// Token is the Tinybird token Reeflow queries with.
	// Printing the config (any fmt verb) or logging it with slog shows "[REDACTED]" instead.
	// Not redacted: json.Marshal (the wire format), and the config inside your own struct when
	// fmt reaches it through an unexported field or slog's JSON handler encodes that struct
	// with encoding/json. Log the config itself, not a struct holding it.
	Token string `json:"token,omitempty"`
}

// ConnectionType returns ConnectionTypeTinybird.
func (TinybirdConfig) ConnectionType() ConnectionType { return ConnectionTypeTinybird }

func (TinybirdConfig) isConnectionConfig() {}

type redactedTinybirdConfig TinybirdConfig

// Format prints the config with its token redacted, for every verb.
func (c TinybirdConfig) Format(f fmt.State, verb rune) {
	c.Token = redactNonEmpty(c.Token)
	c.Host = safetext.Clean(c.Host, safetext.MaxMessage)
	formatRedacted(f, verb, redactedTinybirdConfig(c), "reeflow.redactedTinybirdConfig", "reeflow.TinybirdConfig")
}

// LogValue logs the config with its token redacted.
func (c TinybirdConfig) LogValue() slog.Value {
	return slog.GroupValue(slog.String("host", c.Host), slog.String("token", redactNonEmpty(c.Token)))
}

// BigQueryConfig is the config of a Google BigQuery connection, which Reeflow queries through
// the BigQuery REST API with a service account's JSON key (documented). The type value
// "bigquery" and the JSON field names are assumed (see docs/assumptions.md). Build one from the
// key file with BigQueryConfigFromKey, which checks the key before anything is sent.
//
// Its JSON is the wire format, key included; printing or logging it (fmt, slog) shows
// "[REDACTED]" for the key, which holds a private key. Reeflow never returns the key, so a
// config read from Reeflow has an empty ServiceAccountKey, and an update with an empty one
// keeps the stored key.
type BigQueryConfig struct {
	// ServiceAccountKey is the service account's JSON key file, as downloaded from Google Cloud:
	// it holds a private key.
	// Printing the config (any fmt verb) or logging it with slog shows "[REDACTED]" instead.
	// Not redacted: json.Marshal (the wire format), and the config inside your own struct when
	// fmt reaches it through an unexported field or slog's JSON handler encodes that struct
	// with encoding/json. Log the config itself, not a struct holding it.
	ServiceAccountKey string `json:"service_account_key,omitempty"`
	// ProjectID is the Google Cloud project the queries run in (and are billed to), such as
	// "my-gcp-project"; the Console fills it in from the key.
	ProjectID string `json:"project_id"`
	// Location is where the datasets live: a multi-region ("US", "EU") or a region ("europe-west1").
	Location string `json:"location"`
}

// ConnectionType returns ConnectionTypeBigQuery.
func (BigQueryConfig) ConnectionType() ConnectionType { return ConnectionTypeBigQuery }

func (BigQueryConfig) isConnectionConfig() {}

type redactedBigQueryConfig BigQueryConfig

// Format prints the config with its service-account key redacted, for every verb.
func (c BigQueryConfig) Format(f fmt.State, verb rune) {
	c.ServiceAccountKey = redactNonEmpty(c.ServiceAccountKey)
	c.ProjectID, c.Location = safetext.Clean(c.ProjectID, safetext.MaxMessage), safetext.Clean(c.Location, safetext.MaxMessage)
	formatRedacted(f, verb, redactedBigQueryConfig(c), "reeflow.redactedBigQueryConfig", "reeflow.BigQueryConfig")
}

// LogValue logs the config with its service-account key redacted.
func (c BigQueryConfig) LogValue() slog.Value {
	return slog.GroupValue(slog.String("service_account_key", redactNonEmpty(c.ServiceAccountKey)),
		slog.String("project_id", c.ProjectID), slog.String("location", c.Location))
}

// SnowflakeConfig is the config of a Snowflake connection, which Reeflow queries through the
// Snowflake SQL API v2 with a user's Programmatic Access Token (documented). The type value
// "snowflake" and the JSON field names are assumed (see docs/assumptions.md).
//
// Its JSON is the wire format, token included; printing or logging it (fmt, slog) shows
// "[REDACTED]" for the token. Reeflow never returns the token, so a config read from Reeflow has
// an empty Token, and an update with an empty one keeps the stored token.
type SnowflakeConfig struct {
	// Account is the account identifier, such as "myorg-myaccount" (the host name's first part
	// in https://myorg-myaccount.snowflakecomputing.com).
	Account string `json:"account"`
	// User is the user that owns the token; give it read-only privileges.
	User string `json:"user"`
	// Token is the user's Programmatic Access Token (PAT).
	// Printing the config (any fmt verb) or logging it with slog shows "[REDACTED]" instead.
	// Not redacted: json.Marshal (the wire format), and the config inside your own struct when
	// fmt reaches it through an unexported field or slog's JSON handler encodes that struct
	// with encoding/json. Log the config itself, not a struct holding it.
	Token     string   `json:"token,omitempty"`
	Warehouse string   `json:"warehouse"`
	Database  string   `json:"database"`
	Schemas   []string `json:"schemas,omitempty"`
}

// ConnectionType returns ConnectionTypeSnowflake.
func (SnowflakeConfig) ConnectionType() ConnectionType { return ConnectionTypeSnowflake }

func (SnowflakeConfig) isConnectionConfig() {}

type redactedSnowflakeConfig SnowflakeConfig

// Format prints the config with its token redacted, for every verb.
func (c SnowflakeConfig) Format(f fmt.State, verb rune) {
	c.Token = redactNonEmpty(c.Token)
	c.Account, c.User = safetext.Clean(c.Account, safetext.MaxMessage), safetext.Clean(c.User, safetext.MaxMessage)
	c.Warehouse, c.Database = safetext.Clean(c.Warehouse, safetext.MaxMessage), safetext.Clean(c.Database, safetext.MaxMessage)
	if c.Schemas != nil {
		schemas := make([]string, len(c.Schemas)) // a copy: the caller's slice is not changed
		for i, s := range c.Schemas {
			schemas[i] = safetext.Clean(s, safetext.MaxMessage)
		}
		c.Schemas = schemas
	}
	formatRedacted(f, verb, redactedSnowflakeConfig(c), "reeflow.redactedSnowflakeConfig", "reeflow.SnowflakeConfig")
}

// LogValue logs the config with its token redacted.
func (c SnowflakeConfig) LogValue() slog.Value {
	return slog.GroupValue(slog.String("account", c.Account), slog.String("user", c.User),
		slog.String("token", redactNonEmpty(c.Token)), slog.String("warehouse", c.Warehouse),
		slog.String("database", c.Database), slog.Any("schemas", c.Schemas))
}

// UnknownConfig is the config of a connection type this SDK does not know, kept as raw JSON.
// It can also create or update a connection of such a type; one whose Type is a type this SDK
// knows ("pg", say) is refused before sending, since it would skip that type's checks: use
// PostgresConfig, TinybirdConfig, BigQueryConfig or SnowflakeConfig. Its JSON is Raw, the config object
// as on the wire (the type travels beside it, in the connection); printing or logging it shows
// the type and the size of Raw, not its content, which may hold credentials.
type UnknownConfig struct {
	Type ConnectionType
	Raw  json.RawMessage
}

// ConnectionType returns the type as Reeflow sent it.
func (c UnknownConfig) ConnectionType() ConnectionType { return c.Type }

func (UnknownConfig) isConnectionConfig() {}

// Format prints the type (bounded, without control characters: the server chose it) and the
// size of the raw config.
func (c UnknownConfig) Format(f fmt.State, verb rune) {
	t := safetext.Clean(string(c.Type), safetext.MaxCode)
	if verb == 'v' && f.Flag('#') {
		fmt.Fprintf(f, "reeflow.UnknownConfig{Type:%q, Raw:[%d bytes]}", t, len(c.Raw))
		return
	}
	if f.Flag('+') {
		fmt.Fprintf(f, "{Type:%s Raw:[%d bytes]}", t, len(c.Raw))
		return
	}
	fmt.Fprintf(f, "{%s [%d bytes]}", t, len(c.Raw))
}

// MarshalJSON encodes Raw, the config object as on the wire ("null" when Raw is empty).
func (c UnknownConfig) MarshalJSON() ([]byte, error) {
	if len(c.Raw) == 0 {
		return []byte("null"), nil
	}
	return c.Raw.MarshalJSON()
}

// UnmarshalJSON keeps a copy of the raw config; the type comes from the enclosing connection.
func (c *UnknownConfig) UnmarshalJSON(b []byte) error {
	c.Raw = append(c.Raw[:0:0], b...)
	return nil
}

// LogValue logs the type and the size of the raw config.
func (c UnknownConfig) LogValue() slog.Value {
	return slog.GroupValue(slog.String("type", string(c.Type)), slog.Int("raw_bytes", len(c.Raw)))
}

// decodeConfig decodes a connection's raw config by its type.
func decodeConfig(t ConnectionType, raw json.RawMessage) (ConnectionConfig, error) {
	if len(raw) == 0 || raw[0] != '{' {
		return nil, fmt.Errorf("%s config is not a JSON object", safetext.Clean(string(t), safetext.MaxCode))
	}
	switch t {
	case ConnectionTypePostgres:
		var w postgresWire // not PostgresConfig: its UnmarshalJSON would scan the config twice
		if err := json.Unmarshal(raw, &w); err != nil {
			return nil, fmt.Errorf("pg config: %w", err)
		}
		return w.config(), nil
	case ConnectionTypeTinybird:
		var c TinybirdConfig
		if err := json.Unmarshal(raw, &c); err != nil {
			return nil, fmt.Errorf("tinybird config: %w", err)
		}
		return c, nil
	case ConnectionTypeBigQuery:
		var c BigQueryConfig
		if err := json.Unmarshal(raw, &c); err != nil {
			return nil, fmt.Errorf("bigquery config: %w", err)
		}
		return c, nil
	case ConnectionTypeSnowflake:
		var c SnowflakeConfig
		if err := json.Unmarshal(raw, &c); err != nil {
			return nil, fmt.Errorf("snowflake config: %w", err)
		}
		return c, nil
	default:
		return UnknownConfig{Type: t, Raw: raw}, nil
	}
}

// plainConfig returns cfg as one of the config values, dereferencing pointers, or an
// error that says what is wrong with it.
func plainConfig(cfg ConnectionConfig) (ConnectionConfig, error) {
	switch c := cfg.(type) {
	case nil:
		return nil, errors.New("config is nil: set a PostgresConfig, a TinybirdConfig, a BigQueryConfig, a SnowflakeConfig or an UnknownConfig")
	case *PostgresConfig:
		if c == nil {
			return nil, errors.New("config is a nil *PostgresConfig")
		}
		return plainConfig(*c)
	case *TinybirdConfig:
		if c == nil {
			return nil, errors.New("config is a nil *TinybirdConfig")
		}
		return plainConfig(*c)
	case *BigQueryConfig:
		if c == nil {
			return nil, errors.New("config is a nil *BigQueryConfig")
		}
		return plainConfig(*c)
	case *SnowflakeConfig:
		if c == nil {
			return nil, errors.New("config is a nil *SnowflakeConfig")
		}
		return plainConfig(*c)
	case *UnknownConfig:
		if c == nil {
			return nil, errors.New("config is a nil *UnknownConfig")
		}
		return plainConfig(*c)
	case PostgresConfig:
		return c, checkPostgresConfig(c)
	case TinybirdConfig:
		return c, checkOptionalText("TinybirdConfig.Token", c.Token)
	case BigQueryConfig:
		return c, checkBigQueryConfig(c)
	case SnowflakeConfig:
		return c, checkSnowflakeConfig(c)
	case UnknownConfig:
		switch {
		case c.Type == "":
			return nil, errors.New("UnknownConfig has no Type")
		case knownConfig(c.Type) != "":
			return nil, fmt.Errorf("UnknownConfig.Type is %q, a type this SDK knows: use %s, whose checks an UnknownConfig would skip", c.Type, knownConfig(c.Type))
		case len(c.Raw) == 0 || c.Raw[0] != '{' || !json.Valid(c.Raw):
			return nil, errors.New("UnknownConfig.Raw is not a JSON object")
		}
		return c, nil
	default:
		return nil, fmt.Errorf("config of type %T is not supported: use PostgresConfig, TinybirdConfig, BigQueryConfig, SnowflakeConfig or UnknownConfig", cfg)
	}
}

// knownConfig names the config type of t, or returns "" for a type this SDK does not know:
// the types decodeConfig never decodes to an UnknownConfig.
func knownConfig(t ConnectionType) string {
	switch t {
	case ConnectionTypePostgres:
		return "PostgresConfig"
	case ConnectionTypeTinybird:
		return "TinybirdConfig"
	case ConnectionTypeBigQuery:
		return "BigQueryConfig"
	case ConnectionTypeSnowflake:
		return "SnowflakeConfig"
	}
	return ""
}

func checkPostgresConfig(c PostgresConfig) error {
	switch {
	case !c.SSL && !c.InsecureNoSSL:
		return errors.New("PostgresConfig.SSL is false: set SSL to true, or InsecureNoSSL to true to let Reeflow reach the database without TLS")
	case c.SSL && c.InsecureNoSSL:
		return errors.New("PostgresConfig has both SSL and InsecureNoSSL set")
	}
	for _, f := range [...]struct{ name, value string }{
		{"PostgresConfig.Host", c.Host}, {"PostgresConfig.Database", c.Database},
		{"PostgresConfig.User", c.User}, {"PostgresConfig.Password", c.Password},
	} {
		if err := checkOptionalText(f.name, f.value); err != nil {
			return err
		}
	}
	return nil
}

// checkBigQueryConfig refuses a key that is not a service account's before it is sent; an
// empty key is allowed, for an update that keeps the stored one.
func checkBigQueryConfig(c BigQueryConfig) error {
	if c.ServiceAccountKey != "" {
		if _, err := parseServiceAccountKey([]byte(c.ServiceAccountKey)); err != nil {
			return err
		}
	}
	if err := checkOptionalText("BigQueryConfig.ProjectID", c.ProjectID); err != nil {
		return err
	}
	return checkOptionalText("BigQueryConfig.Location", c.Location)
}

func checkSnowflakeConfig(c SnowflakeConfig) error {
	for _, f := range [...]struct{ name, value string }{
		{"SnowflakeConfig.Account", c.Account}, {"SnowflakeConfig.User", c.User}, {"SnowflakeConfig.Token", c.Token},
		{"SnowflakeConfig.Warehouse", c.Warehouse}, {"SnowflakeConfig.Database", c.Database},
	} {
		if err := checkOptionalText(f.name, f.value); err != nil {
			return err
		}
	}
	for i, schema := range c.Schemas {
		if err := checkOptionalText(fmt.Sprintf("SnowflakeConfig.Schemas[%d]", i), schema); err != nil {
			return err
		}
	}
	return nil
}

// checkText refuses an empty or invalid UTF-8 text field.
func checkText(field, value string) error {
	if value == "" {
		return fmt.Errorf("%s is empty", field)
	}
	return checkOptionalText(field, value)
}

// checkOptionalText refuses invalid UTF-8, which encoding/json would silently replace with
// U+FFFD: Reeflow would store a different name or password. The error names the field, never the value.
func checkOptionalText(field, value string) error {
	if !utf8.ValidString(value) {
		return fmt.Errorf("%s is not valid UTF-8", field)
	}
	return nil
}

func (c PostgresConfig) wire() api.PostgresConfig {
	return api.PostgresConfig{Host: c.Host, Port: c.Port, Database: c.Database, User: c.User, Password: optional(c.Password), Ssl: &c.SSL}
}

func (c TinybirdConfig) wire() api.TinybirdConfig {
	return api.TinybirdConfig{Host: c.Host, Token: optional(c.Token)}
}

func (c BigQueryConfig) wire() api.BigQueryConfig {
	return api.BigQueryConfig{ServiceAccountKey: optional(c.ServiceAccountKey), ProjectId: c.ProjectID, Location: c.Location}
}

func (c SnowflakeConfig) wire() api.SnowflakeConfig {
	w := api.SnowflakeConfig{Account: c.Account, User: c.User, Token: optional(c.Token), Warehouse: c.Warehouse, Database: c.Database}
	if len(c.Schemas) > 0 {
		schemas := slices.Clone(c.Schemas)
		w.Schemas = &schemas
	}
	return w
}

// optional maps an empty string to an omitted field.
func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
