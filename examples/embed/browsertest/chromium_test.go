package browsertest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// chromiumNames are the names Chromium goes by on PATH, Debian's first.
var chromiumNames = []string{"chromium", "chromium-browser"}

// findChromium returns Chromium's path. Without it the test skips, except on CI, where the
// browser test not running is a failure: .ci/run installs Chromium.
func findChromium(t *testing.T) string {
	t.Helper()
	for _, name := range chromiumNames {
		if path, err := exec.LookPath(name); err == nil {
			return path
		}
	}
	const msg = "Chromium not found on PATH: install it (Debian: apt-get install -y chromium) to run the browser test"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// startTimeout bounds starting Chromium and opening a tab: a Chromium that hangs fails the test
// within it, rather than holding CI until go test's own timeout, ten minutes later.
const startTimeout = 30 * time.Second

// startChromium starts headless Chromium for the test and returns the context of the browser,
// stopped when the test ends. Each tab of newTab gets a browser context of its own, with its own
// cookies.
func startChromium(t *testing.T) context.Context {
	t.Helper()
	path := findChromium(t)
	browserCtx, stop, err := launchChromium(path, t.TempDir(), startTimeout)
	if err != nil {
		t.Fatalf("starting Chromium (%s): %v", path, err)
	}
	t.Cleanup(stop)
	return browserCtx
}

// launchChromium starts the Chromium at path with its user data in dir, and returns the context
// of the browser and the function that stops it. Chromium that has not answered within limit
// is stopped, and that is the error.
func launchChromium(path, dir string, limit time.Duration) (context.Context, func(), error) {
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		// Chromium runs as root here (and in CI containers) only without its sandbox; the test
		// loads nothing but its own loopback pages.
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		// Nothing reaches the internet from here: without these, Chromium's own connections
		// fail at every start, many at a time.
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.NoFirstRun,
		chromedp.UserDataDir(dir),
		chromedp.WindowSize(800, 480),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	browserCtx, cancelBrowser := chromedp.NewContext(allocCtx)
	// The browser stops before its user data directory goes (t.TempDir's cleanup runs after).
	stop := func() {
		cancelBrowser()
		cancelAlloc()
	}
	if err := firstRun(browserCtx, stop, limit); err != nil {
		return nil, nil, err
	}
	return browserCtx, stop, nil
}

// newTab opens a tab in a new browser context (cookies of its own), closed when the test ends.
func newTab(t *testing.T, browser context.Context) context.Context {
	t.Helper()
	ctx, cancel := chromedp.NewContext(browser, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	if err := firstRun(ctx, cancel, startTimeout); err != nil {
		t.Fatalf("opening a tab: %v", err)
	}
	return ctx
}

// firstRun runs nothing on ctx, which starts its browser or opens its tab, and cancels ctx with
// cancel when that takes longer than limit. That first run cannot be given a deadline of its
// own: chromedp binds the life of the browser or tab to the context of the first run.
func firstRun(ctx context.Context, cancel func(), limit time.Duration) error {
	done := make(chan error, 1)
	go func() { done <- chromedp.Do(ctx) }()
	timer := time.NewTimer(limit)
	defer timer.Stop()
	select {
	case err := <-done:
		if err != nil {
			cancel()
		}
		return err
	case <-timer.C:
		cancel()
		return errors.Join(fmt.Errorf("no answer from Chromium within %s", limit), <-done)
	}
}

// TestLaunchChromiumGivesUpOnAHungBrowser starts a "Chromium" that says where it listens but
// never answers there: launchChromium fails within its limit instead of waiting for ever.
func TestLaunchChromiumGivesUpOnAHungBrowser(t *testing.T) {
	ln, err := (&net.ListenConfig{}).Listen(t.Context(), "tcp", "127.0.0.1:0")
	require.NoError(t, err)
	var held sync.WaitGroup
	held.Go(func() {
		var conns []net.Conn // held open, unanswered, until the test ends
		for {
			c, err := ln.Accept()
			if err != nil {
				for _, c := range conns {
					_ = c.Close()
				}
				return
			}
			conns = append(conns, c)
		}
	})
	t.Cleanup(func() {
		_ = ln.Close()
		held.Wait()
	})
	dir := t.TempDir()
	hung := filepath.Join(dir, "hung-chromium")
	script := "#!/bin/sh\necho 'DevTools listening on ws://" + ln.Addr().String() + "/devtools/browser/hung' >&2\nexec sleep 600\n"
	require.NoError(t, os.WriteFile(hung, []byte(script), 0o700)) //nolint:gosec // an executable of the test's own

	const limit = 2 * time.Second
	began := time.Now()
	_, _, err = launchChromium(hung, t.TempDir(), limit)
	require.ErrorContains(t, err, "no answer from Chromium within 2s")
	assert.Less(t, time.Since(began), limit+10*time.Second, "gave up long after the limit")
}
