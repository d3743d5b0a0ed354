package sync

import (
	"context"
	"fmt"
	"time"

	"mailshift/store"
)

// awaitSpace pauses after a write failed on a full disk (RELIABILITY.md:
// the state does not advance, the run pauses with a message, and resumes
// when space is freed). Nothing is lost meanwhile: the failed batch was
// never indexed, so the retry that follows fetches it again. It returns
// once MinFreeBytes are free on the store's disk, or with ctx's error.
// waited is false when the disk had that room already: the write failed
// for want of something free space does not show (a disk quota, the file
// system's inodes), which waiting would never cure, so the caller treats
// it as an ordinary failure. The message is repeated at most once a
// minute, whichever folder waits.
func (r *run) awaitSpace(ctx context.Context, mb string) (waited bool, err error) {
	for {
		free, err := r.db.FreeBytes()
		if err == nil && free >= r.opts.MinFreeBytes {
			if waited && r.firstBackAfterFull() {
				r.opts.Progress.Waiting(mb, fmt.Sprintf("the disk has room again (%s free): going on", megabytes(free)))
			}
			return waited, nil
		}
		waited = true
		r.announceFull(mb, free)
		select {
		case <-time.After(r.opts.spacePoll):
		case <-ctx.Done():
			return true, ctx.Err()
		}
	}
}

// whenRoom runs one store write made outside a retried folder (a plan's
// listing, snapshot or mapping): one that fails on a full disk waits for
// space, as retry does, and is made again, instead of failing the whole
// mailbox. A write that fails with room on the disk returns its error.
func (r *run) whenRoom(ctx context.Context, mb string, write func() error) error {
	for {
		err := write()
		if !store.IsDiskFull(err) {
			return err
		}
		waited, werr := r.awaitSpace(ctx, mb)
		if werr != nil {
			return werr
		}
		if !waited {
			return err
		}
	}
}

func (r *run) announceFull(mb string, free int64) {
	r.mu.Lock()
	due := time.Since(r.fullSaid) >= time.Minute
	if due {
		r.fullSaid = time.Now()
	}
	r.mu.Unlock()
	if due {
		r.opts.Progress.Waiting(mb, fmt.Sprintf("the disk holding Mailshift's data (%s) is full, %s free: free at least %s there and the copy goes on by itself (nothing copied so far is lost)",
			r.db.Dir(), megabytes(free), megabytes(r.opts.MinFreeBytes)))
	}
}

// firstBackAfterFull is true for the first waiter to find room after the
// disk was last said to be full, so that the run says so once, not once
// per folder that waited.
func (r *run) firstBackAfterFull() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.roomSaid.Before(r.fullSaid) {
		r.roomSaid = time.Now()
		return true
	}
	return false
}

func megabytes(n int64) string {
	mb := float64(max(n, 0)) / 1e6
	if mb < 10 {
		return fmt.Sprintf("%.1f MB", mb)
	}
	return fmt.Sprintf("%.0f MB", mb)
}
