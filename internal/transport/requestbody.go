package transport

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
)

// SetBody makes body the request's body, replayable for signing and for net/http's own retries.
func SetBody(req *http.Request, body []byte) {
	req.ContentLength = int64(len(body))
	req.Body = io.NopCloser(bytes.NewReader(body))
	req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
}

// errBodyNotReplayable is returned when a request body cannot be read twice (once to sign, once to send).
var errBodyNotReplayable = errors.New("reeflow: request body cannot be replayed for signing: set GetBody (http.NewRequest does for bytes and strings readers)")

// replayableBody returns a copy of the request body without consuming req.Body.
func replayableBody(req *http.Request) ([]byte, error) {
	if req.Body == nil || req.Body == http.NoBody {
		return nil, nil
	}
	if req.GetBody == nil {
		return nil, errBodyNotReplayable
	}
	rc, err := req.GetBody()
	switch {
	case err != nil:
		return nil, fmt.Errorf("reeflow: read request body for signing: %w", err)
	case rc == nil:
		return nil, errBodyNotReplayable
	}
	defer rc.Close()
	body, err := readAllSized(rc, req.ContentLength)
	if err != nil {
		return nil, fmt.Errorf("reeflow: read request body for signing: %w", err)
	}
	return body, nil
}

// readAllSized reads r, whose length is declared as size (or -1), allocating once when the
// declared length is right.
func readAllSized(r io.Reader, size int64) ([]byte, error) {
	if size <= 0 || size > maxPreallocation {
		return io.ReadAll(r)
	}
	body := make([]byte, size)
	if _, err := io.ReadFull(r, body); err != nil {
		return nil, err
	}
	var more [1]byte
	if k, _ := io.ReadFull(r, more[:]); k == 0 {
		return body, nil
	}
	rest, err := io.ReadAll(r) // longer than declared: sign what will be sent
	return append(append(body, more[0]), rest...), err
}
