// Package docsnippets holds no code. Its tests run every Go snippet of README.md and
// docs/options.md that calls the API against the fake server, and fail when a snippet and the
// copy the tests run drift apart.
package docsnippets
