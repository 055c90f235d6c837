package reeflow

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// ErrNotLoggedIn is what a SessionHandler's resolver returns (or wraps) when the request
// carries no logged-in user: the handler answers 401.
var ErrNotLoggedIn = errors.New("reeflow: not logged in")

// SessionHandlerOption configures a SessionHandler. A bad value makes the handler answer 500
// and log the problem on every request.
type SessionHandlerOption func(*sessionHandler) error

// WithAllowedMethods sets the methods the handler answers (default POST only); others get 405
// with an Allow header. GET and POST are the choices: GET suits a page that fetches the token
// with a plain fetch(url), and is as safe as POST here, since a response is never cached
// (Cache-Control: no-store) and another origin's page cannot read it.
func WithAllowedMethods(methods ...string) SessionHandlerOption {
	return func(h *sessionHandler) error {
		if len(methods) == 0 {
			return errors.New("WithAllowedMethods: no method")
		}
		for _, m := range methods {
			if m != http.MethodGet && m != http.MethodPost {
				return fmt.Errorf("WithAllowedMethods: %q: the handler answers GET and POST only", m)
			}
		}
		h.methods = slices.Compact(slices.Sorted(slices.Values(methods)))
		return nil
	}
}

// WithHandlerLogger logs one record per request: Debug when a token was handed out, Info for
// 401 and 405, Warn when Reeflow failed, Error for 500. Pass the logger given to the client's
// WithLogger. Tokens are never logged.
func WithHandlerLogger(l *slog.Logger) SessionHandlerOption {
	return func(h *sessionHandler) error {
		h.logger = l
		return nil
	}
}

// SessionHandler serves embed session tokens to the browser: it calls resolve to learn who the
// request's user is, mint to get a token for them, and answers
//
//	{"token": "<JWT>", "expires_at": "<RFC 3339>"}
//
// with Content-Type: application/json and Cache-Control: no-store. Pass a SessionCache's Get as
// mint, or a function around client.Sessions.Create.
//
// Failures get a short generic JSON body, {"error": "…"}, which never carries Reeflow's message
// or a credential (the log has the details):
//   - a method not allowed (see WithAllowedMethods): 405, with Allow;
//   - resolve returns an error matching ErrNotLoggedIn: 401; any other error: 500;
//   - mint refuses the parameters (ErrInvalidSessionParams, a bug in resolve): 500;
//   - Reeflow rate-limits (ErrRateLimited): 503, with Retry-After from Reeflow's (5 s if none);
//   - any other mint failure (Reeflow's errors, the network, timeouts): 502.
//
// The handler authenticates nothing itself: resolve decides who is logged in, from your own
// session cookie or header. For POST from pages of your own origin only, wrap it in
// http.NewCrossOriginProtection().Handler.
func SessionHandler(
	mint func(context.Context, CreateSessionParams) (*Session, error),
	resolve func(*http.Request) (CreateSessionParams, error),
	opts ...SessionHandlerOption,
) http.Handler {
	h := &sessionHandler{mint: mint, resolve: resolve, methods: []string{http.MethodPost}}
	for _, opt := range opts {
		if opt == nil {
			continue
		}
		if err := opt(h); err != nil && h.err == nil {
			h.err = fmt.Errorf("reeflow: session handler: %w", err)
		}
	}
	switch {
	case h.err != nil:
	case mint == nil:
		h.err = errors.New("reeflow: session handler: nil mint function")
	case resolve == nil:
		h.err = errors.New("reeflow: session handler: nil resolve function")
	}
	h.allow = strings.Join(h.methods, ", ")
	return h
}

type sessionHandler struct {
	mint    func(context.Context, CreateSessionParams) (*Session, error)
	resolve func(*http.Request) (CreateSessionParams, error)
	methods []string
	allow   string
	logger  *slog.Logger
	err     error // a bad option or argument, reported on every request
}

// sessionResponse is what the browser gets. It is a struct of its own, not Session, so that
// what goes to the page is decided here and nowhere else.
type sessionResponse struct {
	Token     string `json:"token"`
	ExpiresAt string `json:"expires_at"`
}

// defaultHandlerRetryAfter is the Retry-After of a 503 when Reeflow's rate limit gave none.
const defaultHandlerRetryAfter = 5 * time.Second

func (h *sessionHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	header := w.Header()
	header.Set("Cache-Control", "no-store")
	header.Set("X-Content-Type-Options", "nosniff")
	if h.err != nil {
		h.fail(w, r, http.StatusInternalServerError, "", h.err)
		return
	}
	if !slices.Contains(h.methods, r.Method) {
		header.Set("Allow", h.allow)
		h.fail(w, r, http.StatusMethodNotAllowed, "", nil)
		return
	}
	p, err := h.resolve(r)
	switch {
	case errors.Is(err, ErrNotLoggedIn):
		h.fail(w, r, http.StatusUnauthorized, "", err)
		return
	case err != nil:
		h.fail(w, r, http.StatusInternalServerError, "", fmt.Errorf("resolve: %w", err))
		return
	}
	sess, err := h.mint(r.Context(), p)
	if err == nil && (sess == nil || sess.Token == "") {
		err = errors.New("mint returned no token")
	}
	if err != nil {
		h.mintFailed(w, r, p.UserID, err)
		return
	}
	body, err := json.Marshal(sessionResponse{Token: sess.Token, ExpiresAt: sess.ExpiresAt.UTC().Format(time.RFC3339)})
	if err != nil { // a string and a formatted time always marshal; kept so no path writes half a body
		h.fail(w, r, http.StatusInternalServerError, p.UserID, err)
		return
	}
	header.Set("Content-Type", "application/json")
	header.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
	h.log(r, slog.LevelDebug, http.StatusOK, p.UserID, nil, slog.Time("expires_at", sess.ExpiresAt))
}

func (h *sessionHandler) mintFailed(w http.ResponseWriter, r *http.Request, userID string, err error) {
	switch {
	case errors.Is(err, ErrInvalidSessionParams):
		h.fail(w, r, http.StatusInternalServerError, userID, err)
	case errors.Is(err, ErrRateLimited):
		retryAfter := defaultHandlerRetryAfter
		var apiErr *APIError
		if errors.As(err, &apiErr) && apiErr.RetryAfter > 0 {
			retryAfter = apiErr.RetryAfter
		}
		w.Header().Set("Retry-After", strconv.FormatInt(int64((retryAfter+time.Second-1)/time.Second), 10))
		h.fail(w, r, http.StatusServiceUnavailable, userID, err)
	default:
		h.fail(w, r, http.StatusBadGateway, userID, err)
	}
}

// failureMessages are the only bodies a failure gets.
var failureMessages = map[int]string{
	http.StatusUnauthorized:        "not logged in",
	http.StatusMethodNotAllowed:    "method not allowed",
	http.StatusInternalServerError: "internal error",
	http.StatusBadGateway:          "could not get a session token from Reeflow",
	http.StatusServiceUnavailable:  "session tokens are rate limited, retry later",
}

func (h *sessionHandler) fail(w http.ResponseWriter, r *http.Request, status int, userID string, err error) {
	body, _ := json.Marshal(map[string]string{"error": failureMessages[status]})
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)

	level := slog.LevelWarn
	switch {
	case status == http.StatusInternalServerError:
		level = slog.LevelError
	case status < http.StatusInternalServerError, r.Context().Err() != nil: // the browser went away
		level = slog.LevelInfo
	}
	h.log(r, level, status, userID, err)
}

func (h *sessionHandler) log(r *http.Request, level slog.Level, status int, userID string, err error, extra ...slog.Attr) {
	if h.logger == nil || !h.logger.Enabled(r.Context(), level) {
		return
	}
	attrs := make([]slog.Attr, 0, 6)
	attrs = append(attrs, slog.String("method", r.Method), slog.String("path", r.URL.EscapedPath()), slog.Int("status", status))
	if userID != "" {
		attrs = append(attrs, slog.String("user_id", userID))
	}
	if err != nil {
		attrs = append(attrs, slog.String("error", err.Error()))
	}
	attrs = append(attrs, extra...)
	h.logger.LogAttrs(r.Context(), level, "reeflow: session handler", attrs...)
}

// ErrInvalidSessionParams matches the error for CreateSessionParams refused before anything is sent.
var ErrInvalidSessionParams = errors.New("reeflow: invalid session parameters")
