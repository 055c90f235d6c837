package reeflow

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/reeflow/reeflow-go/internal/api"
	"github.com/reeflow/reeflow-go/internal/safetext"
	"github.com/reeflow/reeflow-go/internal/transport"
)

// Connection is a database connection of the organization. Its JSON is Reeflow's wire format
// and round-trips without loss; Reeflow never returns a password or token in it.
type Connection struct {
	ID        string
	Name      string
	Type      ConnectionType
	Config    ConnectionConfig // PostgresConfig, TinybirdConfig, BigQueryConfig, SnowflakeConfig or UnknownConfig
	CreatedAt time.Time
	UpdatedAt time.Time
}

type connectionFields Connection

// Format prints the connection; its config prints without password or token, and the text
// fields the server chose are bounded and printed without control characters.
func (c Connection) Format(f fmt.State, verb rune) {
	c.ID, c.Name, c.Type = safetext.Clean(c.ID, safetext.MaxID), safetext.Clean(c.Name, safetext.MaxMessage), ConnectionType(safetext.Clean(string(c.Type), safetext.MaxCode))
	formatRedacted(f, verb, connectionFields(c), "reeflow.connectionFields", "reeflow.Connection")
}

// LogValue logs the connection; its config logs without password or token.
func (c Connection) LogValue() slog.Value {
	return slog.GroupValue(slog.String("id", c.ID), slog.String("name", c.Name), slog.String("type", string(c.Type)),
		slog.Any("config", c.Config), slog.Time("created_at", c.CreatedAt), slog.Time("updated_at", c.UpdatedAt))
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

// MarshalJSON encodes the connection as Reeflow does: snake_case fields, the config under
// "config" in its own wire format.
func (c Connection) MarshalJSON() ([]byte, error) {
	w := connectionWire{ID: c.ID, Name: c.Name, Type: c.Type, CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt}
	if c.Config != nil {
		raw, err := json.Marshal(c.Config)
		if err != nil {
			return nil, fmt.Errorf("connection %s: config: %w", c.ID, err)
		}
		w.Config = raw
	}
	return json.Marshal(w)
}

// UnmarshalJSON decodes a connection as Reeflow returns it, its config by its type. A
// connection without an ID, a type or a config object is an error, never a half-filled value.
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
		return fmt.Errorf("connection %s has no type", safetext.Clean(w.ID, safetext.MaxID))
	}
	cfg, err := decodeConfig(w.Type, w.Config)
	if err != nil {
		return fmt.Errorf("connection %s: %w", safetext.Clean(w.ID, safetext.MaxID), err)
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
//
// ConnectionsService.Create sends them as the JSON body of POST /connections, the config's
// type in "type" and the config, password or token included, in "config". For example,
//
//	reeflow.CreateConnectionParams{
//		Name: "Analytics",
//		Config: reeflow.PostgresConfig{
//			Host: "db.example.com", Port: 5432, Database: "app",
//			User: "reeflow_ro", Password: "s3cret", SSL: true,
//		},
//	}
//
// is sent as:
//
//	{
//	  "config": {
//	    "database": "app", "host": "db.example.com", "password": "s3cret",
//	    "port": 5432, "ssl": true, "user": "reeflow_ro"
//	  },
//	  "name": "Analytics",
//	  "type": "pg"
//	}
//
// Printing the params (any fmt verb) or logging them as a slog attribute shows the config
// without its password or token. encoding/json is not redacted: it writes the config as it is,
// secret included, and so does slog's JSON handler when it meets params nested in a slice, a
// map or a struct of yours. Log the params themselves, not a value that holds them.
type CreateConnectionParams struct {
	Name   string
	Config ConnectionConfig
}

// UpdateConnectionParams are the fields to change; nil fields are left unchanged. A Config
// replaces the stored one, except that an empty Password, Token or ServiceAccountKey keeps the
// stored secret.
//
// ConnectionsService.Update sends only the fields that are set, as the JSON body of
// PATCH /connections/{id} (an endpoint assumed, not documented by Reeflow: see
// docs/assumptions.md); an empty Password, Token or ServiceAccountKey is left out. For example,
//
//	name := "Analytics (replica)"
//	reeflow.UpdateConnectionParams{
//		Name:   &name,
//		Config: reeflow.TinybirdConfig{Host: "api.tinybird.co"},
//	}
//
// is sent as:
//
//	{"config": {"host": "api.tinybird.co"}, "name": "Analytics (replica)"}
//
// As for CreateConnectionParams, printing or logging the params as a slog attribute hides the
// config's secret, and encoding/json (slog's JSON handler meeting them nested in a slice, a map
// or a struct) writes it.
type UpdateConnectionParams struct {
	Name   *string
	Config ConnectionConfig
}

type createConnectionFields CreateConnectionParams

// Format prints the parameters; the config prints without password or token.
func (p CreateConnectionParams) Format(f fmt.State, verb rune) {
	formatRedacted(f, verb, createConnectionFields(p), "reeflow.createConnectionFields", "reeflow.CreateConnectionParams")
}

// LogValue logs the parameters; the config logs without password or token.
func (p CreateConnectionParams) LogValue() slog.Value {
	return slog.GroupValue(slog.String("name", p.Name), slog.Any("config", p.Config))
}

type updateConnectionFields UpdateConnectionParams

// Format prints the parameters; the config prints without password or token.
func (p UpdateConnectionParams) Format(f fmt.State, verb rune) {
	formatRedacted(f, verb, updateConnectionFields(p), "reeflow.updateConnectionFields", "reeflow.UpdateConnectionParams")
}

// LogValue logs the parameters; the config logs without password or token.
func (p UpdateConnectionParams) LogValue() slog.Value {
	attrs := make([]slog.Attr, 0, 2)
	if p.Name != nil {
		attrs = append(attrs, slog.String("name", *p.Name))
	}
	if p.Config != nil {
		attrs = append(attrs, slog.Any("config", p.Config))
	}
	return slog.GroupValue(attrs...)
}

// ConnectionsService manages the organization's database connections.
type ConnectionsService struct{ c *client }

// client returns the client the service sends through: nil for a service NewClient did not
// make, which the client's do turns into an error.
func (s *ConnectionsService) client() *client {
	if s == nil {
		return nil
	}
	return s.c
}

var (
	opListConnections  = operation{name: "list connections", policy: transport.RetryIdempotent}
	opGetConnection    = operation{name: "get connection", policy: transport.RetryIdempotent}
	opCreateConnection = operation{name: "create connection", policy: transport.RetryUnsent, sendsBody: true,
		mayHaveActed: "the connection may have been created; list connections to check"}
	opUpdateConnection = operation{name: "update connection", policy: transport.RetryIdempotent, sendsBody: true}
	opDeleteConnection = operation{name: "delete connection", policy: transport.RetryIdempotent}
)

// List returns every connection: GET /connections.
func (s *ConnectionsService) List(ctx context.Context, opts ...Option) ([]Connection, error) {
	var out []Connection
	err := s.client().do(ctx, opListConnections, opts, func(base string) (*http.Request, error) {
		return api.NewListConnectionsRequest(base)
	}, decodeConnections(&out))
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Get returns one connection: GET /connections/{id}. An unknown ID gives an error matching ErrNotFound.
func (s *ConnectionsService) Get(ctx context.Context, id string, opts ...Option) (*Connection, error) {
	if err := checkID(opGetConnection, "connection", id); err != nil {
		return nil, err
	}
	out := new(Connection)
	err := s.client().do(ctx, opGetConnection, opts, func(base string) (*http.Request, error) {
		return api.NewGetConnectionRequest(base, id)
	}, out.UnmarshalJSON)
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Create creates a connection: POST /connections. It is retried only when the request
// provably never reached Reeflow or Reeflow refused it with 429, so that a connection is never
// created twice; an error after the request was sent says that the connection may exist.
func (s *ConnectionsService) Create(ctx context.Context, p CreateConnectionParams, opts ...Option) (*Connection, error) {
	body, err := createConnectionBody(p)
	if err != nil {
		return nil, opError(opCreateConnection, err)
	}
	out := new(Connection)
	err = s.client().do(ctx, opCreateConnection, opts, func(base string) (*http.Request, error) {
		return api.NewCreateConnectionRequest(base, body)
	}, out.UnmarshalJSON)
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Update changes the fields of p that are set: PATCH /connections/{id}. Only those fields are sent.
func (s *ConnectionsService) Update(ctx context.Context, id string, p UpdateConnectionParams, opts ...Option) (*Connection, error) {
	if err := checkID(opUpdateConnection, "connection", id); err != nil {
		return nil, err
	}
	body, err := updateConnectionBody(p)
	if err != nil {
		return nil, opError(opUpdateConnection, err)
	}
	out := new(Connection)
	err = s.client().do(ctx, opUpdateConnection, opts, func(base string) (*http.Request, error) {
		return api.NewUpdateConnectionRequest(base, id, body)
	}, out.UnmarshalJSON)
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Delete deletes a connection: DELETE /connections/{id}.
func (s *ConnectionsService) Delete(ctx context.Context, id string, opts ...Option) error {
	if err := checkID(opDeleteConnection, "connection", id); err != nil {
		return err
	}
	return s.client().do(ctx, opDeleteConnection, opts, func(base string) (*http.Request, error) {
		return api.NewDeleteConnectionRequest(base, id)
	}, nil)
}

func createConnectionBody(p CreateConnectionParams) (api.CreateConnectionRequest, error) {
	var body api.CreateConnectionRequest
	if err := checkText("Name", p.Name); err != nil {
		return body, err
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
	case BigQueryConfig:
		return body, setUnion(&body, api.CreateBigQueryConnection{Name: p.Name, Type: api.CreateBigQueryConnectionTypeBigquery, Config: cfg.wire()})
	case SnowflakeConfig:
		return body, setUnion(&body, api.CreateSnowflakeConnection{Name: p.Name, Type: api.CreateSnowflakeConnectionTypeSnowflake, Config: cfg.wire()})
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
		if err := checkText("Name", *p.Name); err != nil {
			return body, err
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
	case BigQueryConfig:
		return body, body.Config.FromBigQueryConfig(cfg.wire())
	case SnowflakeConfig:
		return body, body.Config.FromSnowflakeConfig(cfg.wire())
	case UnknownConfig:
		return body, body.Config.UnmarshalJSON(cfg.Raw)
	}
	return body, nil
}
