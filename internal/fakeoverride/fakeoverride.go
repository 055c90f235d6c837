// Package fakeoverride lets this module's own tests make the fake Reeflow server
// (reeflow/reeflowtest) answer unlike the SDK assumes: accept another HMAC canonical string,
// send other error messages, return other response shapes. cmd/reeflow-conformance is tested
// with it, so that the probe is seen to report what a real server that disagrees with
// openapi.yaml would make it report.
//
// The disagreement lives in a loopback proxy in front of an ordinary fake, not in the fake:
// reeflowtest has no option, method or hook for it, so its public API stays what its users
// need, and nothing is registered behind their back.
package fakeoverride

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strconv"

	"github.com/reeflow/reeflow-go/internal/hmacsig"
	"github.com/reeflow/reeflow-go/reeflow/reeflowtest"
)

// Overrides are the ways a proxy makes the fake behind it disagree with openapi.yaml. The zero
// value overrides nothing.
type Overrides struct {
	// Canonical, when set, is the canonical string accepted for the fake's default key
	// (Server.Key) instead of hmacsig.Default: a request it signs is accepted, and one signed
	// only with hmacsig.Default is refused as a wrong signature. Other keys are unaffected.
	Canonical *hmacsig.Variant
	// Respond, when set, sees every response before it is sent, with the request as the client
	// sent it, and may change its status, headers and body. It runs on the proxy's handler
	// goroutines, for concurrent requests at once, so it must not call t.FailNow.
	Respond func(r *http.Request, resp *Response)
}

// Response is a response of the fake server on its way out.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// Proxy is a plain-HTTP loopback server that forwards every request to a fake and makes it
// follow its Overrides.
type Proxy struct {
	// URL is the proxy's base URL, http://127.0.0.1:port, to use instead of the fake's.
	URL string

	srv       *reeflowtest.Server
	overrides Overrides
	key       reeflowtest.Key
	signer    *hmacsig.Key
	ts        *httptest.Server
}

// NewProxy starts a proxy in front of srv that follows o. Close it before closing srv.
func NewProxy(srv *reeflowtest.Server, o Overrides) (*Proxy, error) {
	if srv == nil {
		return nil, errors.New("fakeoverride: NewProxy needs a *reeflowtest.Server, got nil")
	}
	target, err := url.Parse(srv.URL)
	if err != nil {
		return nil, err
	}
	key := srv.Key()
	p := &Proxy{srv: srv, overrides: o, key: key, signer: hmacsig.NewKey([]byte(key.Secret))}
	rp := &httputil.ReverseProxy{
		Rewrite:   func(pr *httputil.ProxyRequest) { pr.SetURL(target) },
		Transport: srv.HTTPClient().Transport, // trusts the fake's certificate
		// The client went away or the fake is closing: say so without writing to the test's log.
		ErrorHandler: func(w http.ResponseWriter, _ *http.Request, _ error) { w.WriteHeader(http.StatusBadGateway) },
	}
	if o.Respond != nil {
		rp.ModifyResponse = p.respond
	}
	p.ts = httptest.NewServer(p.translate(rp))
	p.URL = p.ts.URL
	return p, nil
}

// Close shuts the proxy down and closes its idle connections to the fake.
func (p *Proxy) Close() {
	p.ts.Close()
	p.srv.HTTPClient().CloseIdleConnections()
}

type incomingKey struct{}

// translate hands next the request with its body readable again and, under a Canonical
// override, its signature translated for the fake's verifier.
func (p *Proxy) translate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, "fakeoverride: read the request body: "+err.Error(), http.StatusBadGateway)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		if p.overrides.Canonical != nil {
			p.resign(r, body)
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), incomingKey{}, r)))
	})
}

// resign replaces a signature of the default key by one the fake's verifier judges as the
// Canonical override would: hmacsig.Default's signature when the override accepts it, a wrong
// one when only hmacsig.Default does. Everything else (a missing or malformed signature, an
// unknown key, an old timestamp, a signature wrong under both) reaches the fake as it is, so
// the fake's own checks, in its own order, give the answer.
func (p *Proxy) resign(r *http.Request, body []byte) {
	if r.Header.Get(hmacsig.HeaderKey) != p.key.ID {
		return
	}
	signature := r.Header.Get(hmacsig.HeaderSignature)
	unix, err := strconv.ParseInt(r.Header.Get(hmacsig.HeaderTimestamp), 10, 64)
	if signature == "" || err != nil {
		return
	}
	m := &hmacsig.Message{
		Method: r.Method, EscapedPath: r.URL.EscapedPath(), RawQuery: r.URL.RawQuery,
		ContentType: r.Header.Get("Content-Type"), Unix: unix, Body: body,
	}
	want := hmacsig.Default.Append(nil, m)
	switch {
	case p.signer.Verify(p.overrides.Canonical.Append(nil, m), signature):
		r.Header.Set(hmacsig.HeaderSignature, string(p.signer.AppendSignature(nil, want)))
	case p.signer.Verify(want, signature):
		wrong := p.signer.AppendSignature(nil, append([]byte("refused by the override\n"), want...))
		r.Header.Set(hmacsig.HeaderSignature, string(wrong))
	}
}

// respond hands the fake's response to the Respond override.
func (p *Proxy) respond(res *http.Response) error {
	body, err := io.ReadAll(res.Body)
	_ = res.Body.Close()
	if err != nil {
		return err
	}
	resp := &Response{Status: res.StatusCode, Header: res.Header, Body: body}
	in, _ := res.Request.Context().Value(incomingKey{}).(*http.Request)
	if in == nil {
		in = res.Request
	}
	p.overrides.Respond(in, resp)
	res.StatusCode, res.Header = resp.Status, resp.Header
	res.Status = strconv.Itoa(resp.Status) + " " + http.StatusText(resp.Status)
	res.Body, res.ContentLength = io.NopCloser(bytes.NewReader(resp.Body)), int64(len(resp.Body))
	res.Header.Set("Content-Length", strconv.Itoa(len(resp.Body)))
	return nil
}
