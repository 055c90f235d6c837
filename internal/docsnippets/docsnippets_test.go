package docsnippets_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/reeflow/reeflow-go/internal/testlog"
	"github.com/reeflow/reeflow-go/reeflow"
	"github.com/reeflow/reeflow-go/reeflow/reeflowtest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// documents are the pages whose Go snippets must each be run by a test of this package.
var documents = []string{"../../README.md", "../../docs/options.md"}

// TestSnippetsAreTheTestedCode: every Go snippet of the documents, except a bare import, is
// found line for line in snippets_test.go (a program's snippet: the body of its main), so a
// snippet cannot change without the code the tests run changing with it.
func TestSnippetsAreTheTestedCode(t *testing.T) {
	t.Parallel()
	source, err := os.ReadFile("snippets_test.go")
	require.NoError(t, err)
	tested := strings.Split(string(source), "\n")
	for _, doc := range documents {
		text, err := os.ReadFile(doc)
		require.NoError(t, err)
		blocks := goBlocks(string(text))
		require.NotEmpty(t, blocks, doc)
		for _, b := range blocks {
			lines := snippetLines(b.code)
			if lines == nil {
				continue
			}
			assert.True(t, containsLines(tested, lines),
				"%s:%d: this snippet is not in snippets_test.go: copy it there, verbatim, into a function a test runs\n%s", doc, b.line, b.code)
		}
	}
}

type goBlock struct {
	line int // where the block starts in its document, 1-based
	code string
}

// goBlocks returns the ```go blocks of a Markdown text.
func goBlocks(text string) []goBlock {
	var blocks []goBlock
	var cur *goBlock
	var code []string
	for i, line := range strings.Split(text, "\n") {
		switch {
		case cur == nil && strings.TrimSpace(line) == "```go":
			cur, code = &goBlock{line: i + 1}, nil
		case cur != nil && strings.TrimSpace(line) == "```":
			cur.code = strings.Join(code, "\n")
			blocks = append(blocks, *cur)
			cur = nil
		case cur != nil:
			code = append(code, line)
		}
	}
	return blocks
}

// snippetLines returns the lines a snippet must be found as: a program's main body, or the
// snippet itself; nil for a bare import, which calls nothing.
func snippetLines(code string) []string {
	lines := strings.Split(strings.TrimRight(code, "\n"), "\n")
	if strings.HasPrefix(strings.TrimSpace(code), "import ") && len(lines) == 1 {
		return nil
	}
	if strings.HasPrefix(code, "package main") {
		start := indexOf(lines, "func main() {")
		end := lastIndexOf(lines, "}")
		if start < 0 || end <= start {
			return lines // not found as such: reported by the caller
		}
		return lines[start+1 : end]
	}
	return lines
}

// containsLines reports whether want appears in lines as consecutive lines, all at the same
// depth: as written, or indented by one tab (inside a function).
func containsLines(lines, want []string) bool {
	for _, indent := range []string{"", "\t"} {
		for i := 0; i+len(want) <= len(lines); i++ {
			match := true
			for j, w := range want {
				if w != "" {
					w = indent + w
				}
				if lines[i+j] != w {
					match = false
					break
				}
			}
			if match {
				return true
			}
		}
	}
	return false
}

func indexOf(lines []string, s string) int {
	for i, l := range lines {
		if l == s {
			return i
		}
	}
	return -1
}

func lastIndexOf(lines []string, s string) int {
	for i := len(lines) - 1; i >= 0; i-- {
		if lines[i] == s {
			return i
		}
	}
	return -1
}

// TestSnippetCheckSeesAChange: the check above fails for a snippet that differs from its copy
// by one character, and for one whose copy is missing.
func TestSnippetCheckSeesAChange(t *testing.T) {
	t.Parallel()
	tested := []string{"func f() {", "\tx := 1", "\treturn x", "}"}
	assert.True(t, containsLines(tested, []string{"x := 1", "return x"}))
	assert.False(t, containsLines(tested, []string{"x := 2", "return x"}))
	assert.False(t, containsLines(tested, []string{"x := 1", "", "return x"}))
	assert.False(t, containsLines(tested, []string{"\tx := 1", "return x"}), "every line at the same depth")
	blocks := goBlocks("text\n```go\nimport \"x\"\n```\n```sh\nls\n```\n```go\npackage main\n\nfunc main() {\n\tf()\n}\n```\n")
	require.Len(t, blocks, 2)
	assert.Nil(t, snippetLines(blocks[0].code))
	assert.Equal(t, []string{"\tf()"}, snippetLines(blocks[1].code))
	assert.Equal(t, 8, blocks[1].line)
}

// serverFromEnv starts a plain-HTTP fake on loopback and points the environment at it, as a
// reader who exported REEFLOW_API_KEY_ID and REEFLOW_API_KEY_SECRET would have.
func serverFromEnv(t *testing.T, opts ...reeflowtest.Option) *reeflowtest.Server {
	t.Helper()
	srv := reeflowtest.NewServer(t, append([]reeflowtest.Option{reeflowtest.WithoutTLS()}, opts...)...)
	t.Setenv("REEFLOW_API_KEY_ID", srv.Key().ID)
	t.Setenv("REEFLOW_API_KEY_SECRET", srv.Key().Secret)
	t.Setenv("REEFLOW_BASE_URL", srv.URL)
	t.Setenv("REEFLOW_AUTH_MODE", "")
	return srv
}

func TestReadmeFirstProgram(t *testing.T) {
	srv := serverFromEnv(t)
	readmeFirstProgram()
	reqs := srv.Requests()
	require.Len(t, reqs, 2)
	assert.Equal(t, "GET /connections 200", reqs[0].Method+" "+reqs[0].Path+" "+itoa(reqs[0].Status))
	assert.Equal(t, "POST /sessions 201", reqs[1].Method+" "+reqs[1].Path+" "+itoa(reqs[1].Status))
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

func TestReadmeCreateConnection(t *testing.T) {
	t.Parallel()
	srv := reeflowtest.NewServer(t)
	conn, err := readmeCreateConnection(t.Context(), srv.Client(), "db-password")
	require.NoError(t, err)
	stored := srv.Connections()
	require.Len(t, stored, 1)
	assert.Equal(t, conn.ID, stored[0].ID)
	assert.Equal(t, "db-password", stored[0].Config.(reeflow.PostgresConfig).Password)
}

func TestReadmeDo(t *testing.T) {
	t.Parallel()
	srv := reeflowtest.NewServer(t)
	srv.Handle("GET", "/embedded-users/{id}", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"id": r.PathValue("id")})
	}))
	user, err := readmeDo(t.Context(), srv.Client(), "user 42")
	require.NoError(t, err)
	assert.Equal(t, "user 42", user["id"])
	assert.Equal(t, "/embedded-users/user%2042", srv.Requests()[0].Path, "the ID is escaped")
}

type user struct{ ID, TenantID, Region string }

// currentUser stands for the application's own login session: here a header.
func currentUser(r *http.Request) (user, bool) {
	id := r.Header.Get("X-Test-User")
	return user{ID: id, TenantID: "acme", Region: "eu"}, id != ""
}

// TestReadmeEmbedding registers the README's handler on a fresh http.DefaultServeMux (the
// snippet uses http.Handle), then asks it for a token as the page would.
func TestReadmeEmbedding(t *testing.T) {
	srv := reeflowtest.NewServer(t)
	saved := http.DefaultServeMux
	http.DefaultServeMux = http.NewServeMux()
	t.Cleanup(func() { http.DefaultServeMux = saved })
	require.NoError(t, readmeEmbedding(srv.Client()))

	rec := httptest.NewRecorder()
	http.DefaultServeMux.ServeHTTP(rec, httptest.NewRequestWithContext(t.Context(), http.MethodPost, "/reeflow/session", nil))
	assert.Equal(t, http.StatusUnauthorized, rec.Code, "no login session")

	req := httptest.NewRequestWithContext(t.Context(), http.MethodPost, "/reeflow/session", nil)
	req.Header.Set("X-Test-User", "ada")
	rec = httptest.NewRecorder()
	http.DefaultServeMux.ServeHTTP(rec, req)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	var got struct{ Token string }
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &got))
	claims, err := srv.ParseSessionToken(got.Token)
	require.NoError(t, err)
	assert.Equal(t, "ada", claims.UserID)
	assert.Equal(t, "acme", claims.OrganizationID)
	assert.Equal(t, "eu", claims.UserAttributes["region"])
}

func TestReadmeErrors(t *testing.T) {
	t.Parallel()
	srv := reeflowtest.NewServer(t)
	client := srv.Client(reeflow.WithMaxRetries(0))
	require.NoError(t, readmeErrors(t.Context(), client, "conn_gone"), "not found is handled")
	disabled := srv.AddKey("disabled")
	srv.DisableKey(disabled.ID)
	require.NoError(t, readmeErrors(t.Context(), srv.Client(reeflow.WithBasicAuth(disabled.ID, disabled.Secret)), "conn_1"),
		"a disabled key is handled")
	srv.FailNext(1, http.StatusServiceUnavailable, 0)
	err := readmeErrors(t.Context(), client, "conn_1")
	require.ErrorIs(t, err, reeflow.ErrServer, "anything else is returned")
}

func TestReadmeOptions(t *testing.T) {
	srv := serverFromEnv(t)
	seeded, err := srv.SeedConnection(reeflow.Connection{ID: "conn_1", Name: "db", Config: reeflow.PostgresConfig{
		Host: "h", Port: 5432, Database: "d", User: "u", SSL: true,
	}})
	require.NoError(t, err)
	logs := &testlog.Sink{}
	srv.FailNext(1, http.StatusServiceUnavailable, 0)
	err = readmeOptions(t.Context(), logs.Logger(), seeded.ID)
	require.NoError(t, err, "the list failed once and was not retried; the get succeeded")
	reqs := srv.Requests()
	require.Len(t, reqs, 2)
	assert.Equal(t, http.StatusServiceUnavailable, reqs[0].Status)
	assert.Equal(t, "/connections/conn_1", reqs[1].Path)
	assert.NotEmpty(t, logs.String(), "the client logs through the given logger")
}

func TestOptionsPerCall(t *testing.T) {
	srv := serverFromEnv(t)
	srv.FailNext(1, http.StatusServiceUnavailable, 0)
	require.ErrorIs(t, optionsPerCall(t.Context()), reeflow.ErrServer, "no retry for this call")
	require.NoError(t, optionsPerCall(t.Context()))
}

// TestOptionsUnmodeledFields: the docs' WithBodyField example passes against a fake that
// accepts fields the spec lacks, and the field and header reach it.
func TestOptionsUnmodeledFields(t *testing.T) {
	t.Parallel()
	srv := reeflowtest.NewServer(t, reeflowtest.WithUnknownFields())
	params := reeflow.CreateConnectionParams{Name: "Analytics", Config: reeflow.PostgresConfig{
		Host: "db.example.com", Port: 5432, Database: "analytics", User: "reader", Password: "pw", SSL: true,
	}}
	require.NoError(t, optionsUnmodeledFields(t.Context(), srv.Client(), params, "trace-1"))
	got := srv.Requests()[0]
	assert.Equal(t, "trace-1", got.Header.Get("X-Trace-Id"))
	var body struct{ Config map[string]any }
	require.NoError(t, json.Unmarshal(got.Body, &body))
	assert.Equal(t, "verify-full", body.Config["sslmode"])
	assert.Len(t, srv.Connections(), 1)
}

func TestOptionsHMAC(t *testing.T) {
	srv := serverFromEnv(t)
	client, err := optionsHMAC(srv.Key().ID, srv.Key().Secret)
	require.NoError(t, err)
	_, err = client.Connections.List(t.Context())
	require.NoError(t, err)
	assert.Equal(t, reeflow.AuthHMAC, srv.Requests()[0].AuthMode)
}

// provisionTenant stands for the reader's code in README.md's test: it stores one connection.
func provisionTenant(ctx context.Context, client *reeflow.Client, tenant string) error {
	_, err := client.Connections.Create(ctx, reeflow.CreateConnectionParams{Name: tenant, Config: reeflow.PostgresConfig{
		Host: "db." + tenant + ".internal", Port: 5432, Database: tenant, User: "reeflow", Password: "pw", SSL: true,
	}})
	if err != nil {
		return errors.Join(errors.New("provision "+tenant), err)
	}
	return nil
}
