package browsertest

import (
	"context"
	"os"
	"os/exec"
	"testing"

	"github.com/chromedp/chromedp"
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

// startChromium starts headless Chromium for the test and returns the context of the browser,
// stopped when the test ends. Each tab of newTab gets a browser context of its own, with its own
// cookies.
func startChromium(t *testing.T) context.Context {
	t.Helper()
	path := findChromium(t)
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
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(800, 480),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	browserCtx, cancelBrowser := chromedp.NewContext(allocCtx)
	// Cleanups run last in, first out: the browser stops before its user data directory goes.
	t.Cleanup(func() {
		cancelBrowser()
		cancelAlloc()
	})
	if err := chromedp.Do(browserCtx); err != nil {
		t.Fatalf("starting Chromium (%s): %v", path, err)
	}
	return browserCtx
}

// newTab opens a tab in a new browser context (cookies of its own), closed when the test ends.
func newTab(t *testing.T, browser context.Context) context.Context {
	t.Helper()
	ctx, cancel := chromedp.NewContext(browser, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("opening a tab: %v", err)
	}
	return ctx
}
