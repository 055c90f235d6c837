// Package reeflowtest provides a fake Reeflow API for tests: an in-memory server on
// net/http/httptest that behaves as Reeflow documents (its authentication errors, its error
// bodies, HTTPS), validates every request against the SDK's OpenAPI document, and can be told to
// fail, to disable keys, or to run on another clock. A test can read what its code sent
// ([Server.Requests], secrets redacted), fail, slow down or drop the requests of one route
// ([Server.AddFault]), start from chosen state ([Server.SeedConnection], [Server.SeedAPIKey]) and
// fake endpoints the SDK does not model ([Server.Handle]).
//
// A test starts one and gets a client for it in two lines:
//
//	srv := reeflowtest.NewServer(t)
//	client := srv.Client()
//
// The server is closed when the test ends. Programs use [Start] and [Server.Close]; the
// reeflow-mock command serves the same fake to non-Go clients.
package reeflowtest
