package sync

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"mailshift/store"
)

// plan lists a mailbox's folders and asks each one's STATUS; unchanged
// folders end here, the others become units.
func (r *run) plan(ctx context.Context, m PullMailbox, units chan<- unit) {
	mb := m.Box.MailboxID
	var info ServerInfo
	err := r.retry(ctx, mb, func(c *Conn) (err error) {
		info, err = c.Probe(ctx)
		if err != nil {
			return err
		}
		return c.statusAll(ctx, &info)
	}, nil)
	if err != nil {
		r.fail(mb, err)
		return
	}
	listing := store.SourceListing{At: time.Now().UTC(), Separator: info.Separator, Prefix: info.Prefix}
	for _, f := range info.Folders {
		if !f.NoSelect {
			listing.Folders = append(listing.Folders, f.Name)
		}
	}
	if err := r.whenRoom(ctx, mb, func() error { return r.db.SaveSourceListing(m.Box, listing) }); err != nil {
		r.fail(mb, err)
		return
	}
	states, err := r.db.FolderStates(m.Box)
	if err != nil {
		r.fail(mb, err)
		return
	}
	var todo []unit
	for _, f := range info.Folders {
		if f.NoSelect {
			continue
		}
		st := states[f.Name]
		// Without CONDSTORE a flag change does not show in STATUS: folders
		// holding copied mail are scanned anyway (see scanFlags).
		if unchanged(st, f, info.CondStore) && (info.CondStore || st.HighWater <= 1 || f.Messages == 0) {
			r.addFolder(mb, FolderReport{Folder: f.Name, SourceMessages: f.Messages, Unchanged: true})
			continue
		}
		if st.UIDValidity == f.UIDValidity && f.UIDNext > st.HighWater {
			// Bytes unknown until fetched; count messages by UID window.
			r.opts.Progress.Planned(mb, int(f.UIDNext-max(st.HighWater, 1)), 0)
		} else if st.UIDValidity != f.UIDValidity {
			r.opts.Progress.Planned(mb, f.Messages, f.Bytes)
		}
		todo = append(todo, unit{m: m, folder: f, state: st, condstore: info.CondStore, expect: expectedNew(st, f)})
	}
	// The largest folders first, so that the small ones even out the end,
	// and every folder's ranges sized on what the whole mailbox brings.
	sort.SliceStable(todo, func(i, j int) bool { return todo[i].expect > todo[j].expect })
	total := 0
	pending := make([]string, len(todo))
	for i, u := range todo {
		total += u.expect
		pending[i] = u.folder.Name
	}
	r.opts.Follow.listed(mb, info, pending)
	for _, u := range todo {
		u.mailboxNew = total
		select {
		case units <- u:
		case <-ctx.Done():
			return
		}
	}
}

// expectedNew is about how many messages a folder will bring, from its
// STATUS: the count, or the UID window past what is stored, whichever is
// smaller (a plan, not a promise: the folder is listed again when opened).
func expectedNew(st store.FolderState, f FolderInfo) int {
	if st.UIDValidity != f.UIDValidity || st.HighWater <= 1 {
		return f.Messages
	}
	if f.UIDNext <= st.HighWater {
		return 0
	}
	return min(f.Messages, int(f.UIDNext-st.HighWater))
}

// unchanged is the no-change test: same UIDVALIDITY, UIDNEXT, count and
// (with CONDSTORE) HIGHESTMODSEQ, and nothing left below UIDNEXT.
func unchanged(st store.FolderState, f FolderInfo, condstore bool) bool {
	return st.UIDValidity != 0 && st.UIDValidity == f.UIDValidity && st.Inventory.UIDNext == f.UIDNext &&
		st.HighWater >= f.UIDNext && st.Inventory.Messages == f.Messages &&
		(!condstore || st.HighestModSeq == f.HighestModSeq)
}

// statusPipeline is how many STATUS commands statusAll keeps in flight.
const statusPipeline = 32

// statusAll fills counts from one STATUS per folder (no SELECT). The
// commands are pipelined, up to statusPipeline ahead of the answers
// (STATUS is safe to pipeline, RFC 3501 §5.5): against a distant server a
// mailbox of 50 folders costs a round trip or two, not 50, before the
// first folder starts copying. Every answer is awaited; the first failure
// is returned.
func (c *Conn) statusAll(ctx context.Context, info *ServerInfo) error {
	opts := &imap.StatusOptions{NumMessages: true, UIDNext: true, UIDValidity: true, HighestModSeq: info.CondStore}
	if c.Caps().Has(imap.CapStatusSize) || c.Caps().Has(imap.CapIMAP4rev2) {
		opts.Size = true
	}
	return c.doStream(ctx, func(touch func()) error {
		var first error
		type pending struct {
			f   *FolderInfo
			cmd *imapclient.StatusCommand
		}
		var inFlight []pending // STATUS commands awaiting their answers, in order
		await := func() {
			f, cmd := inFlight[0].f, inFlight[0].cmd
			inFlight = inFlight[1:]
			st, err := cmd.Wait()
			touch()
			if err != nil {
				if first == nil {
					first = fmt.Errorf("status of %q: %w", f.Name, classify(c.ep.Addr(), err, ""))
				}
				return
			}
			if st.NumMessages != nil {
				f.Messages = int(*st.NumMessages)
			}
			f.UIDNext, f.UIDValidity, f.HighestModSeq = uint32(st.UIDNext), st.UIDValidity, st.HighestModSeq
			if st.Size != nil {
				f.Bytes = *st.Size
			}
		}
		for i := range info.Folders {
			f := &info.Folders[i]
			if f.NoSelect {
				continue
			}
			if len(inFlight) == statusPipeline {
				await()
			}
			inFlight = append(inFlight, pending{f, c.Status(f.Name, opts)})
		}
		for len(inFlight) > 0 {
			await()
		}
		return first
	})
}

// copyFolder pulls one folder under retry: attempts add up (each resumes
// where the last committed), and one that committed something does not
// use up the budget. A folder that still fails is reported as its
// problem and, unless ctx ended, as the mailbox's error; the run goes on.
func (r *run) copyFolder(ctx context.Context, u unit) {
	mb := u.m.Box.MailboxID
	// Attempts add up: a retry resumes where the last one committed.
	var rep FolderReport
	progressed := false
	err := r.retry(ctx, mb, func(c *Conn) error {
		got, err := r.pullFolder(ctx, c, u)
		progressed = got.Stored+got.Rematched+got.Vanished > 0
		rep = rep.then(got)
		return err
	}, func() bool { return progressed })
	if err == nil {
		r.opts.Follow.finished(mb, u.folder.Name)
	} else {
		rep.Folder = u.folder.Name
		rep.Problems = append(rep.Problems, err.Error())
		r.opts.Progress.Problem(mb, u.folder.Name, 0, err.Error())
		if ctx.Err() == nil {
			r.fail(mb, fmt.Errorf("folder %q: %w", u.folder.Name, err))
		}
	}
	r.addFolder(mb, rep)
}
