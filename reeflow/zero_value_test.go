package reeflow_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"reflect"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/reeflow/reeflow-go/reeflow"
)

// Every exported method of the zero value of every exported type, of a pointer to it and of a
// nil pointer, returns an error or prints something harmless: it never panics. A Client or
// service that NewClient did not make says so.
//
// On a nil pointer, two kinds of method are left out. A method declared with a value receiver:
// Go dereferences the pointer before the method runs, as *p would. And UnmarshalJSON, which
// stores into its receiver as json.Unmarshal stores through its pointer (encoding/json never
// calls it on nil). A method promoted from an embedded pointer is called: reaching the field
// dereferences the nil outer pointer inside the wrapper, which is this package's code.
func TestZeroValuesNeverPanic(t *testing.T) {
	t.Parallel()
	notFromNewClient := map[reflect.Type]bool{
		reflect.TypeFor[reeflow.Client](): true, reflect.TypeFor[reeflow.ConnectionsService](): true,
		reflect.TypeFor[reeflow.SessionsService](): true, reflect.TypeFor[reeflow.APIKeysService](): true,
	}
	zeros := []any{ // one of every exported type of package reeflow but the interfaces
		reeflow.Client{}, reeflow.ConnectionsService{}, reeflow.SessionsService{}, reeflow.APIKeysService{},
		reeflow.Connection{}, reeflow.CreateConnectionParams{}, reeflow.UpdateConnectionParams{},
		reeflow.CreateSessionParams{}, reeflow.Session{}, reeflow.APIKey{}, reeflow.Attributes(nil),
		reeflow.Credentials{}, reeflow.Secret{}, reeflow.Response{}, reeflow.RequestEditorFn(nil),
		reeflow.APIError{}, reeflow.BadRequestError{}, reeflow.AuthenticationError{},
		reeflow.PermissionDeniedError{}, reeflow.QuotaError{},
		reeflow.PostgresConfig{}, reeflow.TinybirdConfig{}, reeflow.BigQueryConfig{},
		reeflow.SnowflakeConfig{}, reeflow.UnknownConfig{}, reeflow.AuthMode(0), reeflow.ConnectionType(""),
	}
	for _, zero := range zeros {
		typ := reflect.TypeOf(zero)
		receivers := map[string]reflect.Value{
			typ.String():                   reflect.ValueOf(zero),
			"&" + typ.String() + "{}":      reflect.New(typ),
			"(*" + typ.String() + ")(nil)": reflect.Zero(reflect.PointerTo(typ)),
		}
		for name, recv := range receivers {
			v := recv.Interface()
			isNil := recv.Kind() == reflect.Pointer && recv.IsNil()
			assert.NotPanics(t, func() {
				_ = fmt.Sprintf("%v %+v %#v %s %d %q", v, v, v, v, v, v)
				slog.New(slog.NewTextHandler(io.Discard, nil)).Info("zero", "v", v)
				slog.New(slog.NewJSONHandler(io.Discard, nil)).Info("zero", "v", v)
			}, "%s printed", name)
			for i := range recv.NumMethod() {
				m := recv.Type().Method(i)
				if m.Name == "Format" || // fmt calls it, above
					isNil && (m.Name == "UnmarshalJSON" || declaredOnValue(typ, m.Name)) {
					continue
				}
				method := recv.Method(i)
				assert.NotPanics(t, func() { method.Call(callArgs(method.Type(), nil)) }, "%s.%s with zero arguments", name, m.Name)
				var out []reflect.Value
				assert.NotPanics(t, func() { out = method.Call(callArgs(method.Type(), validArgs)) }, "%s.%s", name, m.Name)
				if !notFromNewClient[typ] {
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
	// A nil target of the right type, given to As by hand (errors.As refuses it before asking).
	quota := &reeflow.PermissionDeniedError{APIError: &reeflow.APIError{StatusCode: 403, Message: "Quota exceeded: maximum 1 x allowed"}}
	assert.NotPanics(t, func() { assert.False(t, quota.As((**reeflow.QuotaError)(nil))) }, "As((**QuotaError)(nil))")
}

// declaredOnValue reports whether the method of *T named name is declared with a value receiver
// (on T), rather than on *T or promoted from a field that *T reaches through an embedded pointer.
func declaredOnValue(t reflect.Type, name string) bool {
	if _, ok := t.MethodByName(name); !ok {
		return false
	}
	if t.Kind() == reflect.Struct {
		for i := range t.NumField() {
			f := t.Field(i)
			if _, ok := f.Type.MethodByName(name); ok && f.Anonymous && f.Type.Kind() == reflect.Pointer {
				return false
			}
		}
	}
	return true
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

// callArgs returns the arguments of a call to a bound method of type mt:
// a background context where one is wanted, the value in valid for a type it has, zero values
// elsewhere, no variadic arguments.
func callArgs(mt reflect.Type, valid map[reflect.Type]any) []reflect.Value {
	n := mt.NumIn()
	if mt.IsVariadic() {
		n--
	}
	args := make([]reflect.Value, n)
	ctxType := reflect.TypeFor[context.Context]()
	for i := range args {
		in := mt.In(i)
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
