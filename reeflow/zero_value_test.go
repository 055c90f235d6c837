package reeflow_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"reflect"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/reeflow/reeflow-go/reeflow"
)

// Every exported method of a zero value, and of a nil pointer where the methods take one, returns
// an error or prints something harmless: it never panics. A Client or service that NewClient did
// not make says so.
func TestZeroValuesNeverPanic(t *testing.T) {
	t.Parallel()
	notFromNewClient := []any{
		&reeflow.Client{}, (*reeflow.Client)(nil),
		&reeflow.ConnectionsService{}, (*reeflow.ConnectionsService)(nil),
		&reeflow.SessionsService{}, (*reeflow.SessionsService)(nil),
		&reeflow.APIKeysService{}, (*reeflow.APIKeysService)(nil),
	}
	others := []any{
		&reeflow.Connection{}, &reeflow.CreateConnectionParams{}, &reeflow.UpdateConnectionParams{},
		&reeflow.CreateSessionParams{}, &reeflow.Session{}, &reeflow.APIKey{},
		&reeflow.Credentials{}, &reeflow.Secret{}, &reeflow.Response{},
		&reeflow.APIError{}, (*reeflow.APIError)(nil),
		&reeflow.BadRequestError{}, &reeflow.AuthenticationError{}, &reeflow.PermissionDeniedError{},
		&reeflow.PostgresConfig{}, &reeflow.TinybirdConfig{}, &reeflow.UnknownConfig{},
		new(reeflow.AuthMode), new(reeflow.ConnectionType), new(reeflow.Attributes),
	}
	// The services of a zero Client are nil: calling through them is the usual mistake.
	zero := &reeflow.Client{}
	notFromNewClient = append(notFromNewClient, zero.Connections, zero.Sessions, zero.APIKeys)

	for _, v := range append(notFromNewClient, others...) {
		name := fmt.Sprintf("%T", v)
		if reflect.ValueOf(v).IsNil() {
			name += "(nil)"
		}
		assert.NotPanics(t, func() {
			_ = fmt.Sprintf("%v %+v %#v %s %d %q", v, v, v, v, v, v)
			slog.New(slog.DiscardHandler).Info("zero", "v", v)
		}, "%s printed", name)
		for i := range reflect.TypeOf(v).NumMethod() {
			m := reflect.TypeOf(v).Method(i)
			if m.Name == "Format" { // fmt calls it, above
				continue
			}
			method := reflect.ValueOf(v).Method(i)
			assert.NotPanics(t, func() { method.Call(callArgs(m.Type, nil)) }, "%s.%s with zero arguments", name, m.Name)
			var out []reflect.Value
			assert.NotPanics(t, func() { out = method.Call(callArgs(m.Type, validArgs)) }, "%s.%s", name, m.Name)
			if !contains(notFromNewClient, v) {
				continue
			}
			for _, o := range out {
				if err, ok := o.Interface().(error); ok {
					assert.ErrorContains(t, err, "not created with NewClient", "%s.%s", name, m.Name)
				}
			}
		}
	}
}

// TestZeroValuesGiveErrorsNotPanics: a Client or service that NewClient did not make, or a nil
// context, is an error from the call, never a panic.
func TestZeroValuesGiveErrorsNotPanics(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	var zero reeflow.Client
	calls := map[string]func() error{
		"Client.Do":             func() error { return zero.Do(ctx, http.MethodGet, "things", nil, nil) },
		"nil Client.Do":         func() error { return (*reeflow.Client)(nil).Do(ctx, http.MethodGet, "things", nil, nil) },
		"zero Client's service": func() error { _, err := zero.Connections.List(ctx); return err },
		"zero ConnectionsService": func() error {
			_, err := (&reeflow.ConnectionsService{}).Get(ctx, "conn_1")
			return err
		},
		"zero SessionsService": func() error {
			_, err := (&reeflow.SessionsService{}).Create(ctx, reeflow.CreateSessionParams{UserID: "u"})
			return err
		},
		"nil APIKeysService": func() error { _, err := (*reeflow.APIKeysService)(nil).List(ctx); return err },
	}
	for name, call := range calls {
		var err error
		require.NotPanics(t, func() { err = call() }, name)
		assert.ErrorContains(t, err, "the client was not created with NewClient", name)
	}
	assert.NotPanics(t, zero.CloseIdleConnections)

	client, rec := newRecorder(t, reply(200, `[]`))
	//nolint:staticcheck // a nil context on purpose
	_, err := client.Connections.List(nil)
	assert.EqualError(t, err, "reeflow: list connections: nil context")
	assert.Empty(t, rec.all())
}

// validArgs are arguments a call from a client made by NewClient would send: an ID, a method
// and a path, parameters that pass validation.
var validArgs = map[reflect.Type]any{
	reflect.TypeFor[string]():                         "conn_1",
	reflect.TypeFor[reeflow.CreateConnectionParams](): reeflow.CreateConnectionParams{Name: "n", Config: reeflow.TinybirdConfig{Host: "h", Token: "t"}},
	reflect.TypeFor[reeflow.UpdateConnectionParams](): reeflow.UpdateConnectionParams{Config: reeflow.TinybirdConfig{Host: "h"}},
	reflect.TypeFor[reeflow.CreateSessionParams]():    reeflow.CreateSessionParams{UserID: "u_1"},
}

// callArgs returns the arguments of a call to a method of type mt (receiver first, left out):
// a background context where one is wanted, the value in valid for a type it has, zero values
// elsewhere, no variadic arguments.
func callArgs(mt reflect.Type, valid map[reflect.Type]any) []reflect.Value {
	n := mt.NumIn() - 1
	if mt.IsVariadic() {
		n--
	}
	args := make([]reflect.Value, n)
	ctxType := reflect.TypeFor[context.Context]()
	for i := range args {
		in := mt.In(i + 1)
		switch v, ok := valid[in]; {
		case in == ctxType:
			args[i] = reflect.ValueOf(context.Background())
		case ok && v != nil:
			args[i] = reflect.ValueOf(v)
		default:
			args[i] = reflect.Zero(in)
		}
	}
	return args
}

func contains(list []any, v any) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}
