package transport

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"time"

	"github.com/reeflow/reeflow-go/internal/safetext"
)

// Defaults of the HTTP client, sized for a service that calls Reeflow from many goroutines:
// net/http's default of 2 idle connections per host would make concurrent callers dial again and
// again. Connections per host are also bounded: over HTTP/1.1, a burst of callers would otherwise
// dial connections that a request finishing a moment later makes surplus; the 33rd concurrent
// caller waits for a free connection instead. Over HTTP/2 one connection carries every request.
const (
	maxConnsPerHost     = 32
	dialTimeout         = 10 * time.Second
	tlsHandshakeTimeout = 10 * time.Second
	idleConnTimeout     = 90 * time.Second
)

// defaultHTTPClient is the client used without WithHTTPClient: HTTP/2 over TLS, the proxy from
// the environment, bounded handshakes, and enough idle connections for concurrent callers. The
// wait for an answer is bounded by the attempt timeout (WithAttemptTimeout) and the caller's
// context only, so that turning the attempt timeout off leaves it to the context.
func defaultHTTPClient() *http.Client {
	return &http.Client{Transport: &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: dialTimeout, KeepAlive: 30 * time.Second}).DialContext,
		ForceAttemptHTTP2:     true,
		MaxConnsPerHost:       maxConnsPerHost,
		MaxIdleConns:          maxConnsPerHost,
		MaxIdleConnsPerHost:   maxConnsPerHost,
		IdleConnTimeout:       idleConnTimeout,
		TLSHandshakeTimeout:   tlsHandshakeTimeout,
		ExpectContinueTimeout: time.Second,
	}}
}

// maxRedirects matches net/http's own limit.
const maxRedirects = 10

// guardRedirects returns a copy of hc that refuses redirects to another origin, from https to
// http, or that change the method, so that no credential (Authorization or the HMAC headers)
// ever leaves the API's origin, whichever client the user brought. The user's own CheckRedirect
// still runs after. A refusal wraps refused. Its transport refuses, with refused too, a redirect
// whose Location cannot be parsed, keeping the redirect's status (see checkLocation).
func guardRedirects(hc *http.Client, refused error) *http.Client {
	guarded := *hc
	guarded.Transport = checkLocation{next: hc.Transport, refused: refused}
	check := checkRedirect(refused, hc.CheckRedirect)
	guarded.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		err := check(req, via)
		if err != nil && !errors.Is(err, http.ErrUseLastResponse) && req.Response != nil && req.Response.Body != nil {
			// net/http reads at most 2 KB of a refused 3xx before closing it, which costs its
			// connection when the body is longer: drain it (bounded), so the connection is reused.
			drain(req.Response.Body)
		}
		return err
	}
	return &guarded
}

// checkRedirect returns the check guardRedirects applies to each redirect, nextCheck (the
// user's CheckRedirect) last.
func checkRedirect(refused error, nextCheck func(*http.Request, []*http.Request) error) func(*http.Request, []*http.Request) error {
	return func(req *http.Request, via []*http.Request) error {
		from := via[0].URL
		if req.URL.Scheme != from.Scheme || req.URL.Host != from.Host {
			return fmt.Errorf("%w: from %s to %s", refused,
				safetext.Clean(origin(from), safetext.MaxID), safetext.Clean(origin(req.URL), safetext.MaxID))
		}
		if req.Method != via[0].Method {
			// net/http turns a DELETE, PATCH or POST into a GET on a 301, 302 or 303: following
			// it would report success for a call that never happened.
			return fmt.Errorf("%w: the redirect would turn %s into %s", refused, via[0].Method, req.Method)
		}
		if nextCheck != nil {
			return nextCheck(req, via)
		}
		if len(via) >= maxRedirects {
			return fmt.Errorf("%w: stopped after %d redirects", refused, maxRedirects)
		}
		return nil
	}
}

// errMalformedLocation: a 3xx whose Location header cannot be parsed.
var errMalformedLocation = errors.New("the server redirected to a malformed Location")

// checkLocation is the guarded client's transport. net/http returns a redirect it follows
// together with the error of a refusing CheckRedirect, so the pipeline keeps that 3xx's
// status; but a Location it cannot parse fails before CheckRedirect, with no response, and an
// error that quotes the Location twice and without bound. checkLocation sees the 3xx first: it
// answers a redirect net/http would follow, and whose Location it could not parse, with a
// *malformedLocationError that carries the status and headers, and names no Location. Every
// other response, and every error, passes untouched.
//
// With a user's client whose Timeout is set, net/http cancels each request the way it does for
// any RoundTripper it does not know (setRequestCancel), since checkLocation is not an
// *http.Transport: besides the context deadline, one goroutine and one timer per request, which
// end when the call closes the response body, and a Request.Cancel channel, which
// *http.Transport honours. The timer and the context deadline then race, so a timeout's error
// text varies (context deadline exceeded, or net/http's Client.Timeout wording), while
// errors.Is(err, context.DeadlineExceeded) and net.Error's Timeout() hold either way, and
// retries treat it alike. Avoiding that small cost would mean turning Timeout into a context
// deadline around Client.Do, covering redirects and the body as net/http does: not worth it.
type checkLocation struct {
	// next is the user's Transport. Nil stands for http.DefaultTransport, looked up on every
	// request as net/http does, so that replacing it later (as httpmock does) still takes effect.
	next    http.RoundTripper
	refused error // the sentinel a malformed Location's error matches too
}

func (t checkLocation) transport() http.RoundTripper {
	if t.next != nil {
		return t.next
	}
	return http.DefaultTransport
}

func (t checkLocation) RoundTrip(req *http.Request) (*http.Response, error) {
	next := t.transport()
	if next == nil { // http.DefaultTransport set to nil: net/http's own error
		if req.Body != nil {
			_ = req.Body.Close() // a RoundTripper closes the request body, even on errors
		}
		return nil, errors.New("http: no Client.Transport or DefaultTransport")
	}
	resp, err := next.RoundTrip(req)
	switch {
	case err != nil:
		return resp, err
	case resp == nil:
		// net/http's own error, naming the user's RoundTripper rather than this wrapper.
		return nil, fmt.Errorf("http: RoundTripper implementation (%T) returned a nil *Response with a nil error", next)
	case !followed(req, resp):
		return resp, nil // net/http returns it as it is: the pipeline reports its status and body
	}
	loc := resp.Header.Get("Location")
	if loc == "" {
		return resp, nil
	}
	if _, perr := req.URL.Parse(loc); perr == nil {
		return resp, nil
	}
	if resp.Body != nil { // net/http fills in a nil Body only after RoundTrip returns
		drain(resp.Body)
		_ = resp.Body.Close() // the answer is the error below; a failed close changes nothing
	}
	return nil, &malformedLocationError{status: resp.StatusCode, header: resp.Header, refused: t.refused}
}

// followed reports whether net/http's Client would follow resp, a response to req, by the rules
// of its redirectBehavior: a 301, 302, 303, 307 or 308, but not a 307 or 308 when the request
// that began the chain had a body and no GetBody to send it again (the pipeline sends a create
// that way). Any other status, a 300 or 304 among them, is returned to the caller as it is.
func followed(req *http.Request, resp *http.Response) bool {
	switch resp.StatusCode {
	case http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther:
		return true
	case http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
		first := firstRequest(req)
		return first.GetBody != nil || first.Body == nil || first.Body == http.NoBody
	}
	return false
}

// maxChain bounds the walk of firstRequest: Response.Request is whatever the RoundTripper set,
// which could loop. Far beyond any redirect chain; a longer one stops at a request of the chain.
const maxChain = 1000

// firstRequest returns the request that began the redirect chain req belongs to: net/http sets
// the Response that caused each redirect on the next request, and a Transport sets the Request
// that obtained each response. req itself when the chain cannot be walked back.
func firstRequest(req *http.Request) *http.Request {
	for range maxChain {
		if req.Response == nil || req.Response.Request == nil {
			break
		}
		req = req.Response.Request
	}
	return req
}

// CloseIdleConnections closes the idle connections of the transport it wraps, as
// http.Client.CloseIdleConnections would.
func (t checkLocation) CloseIdleConnections() {
	if c, ok := t.transport().(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}

// malformedLocationError is a 3xx net/http would follow whose Location cannot be parsed: a
// redirect the client does not follow, so it matches the refused sentinel as well.
type malformedLocationError struct {
	status  int
	header  http.Header
	refused error
}

func (e *malformedLocationError) Error() string {
	if e.refused == nil {
		return errMalformedLocation.Error()
	}
	return e.refused.Error() + ": " + errMalformedLocation.Error()
}

func (e *malformedLocationError) Unwrap() []error {
	if e.refused == nil {
		return []error{errMalformedLocation}
	}
	return []error{errMalformedLocation, e.refused}
}

func origin(u *url.URL) string {
	return u.Scheme + "://" + u.Host
}
