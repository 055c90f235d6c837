package reeflowtest

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/reeflow/reeflow-go/internal/fakeapi"
	"github.com/reeflow/reeflow-go/reeflow"
)

// SeedConnection stores a connection directly, without a request: the state a test starts
// from, with the IDs and dates it chooses. c.Config is a reeflow.PostgresConfig,
// reeflow.TinybirdConfig, reeflow.BigQueryConfig or reeflow.SnowflakeConfig (or a pointer to
// one), password, token or key included (the API will not return them, as for any connection). An empty ID gets a random "conn_" one; a zero CreatedAt is the server's clock;
// a zero UpdatedAt is CreatedAt. The connection is listed after those already stored. It
// returns the connection as stored, as [Server.Connections] does.
//
// A connection the API could not have created is refused with an error that names the problem:
// a config that breaks openapi.yaml (a missing host, port 0…), an ID that does not start with
// "conn_" or is taken, an UpdatedAt before CreatedAt, a connection beyond the quota (WithQuota).
func (s *Server) SeedConnection(c reeflow.Connection) (reeflow.Connection, error) {
	if !s.created() {
		return reeflow.Connection{}, errNotCreated
	}
	conn, err := s.seededConnection(c)
	if err != nil {
		return reeflow.Connection{}, fmt.Errorf("reeflowtest: SeedConnection: %w", err)
	}
	s.state.mu.Lock()
	defer s.state.mu.Unlock()
	if conn.id == "" {
		conn.id = "conn_" + randomHex(12)
	}
	if _, taken := s.state.conns[conn.id]; taken {
		return reeflow.Connection{}, fmt.Errorf("reeflowtest: SeedConnection: connection %q already exists", conn.id)
	}
	if msg := s.state.quotaExceeded(quotaConnections, len(s.state.conns)); msg != "" {
		return reeflow.Connection{}, fmt.Errorf("reeflowtest: SeedConnection: %s", msg)
	}
	if conn.createdAt.IsZero() {
		conn.createdAt = s.state.clock().UTC()
	}
	if conn.updatedAt.IsZero() {
		conn.updatedAt = conn.createdAt
	}
	if conn.updatedAt.Before(conn.createdAt) {
		return reeflow.Connection{}, fmt.Errorf("reeflowtest: SeedConnection: UpdatedAt %s is before CreatedAt %s",
			conn.updatedAt.Format(time.RFC3339), conn.createdAt.Format(time.RFC3339))
	}
	s.state.conns[conn.id] = conn
	s.state.connOrder = append(s.state.connOrder, conn.id)
	return conn.stored(), nil
}

// seededConnection checks c against the API's own create schema and converts it.
func (s *Server) seededConnection(c reeflow.Connection) (*connection, error) {
	if c.ID != "" {
		if err := checkID("conn_", c.ID); err != nil {
			return nil, err
		}
	}
	cfg := c.Config
	switch p := cfg.(type) {
	case *reeflow.PostgresConfig:
		if p == nil {
			return nil, errors.New("the config is a nil *reeflow.PostgresConfig")
		}
		cfg = *p
	case *reeflow.TinybirdConfig:
		if p == nil {
			return nil, errors.New("the config is a nil *reeflow.TinybirdConfig")
		}
		cfg = *p
	case *reeflow.BigQueryConfig:
		if p == nil {
			return nil, errors.New("the config is a nil *reeflow.BigQueryConfig")
		}
		cfg = *p
	case *reeflow.SnowflakeConfig:
		if p == nil {
			return nil, errors.New("the config is a nil *reeflow.SnowflakeConfig")
		}
		cfg = *p
	}
	conn := &connection{id: c.ID, name: c.Name, createdAt: c.CreatedAt.UTC(), updatedAt: c.UpdatedAt.UTC()}
	var schema string
	var create any
	switch cfg := cfg.(type) {
	case reeflow.PostgresConfig:
		ssl := cfg.SSL
		conn.pg = &fakeapi.PostgresConfig{
			Host: cfg.Host, Port: cfg.Port, Database: cfg.Database, User: cfg.User, Password: optional(cfg.Password), Ssl: &ssl,
		}
		schema, create = "CreatePostgresConnection", fakeapi.CreatePostgresConnection{Name: c.Name, Type: typePostgres, Config: *conn.pg}
	case reeflow.TinybirdConfig:
		conn.tinybird = &fakeapi.TinybirdConfig{Host: cfg.Host, Token: optional(cfg.Token)}
		schema, create = "CreateTinybirdConnection", fakeapi.CreateTinybirdConnection{Name: c.Name, Type: typeTinybird, Config: *conn.tinybird}
	case reeflow.BigQueryConfig:
		conn.bigquery = &fakeapi.BigQueryConfig{ServiceAccountKey: optional(cfg.ServiceAccountKey), ProjectId: cfg.ProjectID, Location: cfg.Location}
		schema, create = "CreateBigQueryConnection", fakeapi.CreateBigQueryConnection{Name: c.Name, Type: typeBigQuery, Config: *conn.bigquery}
	case reeflow.SnowflakeConfig:
		conn.snowflake = &fakeapi.SnowflakeConfig{
			Account: cfg.Account, User: cfg.User, Token: optional(cfg.Token), Warehouse: cfg.Warehouse, Database: cfg.Database,
		}
		if cfg.Schemas != nil {
			schemas := slices.Clone(cfg.Schemas) // the caller's slice is theirs
			conn.snowflake.Schemas = &schemas
		}
		schema, create = "CreateSnowflakeConnection", fakeapi.CreateSnowflakeConnection{Name: c.Name, Type: typeSnowflake, Config: *conn.snowflake}
	case nil:
		return nil, errors.New("no config: set a reeflow.PostgresConfig, TinybirdConfig, BigQueryConfig or SnowflakeConfig")
	default:
		return nil, fmt.Errorf("a config of type %T: the fake stores PostgresConfig, TinybirdConfig, BigQueryConfig and SnowflakeConfig connections only", c.Config)
	}
	if c.Type != "" && string(c.Type) != conn.kind() {
		return nil, fmt.Errorf("type %q does not match a config of type %q", c.Type, conn.kind())
	}
	if err := s.checkSchema(schema, create); err != nil {
		return nil, err
	}
	if msg := conn.missingSecret(); msg != "" {
		return nil, errors.New(msg)
	}
	return conn, nil
}

// checkSchema validates v against a schema of openapi.yaml, so that what is seeded is what the
// API could have stored, and every response that shows it stays valid. The messages name the
// field, never its value.
func (s *Server) checkSchema(name string, v any) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return err
	}
	var value any
	if err := json.Unmarshal(raw, &value); err != nil {
		return err
	}
	if err := s.spec.Components.Schemas[name].Value.VisitJSON(value); err != nil {
		return errors.New(strings.Join(validationMessages(err), "; "))
	}
	return nil
}

// SeedAPIKey stores an API key directly, with the ID, name, state and dates k gives, such as a
// LastUsedAt for code that looks for stale keys, and a random secret. k.Enabled is taken as
// given: set it for a key that authenticates. An empty ID gets a random "key_" one; a zero
// CreatedAt is the server's clock. It returns the key with its secret, for a client.
//
// An ID that does not start with "key_" or is taken, a LastUsedAt before CreatedAt, and a key
// beyond the quota of 20 API keys (see WithQuota) are refused with an error that names the problem.
func (s *Server) SeedAPIKey(k reeflow.APIKey) (Key, error) {
	if !s.created() {
		return Key{}, errNotCreated
	}
	if k.ID != "" {
		if err := checkID("key_", k.ID); err != nil {
			return Key{}, fmt.Errorf("reeflowtest: SeedAPIKey: %w", err)
		}
	}
	s.state.mu.Lock()
	defer s.state.mu.Unlock()
	if k.ID == "" {
		k.ID = "key_" + randomHex(12)
	}
	if _, taken := s.state.keys[k.ID]; taken {
		return Key{}, fmt.Errorf("reeflowtest: SeedAPIKey: key %q already exists", k.ID)
	}
	if msg := s.state.quotaExceeded(quotaAPIKeys, len(s.state.keys)); msg != "" {
		return Key{}, fmt.Errorf("reeflowtest: SeedAPIKey: %s", msg)
	}
	if k.CreatedAt.IsZero() {
		k.CreatedAt = s.state.clock()
	}
	if k.LastUsedAt != nil && k.LastUsedAt.Before(k.CreatedAt) {
		return Key{}, fmt.Errorf("reeflowtest: SeedAPIKey: LastUsedAt %s is before CreatedAt %s",
			k.LastUsedAt.Format(time.RFC3339), k.CreatedAt.Format(time.RFC3339))
	}
	key := newAPIKey(k.ID, k.Name, randomHex(32), k.CreatedAt.UTC())
	key.enabled = k.Enabled
	if k.LastUsedAt != nil {
		used := k.LastUsedAt.UTC()
		key.lastUsedAt = &used
	}
	s.state.keys[k.ID] = key
	s.state.keyOrder = append(s.state.keyOrder, k.ID)
	return Key{ID: key.id, Secret: key.secret}, nil
}

// checkID refuses an ID that is not prefix followed by letters, digits, '_' and '-', as
// Reeflow's are: anything else would not survive a URL path unchanged.
func checkID(prefix, id string) error {
	if !strings.HasPrefix(id, prefix) || len(id) == len(prefix) {
		return fmt.Errorf("ID %q must start with %q", id, prefix)
	}
	for i := 0; i < len(id); i++ {
		if c := id[i]; (c < 'a' || c > 'z') && (c < 'A' || c > 'Z') && (c < '0' || c > '9') && c != '_' && c != '-' {
			return fmt.Errorf("ID %q may hold only letters, digits, '_' and '-'", id)
		}
	}
	return nil
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
