// Package browsertest runs examples/embed and drives its page in headless Chromium, with a
// stand-in for Reeflow's web component, to prove what the page's JavaScript does: the token it
// sets, the refresh before expiry, the return to the login on a 401, the wait a 503's
// Retry-After asks for, and the notice when the component's script did not load.
//
// It is in examples/embed's module, not the SDK's, so that chromedp never enters the SDK's
// go.mod. Run it with
//
//	cd examples/embed && go test ./...
//
// It needs Chromium (Debian: apt-get install -y chromium); without it the test skips, except
// under CI=true, where it fails. go test ./browsertest -args -update-screenshot rewrites
// docs/images/embed-page.png.
package browsertest
