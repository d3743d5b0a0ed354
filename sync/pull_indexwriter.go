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

// maxGroupMessages bounds the messages of one transaction: a group stops
// growing once it holds this many (the batch that crosses it is the
// last), so a transaction's working memory — the index pages it dirties,
// the records it encodes — has a fixed bound whatever the number of
// connections; a request left over goes first into the next transaction.
const maxGroupMessages = 2000

func newIndexWriter(db *store.DB) *indexWriter {
	w := &indexWriter{db: db, in: make(chan *indexReq), done: make(chan struct{})}
	go w.loop()
	return w
}

func (w *indexWriter) loop() {
	defer close(w.done)
	var carry []*indexReq
	for {
		group := carry
		if len(group) == 0 {
			req, ok := <-w.in
			if !ok {
				return
			}
			group = []*indexReq{req}
		}
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
		var batches []store.PulledBatch
		var undos []func()
		batches, undos, carry = prepareGroup(group, maxGroupMessages)
		group = group[:len(batches)]
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

// prepareGroup prepares group's requests in order until they hold budget
// messages, and returns the rest unprepared (a prepare decides the
// folder's state at that moment, so it runs only for what is committed
// next). The first request is always prepared.
func prepareGroup(group []*indexReq, budget int) (batches []store.PulledBatch, undos []func(), rest []*indexReq) {
	n := 0
	for i, r := range group {
		if i > 0 && n >= budget {
			return batches, undos, group[i:]
		}
		b, undo := r.prepare()
		batches, undos = append(batches, b), append(undos, undo)
		n += len(b.Messages)
	}
	return batches, undos, nil
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
