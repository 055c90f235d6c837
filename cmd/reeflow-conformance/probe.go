package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/reeflow/reeflow-go/internal/fakeapi"
	"github.com/reeflow/reeflow-go/internal/safetext"
	"github.com/reeflow/reeflow-go/reeflow"
)

// maxRequests bounds what one run sends, whatever the answers: the HMAC candidates and the
// connection's clean-up included, it stays under this.
const maxRequests = 45

// maxBody bounds a response body read by the probe; Reeflow's OpenAPI document is the largest.
const maxBody = 8 << 20

// probe runs the checks and collects their rows.
type probe struct {
	cfg    config
	base   string // without a trailing "/"
	hc     *http.Client
	tr     *http.Transport
	basic  reeflow.RequestEditorFn
	ours   *openapi3.T // openapi.yaml, as embedded in the fake
	stderr io.Writer
	now    func() time.Time
	sleep  func(ctx context.Context, d time.Duration) error

	sent       int
	rows       []Row
	secrets    []string      // scrubbed from everything printed
	skew       time.Duration // the server's Date minus the local clock, for HMAC timestamps
	leftBehind string        // set when the throwaway connection could not be deleted
	quotaReply *reply        // the first create refused for a quota, for checkQuota
}

func newProbe(cfg config, stderr io.Writer) (*probe, error) {
	if cfg.keyID == "" || cfg.secret == "" {
		return nil, fmt.Errorf("set %s and %s to the API key to check with", "REEFLOW_API_KEY_ID", "REEFLOW_API_KEY_SECRET")
	}
	// The SDK's own rules decide what a usable base URL and key are: https only (http on
	// loopback), a key ID starting with key_, a secret without stray white space.
	client, err := reeflow.NewClient(reeflow.WithBaseURL(cfg.base()), reeflow.WithBasicAuth(cfg.keyID, cfg.secret))
	if err != nil {
		return nil, err
	}
	client.CloseIdleConnections()
	basic, err := reeflow.BasicAuth(cfg.keyID, cfg.secret)
	if err != nil {
		return nil, err
	}
	ours, err := fakeapi.GetSpec()
	if err != nil {
		return nil, fmt.Errorf("load the embedded openapi.yaml: %w", err)
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	return &probe{
		cfg:  cfg,
		base: cfg.base(),
		tr:   tr,
		hc: &http.Client{
			Transport: tr,
			Timeout:   10 * time.Second, // per request
			// Credentials never follow a redirect; a redirect is itself evidence.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
		basic:  basic,
		ours:   ours,
		stderr: stderr,
		now:    time.Now,
		sleep:  sleepContext,
		secrets: []string{
			cfg.secret,
			base64.StdEncoding.EncodeToString([]byte(cfg.keyID + ":" + cfg.secret)),
		},
	}, nil
}

func (p *probe) close() { p.tr.CloseIdleConnections() }

// run runs every check, in an order that spends the request budget on the facts that need
// the fewest requests first; the HMAC candidates come last but one.
func (p *probe) run(ctx context.Context) {
	p.checkAuth(ctx)
	p.checkConnectionList(ctx)
	p.checkAPIKeys(ctx)
	p.checkSessions(ctx)
	p.checkConnectionLifecycle(ctx)
	p.checkConnectionTypes(ctx)
	p.checkQuota()
	p.checkHMAC(ctx)
	p.checkOpenAPI(ctx)
}

// reply is one response, or the reason there was none.
type reply struct {
	status int
	header http.Header
	body   []byte
	err    error
}

// signer authenticates a request whose body is body.
type signer func(req *http.Request, body []byte) error

var errBudget = fmt.Errorf("not sent: the run's budget of %d requests is spent", maxRequests)

// send sends one request. A nil body sends none; a non-nil one is sent as JSON.
func (p *probe) send(ctx context.Context, method, path string, body []byte, sign signer) reply {
	if p.sent >= maxRequests {
		return reply{err: errBudget}
	}
	r := p.sendUnbudgeted(ctx, method, path, body, sign)
	p.noteQuota(method, r)
	return r
}

// sendUnbudgeted is send without the budget, for the clean-up that must happen anyway.
func (p *probe) sendUnbudgeted(ctx context.Context, method, path string, body []byte, sign signer) reply {
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, p.base+path, r)
	if err != nil {
		return reply{err: err}
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "reeflow-conformance reeflow-go/"+reeflow.Version)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if sign != nil {
		if err := sign(req, body); err != nil {
			return reply{err: err}
		}
	}
	p.sent++
	resp, err := p.hc.Do(req)
	if err != nil {
		return reply{err: err}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return reply{err: fmt.Errorf("read the response of %s %s: %w", method, path, err)}
	}
	return reply{status: resp.StatusCode, header: resp.Header, body: b}
}

// withBasic authenticates with the key, as the SDK's Basic mode does.
func (p *probe) withBasic(req *http.Request, _ []byte) error {
	return p.basic(req.Context(), req)
}

// apiError is the SDK's reading of a failed response: its status, message and code.
func (r reply) apiError() *reeflow.APIError {
	err := reeflow.CheckResponse(&http.Response{StatusCode: r.status, Header: r.header, Body: io.NopCloser(bytes.NewReader(r.body))})
	var apiErr *reeflow.APIError
	if errors.As(err, &apiErr) {
		return apiErr
	}
	return nil
}

// ok reports whether the request got a 2xx answer.
func (r reply) ok() bool { return r.err == nil && r.status >= 200 && r.status <= 299 }

// undecided reports whether the reply cannot tell anything about the fact being checked: no
// answer, a rate limit, a quota, or a server error.
func (r reply) undecided() bool {
	return r.err != nil || r.status == http.StatusTooManyRequests || r.status >= 500 || r.quotaRefusal()
}

// String describes the reply for evidence: the status and the error message, or the media
// type and size of a body that is not an error. Never the body itself.
func (r reply) String() string {
	if r.err != nil {
		return r.err.Error()
	}
	if r.ok() {
		return fmt.Sprintf("%d%s", r.status, r.bodyKind())
	}
	if e := r.apiError(); e != nil && (e.Message != "" || e.Code != "") {
		// Neither clipped nor escaped here: a secret cut in two, or with its quotes escaped, would
		// escape redaction. report redacts, then escapes and clips.
		s := fmt.Sprintf(`%d "%s"`, r.status, e.Message)
		if e.Code != "" {
			s += " code " + e.Code
		}
		return s
	}
	if r.status >= 300 && r.status <= 399 {
		return fmt.Sprintf("%d redirect (not followed)", r.status)
	}
	return fmt.Sprintf("%d%s", r.status, r.bodyKind())
}

func (r reply) bodyKind() string {
	if len(r.body) == 0 {
		return ", no body"
	}
	media, _, _ := mime.ParseMediaType(r.header.Get("Content-Type"))
	if media == "" {
		media = "no Content-Type"
	}
	return fmt.Sprintf(", %s body of %d bytes", media, len(r.body))
}

// expectError checks that r is the error of the given status and message.
func expectError(r reply, status int, message string) (Result, string) {
	switch {
	case r.undecided():
		return Inconclusive, r.String()
	case r.status == status && r.apiError() != nil && r.apiError().Message == message:
		return Confirmed, r.String()
	}
	return Contradicted, r.String()
}

// record adds a row.
func (p *probe) record(id, fact string, source Source, result Result, evidence string) {
	p.rows = append(p.rows, Row{ID: id, Fact: fact, Source: source, Result: result, Evidence: evidence})
}

// report returns the rows with every secret the probe knows of scrubbed from them.
func (p *probe) report() []Row {
	out := make([]Row, len(p.rows))
	for i, r := range p.rows {
		r.Fact, r.Evidence = p.redact(r.Fact), clip(printable(p.redact(r.Evidence)), maxEvidence)
		out[i] = r
	}
	return out
}

// redact scrubs every secret the probe holds from s: a server that echoed one in a message
// must not make the report unsafe to share. The key ID is not a secret, but it names the
// account, and the report has no need of it.
func (p *probe) redact(s string) string {
	for _, secret := range p.secrets {
		if secret != "" {
			s = strings.ReplaceAll(s, secret, "[REDACTED]")
		}
	}
	return strings.ReplaceAll(s, p.cfg.keyID, "[key ID]")
}

// safe makes server-chosen text fit for the terminal: secrets redacted first (a secret cut in
// two would escape redaction), then escaped and bounded to limit bytes, as the report is.
func (p *probe) safe(s string, limit int) string {
	return safetext.Clean(p.redact(s), limit)
}

// keepSecret adds a value to what redact scrubs.
func (p *probe) keepSecret(s string) {
	if len(s) >= 8 {
		p.secrets = append(p.secrets, s)
	}
}

// opSource is the x-reeflow-source of an operation of openapi.yaml, such as "GET /connections".
// An operation without one counts as assumed, so it never makes the run fail.
func (p *probe) opSource(method, path string) Source {
	if item := p.ours.Paths.Value(path); item != nil {
		if op := item.GetOperation(method); op != nil && op.Extensions["x-reeflow-source"] == string(Documented) {
			return Documented
		}
	}
	return Assumed
}

// schemaSource is the x-reeflow-source of a schema of openapi.yaml.
func (p *probe) schemaSource(name string) Source {
	if ref := p.ours.Components.Schemas[name]; ref != nil && ref.Value != nil && ref.Value.Extensions["x-reeflow-source"] == string(Documented) {
		return Documented
	}
	return Assumed
}

// serverNow is the server's clock as its Date header showed it, for HMAC timestamps.
func (p *probe) serverNow() time.Time { return p.now().Add(p.skew) }

// learnSkew records how far the server's Date is from the local clock.
func (p *probe) learnSkew(r reply) (time.Duration, bool) {
	if r.err != nil {
		return 0, false
	}
	date, err := http.ParseTime(r.header.Get("Date"))
	if err != nil {
		return 0, false
	}
	p.skew = date.Sub(p.now()).Round(time.Second)
	return p.skew, true
}

func sleepContext(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// printable escapes what a server's text could hold that a terminal or a log would act on:
// control characters and invalid UTF-8, written as Go escapes.
func printable(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == utf8.RuneError:
			b.WriteString(`\ufffd`)
		case unicode.IsGraphic(r) || r == ' ':
			b.WriteRune(r)
		default:
			q := strconv.QuoteRuneToASCII(r)
			b.WriteString(q[1 : len(q)-1])
		}
	}
	return b.String()
}

// maxEvidence bounds a row's evidence, cut only once every secret has been redacted from it.
const maxEvidence = 400

// clip cuts s to at most n bytes on a character boundary.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
