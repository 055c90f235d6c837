package embedding

import "errors"

// ErrNotLoggedIn is what the resolve function given to NewHandler returns (or wraps) when the
// request carries no logged-in user: the handler answers 401.
var ErrNotLoggedIn = errors.New("embedding: not logged in")

// ErrInvalidSessionParams matches the error for session parameters refused before anything is
// sent: those that reeflow.CreateSessionParams.Validate refuses, and, for a Cache, an Expiration
// or NotBefore (the cache chooses lifetimes). The handler answers 500: the parameters come from
// resolve, so they are a bug there.
var ErrInvalidSessionParams = errors.New("embedding: invalid session parameters")
