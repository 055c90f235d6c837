// Command fleetinstance is one instance of an application's fleet, for the fleet tests and
// measurements: the token endpoint of package embedding over a Cache that keeps its tokens in
// Redis through redisstore, as an application behind a load balancer would serve it.
//
//	REEFLOW_API_KEY_ID=… REEFLOW_API_KEY_SECRET=… REEFLOW_BASE_URL=… \
//	REEFLOW_EMBED_SEALING_KEY=<64 hex digits> fleetinstance -redis-addr 127.0.0.1:6379
//
// The user is whoever the request's ?user= names (a test stand-in for a login). Without
// -redis-addr the cache keeps its tokens in its own memory, as a fleet without a shared store
// does. It prints "listening on <URL>" once it accepts requests, and stops on SIGINT or SIGTERM.
package main

import (
	"context"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/reeflow/reeflow-go/reeflow"
	"github.com/reeflow/reeflow-go/reeflow/embedding"
	"github.com/reeflow/reeflow-go/reeflow/embedding/redisstore"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "fleetinstance:", err)
		os.Exit(2)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	flags := flag.NewFlagSet("fleetinstance", flag.ContinueOnError)
	flags.SetOutput(stderr)
	addr := flags.String("addr", "127.0.0.1:0", "listen address")
	redisAddr := flags.String("redis-addr", "", "Redis to share tokens through (host:port); none: a per-process cache")
	lifetime := flags.Duration("lifetime", 0, "token lifetime (0: Reeflow's, one hour)")
	margin := flags.Duration("refresh-margin", 0, "refresh margin (0: the Cache's default)")
	budget := flags.Duration("budget", 0, "page-view budget of the cache and the handler (0: the default)")
	if err := flags.Parse(args); err != nil {
		return err
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	client, err := reeflow.NewClient(reeflow.WithLogger(logger))
	if err != nil {
		return err
	}
	defer client.CloseIdleConnections()
	opts := []embedding.Option{embedding.WithLogger(logger)}
	if *lifetime > 0 {
		opts = append(opts, embedding.WithSessionLifetime(*lifetime))
	}
	if *margin > 0 {
		opts = append(opts, embedding.WithRefreshMargin(*margin))
	}
	handlerOpts := []embedding.Option{embedding.WithLogger(logger), embedding.WithAllowedMethods(http.MethodGet, http.MethodPost)}
	if *budget > 0 {
		opts = append(opts, embedding.WithPageViewBudget(*budget))
		handlerOpts = append(handlerOpts, embedding.WithPageViewBudget(*budget))
	}
	if *redisAddr != "" {
		store, closeRedis, err := newStore(*redisAddr, logger)
		if err != nil {
			return err
		}
		defer closeRedis()
		opts = append(opts, embedding.WithStore(store))
	}
	cache, err := embedding.NewCache(client.Sessions, opts...)
	if err != nil {
		return err
	}
	handler, err := embedding.NewHandler(cache.Get, resolve, handlerOpts...)
	if err != nil {
		return err
	}
	return serve(ctx, *addr, handler, stdout)
}

// newStore returns the Redis store, sealing with the key in REEFLOW_EMBED_SEALING_KEY (64 hex
// digits), on a client whose timeouts fit a page view.
func newStore(addr string, logger *slog.Logger) (*redisstore.Store, func(), error) {
	key, err := hex.DecodeString(os.Getenv("REEFLOW_EMBED_SEALING_KEY"))
	if err != nil {
		return nil, nil, errors.New("REEFLOW_EMBED_SEALING_KEY is not hex")
	}
	rdb := redis.NewClient(&redis.Options{
		Addr:         addr,
		DialTimeout:  200 * time.Millisecond,
		ReadTimeout:  200 * time.Millisecond,
		WriteTimeout: 200 * time.Millisecond,
		MaxRetries:   -1, // a failed call costs one timeout, and the cache mints instead
		// The cache's deadline on each store call holds only with it (redisstore.New checks).
		ContextTimeoutEnabled: true,
	})
	store, err := redisstore.New(rdb, redisstore.WithSealingKeys(key), redisstore.WithLogger(logger))
	if err != nil {
		_ = rdb.Close()
		return nil, nil, err
	}
	return store, func() { _ = rdb.Close() }, nil
}

// resolve takes the user from ?user=: a stand-in for the application's login.
func resolve(r *http.Request) (reeflow.CreateSessionParams, error) {
	user := r.URL.Query().Get("user")
	if user == "" {
		return reeflow.CreateSessionParams{}, embedding.ErrNotLoggedIn
	}
	return reeflow.CreateSessionParams{UserID: user, UserAttributes: reeflow.Attributes{"region": "eu"}}, nil
}

// serve answers on addr until ctx is done, and says where once it listens.
func serve(ctx context.Context, addr string, h http.Handler, stdout io.Writer) error {
	ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	fmt.Fprintf(stdout, "listening on http://%s\n", ln.Addr())
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return srv.Shutdown(sctx)
}
