package main

import (
	"bufio"
	"context"
	"io"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// redisInstallHint says how to get redis-server on Debian or Ubuntu.
const redisInstallHint = "apt-get install redis-server"

// startRedis runs a real redis-server for the test, on a free loopback port, with persistence
// off and a directory of its own, and returns its address; it is stopped when the test ends.
// Without redis-server the test skips, or fails under CI=true, where .ci/run installs it.
// (redisstore's own helper is internal to its module.)
func startRedis(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("redis-server")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("redis-server is not installed, and CI=true: %s (.ci/run does it)", redisInstallHint)
		}
		t.Skip("redis-server is not installed: " + redisInstallHint)
	}
	// Another process may take the free port between the probe and redis-server's bind: then
	// redis-server exits before it is ready, and another port is tried.
	var log string
	for range 5 {
		addr, ok, out := tryRedis(t, path)
		if ok {
			return addr
		}
		log = out
	}
	t.Fatalf("redis-server did not start:\n%s", log)
	return ""
}

// tryRedis starts redis-server once: its address and true once it accepts connections, or what
// it said before it exited.
func tryRedis(t *testing.T, path string) (addr string, ok bool, out string) {
	t.Helper()
	ln, err := (&net.ListenConfig{}).Listen(t.Context(), "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	_ = ln.Close()
	cmd := exec.CommandContext(context.Background(), path, //nolint:gosec // redis-server from the PATH, with our own flags
		"--port", strconv.Itoa(port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--dir", t.TempDir(), "--logfile", "",
		"--daemonize", "no", "--protected-mode", "yes")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		t.Fatalf("start redis-server: %v", err)
	}
	ready := make(chan struct{})
	exited := make(chan struct{}) // closed once its output has ended and it has been waited for
	var said strings.Builder      // what it said before it was ready; read after exited or ready
	go func() {
		defer close(exited)
		lines := bufio.NewScanner(stdout)
		signalled := false
		for lines.Scan() {
			if signalled {
				continue
			}
			said.WriteString(lines.Text() + "\n")
			if strings.Contains(lines.Text(), "Ready to accept connections") {
				close(ready)
				signalled = true
			}
		}
		_, _ = io.Copy(io.Discard, stdout) // a line too long for the scanner
		_ = cmd.Wait()
	}()
	stop := func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		<-exited
	}
	select {
	case <-ready:
		t.Cleanup(stop)
		return net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), true, ""
	case <-exited:
		return "", false, said.String()
	case <-time.After(30 * time.Second):
		stop()
		t.Fatalf("redis-server was not ready within 30 s")
		return "", false, ""
	}
}
