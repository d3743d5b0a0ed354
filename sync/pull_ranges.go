package sync

import (
	"context"
	"errors"
	"fmt"
	gosync "sync"

	"github.com/emersion/go-imap/v2"

	"mailshift/store"
)

// folderFetch copies one folder's bodies over several connections: the
// UIDs to fetch are cut into ranges (chunks) that the folder's own
// connection and helpers take from a shared queue. A helper is a further
// connection taken from the pool only when a slot is free now (tryGet), so
// the per-server cap holds and other folders are never held up.
//
// Durability and resumption: every connection streams into its own pack
// and group-commits its own batches in order; at each commit the folder's
// high-water mark is recomputed under cmu as the end of the longest prefix
// of ranges dealt with, so it never passes a UID not yet durable. A range
// finished past the mark is durable too: its UIDs are in the index, and a
// resumed pull skips them (StoredUIDsFrom). A failing connection hands the
// unfinished rest of its range back to the queue; the folder's own
// connection waits until every range is done or handed back, so nothing
// is left behind unnoticed.
type folderFetch struct {
	r          *run
	box        store.BoxKey
	st         store.FolderState // what every commit writes, with its high-water mark
	base       uint32            // the high-water mark when the folder was opened
	selectOpts *imap.SelectOptions

	cmu         gosync.Mutex // orders commits; guards chunks and firstFailed
	chunks      []chunkRange
	firstFailed uint32

	mu      gosync.Mutex
	cond    *gosync.Cond
	queue   []chunkWork
	busy    int // connections working on a chunk now
	workers int // connections on this folder (its own included)
	noHelp  bool
	fatal   error // a commit failed: nothing more may be indexed
	rep     *FolderReport
	helpers gosync.WaitGroup
}

// chunkRange is one range of a folder's UIDs to fetch: lo and hi are its
// first and last UID; upTo is the UID up to which it is dealt with.
type chunkRange struct {
	lo, hi, upTo uint32
	done         bool
}

// chunkWork is what is left to fetch of one range.
type chunkWork struct {
	idx  int
	todo []uint32
}

// chunkSize cuts a folder into about two ranges per connection, each from
// one to four FETCH batches long: large enough that a range costs little
// (a helper's EXAMINE, one round trip per batch), small enough that the
// last ones even out between connections.
func chunkSize(n, conns, batch int) int {
	return min(max(n/(2*max(conns, 1)), batch), 4*batch)
}

func newFolderFetch(r *run, box store.BoxKey, st store.FolderState, todo []uint32, rep *FolderReport, sel *imap.SelectOptions) *folderFetch {
	f := &folderFetch{r: r, box: box, st: st, base: st.HighWater, selectOpts: sel, rep: rep, workers: 1}
	f.st.Inventory.UIDNext = 0 // the folder is not finished before the last range
	f.cond = gosync.NewCond(&f.mu)
	size := chunkSize(len(todo), r.opts.MaxConnections, r.opts.BatchSize)
	for start := 0; start < len(todo); start += size {
		part := todo[start:min(start+size, len(todo))]
		f.queue = append(f.queue, chunkWork{idx: len(f.chunks), todo: part})
		f.chunks = append(f.chunks, chunkRange{lo: part[0], hi: part[len(part)-1]})
	}
	return f
}

// run fetches every range, with c (the folder's own connection, already
// on the folder) and any helpers, and returns once all of them stopped.
// It returns nil only when every range is done.
func (f *folderFetch) run(ctx context.Context, c *Conn) error {
	err := f.work(ctx, c, true)
	f.helpers.Wait()
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fatal != nil {
		return f.fatal
	}
	if err == nil && len(f.queue) > 0 { // cannot happen: the own connection waits for the others
		err = errors.New("ranges left unfetched")
	}
	return err
}

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
		return b, func() {
			f.cmu.Lock()
			f.chunks[pb.chunk], f.firstFailed = was, wasFailed
			f.cmu.Unlock()
		}
	})
	if err != nil {
		return err
	}
	f.mu.Lock()
	f.rep.Stored += len(pb.batch.Messages)
	f.rep.Vanished += len(pb.batch.Vanished)
	f.rep.Failed += len(pb.failed)
	f.mu.Unlock()
	return nil
}

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

// next hands out the next range. The folder's own connection (own) waits
// while other connections still work, since a failing one hands its rest
// back; helpers stop when the queue is empty.
func (f *folderFetch) next(own bool) (chunkWork, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for {
		if f.fatal != nil {
			return chunkWork{}, false
		}
		if len(f.queue) > 0 {
			w := f.queue[0]
			f.queue = f.queue[1:]
			f.busy++
			return w, true
		}
		if !own || f.busy == 0 {
			return chunkWork{}, false
		}
		f.cond.Wait()
	}
}

// release ends a connection's work on a range; rest (its unfinished UIDs)
// goes back to the front of the queue. fatal, when set, stops everyone.
func (f *folderFetch) release(w chunkWork, rest []uint32, fatal error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.busy--
	if len(rest) > 0 {
		f.queue = append([]chunkWork{{idx: w.idx, todo: rest}}, f.queue...)
	}
	f.cond.Broadcast()
	if fatal != nil && f.fatal == nil {
		f.fatal = fatal
	}
}

// work fetches ranges on c until none is left or c fails.
func (f *folderFetch) work(ctx context.Context, c *Conn, own bool) error {
	pw, err := f.r.db.NewPackWriter()
	if err != nil {
		f.setFatal(err)
		return err
	}
	defer pw.Close()
	cm := newCommitter(f.commit, f.committed)
	for {
		f.maybeHelp(ctx)
		w, ok := f.next(own)
		if !ok {
			break
		}
		rest, err := f.fetchChunk(ctx, c, pw, cm, w)
		if err != nil {
			// Its own batches are indexed before others take over the rest.
			f.release(w, rest, cm.finish())
			return err
		}
		f.release(w, nil, nil)
	}
	if err := cm.finish(); err != nil {
		f.setFatal(err)
		return err
	}
	return nil
}

func (f *folderFetch) setFatal(err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fatal == nil {
		f.fatal = err
	}
	f.cond.Broadcast()
}

// maybeHelp starts a helper connection when ranges wait in the queue and
// the folder has fewer connections than the cap.
func (f *folderFetch) maybeHelp(ctx context.Context) {
	f.mu.Lock()
	if f.noHelp || f.fatal != nil || f.workers >= f.r.opts.MaxConnections || len(f.queue) < 2 || ctx.Err() != nil {
		f.mu.Unlock()
		return
	}
	f.workers++
	f.mu.Unlock()
	f.helpers.Add(1)
	go func() {
		defer f.helpers.Done()
		f.help(ctx)
		f.mu.Lock()
		f.workers--
		f.mu.Unlock()
	}()
}

// help takes a connection if one is free now, opens the folder read-only
// on it and works ranges. A helper that cannot start costs nothing: the
// folder's own connection goes on.
func (f *folderFetch) help(ctx context.Context) {
	mb := f.box.MailboxID
	c, ok, err := f.r.pool.tryGet(ctx, mb)
	if err != nil {
		f.mu.Lock()
		f.noHelp = true // don't knock again for this folder
		f.mu.Unlock()
		if IsTooMany(err) && f.r.pool.shrink() {
			f.r.opts.Progress.Waiting(mb, "the server limits connections: continuing with one fewer")
		}
		return
	}
	if !ok {
		return
	}
	if err := f.open(ctx, c); err != nil {
		f.r.pool.discard(c)
		return
	}
	if err := f.work(ctx, c, false); err != nil {
		f.r.pool.discard(c)
		return
	}
	f.r.pool.put(mb, c)
}

// open selects the folder read-only on a helper's connection and checks
// it was not renumbered meanwhile.
func (f *folderFetch) open(ctx context.Context, c *Conn) error {
	var sel *imap.SelectData
	err := c.do(ctx, func() (err error) { sel, err = c.Select(f.st.Name, f.selectOpts).Wait(); return })
	if err != nil {
		return fmt.Errorf("open %q read-only: %w", f.st.Name, classify(c.ep.Addr(), err, ""))
	}
	if sel.UIDValidity != f.st.UIDValidity {
		return fmt.Errorf("folder %q was renumbered during the pull (UIDVALIDITY %d, now %d)", f.st.Name, f.st.UIDValidity, sel.UIDValidity)
	}
	return nil
}
