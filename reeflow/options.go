package reeflow

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"reflect"
	"time"

	"github.com/reeflow/reeflow-go/internal/transport"
)

// Option configures a Client, when given to NewClient, or one call, when given to a service
// method or to Client.Do: a call's option overrides the client's for that call only. Every
// With… function returns an Option, and so is a RequestEditorFn.
//
// A bad value, or an option given where it has no meaning, is an error there: from NewClient,
// or from the call before anything is sent. Where each option applies:
//
//   - NewClient only: WithBaseURL, WithHTTPClient, WithMaxClockSkew.
//   - A call only: WithBodyField (a call that sends a JSON body), WithResponseInto, and
//     WithIdempotent (Client.Do only).
//   - Both: the auth options (a call's credentials replace the client's), WithRequestEditor and
//     WithHeader (a call's run or are added after the client's), WithMaxRetries,
//     WithAttemptTimeout, WithMaxRetryAfter, WithLogger and WithUserAgent.
//
// A nil Option is skipped, wherever it is given, so that options can be built conditionally
// into a slice. A nil RequestEditorFn, or WithRequestEditor(nil), is an error: that is a nil
// editor, not a nil Option.
type Option interface {
	apply(s *settings, where scope) error
}

// scope is where an option is given.
type scope uint8

const (
	atNewClient scope = 1 << iota
	atServiceCall
	atDoCall

	atCall = atServiceCall | atDoCall
	atAll  = atNewClient | atCall
)

// option is an Option with its name, for errors, and the scopes it has a meaning in.
type option struct {
	name string
	in   scope
	set  func(*settings) error
}

func (o option) apply(s *settings, where scope) error {
	if o.in&where == 0 {
		return fmt.Errorf("%s %s", o.name, o.placeError())
	}
	if err := o.set(s); err != nil {
		return fmt.Errorf("%s: %w", o.name, transport.WithoutPrefix(err))
	}
	return nil
}

func (o option) placeError() string {
	switch o.in {
	case atNewClient:
		return "applies to NewClient only, not to a call"
	case atDoCall:
		return "applies to Client.Do only: a service method knows which of its calls are safe to repeat"
	default:
		return "applies to a single call only, not to NewClient"
	}
}

// apply runs the editor on every request of the client, or of the call, as WithRequestEditor does.
func (fn RequestEditorFn) apply(s *settings, where scope) error {
	return editorOption("RequestEditorFn", fn).apply(s, where)
}

// settings is what options set: for NewClient, then copied and changed by each call's options.
type settings struct {
	t transport.Settings // what reaches the pipeline
	// auth is the credentials an auth option gave; built into t.Auth once the clock is known.
	auth       authSpec
	ownsHeader bool // t.Header is this settings' own, not the client's shared map

	// NewClient only.
	baseURL      string
	httpClient   *http.Client
	maxClockSkew time.Duration
	clock        transport.Clock

	// A call only.
	response *Response
}

// Defaults.
const (
	defaultMaxRetries    = 2
	defaultMaxRetryAfter = 60 * time.Second
	// defaultAttemptTimeout bounds each attempt, so that no call hangs forever by default, even
	// with context.Background() and a server that sends its body one byte at a time.
	defaultAttemptTimeout = 60 * time.Second
)

func defaultSettings() settings {
	return settings{
		t: transport.Settings{
			UserAgent:      userAgent(""),
			MaxRetries:     defaultMaxRetries,
			AttemptTimeout: defaultAttemptTimeout,
			MaxRetryAfter:  defaultMaxRetryAfter,
		},
		ownsHeader:   true,
		maxClockSkew: transport.DefaultMaxClockSkew,
	}
}

// WithBaseURL sets the API's base URL (default DefaultBaseURL, or REEFLOW_BASE_URL). It must be
// https; plain http is accepted only for loopback hosts, such as a local reeflowtest server.
// NewClient only.
func WithBaseURL(url string) Option {
	return option{"WithBaseURL", atNewClient, func(s *settings) error {
		if url == "" {
			return errors.New("empty URL")
		}
		s.baseURL = url
		return nil
	}}
}

// WithHTTPClient sends requests with c instead of the SDK's tuned default client. Whatever
// client is given, redirects to another origin or from https to http are refused. A nil
// Transport is net/http's default one, http.DefaultTransport as it is at each request (so a mock
// installed there later is used); a Transport or Jar that is a nil pointer (such as
// (*http.Transport)(nil)) is an error, since every request would panic. NewClient only.
func WithHTTPClient(c *http.Client) Option {
	return option{"WithHTTPClient", atNewClient, func(s *settings) error {
		switch {
		case c == nil:
			return errors.New("nil client")
		case c.Transport != nil && isNilPointer(c.Transport):
			return fmt.Errorf("the client's Transport is a nil %T (leave Transport nil for http.DefaultTransport)", c.Transport)
		case c.Jar != nil && isNilPointer(c.Jar):
			return fmt.Errorf("the client's Jar is a nil %T (leave Jar nil for no cookies)", c.Jar)
		}
		s.httpClient = c
		return nil
	}}
}

// WithBasicAuth authenticates with HTTP Basic authentication (see BasicAuth). Of several auth
// options, the last one wins; given to a call, it replaces the client's credentials for that call.
func WithBasicAuth(keyID, secret string) Option {
	return withStaticAuth("WithBasicAuth", keyID, secret, AuthBasic)
}

// WithHMACAuth signs every request in HMAC signature mode (see HMACAuth). Each attempt is signed
// afresh, and a clock offset reported by the server is learned and corrected. Of several auth
// options, the last one wins; given to a call, it replaces the client's credentials for that call.
func WithHMACAuth(keyID, secret string) Option {
	return withStaticAuth("WithHMACAuth", keyID, secret, AuthHMAC)
}

func withStaticAuth(name, keyID, secret string, mode AuthMode) Option {
	return option{name, atAll, func(s *settings) error {
		creds := Credentials{KeyID: keyID, Secret: NewSecret(secret)}
		if err := creds.Validate(); err != nil {
			return err
		}
		s.auth = staticAuthSpec{creds: creds, mode: mode}
		return nil
	}}
}

// WithCredentialsProvider asks p for credentials before every attempt and authenticates with
// mode, so keys rotate without restarting the program.
func WithCredentialsProvider(p CredentialsProvider, mode AuthMode) Option {
	return option{"WithCredentialsProvider", atAll, func(s *settings) error {
		if p == nil || isNilPointer(p) {
			return errors.New("nil provider")
		}
		if mode != AuthBasic && mode != AuthHMAC {
			return fmt.Errorf("unknown %s", mode)
		}
		s.auth = providerAuthSpec{provider: p, mode: mode}
		return nil
	}}
}

// WithRequestEditor runs fn on every request, before authentication: given to NewClient, on
// every call's; given to a call, after the client's editors. An editor must not add
// credentials: a request carrying two is refused (ErrMultipleCredentials). An editor made by
// BasicAuth or HMACAuth is the exception: it is taken as the credentials, as WithBasicAuth or
// WithHMACAuth would be, and the last auth option wins.
func WithRequestEditor(fn RequestEditorFn) Option {
	return editorOption("WithRequestEditor", fn)
}

func editorOption(name string, fn RequestEditorFn) option {
	return option{name, atAll, func(s *settings) error {
		if fn == nil {
			return errors.New("nil editor")
		}
		if auth, ok := authEditor(fn); ok {
			s.auth = auth
			return nil
		}
		// The full slice expression makes append copy: a call never writes into the client's editors.
		s.t.Editors = append(s.t.Editors[:len(s.t.Editors):len(s.t.Editors)], transport.Editor(fn))
		return nil
	}}
}

// WithHeader adds a header to every request: of the client, or of one call (after the
// client's). Refused, whatever the case of the name:
//   - the headers authentication writes (Authorization, Proxy-Authorization, X-API-Key,
//     X-API-Timestamp, X-API-Signature), since the client authenticates every request itself
//     (the error matches ErrMultipleCredentials);
//   - headers that net/http computes (Host, Content-Length, Transfer-Encoding, Connection);
//   - headers the client sets: User-Agent (use WithUserAgent) and Content-Type;
//   - connection-specific headers, which HTTP/2 refuses (Upgrade, Keep-Alive,
//     Proxy-Connection, TE);
//   - a name that is not an HTTP token, and a value with a control character.
//
// Other X-API-* headers, such as X-API-Version, are sent.
func WithHeader(name, value string) Option {
	return option{"WithHeader", atAll, func(s *settings) error {
		if err := transport.CheckHeader(name, value, ErrMultipleCredentials); err != nil {
			return err
		}
		if !s.ownsHeader {
			s.t.Header, s.ownsHeader = s.t.Header.Clone(), true
		}
		if s.t.Header == nil {
			s.t.Header = make(http.Header, 1)
		}
		s.t.Header.Add(name, value)
		return nil
	}}
}

// WithUserAgent appends product (such as "my-service/1.2") to the "reeflow-go/<version>" User-Agent.
// product is sent as given, spaces included ("my-service/1.2 (ops team)": several products and
// comments, as RFC 9110 allows); a control character in it is an error.
func WithUserAgent(product string) Option {
	return option{"WithUserAgent", atAll, func(s *settings) error {
		for _, r := range product {
			if r < 0x20 || r == 0x7f {
				return errors.New("control character in product")
			}
		}
		s.t.UserAgent = userAgent(product)
		return nil
	}}
}

// WithMaxRetries sets how many times a failed request may be retried after the first attempt
// (default 2; 0 disables retries). A retry whose wait would outlast the context's deadline is not
// made: the call returns the last answer at once.
func WithMaxRetries(n int) Option {
	return option{"WithMaxRetries", atAll, func(s *settings) error {
		if n < 0 {
			return fmt.Errorf("negative count %d", n)
		}
		s.t.MaxRetries = n
		return nil
	}}
}

// WithAttemptTimeout bounds each attempt, not the whole call: sending the request, waiting for
// the response and reading its body (default 60 s; 0 leaves attempts bounded only by the
// context). A timed-out attempt of a retryable request is retried; the caller's context bounds
// the whole call.
func WithAttemptTimeout(d time.Duration) Option {
	return option{"WithAttemptTimeout", atAll, func(s *settings) error {
		if d < 0 {
			return fmt.Errorf("negative duration %s", d)
		}
		s.t.AttemptTimeout = d
		return nil
	}}
}

// WithMaxRetryAfter sets the longest Retry-After a call waits for before retrying (default
// 60 s). A response whose Retry-After asks for longer is not retried: the call returns it at
// once, and its *APIError's RetryAfter says what the server asked. So WithMaxRetryAfter(0) never
// waits for a Retry-After (a response without one is still retried after the usual backoff).
// The client never retries earlier than the server asked, as it does not start a retry whose
// wait would outlast the context's deadline.
func WithMaxRetryAfter(d time.Duration) Option {
	return option{"WithMaxRetryAfter", atAll, func(s *settings) error {
		if d < 0 {
			return fmt.Errorf("negative duration %s", d)
		}
		s.t.MaxRetryAfter = d
		return nil
	}}
}

// WithMaxClockSkew bounds the clock offset that HMAC mode learns from a server's Date header
// after a "Request timestamp expired" answer (default 15 minutes). A Date further off is ignored
// and logged: an offset learned without bound would let one forged response make the client sign
// requests that stay valid, and replayable, far into the future. NewClient only.
func WithMaxClockSkew(d time.Duration) Option {
	return option{"WithMaxClockSkew", atNewClient, func(s *settings) error {
		if d < 0 {
			return fmt.Errorf("negative duration %s", d)
		}
		s.maxClockSkew = d
		return nil
	}}
}

// WithLogger logs one record per attempt (method, path, status, attempt, duration, request ID,
// retry wait) at Debug, and failed attempts at Warn. Credentials, passwords, tokens and bodies
// are never logged. A nil logger turns logging off (given to a call, for that call). A Logger
// without a Handler (a zero slog.Logger, or one made from a nil *slog.JSONHandler) is an error:
// it would panic on its first record.
func WithLogger(l *slog.Logger) Option {
	return option{"WithLogger", atAll, func(s *settings) error {
		if l != nil && (l.Handler() == nil || isNilPointer(l.Handler())) {
			return errors.New("the slog.Logger has no Handler (pass nil to turn logging off)")
		}
		s.t.Logger = l
		return nil
	}}
}

// WithBodyField sets a field of the call's JSON request body that the typed parameters do not
// have, such as a field Reeflow added after this SDK was released. path names the field, with
// dots between nested object keys ("user.attributes"); objects on the way are created when
// absent. value is encoded with encoding/json; a json.RawMessage goes in as it is. A call only,
// and one that sends a JSON body.
func WithBodyField(path string, value any) Option {
	return option{"WithBodyField", atCall, func(s *settings) error {
		f, err := transport.NewBodyField(path, value)
		if err != nil {
			return err
		}
		s.t.BodyFields = append(s.t.BodyFields, f)
		return nil
	}}
}

// WithResponseInto fills r when the call returns, whether it succeeded or failed, once a request
// went on the wire: the status, headers, request ID and raw body of the last request sent, and
// the number of requests sent. A call refused before anything is sent (a bad ID, parameter or
// option, a request editor's or a CredentialsProvider's error, an editor that points the
// request elsewhere) leaves r as it was. Use it to read fields this SDK does not decode, or to
// log the request ID of a successful call. A call only.
func WithResponseInto(r *Response) Option {
	return option{"WithResponseInto", atCall, func(s *settings) error {
		if r == nil {
			return errors.New("nil *Response")
		}
		s.response = r
		s.t.KeepBody = true
		return nil
	}}
}

// WithIdempotent declares that repeating the call cannot do anything twice, so that Client.Do
// may retry a POST (or another method that is not idempotent by definition) the way it retries
// a GET. Client.Do only: the service methods know which of their calls are safe to repeat.
func WithIdempotent() Option {
	return option{"WithIdempotent", atDoCall, func(s *settings) error {
		s.t.Idempotent = true
		return nil
	}}
}

// applyOptions applies opts in order; a nil option is skipped.
func (s *settings) applyOptions(opts []Option, where scope) error {
	for _, opt := range opts {
		if opt == nil {
			continue
		}
		if err := opt.apply(s, where); err != nil {
			return err
		}
	}
	return nil
}

func userAgent(product string) string {
	ua := "reeflow-go/" + Version
	if product != "" {
		ua += " " + product
	}
	return ua
}

// isNilPointer reports whether v, an interface value that is not nil, holds a nil pointer, map,
// func or channel: its methods would most likely panic on every call.
func isNilPointer(v any) bool {
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Pointer, reflect.Map, reflect.Func, reflect.Chan, reflect.Slice, reflect.Interface:
		return rv.IsNil()
	}
	return false
}
