// Command modproxy builds a file-system Go module proxy that serves this repository's committed
// tree as one version of the module, zipped exactly as a public proxy zips a tag
// (golang.org/x/mod/zip, from git). CI points GOPROXY at it to install the module the way an
// integrator does, and modproxy refuses what should never reach an integrator: tracked
// executables, tracked files over 1 MiB outside testdata/, and a module zip over 1 MiB.
//
//	go run ./internal/cmd/modproxy -out DIR [-version v0.1.0] [-rev HEAD]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/mod/module"
	modzip "golang.org/x/mod/zip"
)

const (
	modulePath = "github.com/reeflow/reeflow-go"
	// maxFileSize and maxZipSize bound what a `go get` of this module downloads.
	maxFileSize = 1 << 20
	maxZipSize  = 1 << 20
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "modproxy:", err)
		os.Exit(1)
	}
}

func run(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("modproxy", flag.ContinueOnError)
	out := fs.String("out", "", "directory to write the proxy into (required)")
	version := fs.String("version", "v0.1.0", "version the committed tree is served as")
	rev := fs.String("rev", "HEAD", "git revision to serve")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *out == "" {
		return errors.New("-out is required")
	}
	root, err := git("", "rev-parse", "--show-toplevel")
	if err != nil {
		return err
	}
	root = strings.TrimSpace(root)

	tracked, err := trackedFiles(root, *rev)
	if err != nil {
		return err
	}
	if problems := checkTracked(tracked); len(problems) > 0 {
		return fmt.Errorf("tracked files that must not be in the module:\n  %s", strings.Join(problems, "\n  "))
	}
	fmt.Fprintf(stdout, "tracked files: %d, none executable, none over %d bytes outside testdata/\n", len(tracked), maxFileSize)

	size, err := writeProxy(*out, root, *rev, *version)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "module zip %s@%s: %d bytes (limit %d)\n", modulePath, *version, size, maxZipSize)
	if size > maxZipSize {
		return fmt.Errorf("module zip is %d bytes, over the %d-byte limit: find what is large with `git ls-files | xargs ls -lS | head`", size, maxZipSize)
	}
	return nil
}

// trackedFile is a file in the git tree at a revision.
type trackedFile struct {
	path string
	mode string // git's mode: 100644, 100755, 120000 (symlink), 160000 (submodule)
	size int64
	head []byte // the first bytes, enough to recognise an executable format
}

func trackedFiles(root, rev string) ([]trackedFile, error) {
	listing, err := git(root, "ls-tree", "-r", "-l", "-z", rev)
	if err != nil {
		return nil, err
	}
	var files []trackedFile
	for _, entry := range strings.Split(strings.TrimSuffix(listing, "\x00"), "\x00") {
		// "<mode> <type> <object> <size>\t<path>"
		meta, path, ok := strings.Cut(entry, "\t")
		fields := strings.Fields(meta)
		if !ok || len(fields) != 4 {
			return nil, fmt.Errorf("unexpected git ls-tree line %q", entry)
		}
		f := trackedFile{path: path, mode: fields[0]}
		if fields[1] != "blob" {
			files = append(files, f)
			continue
		}
		if _, err := fmt.Sscan(fields[3], &f.size); err != nil {
			return nil, fmt.Errorf("size of %s: %w", path, err)
		}
		head, err := gitHead(root, fields[2])
		if err != nil {
			return nil, err
		}
		f.head = head
		files = append(files, f)
	}
	return files, nil
}

// checkTracked returns one line per tracked file that must not ship in the module.
func checkTracked(files []trackedFile) []string {
	var problems []string
	for _, f := range files {
		if kind := executableKind(f); kind != "" {
			problems = append(problems, fmt.Sprintf("%s: %s", f.path, kind))
		}
		if f.size > maxFileSize && !inTestdata(f.path) {
			problems = append(problems, fmt.Sprintf("%s: %d bytes, over %d outside testdata/", f.path, f.size, maxFileSize))
		}
	}
	return problems
}

// executableKind names the executable format of f, or returns "" when f is not one. Scripts
// with an executable bit are fine when they start with "#!"; any other executable file is a
// build output.
func executableKind(f trackedFile) string {
	h := f.head
	switch {
	case len(h) >= 4 && string(h[:4]) == "\x7fELF":
		return "ELF executable"
	case len(h) >= 4 && isMachO(h[:4]):
		return "Mach-O executable"
	case len(h) >= 2 && string(h[:2]) == "MZ":
		return "PE (Windows) executable"
	case f.mode == "100755" && (len(h) < 2 || string(h[:2]) != "#!"):
		return "executable bit set on a file that is not a #! script"
	}
	return ""
}

func isMachO(magic []byte) bool {
	switch string(magic) {
	case "\xfe\xed\xfa\xce", "\xfe\xed\xfa\xcf", "\xce\xfa\xed\xfe", "\xcf\xfa\xed\xfe", "\xca\xfe\xba\xbe":
		return true
	}
	return false
}

func inTestdata(path string) bool {
	return path == "testdata" || strings.HasPrefix(path, "testdata/") || strings.Contains(path, "/testdata/")
}

// writeProxy writes the module at rev into dir in the layout GOPROXY=file://dir expects and
// returns the zip's size.
func writeProxy(dir, root, rev, version string) (int64, error) {
	m := module.Version{Path: modulePath, Version: version}
	escaped, err := module.EscapePath(modulePath)
	if err != nil {
		return 0, err
	}
	vdir := filepath.Join(dir, filepath.FromSlash(escaped), "@v")
	if err := os.MkdirAll(vdir, 0o750); err != nil {
		return 0, err
	}
	zipPath := filepath.Join(vdir, version+".zip")
	zf, err := os.Create(zipPath) //nolint:gosec // the proxy directory CI asked for
	if err != nil {
		return 0, err
	}
	if err := modzip.CreateFromVCS(zf, m, root, rev, ""); err != nil {
		_ = zf.Close()
		return 0, fmt.Errorf("zip the module: %w", err)
	}
	if err := zf.Close(); err != nil {
		return 0, err
	}
	gomod, err := git(root, "show", rev+":go.mod")
	if err != nil {
		return 0, err
	}
	info := fmt.Sprintf(`{"Version":%q,"Time":%q}`+"\n", version, time.Now().UTC().Format(time.RFC3339))
	for name, content := range map[string]string{"list": version + "\n", version + ".mod": gomod, version + ".info": info} {
		if err := os.WriteFile(filepath.Join(vdir, name), []byte(content), 0o600); err != nil {
			return 0, err
		}
	}
	st, err := os.Stat(zipPath)
	if err != nil {
		return 0, err
	}
	return st.Size(), nil
}

func git(dir string, args ...string) (string, error) {
	cmd := exec.CommandContext(context.Background(), "git", args...) //nolint:gosec // git, with arguments this program builds
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			return "", fmt.Errorf("git %s: %w: %s", strings.Join(args, " "), err, exit.Stderr)
		}
		return "", fmt.Errorf("git %s: %w", strings.Join(args, " "), err)
	}
	return string(out), nil
}

// gitHead returns the first bytes of a blob.
func gitHead(root, object string) ([]byte, error) {
	cmd := exec.CommandContext(context.Background(), "git", "cat-file", "blob", object) //nolint:gosec // an object name git listed
	cmd.Dir = root
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	head := make([]byte, 4)
	n, _ := io.ReadFull(stdout, head)
	_, _ = io.Copy(io.Discard, stdout)
	if err := cmd.Wait(); err != nil {
		return nil, fmt.Errorf("git cat-file %s: %w", object, err)
	}
	return head[:n], nil
}
