package embedding

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

	"github.com/reeflow/reeflow-go/internal/safetext"
	"github.com/reeflow/reeflow-go/reeflow"
)

// NewHandler returns the endpoint that serves embed session tokens to the browser: it calls
// resolve to learn who the request's user is, mint to get a token for them, and answers
//
//	{"token": "<JWT>", "expires_at": "<RFC 3339>"}
//
// with Content-Type: application/json and Cache-Control: no-store. Pass a Cache's Get as mint,
// or a function around client.Sessions.Create (one that sets an Expiration, say). The options
// are WithAllowedMethods, WithPageViewBudget and WithLogger.
//
// The handler answers within the page-view budget (WithPageViewBudget, default 5 s): mint's
// context ends then. With a Cache's Get, a rate-limited call to Reeflow is not waited for; a
// mint of your own should pass reeflow.WithMaxRetries(0) to Sessions.Create to get the same.
//
// Failures get a short generic JSON body, {"error": "…"}, which never carries Reeflow's message
// or a credential (the log has the details):
//   - a method not allowed (see WithAllowedMethods): 405, with Allow;
//   - resolve returns an error matching ErrNotLoggedIn: 401; any other error: 500;
//   - resolve returns parameters that reeflow.CreateSessionParams.Validate refuses, and mint
//     fails (a Cache's Get and client.Sessions.Create both refuse them before sending; a mint of
//     your own that accepts them is answered as it answers), or mint refuses them with
//     ErrInvalidSessionParams (a bug in resolve): 500;
//   - Reeflow rate-limits (reeflow.ErrRateLimited): 503, with Retry-After from Reeflow's (capped
//     at an hour; 5 s if none);
//   - any other mint failure (Reeflow's errors, the network, the budget spent), or no token: 502.
//
// Failures are logged (see WithLogger): by default to slog.Default(), a 502 at Error level.
//
// The handler authenticates nothing itself: resolve decides who is logged in, from your own
// session cookie or header. For POST from pages of your own origin only, wrap it in
// http.NewCrossOriginProtection().Handler.
func NewHandler(
	mint func(context.Context, reeflow.CreateSessionParams) (*reeflow.Session, error),
	resolve func(*http.Request) (reeflow.CreateSessionParams, error),
	opts ...Option,
) (http.Handler, error) {
	switch {
	case mint == nil:
		return nil, errors.New("embedding: NewHandler: nil mint function: pass a Cache's Get")
	case resolve == nil:
		return nil, errors.New("embedding: NewHandler: nil resolve function")
	}
	cfg, err := applyOptions(forHandler, opts)
	if err != nil {
		return nil, fmt.Errorf("embedding: NewHandler: %w", err)
	}
	return &handler{
		mint:    mint,
		resolve: resolve,
		methods: cfg.methods,
		allow:   strings.Join(cfg.methods, ", "),
		budget:  cfg.budget,
		logger:  cfg.loggerFunc(),
	}, nil
}

type handler struct {
	mint    func(context.Context, reeflow.CreateSessionParams) (*reeflow.Session, error)
	resolve func(*http.Request) (reeflow.CreateSessionParams, error)
	methods []string
	allow   string // the Allow header of a 405
	budget  time.Duration
	logger  func() *slog.Logger
}

// tokenResponse is what the browser gets. It is a struct of its own, not reeflow.Session, so
// that what goes to the page is decided here and nowhere else.
type tokenResponse struct {
	Token     string `json:"token"`
	ExpiresAt string `json:"expires_at"`
}

// The Retry-After of a 503: Reeflow's, up to an hour (a page told to wait longer is broken
// either way, and a huge value would overflow), or 5 s when Reeflow gave none.
const (
	defaultRetryAfter = 5 * time.Second
	maxRetryAfter     = time.Hour
)

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	header := w.Header()
	header.Set("Cache-Control", "no-store")
	header.Set("X-Content-Type-Options", "nosniff")
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
	ctx, cancel := context.WithTimeout(r.Context(), h.budget)
	sess, err := h.mint(ctx, p)
	cancel()
	if err == nil && (sess == nil || sess.Token == "") {
		err = errors.New("mint returned no token")
	}
	if err != nil {
		// Params that Validate refuses never reach Reeflow (a Cache and client.Sessions.Create
		// both refuse them before sending): checked once mint failed, so that a bug in resolve is
		// the same 500 whatever the mint, and a page view served from the cache pays nothing.
		if verr := p.Validate(); verr != nil {
			h.fail(w, r, http.StatusInternalServerError, p.UserID, fmt.Errorf("resolve: %w: %w", ErrInvalidSessionParams, verr))
			return
		}
		h.mintFailed(w, r, p.UserID, err)
		return
	}
	// Encoded straight into the response, as it is on every page view: net/http sets the
	// Content-Length of a body this short. Two strings always encode.
	header.Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	_ = json.NewEncoder(w).Encode(tokenResponse{Token: sess.Token, ExpiresAt: sess.ExpiresAt.UTC().Format(time.RFC3339)})
	h.log(r, slog.LevelDebug, http.StatusOK, p.UserID, nil, slog.Time("expires_at", sess.ExpiresAt))
}

func (h *handler) mintFailed(w http.ResponseWriter, r *http.Request, userID string, err error) {
	switch {
	case errors.Is(err, ErrInvalidSessionParams), errors.Is(err, errNotFromNewCache):
		h.fail(w, r, http.StatusInternalServerError, userID, err)
	case errors.Is(err, reeflow.ErrRateLimited):
		var apiErr *reeflow.APIError
		var retryAfter time.Duration
		if errors.As(err, &apiErr) {
			retryAfter = apiErr.RetryAfter
		}
		w.Header().Set("Retry-After", retryAfterSeconds(retryAfter))
		h.fail(w, r, http.StatusServiceUnavailable, userID, err)
	default:
		h.fail(w, r, http.StatusBadGateway, userID, err)
	}
}

// retryAfterSeconds is the Retry-After header for Reeflow's: capped at an hour before it is
// rounded up to whole seconds (rounding first would overflow near the largest Duration), and the
// default for none, zero or a negative one.
func retryAfterSeconds(d time.Duration) string {
	if d <= 0 {
		d = defaultRetryAfter
	}
	d = min(d, maxRetryAfter)
	return strconv.FormatInt(int64((d+time.Second-1)/time.Second), 10)
}

// failureMessages are the only bodies a failure gets.
var failureMessages = map[int]string{
	http.StatusUnauthorized:        "not logged in",
	http.StatusMethodNotAllowed:    "method not allowed",
	http.StatusInternalServerError: "internal error",
	http.StatusBadGateway:          "could not get a session token from Reeflow",
	http.StatusServiceUnavailable:  "session tokens are rate limited, retry later",
}

func (h *handler) fail(w http.ResponseWriter, r *http.Request, status int, userID string, err error) {
	body, _ := json.Marshal(map[string]string{"error": failureMessages[status]})
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)

	// A 502 is an error: a wrong API key or Reeflow down breaks every dashboard, and this record
	// may be all that tells anyone. Rate limiting passes (Warn); the user's own doing is Info.
	level := slog.LevelError
	switch {
	case status < http.StatusInternalServerError, r.Context().Err() != nil: // the browser went away
		level = slog.LevelInfo
	case status == http.StatusServiceUnavailable:
		level = slog.LevelWarn
	}
	h.log(r, level, status, userID, err)
}

func (h *handler) log(r *http.Request, level slog.Level, status int, userID string, err error, extra ...slog.Attr) {
	logger := h.logger()
	if !logger.Enabled(r.Context(), level) {
		return
	}
	attrs := make([]slog.Attr, 0, 7)
	attrs = append(attrs, slog.String("method", r.Method), slog.String("path", r.URL.EscapedPath()), slog.Int("status", status))
	if userID != "" {
		attrs = append(attrs, slog.String("user_id", userID))
	}
	if err != nil {
		attrs = append(attrs, slog.String("error", err.Error()))
		var apiErr *reeflow.APIError
		if errors.As(err, &apiErr) && apiErr.RequestID != "" {
			attrs = append(attrs, slog.String("request_id", safetext.Clean(apiErr.RequestID, safetext.MaxID)))
		}
	}
	attrs = append(attrs, extra...)
	logger.LogAttrs(r.Context(), level, "embedding: session token handler", attrs...)
}
