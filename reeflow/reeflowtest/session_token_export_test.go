package reeflowtest

// SigningKeyForTest exposes the server's token signing key, so that tests can forge tokens
// with it and check that ParseSessionToken still refuses them.
func SigningKeyForTest(s *Server) []byte { return s.state.jwtSecret }
