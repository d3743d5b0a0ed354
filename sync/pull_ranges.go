package sync

import (
	"context"
	"errors"
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

// chunkSize is the size of a folder's ranges: about two ranges per
// connection for the whole mailbox (mailboxNew messages), so that the last
// ones even out between connections, and no more. Every range costs a FETCH
// and, on a helper, an EXAMINE, and a server can pay dearly for each:
// Dovecot on Maildir records a message file's base name, while an unread
// message's file ends in an empty flag suffix, so the first such message a
// command opens makes it rescan the folder's directory (seen with strace).
// Measured at 100,000 messages, the server's CPU for the same pull was
// 4.8-6.8 s with every folder cut into eight ranges, 3.6-4.0 s with ranges
// sized on the mailbox, as for one FETCH per folder. So a small folder is
// one range, a folder that is most of the mailbox is cut for every
// connection to help, and a range is never smaller than a group commit nor
// larger than maxRangeCommits of them.
func chunkSize(n, mailboxNew, conns, batch int) int {
	per := max(n, mailboxNew) / (2 * max(conns, 1))
	return min(max(per, batch), maxRangeCommits*batch)
}

// maxRangeCommits bounds a range (one FETCH) to this many group commits: a
// folder of a million messages is still cut into twenty FETCHes or more,
// not asked for in one command a server might time out.
const maxRangeCommits = 100

func newFolderFetch(r *run, box store.BoxKey, st store.FolderState, todo []uint32, mailboxNew int, rep *FolderReport, sel *imap.SelectOptions) *folderFetch {
	f := &folderFetch{r: r, box: box, st: st, base: st.HighWater, selectOpts: sel, rep: rep, workers: 1}
	f.st.Inventory.UIDNext = 0 // the folder is not finished before the last range
	f.cond = gosync.NewCond(&f.mu)
	size := chunkSize(len(todo), mailboxNew, r.opts.MaxConnections, r.opts.BatchSize)
	ranges := (len(todo) + size - 1) / size
	size = (len(todo) + ranges - 1) / ranges // even ranges: no small one left for the end
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
	cm := newCommitter(f.commit, f.committed, f.r.step)
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

// setFatal records the first failure that must stop every connection of
// the folder (a commit or pack failed: nothing more may be indexed) and
// wakes the folder's own connection waiting in next.
func (f *folderFetch) setFatal(err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fatal == nil {
		f.fatal = err
	}
	f.cond.Broadcast()
}
