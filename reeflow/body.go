package reeflow

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
)

// Size limits, together so that what the SDK keeps in memory is read in one place.
const (
	// maxSuccessBody: a 2xx body larger than this is refused.
	maxSuccessBody = 64 << 20
	// maxErrorBody: how much of an error body is kept (APIError.Body); the rest is discarded.
	maxErrorBody = 64 << 10
	// maxDrain: how much more of a response is read and discarded so the connection can be reused.
	maxDrain = 256 << 10
	// maxPooledBuffer: the largest buffer a pool keeps, so one huge body does not pin its memory.
	maxPooledBuffer = 4 << 20
)

// readErrorBody keeps the first maxErrorBody bytes of an error body and drains a bounded
// remainder, so the connection can be reused without reading an endless body.
func readErrorBody(body io.Reader) []byte {
	kept, _ := io.ReadAll(io.LimitReader(body, maxErrorBody))
	_, _ = io.CopyN(io.Discard, body, maxDrain)
	return kept
}

var bodyBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// readSuccess reads a 2xx body into a pooled buffer, which the caller hands back with
// releaseBodyBuffer once it has decoded it. A body the call neither decodes nor keeps is
// drained, and the buffer is nil.
func (a *attempt) readSuccess(resp *http.Response) (*bytes.Buffer, error) {
	if a.call.decode == nil && a.cfg.response == nil {
		_, _ = io.CopyN(io.Discard, resp.Body, maxDrain)
		return nil, nil
	}
	buf := bodyBuffers.Get().(*bytes.Buffer)
	if resp.ContentLength > 0 && resp.ContentLength <= maxSuccessBody {
		buf.Grow(int(resp.ContentLength) + bytes.MinRead)
	}
	n, err := buf.ReadFrom(io.LimitReader(resp.Body, maxSuccessBody+1))
	switch {
	case err != nil:
		err = fmt.Errorf("read body: %w", err)
	case n > maxSuccessBody:
		err = fmt.Errorf("body exceeds %d bytes", maxSuccessBody)
	}
	if err != nil {
		releaseBodyBuffer(buf)
		return nil, err
	}
	return buf, nil
}

func releaseBodyBuffer(buf *bytes.Buffer) {
	if buf != nil && buf.Cap() <= maxPooledBuffer {
		buf.Reset()
		bodyBuffers.Put(buf)
	}
}

// decodeList decodes a JSON array into out, which is left unchanged unless every element
// decodes; null or any other shape is an error.
func decodeList[T any](out *[]T) func([]byte) error {
	return func(b []byte) error {
		if b = bytes.TrimLeft(b, " \t\r\n"); len(b) == 0 || b[0] != '[' {
			return errors.New("body is not a JSON array")
		}
		var list []T
		if err := json.Unmarshal(b, &list); err != nil {
			return err
		}
		*out = list
		return nil
	}
}
