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
// drained, and the buffer is nil. A body over maxSuccessBody is refused having allocated little
// more than the limit: up front when its length is declared, and otherwise by reading it in
// fixed chunks, since a buffer that doubles would allocate four times the limit first (a
// gzip-compressed body of a few kilobytes can expand to any size).
func (a *attempt) readSuccess(resp *http.Response) (*bytes.Buffer, error) {
	if a.call.decode == nil && a.cfg.response == nil {
		_, _ = io.CopyN(io.Discard, resp.Body, maxDrain)
		return nil, nil
	}
	if resp.ContentLength > maxSuccessBody {
		return nil, fmt.Errorf("body of %d bytes exceeds %d bytes", resp.ContentLength, maxSuccessBody)
	}
	buf := bodyBuffers.Get().(*bytes.Buffer)
	if err := readBounded(buf, resp.Body, resp.ContentLength, maxSuccessBody); err != nil {
		releaseBodyBuffer(buf)
		return nil, err
	}
	return buf, nil
}

// bodyChunk is the unit in which a body of unknown length is read once it outgrows the pooled
// buffer's first megabyte.
const bodyChunk = 1 << 20

// readBounded reads r into buf. size is the declared length, or -1. A declared length is
// allocated up front only up to maxPooledBuffer: a server could declare 64 MiB and send two bytes.
func readBounded(buf *bytes.Buffer, r io.Reader, size, limit int64) error {
	if size >= 0 && size <= maxPooledBuffer {
		buf.Grow(int(size) + 1)
		if _, err := buf.ReadFrom(io.LimitReader(r, size+1)); err != nil {
			return fmt.Errorf("read body: %w", err)
		}
		return nil
	}
	if size >= 0 {
		r = io.LimitReader(r, size+1)
	}
	n, err := buf.ReadFrom(io.LimitReader(r, bodyChunk))
	if err != nil {
		return fmt.Errorf("read body: %w", err)
	}
	if n < bodyChunk {
		return nil
	}
	var chunks [][]byte
	total := n
	for {
		chunk := make([]byte, bodyChunk)
		k, err := io.ReadFull(r, chunk)
		total += int64(k)
		if total > limit {
			return fmt.Errorf("body exceeds %d bytes", limit)
		}
		chunks = append(chunks, chunk[:k])
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("read body: %w", err)
		}
	}
	buf.Grow(int(total - n))
	for _, c := range chunks {
		buf.Write(c)
	}
	return nil
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
