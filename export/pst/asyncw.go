package pst

import (
	"fmt"
	"io"
	"os"
)

// asyncWriter is a buffered writer whose full buffers are written to the
// file by a background goroutine, so mapping the next message (MIME
// decoding, UTF-16 conversion) overlaps the write system calls. Flush waits
// until everything is written. Write errors are sticky and reported by the
// next Write or Flush. Every few MB written, the goroutine also asks the
// kernel to start writing them to disk. Not safe for concurrent use by
// several callers.
type asyncWriter struct {
	f     *os.File
	buf   []byte
	queue chan []byte // full buffers to write; nil buffer = flush marker
	free  chan []byte
	done  chan error    // one reply per flush marker
	ended chan struct{} // closed when the goroutine has returned
	err   error
}

const asyncBufSize = 1 << 20

func newAsyncWriter(f *os.File) *asyncWriter {
	w := &asyncWriter{f: f, queue: make(chan []byte, 4), free: make(chan []byte, 4), done: make(chan error),
		ended: make(chan struct{})}
	for i := 0; i < 3; i++ {
		w.free <- make([]byte, 0, asyncBufSize)
	}
	w.buf = make([]byte, 0, asyncBufSize)
	go w.loop(w.queue)
	return w
}

// writebackEvery is how many bytes the loop writes between two requests to
// start writing them to disk (see startWriteback).
const writebackEvery = 8 << 20

func (w *asyncWriter) loop(queue <-chan []byte) {
	defer close(w.ended)
	var err error
	var sinceKick, kicked int64
	for b := range queue {
		if b == nil {
			w.done <- err
			continue
		}
		if err == nil {
			if _, e := w.f.Write(b); e != nil {
				err = fmt.Errorf("write pst: %w", e)
			}
			// The file offset is the loop's while buffers are queued
			// (callers Flush before seeking), so it can be read here.
			if sinceKick += int64(len(b)); sinceKick >= writebackEvery {
				if pos, e := w.f.Seek(0, io.SeekCurrent); e == nil {
					startWriteback(w.f, kicked, pos)
					kicked = pos
				}
				sinceKick = 0
			}
		}
		w.free <- b[:0]
	}
}

// Write implements io.Writer.
func (w *asyncWriter) Write(p []byte) (int, error) {
	if w.err != nil {
		return 0, w.err
	}
	n := len(p)
	for len(p) > 0 {
		k := min(cap(w.buf)-len(w.buf), len(p))
		w.buf = append(w.buf, p[:k]...)
		p = p[k:]
		if len(w.buf) == cap(w.buf) {
			w.queue <- w.buf
			w.buf = <-w.free
		}
	}
	return n, nil
}

// Flush writes everything buffered and waits for it.
func (w *asyncWriter) Flush() error {
	if w.err != nil {
		return w.err
	}
	if len(w.buf) > 0 {
		w.queue <- w.buf
		w.buf = <-w.free
	}
	w.queue <- nil
	w.err = <-w.done
	return w.err
}

// Reset is a no-op kept for symmetry with bufio.Writer (the file offset is
// the writer's: callers Flush before seeking).
func (w *asyncWriter) Reset(*os.File) {}

// stop ends the background goroutine and waits for it, so that no write
// reaches the file after it is closed; the writer is unusable afterwards.
func (w *asyncWriter) stop() {
	if w.queue != nil {
		close(w.queue)
		w.queue = nil
		<-w.ended
	}
}
