// Package redisserver runs a real redis-server for the module's tests and measurements: on a free
// loopback port, with persistence off, in a temporary directory of its own.
package redisserver

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// InstallHint says how to get redis-server on Debian or Ubuntu.
const InstallHint = "apt-get install redis-server"

// ErrNotInstalled means redis-server is not on the PATH.
var ErrNotInstalled = errors.New("redis-server is not installed (" + InstallHint + ")")

// Server is a running redis-server.
type Server struct {
	Addr string // host:port on 127.0.0.1

	cmd      *exec.Cmd
	dir      string
	stopOnce sync.Once
	done     chan struct{} // closed when the process has exited
}

// readyLine is what redis-server logs once it accepts connections.
const readyLine = "Ready to accept connections"

// Start starts redis-server and returns once it accepts connections. Call Stop when done.
func Start() (*Server, error) {
	path, err := exec.LookPath("redis-server")
	if err != nil {
		return nil, ErrNotInstalled
	}
	// Another process may take the free port between our probe and redis-server's bind: then
	// redis-server exits before it is ready, and another port is tried.
	var lastErr error
	for range 5 {
		s, err := start(path)
		if err == nil {
			return s, nil
		}
		lastErr = err
	}
	return nil, lastErr
}

func start(path string) (*Server, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "redisserver-")
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(context.Background(), path, //nolint:gosec // redis-server from the PATH, with our own flags
		"--port", strconv.Itoa(port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--dir", dir, "--logfile", "",
		"--daemonize", "no", "--protected-mode", "yes")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		_ = os.RemoveAll(dir)
		return nil, err
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		_ = os.RemoveAll(dir)
		return nil, fmt.Errorf("start redis-server: %w", err)
	}
	s := &Server{Addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), cmd: cmd, dir: dir, done: make(chan struct{})}
	ready := make(chan struct{})
	var log strings.Builder // what it said before it was ready, for the error
	go func() {
		sc := bufio.NewScanner(stdout)
		signalled := false
		for sc.Scan() {
			if !signalled {
				log.WriteString(sc.Text() + "\n")
				if strings.Contains(sc.Text(), readyLine) {
					signalled = true
					close(ready)
				}
			}
		}
		_, _ = io.Copy(io.Discard, stdout)
		_ = cmd.Wait()
		close(s.done)
	}()
	timer := time.NewTimer(readyTimeout)
	defer timer.Stop()
	select {
	case <-ready:
		return s, nil
	case <-s.done:
		_ = os.RemoveAll(dir)
		return nil, fmt.Errorf("redis-server exited before it was ready:\n%s", log.String())
	case <-timer.C:
		_ = cmd.Process.Kill()
		<-s.done // the log is complete, and no longer written
		_ = os.RemoveAll(dir)
		return nil, fmt.Errorf("redis-server was not ready after %v; it said:\n%s", readyTimeout, log.String())
	}
}

// readyTimeout bounds the wait for redis-server to accept connections: it takes milliseconds,
// and a hung start must fail the test with what it printed rather than hang it.
var readyTimeout = 30 * time.Second

// freePort returns a loopback TCP port that was free a moment ago.
func freePort() (int, error) {
	ln, err := (&net.ListenConfig{}).Listen(context.Background(), "tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// Pid is redis-server's process ID, for a test that pauses it (SIGSTOP) to stand for a Redis
// that hangs.
func (s *Server) Pid() int { return s.cmd.Process.Pid }

// Stop stops redis-server, waits until it has exited and removes its directory. Calling it again
// does nothing.
func (s *Server) Stop() {
	s.stopOnce.Do(func() {
		_ = s.cmd.Process.Signal(syscall.SIGTERM)
		<-s.done
		_ = os.RemoveAll(s.dir)
	})
}

// ForTest starts redis-server for t and stops it when t ends. Without redis-server, the test is
// skipped, or fails when CI=true, where a skipped Redis test would hide a missing install step.
func ForTest(t testing.TB) *Server {
	t.Helper()
	s, err := Start()
	if errors.Is(err, ErrNotInstalled) {
		if os.Getenv("CI") == "true" {
			t.Fatalf("redis-server is not installed, and CI=true: %s (.ci/run does it)", InstallHint)
		}
		t.Skip("redis-server is not installed: " + InstallHint)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Stop)
	return s
}
