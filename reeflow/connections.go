package reeflow

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/reeflow/reeflow-go/internal/api"
)

// Connection is a database connection of the organization. Reeflow never returns its
// password or token.
type Connection struct {
	ID        string
	Name      string
	Type      ConnectionType
	Config    ConnectionConfig // PostgresConfig, TinybirdConfig or UnknownConfig
	CreatedAt time.Time
	UpdatedAt time.Time
}

type connectionFields Connection

// Format prints the connection; its config prints without password or token.
func (c Connection) Format(f fmt.State, verb rune) {
	formatRedacted(f, verb, connectionFields(c), "reeflow.connectionFields", "reeflow.Connection")
}

// connectionWire is a connection as sent on the wire, with its config still raw until the type is known.
type connectionWire struct {
	ID        string          `json:"id"`
	Name      string          `json:"name"`
	Type      ConnectionType  `json:"type"`
	Config    json.RawMessage `json:"config"`
	CreatedAt time.Time       `json:"created_at"`
	UpdatedAt time.Time       `json:"updated_at"`
}

// UnmarshalJSON decodes a connection as Reeflow returns it, its config by its type. A
// connection without an ID, a type or a config object is an error, never a half-filled value.
// The services call it on the response body directly, which scans the body once rather than
// twice through json.Unmarshal.
func (c *Connection) UnmarshalJSON(b []byte) error {
	var w connectionWire
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	return w.decode(c)
}

// decode checks w and stores it in c with its config decoded by type.
func (w *connectionWire) decode(c *Connection) error {
	switch {
	case w.ID == "":
		return errors.New("connection has no id")
	case w.Type == "":
		return fmt.Errorf("connection %s has no type", w.ID)
	}
	cfg, err := decodeConfig(w.Type, w.Config)
	if err != nil {
		return fmt.Errorf("connection %s: %w", w.ID, err)
	}
	*c = Connection{ID: w.ID, Name: w.Name, Type: w.Type, Config: cfg, CreatedAt: w.CreatedAt, UpdatedAt: w.UpdatedAt}
	return nil
}

// decodeConnections decodes a list in one pass over the wire form, then each config by its
// type, rather than going through Connection.UnmarshalJSON, which would scan each element twice.
func decodeConnections(out *[]Connection) func([]byte) error {
	return func(b []byte) error {
		var wires []connectionWire
		if err := decodeList(&wires)(b); err != nil {
			return err
		}
		conns := make([]Connection, len(wires))
		for i := range wires {
			if err := wires[i].decode(&conns[i]); err != nil {
				return fmt.Errorf("connection %d: %w", i, err)
			}
		}
		*out = conns
		return nil
	}
}

// CreateConnectionParams are the fields of a new connection. Config's type decides the
// connection's type.
type CreateConnectionParams struct {
	Name   string
	Config ConnectionConfig
}

// UpdateConnectionParams are the fields to change; nil fields are left unchanged. A Config
// replaces the stored one, except that an empty Password or Token keeps the stored secret.
type UpdateConnectionParams struct {
	Name   *string
	Config ConnectionConfig
}

type createConnectionFields CreateConnectionParams

// Format prints the parameters; the config prints without password or token.
func (p CreateConnectionParams) Format(f fmt.State, verb rune) {
	formatRedacted(f, verb, createConnectionFields(p), "reeflow.createConnectionFields", "reeflow.CreateConnectionParams")
}

type updateConnectionFields UpdateConnectionParams

// Format prints the parameters; the config prints without password or token.
func (p UpdateConnectionParams) Format(f fmt.State, verb rune) {
	formatRedacted(f, verb, updateConnectionFields(p), "reeflow.updateConnectionFields", "reeflow.UpdateConnectionParams")
}

// ConnectionsService manages the organization's database connections.
type ConnectionsService struct{ c *client }

var (
	opListConnections  = operation{name: "list connections", retry: retryIdempotent}
	opGetConnection    = operation{name: "get connection", retry: retryIdempotent}
	opCreateConnection = operation{name: "create connection", retry: retryUnsent}
	opUpdateConnection = operation{name: "update connection", retry: retryIdempotent}
	opDeleteConnection = operation{name: "delete connection", retry: retryIdempotent}
)

// List returns every connection: GET /connections.
func (s *ConnectionsService) List(ctx context.Context, editors ...RequestEditorFn) ([]Connection, error) {
	var out []Connection
	err := s.c.do(ctx, opListConnections, func(base string) (*http.Request, error) {
		return api.NewListConnectionsRequest(base)
	}, editors, decodeConnections(&out))
	return out, err
}

// Get returns one connection: GET /connections/{id}. An unknown ID gives an error matching ErrNotFound.
func (s *ConnectionsService) Get(ctx context.Context, id string, editors ...RequestEditorFn) (*Connection, error) {
	if err := checkID(opGetConnection, "connection", id); err != nil {
		return nil, err
	}
	out := new(Connection)
	err := s.c.do(ctx, opGetConnection, func(base string) (*http.Request, error) {
		return api.NewGetConnectionRequest(base, id)
	}, editors, out.UnmarshalJSON)
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Create creates a connection: POST /connections. It is retried only when the request
// provably never reached Reeflow, so that a connection is never created twice.
func (s *ConnectionsService) Create(ctx context.Context, p CreateConnectionParams, editors ...RequestEditorFn) (*Connection, error) {
	body, err := createConnectionBody(p)
	if err != nil {
		return nil, opError(opCreateConnection, err)
	}
	out := new(Connection)
	err = s.c.do(ctx, opCreateConnection, func(base string) (*http.Request, error) {
		return api.NewCreateConnectionRequest(base, body)
	}, editors, out.UnmarshalJSON)
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Update changes the fields of p that are set: PATCH /connections/{id}. Only those fields are sent.
func (s *ConnectionsService) Update(ctx context.Context, id string, p UpdateConnectionParams, editors ...RequestEditorFn) (*Connection, error) {
	if err := checkID(opUpdateConnection, "connection", id); err != nil {
		return nil, err
	}
	body, err := updateConnectionBody(p)
	if err != nil {
		return nil, opError(opUpdateConnection, err)
	}
	out := new(Connection)
	err = s.c.do(ctx, opUpdateConnection, func(base string) (*http.Request, error) {
		return api.NewUpdateConnectionRequest(base, id, body)
	}, editors, out.UnmarshalJSON)
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Delete deletes a connection: DELETE /connections/{id}.
func (s *ConnectionsService) Delete(ctx context.Context, id string, editors ...RequestEditorFn) error {
	if err := checkID(opDeleteConnection, "connection", id); err != nil {
		return err
	}
	return s.c.do(ctx, opDeleteConnection, func(base string) (*http.Request, error) {
		return api.NewDeleteConnectionRequest(base, id)
	}, editors, nil)
}

func createConnectionBody(p CreateConnectionParams) (api.CreateConnectionRequest, error) {
	var body api.CreateConnectionRequest
	if p.Name == "" {
		return body, errors.New("name is empty")
	}
	cfg, err := plainConfig(p.Config)
	if err != nil {
		return body, err
	}
	// The generated From… methods of a discriminated union marshal the value and then merge the
	// discriminator in through a generic JSON merge that costs more than the rest of the request;
	// these values carry their type already, so their JSON is stored in the union as it is.
	switch cfg := cfg.(type) {
	case PostgresConfig:
		return body, setUnion(&body, api.CreatePostgresConnection{Name: p.Name, Type: api.CreatePostgresConnectionTypePg, Config: cfg.wire()})
	case TinybirdConfig:
		return body, setUnion(&body, api.CreateTinybirdConnection{Name: p.Name, Type: api.CreateTinybirdConnectionTypeTinybird, Config: cfg.wire()})
	case UnknownConfig:
		return body, setUnion(&body, struct {
			Name   string          `json:"name"`
			Type   ConnectionType  `json:"type"`
			Config json.RawMessage `json:"config"`
		}{p.Name, cfg.Type, cfg.Raw})
	}
	return body, nil
}

// setUnion stores the JSON of v in a generated union type.
func setUnion(union json.Unmarshaler, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return union.UnmarshalJSON(b)
}

func updateConnectionBody(p UpdateConnectionParams) (api.UpdateConnectionRequest, error) {
	var body api.UpdateConnectionRequest
	if p.Name == nil && p.Config == nil {
		return body, errors.New("nothing to update: set Name or Config")
	}
	if p.Name != nil {
		if *p.Name == "" {
			return body, errors.New("name is empty")
		}
		body.Name = p.Name
	}
	if p.Config == nil {
		return body, nil
	}
	cfg, err := plainConfig(p.Config)
	if err != nil {
		return body, err
	}
	body.Config = new(api.ConnectionConfig)
	switch cfg := cfg.(type) {
	case PostgresConfig:
		return body, body.Config.FromPostgresConfig(cfg.wire())
	case TinybirdConfig:
		return body, body.Config.FromTinybirdConfig(cfg.wire())
	case UnknownConfig:
		return body, body.Config.UnmarshalJSON(cfg.Raw)
	}
	return body, nil
}

// plainConfig returns cfg as one of the three config values, dereferencing pointers, or an
// error that says what is wrong with it.
func plainConfig(cfg ConnectionConfig) (ConnectionConfig, error) {
	switch c := cfg.(type) {
	case nil:
		return nil, errors.New("config is nil: set a PostgresConfig, a TinybirdConfig or an UnknownConfig")
	case *PostgresConfig:
		if c == nil {
			return nil, errors.New("config is a nil *PostgresConfig")
		}
		return *c, nil
	case *TinybirdConfig:
		if c == nil {
			return nil, errors.New("config is a nil *TinybirdConfig")
		}
		return *c, nil
	case *UnknownConfig:
		if c == nil {
			return nil, errors.New("config is a nil *UnknownConfig")
		}
		return plainConfig(*c)
	case PostgresConfig, TinybirdConfig:
		return c, nil
	case UnknownConfig:
		switch {
		case c.Type == "":
			return nil, errors.New("UnknownConfig has no Type")
		case len(c.Raw) == 0 || c.Raw[0] != '{' || !json.Valid(c.Raw):
			return nil, errors.New("UnknownConfig.Raw is not a JSON object")
		}
		return c, nil
	default:
		return nil, fmt.Errorf("config of type %T is not supported: use PostgresConfig, TinybirdConfig or UnknownConfig", cfg)
	}
}

func (c PostgresConfig) wire() api.PostgresConfig {
	return api.PostgresConfig{Host: c.Host, Port: c.Port, Database: c.Database, User: c.User, Password: optional(c.Password), Ssl: &c.SSL}
}

func (c TinybirdConfig) wire() api.TinybirdConfig {
	return api.TinybirdConfig{Host: c.Host, Token: optional(c.Token)}
}

// optional maps an empty string to an omitted field.
func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
