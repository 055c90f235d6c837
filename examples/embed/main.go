// Command embed is a small web application that embeds a Reeflow dashboard: a fake login, the
// token endpoint (embedding.NewHandler over an embedding.Cache), and a page that fetches the
// token and hands it to <reeflow-provider>. Copy the parts you need.
//
//	cd examples/embed && go run .    # then open http://127.0.0.1:8080 and log in as Alice or Bob
//
// With REEFLOW_API_KEY_ID and REEFLOW_API_KEY_SECRET set it mints real tokens; otherwise it runs
// on an embedded fake Reeflow server, whose tokens a real dashboard would refuse but which shows
// the whole flow.
//
// -session-lifetime and -refresh-margin set the tokens' lifetime and how long a token handed to
// the page stays valid (embedding.WithSessionLifetime, embedding.WithRefreshMargin); the page
// fetches a new token when half the margin is left. Short values show the refresh within seconds:
//
//	go run . -session-lifetime 20s -refresh-margin 10s
//
// With -redis-addr, several instances share one token per user through Redis
// (reeflow/embedding/redisstore), sealed with the key in REEFLOW_EMBED_SEALING_KEY (64 hex
// digits, the same on every instance), so that a user's first page views across the fleet cost
// one session:
//
//	export REEFLOW_EMBED_SEALING_KEY=$(openssl rand -hex 32)
//	go run . -addr 127.0.0.1:8081 -redis-addr 127.0.0.1:6379 &
//	go run . -addr 127.0.0.1:8082 -redis-addr 127.0.0.1:6379 &
//
// The instances must call one Reeflow too (each embedded fake is a Reeflow of its own): set the
// credentials, or run cmd/reeflow-mock as docs/embedding.md shows. Each instance keeps its own
// logins, as a fake login may; a real application shares those as well.
//
// It is a module of its own, so that go-redis and the browser test's chromedp stay out of the
// SDK's go.mod. Its page is tested in headless Chromium by the browsertest package (it needs
// Debian's chromium package, and the fleet test needs redis-server; without them the tests
// skip):
//
//	cd examples/embed && go test ./...
package main

import (
	"context"
	"crypto/rand"
	_ "embed"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"html/template"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/reeflow/reeflow-go/examples/internal/exampleenv"
	"github.com/reeflow/reeflow-go/reeflow"
	"github.com/reeflow/reeflow-go/reeflow/embedding"
	"github.com/reeflow/reeflow-go/reeflow/embedding/redisstore"
	"github.com/reeflow/reeflow-go/reeflow/reeflowtest"
)

// defaultSDKURL is where the page loads Reeflow's web components from. ASSUMED: the Reeflow
// documentation we could read shows <reeflow-provider auth-token="…"> but not where its script
// is served, so this location is a guess; pass the one Reeflow gives you with -sdk-url. The page
// works without it: it still fetches the token and says the component did not load.
const defaultSDKURL = "https://cdn.reeflow.com/sdk/latest/reeflow.js"

// tokenPath is the endpoint the page fetches its session token from.
const tokenPath = "/reeflow/session"

// defaultRefreshMargin is embedding.Cache's default, spelled out for the page's timer.
const defaultRefreshMargin = 5 * time.Minute

// sealingKeyEnv holds the key that seals the tokens in Redis, as 64 hex digits.
const sealingKeyEnv = "REEFLOW_EMBED_SEALING_KEY"

// config is what the command line and the environment set.
type config struct {
	addr       string
	sdkURL     string
	lifetime   time.Duration // 0: Reeflow's default
	margin     time.Duration
	redisAddr  string // "": the tokens stay in this process's memory
	sealingKey []byte // with redisAddr
}

func main() {
	cfg := config{}
	flag.StringVar(&cfg.addr, "addr", "127.0.0.1:8080", "listen address")
	flag.StringVar(&cfg.sdkURL, "sdk-url", defaultSDKURL, "location of Reeflow's web components script (assumed, see the source)")
	flag.DurationVar(&cfg.lifetime, "session-lifetime", 0, "lifetime of the session tokens (0: Reeflow's default, one hour)")
	flag.DurationVar(&cfg.margin, "refresh-margin", defaultRefreshMargin, "how long a token handed to the page stays valid at least")
	flag.StringVar(&cfg.redisAddr, "redis-addr", "", "Redis (host:port) through which instances share tokens, sealed with the key in "+sealingKeyEnv)
	flag.Parse()
	if cfg.redisAddr != "" {
		key, err := parseSealingKey(os.Getenv(sealingKeyEnv))
		if err != nil {
			fmt.Fprintln(os.Stderr, "embed:", err)
			os.Exit(2)
		}
		cfg.sealingKey = key
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	app, err := start(os.Stdout, cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, "embed:", err)
		os.Exit(1)
	}
	<-ctx.Done()
	if err := app.Close(); err != nil {
		fmt.Fprintln(os.Stderr, "embed:", err)
		os.Exit(1)
	}
}

// server is the running application.
type server struct {
	URL  string
	Fake *reeflowtest.Server // the embedded fake Reeflow, nil on the real API

	http    *http.Server
	release func()
}

// start serves the application on cfg.addr and tells w where.
func start(w io.Writer, cfg config) (*server, error) {
	logger := slog.New(slog.NewTextHandler(w, nil))
	client, fake, release, err := newClient(w, logger)
	if err != nil {
		return nil, err
	}
	// One cache per client, shared by every request: a user's token is reused across page
	// views until it has less than the refresh margin left.
	cacheOpts := []embedding.Option{embedding.WithRefreshMargin(cfg.margin)}
	margin := cfg.margin
	if cfg.lifetime != 0 {
		cacheOpts = append(cacheOpts, embedding.WithSessionLifetime(cfg.lifetime))
		margin = min(margin, cfg.lifetime/2) // as the cache caps it
	}
	if cfg.redisAddr != "" {
		store, closeRedis, err := newRedisStore(cfg.redisAddr, cfg.sealingKey)
		if err != nil {
			release()
			return nil, err
		}
		releaseClient := release
		release = func() { closeRedis(); releaseClient() }
		cacheOpts = append(cacheOpts, embedding.WithStore(store))
		fmt.Fprintf(w, "Sharing session tokens with other instances through Redis at %s.\n", cfg.redisAddr)
	}
	cache, err := embedding.NewCache(client.Sessions, cacheOpts...)
	if err != nil {
		release()
		return nil, err
	}
	// The page asks for a new token when half the margin is left: the cache then mints one,
	// and a slow request still gets it before the old one expires.
	handler, err := newApp(cache.Get, cfg.sdkURL, margin/2, logger)
	if err != nil {
		release()
		return nil, err
	}
	ln, err := (&net.ListenConfig{}).Listen(context.Background(), "tcp", cfg.addr)
	if err != nil {
		release()
		return nil, err
	}
	s := &server{
		URL:     "http://" + ln.Addr().String(),
		Fake:    fake,
		http:    &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: time.Minute},
		release: release,
	}
	go func() {
		if err := s.http.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			logger.Error("embed: serve", "error", err)
		}
	}()
	fmt.Fprintf(w, "Open %s/ and log in as Alice or Bob (a fake login).\n", s.URL)
	return s, nil
}

// newClient returns the Reeflow client your application creates, and a function that releases
// what it started. Without credentials in the environment it reaches an embedded fake Reeflow
// server, also returned.
func newClient(w io.Writer, logger *slog.Logger) (*reeflow.Client, *reeflowtest.Server, func(), error) {
	fakeOpts, fake, stop, err := exampleenv.FakeUnlessConfigured(w)
	if err != nil {
		return nil, nil, nil, err
	}
	// Logs each call without credentials.
	client, err := reeflow.NewClient(append(fakeOpts, reeflow.WithLogger(logger))...)
	if err != nil {
		stop()
		return nil, nil, nil, err
	}
	return client, fake, func() { client.CloseIdleConnections(); stop() }, nil
}

// newRedisStore returns the store through which instances share their tokens, and a function
// that closes its Redis client. Its timeouts fit a page view: a slow or unreachable Redis costs
// a page view a fraction of a second, after which the cache mints directly.
func newRedisStore(addr string, sealingKey []byte) (*redisstore.Store, func(), error) {
	rdb := redis.NewClient(&redis.Options{
		Addr:        addr,
		DialTimeout: 200 * time.Millisecond, ReadTimeout: 200 * time.Millisecond, WriteTimeout: 200 * time.Millisecond,
		// Without it go-redis ignores the context's deadline, and the cache's cut of a slow
		// store call with it.
		ContextTimeoutEnabled: true,
	})
	store, err := redisstore.New(rdb, redisstore.WithSealingKeys(sealingKey))
	if err != nil {
		_ = rdb.Close()
		return nil, nil, err
	}
	return store, func() { _ = rdb.Close() }, nil
}

// parseSealingKey decodes the sealing key from its 64 hex digits. Its errors never show the
// key.
func parseSealingKey(s string) ([]byte, error) {
	if s == "" {
		return nil, errors.New("-redis-addr needs a sealing key in " + sealingKeyEnv + " (64 hex digits, the same on every instance: openssl rand -hex 32)")
	}
	key, err := hex.DecodeString(s)
	if err != nil || len(key) != redisstore.SealingKeySize {
		return nil, fmt.Errorf("%s is not %d hex digits (%d random bytes: openssl rand -hex %d)",
			sealingKeyEnv, 2*redisstore.SealingKeySize, redisstore.SealingKeySize, redisstore.SealingKeySize)
	}
	return key, nil
}

// Close stops the application and what it started.
func (s *server) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := s.http.Shutdown(ctx)
	s.release()
	return err
}

// user is an account of the application, with what Reeflow's row filters need to know.
type user struct {
	ID, Name               string
	OrganizationID         string
	Attributes             reeflow.Attributes // read by RF_USER_ATTR('name') in row filters
	OrganizationAttributes reeflow.Attributes
}

// users is the application's user directory; a real one is a database.
var users = map[string]user{
	"alice": {ID: "alice", Name: "Alice", OrganizationID: "acme",
		Attributes:             reeflow.Attributes{"region": "eu", "max_level": 3},
		OrganizationAttributes: reeflow.Attributes{"plan": "enterprise"}},
	"bob": {ID: "bob", Name: "Bob", OrganizationID: "globex",
		Attributes:             reeflow.Attributes{"region": "us", "is_manager": true},
		OrganizationAttributes: reeflow.Attributes{"plan": "starter"}},
}

// app is the web application: its login sessions and pages.
type app struct {
	page          *template.Template
	sdkURL        string
	refreshBefore time.Duration // how long before a token expires the page fetches the next

	mu       sync.Mutex
	sessions map[string]string // login session ID → user ID
}

//go:embed page.html
var pageHTML string

const sessionCookie = "demo_session"

func newApp(mint func(context.Context, reeflow.CreateSessionParams) (*reeflow.Session, error), sdkURL string, refreshBefore time.Duration, logger *slog.Logger) (http.Handler, error) {
	page, err := template.New("page").Parse(pageHTML)
	if err != nil {
		return nil, err
	}
	a := &app{page: page, sdkURL: sdkURL, refreshBefore: refreshBefore, sessions: map[string]string{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", a.home)
	mux.HandleFunc("POST /login", a.login)
	mux.HandleFunc("POST /logout", a.logout)
	tokens, err := embedding.NewHandler(mint, a.resolve, embedding.WithLogger(logger))
	if err != nil {
		return nil, err
	}
	mux.Handle(tokenPath, tokens)
	// Refuse state-changing requests (log in, log out, mint a token) from other origins' pages.
	return http.NewCrossOriginProtection().Handler(mux), nil
}

// resolve tells the token handler who is logged in: embedding.ErrNotLoggedIn gives the page a
// 401.
func (a *app) resolve(r *http.Request) (reeflow.CreateSessionParams, error) {
	u, ok := a.currentUser(r)
	if !ok {
		return reeflow.CreateSessionParams{}, embedding.ErrNotLoggedIn
	}
	return reeflow.CreateSessionParams{
		UserID:                 u.ID,
		UserAttributes:         u.Attributes,
		OrganizationID:         u.OrganizationID,
		OrganizationAttributes: u.OrganizationAttributes,
	}, nil
}

func (a *app) currentUser(r *http.Request) (user, bool) {
	cookie, err := r.Cookie(sessionCookie)
	if err != nil {
		return user{}, false
	}
	a.mu.Lock()
	id, ok := a.sessions[cookie.Value]
	a.mu.Unlock()
	if !ok {
		return user{}, false
	}
	return users[id], true
}

func (a *app) home(w http.ResponseWriter, r *http.Request) {
	data := struct {
		User            *user
		Users           map[string]user
		SDKURL          string
		TokenPath       string
		RefreshBeforeMS int64
	}{Users: users, SDKURL: a.sdkURL, TokenPath: tokenPath, RefreshBeforeMS: a.refreshBefore.Milliseconds()}
	if u, ok := a.currentUser(r); ok {
		data.User = &u
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if err := a.page.Execute(w, data); err != nil {
		http.Error(w, "could not render the page", http.StatusInternalServerError)
	}
}

// login is a fake login: it trusts the user picked in the form. Yours checks a password.
func (a *app) login(w http.ResponseWriter, r *http.Request) {
	u, ok := users[r.PostFormValue("user")]
	if !ok {
		http.Error(w, "unknown user", http.StatusBadRequest)
		return
	}
	id := rand.Text()
	a.mu.Lock()
	a.sessions[id] = u.ID
	a.mu.Unlock()
	// Secure whenever the request came over HTTPS, as it must in production; the example also
	// runs on plain-HTTP loopback, where a Secure cookie would not come back.
	http.SetCookie(w, &http.Cookie{ //nolint:gosec // Secure is set for HTTPS, see above
		Name: sessionCookie, Value: id, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: r.TLS != nil,
	})
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

func (a *app) logout(w http.ResponseWriter, r *http.Request) {
	if cookie, err := r.Cookie(sessionCookie); err == nil {
		a.mu.Lock()
		delete(a.sessions, cookie.Value)
		a.mu.Unlock()
	}
	http.SetCookie(w, &http.Cookie{ //nolint:gosec // as in login
		Name: sessionCookie, Path: "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: r.TLS != nil,
	})
	http.Redirect(w, r, "/", http.StatusSeeOther)
}
