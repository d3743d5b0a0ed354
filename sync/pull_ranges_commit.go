package sync

import "mailshift/store"

// highWater is the mark every commit writes: the end of the ranges dealt
// with from the start, stopped at the first message that could not be
// stored. Called with cmu held.
func (f *folderFetch) highWater() uint32 {
	hw := f.base
	for _, ch := range f.chunks {
		if ch.done {
			hw = max(hw, ch.hi+1)
			continue
		}
		if ch.upTo >= ch.lo {
			hw = max(hw, ch.upTo+1)
		}
		break
	}
	if f.firstFailed != 0 && f.firstFailed < hw {
		hw = max(f.base, f.firstFailed)
	}
	return hw
}

// commit indexes one durable batch through the run's index writer, with
// the high-water mark it allows at that moment; a failed commit leaves the
// tracker as it was.
func (f *folderFetch) commit(pb pendingBatch) error {
	var hw uint32 // the mark this batch writes
	err := f.r.ix.commit(func() (store.PulledBatch, func()) {
		f.cmu.Lock()
		defer f.cmu.Unlock()
		ch := &f.chunks[pb.chunk]
		was, wasFailed := *ch, f.firstFailed
		ch.upTo, ch.done = max(ch.upTo, pb.upTo), ch.done || pb.done
		for _, u := range pb.failed {
			if f.firstFailed == 0 || u < f.firstFailed {
				f.firstFailed = u
			}
		}
		b := pb.batch
		b.Folder = f.st
		b.Folder.HighWater = f.highWater()
		hw = b.Folder.HighWater
		return b, func() {
			f.cmu.Lock()
			f.chunks[pb.chunk], f.firstFailed = was, wasFailed
			f.cmu.Unlock()
		}
	})
	if err != nil {
		return err
	}
	f.r.opts.Follow.advanced(f.box.MailboxID, f.st.Name, hw)
	f.mu.Lock()
	f.rep.Stored += len(pb.batch.Messages)
	f.rep.Vanished += len(pb.batch.Vanished)
	f.rep.Failed += len(pb.failed)
	f.mu.Unlock()
	return nil
}

// committed counts a batch the index writer made durable: the run's bytes
// and a Stored event. It runs after commit succeeded, never before.
func (f *folderFetch) committed(pb pendingBatch) {
	r := f.r
	r.mu.Lock()
	r.bytes += pb.bytes
	r.mu.Unlock()
	r.opts.Progress.Stored(f.box.MailboxID, len(pb.batch.Messages), pb.bytes)
}

// finalHighWater is the mark once run returned nil: 0 when nothing
// failed (everything below UIDNEXT is dealt with), else the first UID that
// could not be stored.
func (f *folderFetch) finalHighWater() uint32 {
	f.cmu.Lock()
	defer f.cmu.Unlock()
	return f.firstFailed
}
