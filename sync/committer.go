package sync

import (
	gosync "sync"

	"mailshift/store"
)

// committer makes fetched batches durable and indexes them, in order, on
// its own goroutine while the next batch streams in, so the source is not
// left waiting on fsyncs. Up to committerQueue batches wait (records only:
// their bytes are in the pack, so memory stays bounded by the batch size);
// a fetch that outruns the disk then waits in submit. An index entry is
// written only after its pack bytes are fsynced, in the same transaction
// as the folder's high-water mark.
//
// Several committers (one per connection sharing a folder's UID ranges)
// may run at once: each keeps its own batches in order, and commit (the
// folder's range tracker) decides the high-water mark at commit time.
type committer struct {
	commit      func(pendingBatch) error
	in          chan pendingBatch
	done        chan struct{}
	mu          gosync.Mutex
	err         error
	onCommitted func(pendingBatch)
	step        func(name string) // the run's crash hook (PullOptions.CrashHook)
}

// pendingBatch is one group commit: durable fsyncs its bytes. chunk,
// upTo, done and failed tell the folder's range tracker how far the batch
// takes its range (see folderFetch).
type pendingBatch struct {
	durable func() error
	batch   store.PulledBatch
	bytes   int64
	chunk   int
	upTo    uint32
	done    bool
	failed  []uint32
}

// newCommitter starts a committer that indexes each batch with commit
// after its bytes are durable.
func newCommitter(commit func(pendingBatch) error, onCommitted func(pendingBatch), step func(string)) *committer {
	cm := &committer{commit: commit, in: make(chan pendingBatch, committerQueue), done: make(chan struct{}), onCommitted: onCommitted, step: step}
	go cm.run()
	return cm
}

func (cm *committer) run() {
	defer close(cm.done)
	for pb := range cm.in {
		if cm.failed() != nil {
			continue // after a failure nothing later may be indexed
		}
		cm.step("written")
		err := pb.durable()
		if err == nil {
			cm.step("synced")
			err = cm.commit(pb)
		}
		if err != nil {
			cm.mu.Lock()
			cm.err = err
			cm.mu.Unlock()
			continue
		}
		cm.step("indexed")
		cm.onCommitted(pb)
	}
}

func (cm *committer) failed() error {
	cm.mu.Lock()
	defer cm.mu.Unlock()
	return cm.err
}

// committerQueue is how many batches may wait for the committer. With one
// (the fetch handing over only when the committer was free), a one-
// connection pull of 10,000 messages spent 146 ms of its 1.1 s waiting
// for an fsync while the committer was idle 60 % of the time: fsync times
// vary, and a queue evens them out.
const committerQueue = 4

// submit queues a batch; it blocks while the queue is full,
// and reports an earlier commit's failure instead of queueing.
func (cm *committer) submit(pb pendingBatch) error {
	if err := cm.failed(); err != nil {
		return err
	}
	cm.in <- pb
	return nil
}

// finish waits for every queued batch and returns the first failure.
func (cm *committer) finish() error {
	close(cm.in)
	<-cm.done
	return cm.err
}
