package browsertest

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/reeflow/reeflow-go/reeflow/reeflowtest"
)

// repoRoot is the SDK's repository, which holds the embedding guide's screenshot.
const repoRoot = "../../.."

// buildEmbed builds examples/embed (the module this package is in), as a user runs it, into a
// temporary directory.
func buildEmbed(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "embed")
	cmd := exec.CommandContext(t.Context(), "go", "build", "-o", bin, ".")
	cmd.Dir = ".."
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "go build examples/embed:\n%s", out)
	return bin
}

// embedApp is a running examples/embed.
type embedApp struct {
	URL string
	out *lockedBuffer // what it printed: its address, then its log
}

// openLine is what examples/embed prints once it listens.
var openLine = regexp.MustCompile(`Open (http://127\.0\.0\.1:\d+)/`)

// startEmbed runs the built example on a random loopback port against fake, as a user runs it
// against Reeflow: credentials and base URL from the environment. It is stopped with SIGINT
// when the test ends.
func startEmbed(t *testing.T, bin string, fake *reeflowtest.Server, args ...string) *embedApp {
	t.Helper()
	key := fake.Key()
	cmd := exec.Command(bin, append([]string{"-addr", "127.0.0.1:0"}, args...)...) //nolint:gosec // the binary the test built
	cmd.Env = append(os.Environ(),
		"REEFLOW_API_KEY_ID="+key.ID,
		"REEFLOW_API_KEY_SECRET="+key.Secret,
		"REEFLOW_BASE_URL="+fake.URL,
		"REEFLOW_AUTH_MODE=",
	)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	out := &lockedBuffer{}
	cmd.Stderr = out
	require.NoError(t, cmd.Start())

	urls := make(chan string, 1)
	copied := make(chan struct{})
	go func() {
		defer close(copied)
		lines := bufio.NewScanner(stdout)
		for lines.Scan() {
			_, _ = out.Write(append(lines.Bytes(), '\n'))
			if m := openLine.FindSubmatch(lines.Bytes()); m != nil {
				urls <- string(m[1])
			}
		}
		_, _ = io.Copy(out, stdout) // a line too long for the scanner
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		<-copied // stdout ends when the process exits
		if err := cmd.Wait(); err != nil {
			t.Errorf("examples/embed: %v\n%s", err, out)
		}
	})
	select {
	case u := <-urls:
		return &embedApp{URL: u, out: out}
	case <-copied:
		t.Fatalf("examples/embed exited before it listened:\n%s", out)
	case <-time.After(30 * time.Second):
		t.Fatalf("examples/embed did not say where it listens within 30 s:\n%s", out)
	}
	return nil
}

// do sends a request to the app with the cookies given, as another request of the same user
// would, and returns the response, not following a redirect, and its body.
func (a *embedApp) do(t *testing.T, method, path string, cookies []*http.Cookie) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), method, a.URL+path, nil)
	require.NoError(t, err)
	for _, c := range cookies {
		req.AddCookie(c)
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	defer client.CloseIdleConnections()
	resp, err := client.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp, string(body)
}

// lockedBuffer collects a process's output while the test reads it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// standInScript replaces Reeflow's web component, whose script is not reachable from here: it
// defines <reeflow-provider> and records every auth-token it is given, with the time, in
// window.__tokens. Like a real component, it shows something, never the token.
const standInScript = `
window.__tokens = [];
customElements.define("reeflow-provider", class extends HTMLElement {
  static observedAttributes = ["auth-token"];
  connectedCallback() {
    const panel = document.createElement("div");
    panel.className = "stand-in";
    panel.style.cssText = "display:grid;place-items:center;min-height:10rem;background:#f3f5fa;color:#4a5468";
    panel.textContent = "Reeflow's dashboard renders here (a stand-in for its web component)";
    this.append(panel);
  }
  attributeChangedCallback(name, old, value) {
    window.__tokens.push({ token: value, at: Date.now() });
  }
});
`

// serveStandIn serves the stand-in at /reeflow.js, and a 404 at any other path, as a wrong
// -sdk-url gets.
func serveStandIn(t *testing.T) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /reeflow.js", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/javascript")
		_, _ = io.Copy(w, strings.NewReader(standInScript))
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}
