// Package transport turns one API call into attempts on the wire: it builds each attempt's
// request afresh, sets body fields and extra headers, runs the request editors, authenticates
// (Basic, or HMAC signed per attempt with a clock corrected from the server's), sends, reads the
// response within bounds, classifies it, and waits before a retry. It knows nothing of Reeflow's
// models: package reeflow describes a call (how to build its request, how to decode a 2xx body)
// and turns what comes back into typed results and errors.
package transport
