package sync

import (
	"mailshift/store"
)

// indexWriter is a pull's one writer of the message index. Every
// connection's committer hands it a batch whose pack bytes are already
// durable and waits; the writer takes the request and every other one
// already waiting, and indexes them all in one transaction (one index
// fsync for the group). Index commits are serialised by bbolt anyway, so
// one commit per connection per batch made the index the bottleneck once
// several connections fetched at full speed.
type indexWriter struct {
	db   *store.DB
	in   chan *indexReq
	done chan struct{}
}

// indexReq is one batch to index. prepare runs on the writer, in order,
// and returns the batch as it must be written (its folder state decided
// at that moment) and undo, which reverts what prepare decided when the
// group's transaction fails.
type indexReq struct {
	prepare func() (store.PulledBatch, func())
	result  chan error
}

// maxGroup bounds how many batches share one transaction.
const maxGroup = 16

func newIndexWriter(db *store.DB) *indexWriter {
	w := &indexWriter{db: db, in: make(chan *indexReq), done: make(chan struct{})}
	go w.loop()
	return w
}

func (w *indexWriter) loop() {
	defer close(w.done)
	for req := range w.in {
		group := []*indexReq{req}
	more:
		for len(group) < maxGroup {
			select {
			case r, ok := <-w.in:
				if !ok {
					break more
				}
				group = append(group, r)
			default:
				break more
			}
		}
		batches := make([]store.PulledBatch, len(group))
		undos := make([]func(), len(group))
		for i, r := range group {
			batches[i], undos[i] = r.prepare()
		}
		err := w.db.CommitPulledAll(batches)
		if err != nil {
			for i := len(undos) - 1; i >= 0; i-- {
				undos[i]()
			}
		}
		for _, r := range group {
			r.result <- err
		}
	}
}

// commit indexes one batch (with whatever else is waiting) and returns
// once it is committed or failed.
func (w *indexWriter) commit(prepare func() (store.PulledBatch, func())) error {
	req := &indexReq{prepare: prepare, result: make(chan error, 1)}
	w.in <- req
	return <-req.result
}

// close ends the writer once every commit has returned.
func (w *indexWriter) close() {
	close(w.in)
	<-w.done
}
