package reeflowtest

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/golang-jwt/jwt/v5"

	"github.com/reeflow/reeflow-go/internal/fakeapi"
	"github.com/reeflow/reeflow-go/reeflow"
)

// api implements the generated strict server interface over the in-memory state.
type api struct {
	st   *state
	spec *openapi3.T
}

var _ fakeapi.StrictServerInterface = (*api)(nil)

const (
	typePostgres  = "pg"
	typeTinybird  = "tinybird"
	typeBigQuery  = "bigquery"
	typeSnowflake = "snowflake"
)

// Session token lifetimes (documented): one hour by default, at most 24 hours.
const (
	defaultSessionLifetime = time.Hour
	maxSessionLifetime     = 24 * time.Hour
)

func errorBody(status int, message string) fakeapi.ErrorResponse {
	var m fakeapi.ErrorMessage
	_ = m.FromErrorMessage0(message) // marshaling a string cannot fail
	reason := http.StatusText(status)
	return fakeapi.ErrorResponse{Message: m, Error: &reason, StatusCode: &status}
}

func notFound(what string) fakeapi.NotFoundJSONResponse {
	return fakeapi.NotFoundJSONResponse(errorBody(http.StatusNotFound, what+" not found"))
}

func validationFailed(messages ...string) fakeapi.BadRequestJSONResponse {
	var m fakeapi.ErrorMessage
	_ = m.FromErrorMessage1(messages)
	reason, status := http.StatusText(http.StatusBadRequest), http.StatusBadRequest
	return fakeapi.BadRequestJSONResponse{Message: m, Error: &reason, StatusCode: &status}
}

func (a *api) ListConnections(context.Context, fakeapi.ListConnectionsRequestObject) (fakeapi.ListConnectionsResponseObject, error) {
	a.st.mu.Lock()
	defer a.st.mu.Unlock()
	out := make(fakeapi.ListConnections200JSONResponse, 0, len(a.st.connOrder))
	for _, id := range a.st.connOrder {
		out = append(out, a.st.conns[id].public())
	}
	return out, nil
}

func (a *api) GetConnection(_ context.Context, req fakeapi.GetConnectionRequestObject) (fakeapi.GetConnectionResponseObject, error) {
	a.st.mu.Lock()
	defer a.st.mu.Unlock()
	c, ok := a.st.conns[req.ConnectionId]
	if !ok {
		return fakeapi.GetConnection404JSONResponse{NotFoundJSONResponse: notFound("Connection")}, nil
	}
	return fakeapi.GetConnection200JSONResponse(c.public()), nil
}

func (a *api) CreateConnection(_ context.Context, req fakeapi.CreateConnectionRequestObject) (fakeapi.CreateConnectionResponseObject, error) {
	c := &connection{id: "conn_" + randomHex(12)}
	kind, err := req.Body.Discriminator()
	if err != nil {
		return fakeapi.CreateConnection400JSONResponse{BadRequestJSONResponse: validationFailed("type: " + err.Error())}, nil
	}
	switch kind {
	case typePostgres:
		pg, err := req.Body.AsCreatePostgresConnection()
		if err != nil {
			return fakeapi.CreateConnection400JSONResponse{BadRequestJSONResponse: validationFailed("config: " + err.Error())}, nil
		}
		c.name, c.pg = pg.Name, &pg.Config
	case typeTinybird:
		tb, err := req.Body.AsCreateTinybirdConnection()
		if err != nil {
			return fakeapi.CreateConnection400JSONResponse{BadRequestJSONResponse: validationFailed("config: " + err.Error())}, nil
		}
		c.name, c.tinybird = tb.Name, &tb.Config
	case typeBigQuery:
		bq, err := req.Body.AsCreateBigQueryConnection()
		if err != nil {
			return fakeapi.CreateConnection400JSONResponse{BadRequestJSONResponse: validationFailed("config: " + err.Error())}, nil
		}
		c.name, c.bigquery = bq.Name, &bq.Config
	case typeSnowflake:
		sf, err := req.Body.AsCreateSnowflakeConnection()
		if err != nil {
			return fakeapi.CreateConnection400JSONResponse{BadRequestJSONResponse: validationFailed("config: " + err.Error())}, nil
		}
		c.name, c.snowflake = sf.Name, &sf.Config
	default: // the validator refuses other types; kept so a spec change cannot store garbage
		return fakeapi.CreateConnection400JSONResponse{BadRequestJSONResponse: validationFailed("type must be one of the following values: " + strings.Join(connectionTypes, ", "))}, nil
	}
	if msg := c.missingSecret(); msg != "" {
		return fakeapi.CreateConnection400JSONResponse{BadRequestJSONResponse: validationFailed(msg)}, nil
	}
	a.st.mu.Lock()
	defer a.st.mu.Unlock()
	if msg := a.st.quotaExceeded(quotaConnections, len(a.st.conns)); msg != "" {
		return fakeapi.CreateConnection403JSONResponse{ForbiddenJSONResponse: quotaError(msg)}, nil
	}
	c.createdAt = a.st.clock().UTC()
	c.updatedAt = c.createdAt
	a.st.conns[c.id] = c
	a.st.connOrder = append(a.st.connOrder, c.id)
	return fakeapi.CreateConnection201JSONResponse(c.public()), nil
}

func (a *api) UpdateConnection(_ context.Context, req fakeapi.UpdateConnectionRequestObject) (fakeapi.UpdateConnectionResponseObject, error) {
	a.st.mu.Lock()
	defer a.st.mu.Unlock()
	c, ok := a.st.conns[req.ConnectionId]
	if !ok {
		return fakeapi.UpdateConnection404JSONResponse{NotFoundJSONResponse: notFound("Connection")}, nil
	}
	updated := *c
	if req.Body.Name != nil {
		updated.name = *req.Body.Name
	}
	if req.Body.Config != nil {
		if msg := a.replaceConfig(&updated, *req.Body.Config); msg != "" {
			return fakeapi.UpdateConnection400JSONResponse{BadRequestJSONResponse: validationFailed(msg)}, nil
		}
	}
	updated.updatedAt = a.st.clock().UTC()
	*c = updated
	return fakeapi.UpdateConnection200JSONResponse(c.public()), nil
}

// connectionTypes are the type values the fake accepts, in openapi.yaml's order.
var connectionTypes = []string{typePostgres, typeTinybird, typeBigQuery, typeSnowflake}

// configSchemas name each type's config schema in openapi.yaml.
var configSchemas = map[string]string{
	typePostgres: "PostgresConfig", typeTinybird: "TinybirdConfig", typeBigQuery: "BigQueryConfig", typeSnowflake: "SnowflakeConfig",
}

// missingSecret names the credential a new BigQuery or Snowflake connection cannot work without,
// in the validator's words; openapi.yaml cannot require it, since responses and updates omit it.
func (c *connection) missingSecret() string {
	switch {
	case c.bigquery != nil && c.bigquery.ServiceAccountKey == nil:
		return `config.service_account_key: property "service_account_key" is missing`
	case c.snowflake != nil && c.snowflake.Token == nil:
		return `config.token: property "token" is missing`
	}
	return ""
}

// replaceConfig replaces c's config with cfg, which must be a config of c's type. An omitted
// password, token or key keeps the stored one. It returns a validation message on failure.
func (a *api) replaceConfig(c *connection, cfg fakeapi.ConnectionConfig) string {
	raw, err := cfg.MarshalJSON()
	if err != nil {
		return "config: " + err.Error()
	}
	schema := configSchemas[c.kind()]
	var value any
	if err := json.Unmarshal(raw, &value); err != nil {
		return "config: " + err.Error()
	}
	if err := a.spec.Components.Schemas[schema].Value.VisitJSON(value); err != nil {
		return "config must be a " + c.kind() + " config: " + firstLine(err.Error())
	}
	switch { // each As… is valid per the schema check above
	case c.pg != nil:
		pg, _ := cfg.AsPostgresConfig()
		if pg.Password == nil {
			pg.Password = c.pg.Password
		}
		c.pg = &pg
	case c.bigquery != nil:
		bq, _ := cfg.AsBigQueryConfig()
		if bq.ServiceAccountKey == nil {
			bq.ServiceAccountKey = c.bigquery.ServiceAccountKey
		}
		c.bigquery = &bq
	case c.snowflake != nil:
		sf, _ := cfg.AsSnowflakeConfig()
		if sf.Token == nil {
			sf.Token = c.snowflake.Token
		}
		c.snowflake = &sf
	default:
		tb, _ := cfg.AsTinybirdConfig()
		if tb.Token == nil {
			tb.Token = c.tinybird.Token
		}
		c.tinybird = &tb
	}
	return ""
}

func (a *api) DeleteConnection(_ context.Context, req fakeapi.DeleteConnectionRequestObject) (fakeapi.DeleteConnectionResponseObject, error) {
	a.st.mu.Lock()
	defer a.st.mu.Unlock()
	if _, ok := a.st.conns[req.ConnectionId]; !ok {
		return fakeapi.DeleteConnection404JSONResponse{NotFoundJSONResponse: notFound("Connection")}, nil
	}
	delete(a.st.conns, req.ConnectionId)
	for i, id := range a.st.connOrder {
		if id == req.ConnectionId {
			a.st.connOrder = append(a.st.connOrder[:i], a.st.connOrder[i+1:]...)
			break
		}
	}
	return fakeapi.DeleteConnection204Response{}, nil
}

func (a *api) CreateSession(_ context.Context, req fakeapi.CreateSessionRequestObject) (fakeapi.CreateSessionResponseObject, error) {
	now := a.st.now()
	exp := now.Add(defaultSessionLifetime)
	if req.Body.Expiration != nil {
		exp = *req.Body.Expiration
	}
	switch {
	case exp.Sub(now) > maxSessionLifetime:
		return invalidExpiration("Expiration cannot be more than 86400 seconds from now"), nil
	case !exp.After(now):
		return invalidExpiration("Expiration must be in the future"), nil
	}
	nbf := now
	if req.Body.NotBefore != nil {
		nbf = *req.Body.NotBefore
	}
	claims := sessionClaims{
		UserID:         req.Body.User.Id,
		UserAttributes: deref(req.Body.User.Attributes),
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    tokenIssuer,
			Subject:   req.Body.User.Id,
			IssuedAt:  jwt.NewNumericDate(now),
			NotBefore: jwt.NewNumericDate(nbf),
			ExpiresAt: jwt.NewNumericDate(exp),
		},
	}
	if req.Body.Organization != nil {
		claims.OrganizationID = req.Body.Organization.Id
		claims.OrganizationAttributes = deref(req.Body.Organization.Attributes)
	}
	token, err := jwt.NewWithClaims(tokenSigningMethod, claims).SignedString(a.st.jwtSecret)
	if err != nil {
		return nil, err
	}
	return fakeapi.CreateSession201JSONResponse{Token: token, ExpiresAt: exp.UTC().Truncate(time.Second)}, nil
}

// invalidExpiration is the documented domain error: {"code": "INVALID_EXPIRATION", "message": …}.
func invalidExpiration(message string) fakeapi.CreateSession400JSONResponse {
	var m fakeapi.ErrorMessage
	_ = m.FromErrorMessage0(message)
	code := "INVALID_EXPIRATION"
	return fakeapi.CreateSession400JSONResponse{BadRequestJSONResponse: fakeapi.BadRequestJSONResponse{Code: &code, Message: m}}
}

func (a *api) ListAPIKeys(context.Context, fakeapi.ListAPIKeysRequestObject) (fakeapi.ListAPIKeysResponseObject, error) {
	a.st.mu.Lock()
	defer a.st.mu.Unlock()
	out := make(fakeapi.ListAPIKeys200JSONResponse, 0, len(a.st.keyOrder))
	for _, id := range a.st.keyOrder {
		out = append(out, a.st.keys[id].public())
	}
	return out, nil
}

func (a *api) GetAPIKey(_ context.Context, req fakeapi.GetAPIKeyRequestObject) (fakeapi.GetAPIKeyResponseObject, error) {
	a.st.mu.Lock()
	defer a.st.mu.Unlock()
	k, ok := a.st.keys[req.ApiKeyId]
	if !ok {
		return fakeapi.GetAPIKey404JSONResponse{NotFoundJSONResponse: notFound("API key")}, nil
	}
	return fakeapi.GetAPIKey200JSONResponse(k.public()), nil
}

func (k *apiKey) public() fakeapi.APIKey {
	return fakeapi.APIKey{Id: k.id, Name: k.name, Enabled: k.enabled, CreatedAt: k.createdAt, LastUsedAt: k.lastUsedAt}
}

func (c *connection) kind() string {
	switch {
	case c.pg != nil:
		return typePostgres
	case c.bigquery != nil:
		return typeBigQuery
	case c.snowflake != nil:
		return typeSnowflake
	}
	return typeTinybird
}

// public is the connection as the API returns it: never with its password, token or key.
func (c *connection) public() fakeapi.Connection {
	var out fakeapi.Connection
	switch {
	case c.pg != nil:
		cfg := *c.pg
		cfg.Password = nil
		_ = out.FromPostgresConnection(fakeapi.PostgresConnection{
			Id: c.id, Name: c.name, Type: typePostgres, Config: cfg, CreatedAt: c.createdAt, UpdatedAt: c.updatedAt,
		})
		return out
	case c.bigquery != nil:
		cfg := *c.bigquery
		cfg.ServiceAccountKey = nil
		_ = out.FromBigQueryConnection(fakeapi.BigQueryConnection{
			Id: c.id, Name: c.name, Type: typeBigQuery, Config: cfg, CreatedAt: c.createdAt, UpdatedAt: c.updatedAt,
		})
		return out
	case c.snowflake != nil:
		cfg := *c.snowflake
		cfg.Token = nil
		_ = out.FromSnowflakeConnection(fakeapi.SnowflakeConnection{
			Id: c.id, Name: c.name, Type: typeSnowflake, Config: cfg, CreatedAt: c.createdAt, UpdatedAt: c.updatedAt,
		})
		return out
	}
	cfg := *c.tinybird
	cfg.Token = nil
	_ = out.FromTinybirdConnection(fakeapi.TinybirdConnection{
		Id: c.id, Name: c.name, Type: typeTinybird, Config: cfg, CreatedAt: c.createdAt, UpdatedAt: c.updatedAt,
	})
	return out
}

// stored is the connection with its secrets, for Server.Connections.
func (c *connection) stored() reeflow.Connection {
	out := reeflow.Connection{ID: c.id, Name: c.name, Type: reeflow.ConnectionType(c.kind()), CreatedAt: c.createdAt, UpdatedAt: c.updatedAt}
	switch {
	case c.pg != nil:
		out.Config = reeflow.PostgresConfig{
			Host: c.pg.Host, Port: c.pg.Port, Database: c.pg.Database, User: c.pg.User,
			Password: deref(c.pg.Password), SSL: c.pg.Ssl != nil && *c.pg.Ssl, InsecureNoSSL: c.pg.Ssl != nil && !*c.pg.Ssl,
		}
	case c.bigquery != nil:
		out.Config = reeflow.BigQueryConfig{ServiceAccountKey: deref(c.bigquery.ServiceAccountKey), ProjectID: c.bigquery.ProjectId, Location: c.bigquery.Location}
	case c.snowflake != nil:
		out.Config = reeflow.SnowflakeConfig{
			Account: c.snowflake.Account, User: c.snowflake.User, Token: deref(c.snowflake.Token),
			Warehouse: c.snowflake.Warehouse, Database: c.snowflake.Database, Schemas: slices.Clone(deref(c.snowflake.Schemas)),
		}
	default:
		out.Config = reeflow.TinybirdConfig{Host: c.tinybird.Host, Token: deref(c.tinybird.Token)}
	}
	return out
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}
