package transport

import (
	"bytes"
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
	// MaxErrorBody: how much of an error body is kept; the rest is discarded.
	MaxErrorBody = 64 << 10
	// maxDrain: how much more of a response is read and discarded so the connection can be reused.
	maxDrain = 256 << 10
	// maxPreallocation: the most allocated up front for a declared length; a server could declare
	// 64 MiB and send two bytes.
	maxPreallocation = 4 << 20
	// bodyChunk: the unit in which a body of unknown or large length is read once it outgrows
	// its first chunk, so that a buffer that doubles never allocates four times the limit first
	// (a gzip-compressed body of a few kilobytes can expand to any size).
	bodyChunk = 1 << 20
)

// readErrorBody keeps the first MaxErrorBody bytes of an error body and drains a bounded
// remainder, so the connection can be reused without reading an endless body.
func readErrorBody(body io.Reader) []byte {
	kept, _ := io.ReadAll(io.LimitReader(body, MaxErrorBody))
	drain(body)
	return kept
}

// drain reads and discards a bounded part of a body the call does not use, so that the
// connection can be reused.
func drain(body io.Reader) {
	_, _ = io.CopyN(io.Discard, body, maxDrain)
}

// bodyBuffers holds the buffers 2xx bodies are read into: a list of 100 connections would
// otherwise cost a fresh 25 KB buffer per call (BENCHMARKS.md, "List 100, bytes").
var bodyBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// readSuccessBody reads a 2xx body into a pooled buffer, which the caller hands back with
// releaseBody once done with it. A body over maxSuccessBody is refused having allocated little
// more than the limit: up front when its length is declared, and otherwise by reading it in
// fixed chunks.
func readSuccessBody(resp *http.Response) (*bytes.Buffer, error) {
	size := resp.ContentLength
	if size > maxSuccessBody {
		return nil, fmt.Errorf("body of %d bytes exceeds %d bytes", size, maxSuccessBody)
	}
	buf := bodyBuffers.Get().(*bytes.Buffer)
	if err := readBounded(buf, resp.Body, size); err != nil {
		releaseBody(buf)
		return nil, err
	}
	return buf, nil
}

// releaseBody returns buf to the pool, unless it grew so large that keeping it would pin the memory.
func releaseBody(buf *bytes.Buffer) {
	if buf.Cap() <= maxPreallocation {
		buf.Reset()
		bodyBuffers.Put(buf)
	}
}

// readBounded reads r, of declared length size (or -1), into buf.
func readBounded(buf *bytes.Buffer, r io.Reader, size int64) error {
	if size >= 0 {
		r = io.LimitReader(r, size+1)
		if size <= maxPreallocation {
			buf.Grow(int(size) + 1)
			if _, err := buf.ReadFrom(r); err != nil {
				return fmt.Errorf("read body: %w", err)
			}
			return nil
		}
	}
	// Unknown or large length: the buffer grows up to the first chunk, which is all most bodies
	// need, then fixed chunks are joined once their total is known.
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
		if total > maxSuccessBody {
			return fmt.Errorf("body exceeds %d bytes", maxSuccessBody)
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
