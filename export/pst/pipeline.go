package pst

import (
	"bytes"
	"runtime"
	"sync"
)

// The pipeline lets a Writer map messages on other goroutines while it
// writes. AddMessage reads (spools) a message on the caller's goroutine and
// hands it to a worker, which maps it into a prepared message whose big
// values are kept in memory (valueStore in deferred mode) — a worker never
// touches the file. The caller's goroutine writes prepared messages
// strictly in the order they were added: it splits the series, writes the
// pending values, then the message's objects, exactly as it would have
// when mapping the message itself, so the file is the same whether
// messages went through workers or not. When the oldest message has not
// been started by any worker when the writer needs it, the writer takes it
// back and maps it itself (see drain), so the writer is not held up by
// workers that get little CPU on a busy machine.
//
// Bounds: at most maxInFlight messages, and maxInFlightBytes of input, are
// added and not yet written; a message's values take at most about twice
// its input (text becomes UTF-16). Messages over maxPipelined bytes are
// never handed to a worker but mapped and streamed by the caller's
// goroutine once everything before them is written. So memory stays flat:
// a few MB whatever the mailbox.

// maxWorkers caps the automatic worker count.
const maxWorkers = 3

// maxPipelined is the largest message handed to a worker.
const maxPipelined = 1 << 20

// maxInFlightBytes bounds the input bytes of the messages in flight.
const maxInFlightBytes = 2 << 20

// maxKeptBuffer is the largest spool buffer kept for the next message
// (bigger ones are left to the garbage collector, so that what stays
// allocated does not creep up to maxInFlight big buffers).
const maxKeptBuffer = 256 << 10

// pipeline is the workers and the window of messages in flight.
//
// Messages no one has taken yet wait in queue, oldest first. A worker takes
// the newest (the one the writer needs last, so the worker has the most
// time); the writer, when the message it must write next is still queued,
// takes that one, the oldest, back. So they rarely want the same message.
type pipeline struct {
	workers int
	window  []*job // added and not yet written, oldest first
	bytes   int64  // input bytes in window
	mu      sync.Mutex
	queue   []*job        // in window and not taken, oldest first (under mu)
	wake    chan struct{} // a job was queued
	quit    chan struct{}
	wg      sync.WaitGroup
	bufs    []*bytes.Buffer // free spool buffers
	tmpDir  string
	paused  bool // tests: no worker is started, the Writer maps every job
	// noTakeBack (tests): the Writer waits for the workers instead of
	// taking jobs back.
	noTakeBack bool
}

// job is one message in flight. A worker that takes it from the queue
// sets prep and closes done; only then may the Writer read prep. If the
// Writer takes it back from the queue, it maps it itself (see drain).
type job struct {
	folder FolderID
	meta   MessageMeta
	src    *spooled // in memory, in buf
	buf    *bytes.Buffer
	prep   prepared
	done   chan struct{}
}

// prepared is a mapped message: the model, its deferred values and what
// went wrong (warnings, or err when the message cannot be written).
type prepared struct {
	m     *message
	store *valueStore
	warns []string
	raw   bool // the MIME could not be walked: kept raw
	err   error
}

// init sets the worker count from Options.Workers.
func (pl *pipeline) init(workers int) {
	switch {
	case workers < 0:
		workers = 0
	case workers == 0:
		if workers = min(runtime.GOMAXPROCS(0), maxWorkers); workers < 2 {
			workers = 0
		}
	}
	pl.workers = workers
}

// maxInFlight is the window: enough for every worker to have a message and
// the writer one more to take while it writes.
func (pl *pipeline) maxInFlight() int { return pl.workers + 2 }

// start launches the workers on first use.
func (pl *pipeline) start(tmpDir string) {
	if pl.wake != nil {
		return
	}
	pl.tmpDir = tmpDir
	pl.wake = make(chan struct{}, pl.maxInFlight())
	pl.quit = make(chan struct{})
	for i := 0; i < pl.workers && !pl.paused; i++ {
		pl.wg.Add(1)
		go pl.work(pl.wake, pl.quit)
	}
}

// work maps queued jobs, newest first, until quit.
func (pl *pipeline) work(wake <-chan struct{}, quit <-chan struct{}) {
	defer pl.wg.Done()
	sc := newScratch()
	for range wake {
		for {
			select {
			case <-quit:
				return
			default:
			}
			pl.mu.Lock()
			n := len(pl.queue)
			if n == 0 {
				pl.mu.Unlock()
				break
			}
			j := pl.queue[n-1]
			pl.queue[n-1] = nil
			pl.queue = pl.queue[:n-1]
			pl.mu.Unlock()
			j.prep = mapPrepared(&valueStore{}, j.src, sc, pl.tmpDir)
			close(j.done)
		}
	}
}

// submit adds j to the window and the queue and wakes a worker; it never
// blocks.
func (pl *pipeline) submit(j *job, tmpDir string) {
	pl.start(tmpDir)
	j.done = make(chan struct{})
	pl.window = append(pl.window, j)
	pl.bytes += j.src.size
	pl.mu.Lock()
	pl.queue = append(pl.queue, j)
	pl.mu.Unlock()
	select {
	case pl.wake <- struct{}{}:
	default: // every worker has a wake-up pending: it will see j
	}
}

// takeBack removes j from the queue if no worker has taken it (j must be
// the oldest message in the window) and reports whether it did.
func (pl *pipeline) takeBack(j *job) bool {
	pl.mu.Lock()
	defer pl.mu.Unlock()
	if len(pl.queue) == 0 || pl.queue[0] != j {
		return false
	}
	pl.queue[0] = nil
	pl.queue = pl.queue[1:]
	return true
}

// stop ends the workers and waits for them, then drops the messages still
// in the window. It is idempotent.
func (pl *pipeline) stop() {
	if pl.wake != nil {
		close(pl.quit)
		close(pl.wake)
		pl.wg.Wait()
		pl.wake = nil
	}
	pl.queue = nil
	for _, j := range pl.window {
		j.src.close()
		if j.prep.store != nil {
			j.prep.store.discard()
		}
	}
	pl.window, pl.bytes = nil, 0
}

// buffer returns a spool buffer (recycled when one is free).
func (pl *pipeline) buffer() *bytes.Buffer {
	if n := len(pl.bufs); n > 0 {
		b := pl.bufs[n-1]
		pl.bufs = pl.bufs[:n-1]
		return b
	}
	return new(bytes.Buffer)
}

// release frees a job's input; its buffer is kept for reuse unless a big
// message grew it past maxKeptBuffer.
func (pl *pipeline) release(src *spooled, buf *bytes.Buffer) {
	src.close()
	if buf.Cap() <= maxKeptBuffer && len(pl.bufs) <= pl.maxInFlight() {
		buf.Reset()
		pl.bufs = append(pl.bufs, buf)
	}
}
