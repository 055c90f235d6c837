// Package fleet runs a fleet of an application's instances as separate processes on loopback, in
// front of one fake Reeflow and one real redis-server, for the fleet tests and measurements.
package fleet

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/reeflow/reeflow-go/reeflow/reeflowtest"
)

// instancePackage is the program each instance runs.
const instancePackage = "github.com/reeflow/reeflow-go/reeflow/embedding/redisstore/internal/fleetinstance"

// Build compiles the instance program into dir and returns its path.
func Build(dir string) (string, error) {
	bin := filepath.Join(dir, "fleetinstance")
	cmd := exec.CommandContext(context.Background(), "go", "build", "-o", bin, instancePackage) //nolint:gosec // our own package, into a directory the caller made
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("build the instance program: %w\n%s", err, out)
	}
	return bin, nil
}

// Config says what every instance of a fleet runs against.
type Config struct {
	Bin       string              // from Build
	Fake      *reeflowtest.Server // serving plain HTTP on loopback (reeflowtest.WithoutTLS)
	RedisAddr string              // "" for per-process caches
	Args      []string            // more flags for every instance, such as -lifetime
}

// Instance is one running instance.
type Instance struct {
	URL string // its token endpoint's base URL

	cmd      *exec.Cmd
	done     chan struct{}
	stopOnce sync.Once
	stderr   *strings.Builder
	mu       *sync.Mutex
}

// Start starts n instances, each once it accepts requests. On an error, those started are
// stopped.
func Start(c Config, n int) ([]*Instance, error) {
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	env := append(os.Environ(),
		"REEFLOW_BASE_URL="+c.Fake.URL,
		"REEFLOW_API_KEY_ID="+c.Fake.Key().ID,
		"REEFLOW_API_KEY_SECRET="+c.Fake.Key().Secret,
		"REEFLOW_EMBED_SEALING_KEY="+hex.EncodeToString(key), // one key for the whole fleet
	)
	args := append([]string{"-redis-addr", c.RedisAddr}, c.Args...)
	var all []*Instance
	for range n {
		inst, err := startOne(c.Bin, env, args)
		if err != nil {
			Stop(all)
			return nil, err
		}
		all = append(all, inst)
	}
	return all, nil
}

func startOne(bin string, env, args []string) (*Instance, error) {
	cmd := exec.CommandContext(context.Background(), bin, args...) //nolint:gosec // the program Build made, with the fleet's own flags
	cmd.Env = env
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	inst := &Instance{cmd: cmd, done: make(chan struct{}), stderr: &strings.Builder{}, mu: &sync.Mutex{}}
	cmd.Stderr = lockedWriter{inst.mu, inst.stderr}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	ready := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		if sc.Scan() {
			ready <- strings.TrimPrefix(sc.Text(), "listening on ")
		}
		_, _ = io.Copy(io.Discard, stdout)
		_ = cmd.Wait()
		close(inst.done)
	}()
	timer := time.NewTimer(readyTimeout)
	defer timer.Stop()
	select {
	case inst.URL = <-ready:
		return inst, nil
	case <-inst.done:
		return nil, fmt.Errorf("the instance exited before it listened: %s", inst.Stderr())
	case <-timer.C:
		_ = cmd.Process.Kill()
		<-inst.done
		return nil, fmt.Errorf("the instance did not listen within %v; it said: %s", readyTimeout, inst.Stderr())
	}
}

// readyTimeout bounds the wait for an instance to listen: it takes milliseconds, and one that
// hangs must fail the test with what it printed rather than hang it.
var readyTimeout = 30 * time.Second

// Stderr returns what the instance logged (Warn and above).
func (i *Instance) Stderr() string {
	i.mu.Lock()
	defer i.mu.Unlock()
	return i.stderr.String()
}

// Stop stops the instance and waits until it has exited.
func (i *Instance) Stop() {
	i.stopOnce.Do(func() {
		_ = i.cmd.Process.Signal(syscall.SIGTERM)
		<-i.done
	})
}

// Stop stops every instance.
func Stop(all []*Instance) {
	for _, i := range all {
		i.Stop()
	}
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// Token is what the token endpoint answers.
type Token struct {
	Token     string `json:"token"`
	ExpiresAt string `json:"expires_at"`
}

// View is one page view: it fetches user's token from the instance, as the page does.
func View(ctx context.Context, client *http.Client, inst *Instance, user string) (Token, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, inst.URL+"/reeflow/session?user="+url.QueryEscape(user), nil)
	if err != nil {
		return Token{}, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return Token{}, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return Token{}, err
	}
	if resp.StatusCode != http.StatusOK {
		return Token{}, fmt.Errorf("status %d: %s", resp.StatusCode, body)
	}
	var tok Token
	if err := json.Unmarshal(body, &tok); err != nil {
		return Token{}, err
	}
	if tok.Token == "" {
		return Token{}, errors.New("no token in the answer")
	}
	return tok, nil
}

// SessionCreates counts the POST /sessions the fake has answered.
func SessionCreates(fake *reeflowtest.Server) int {
	n := 0
	for _, r := range fake.Requests() {
		if r.Method == http.MethodPost && r.Path == "/sessions" {
			n++
		}
	}
	return n
}
