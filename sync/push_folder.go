package sync

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/emersion/go-imap/v2"

	"mailshift/store"
)

// folderPush is one folder's push across retries.
type folderPush struct {
	pr    *pushRun
	u     pushUnit
	wire  *wireSlot // the worker's upload session
	wired bool      // this attempt uploaded over it
	want  []wantMsg
	rep   PushFolderReport
	mine  map[store.PushKey]bool // confirmed by this run (uploaded or found)
	// refused by the server in this run: a retry does not send them again
	// (the next run does). go-imap closes its connection after a refusal
	// that comes before a synchronizing literal, so a retry that began
	// with the refused message would end the same way every time.
	refused map[store.PushKey]bool
	done    int // confirmations so far: a retry that added some keeps its budget
	planned bool
}

func (pr *pushRun) pushFolder(ctx context.Context, u pushUnit, ws *wireSlot) {
	defer pr.folderDone()
	mb := u.m.Box.MailboxID
	fp := &folderPush{pr: pr, u: u, wire: ws, mine: map[store.PushKey]bool{}, refused: map[store.PushKey]bool{}, rep: PushFolderReport{Source: u.src.Name, Dest: u.dest}}
	pr.opts.Progress.Folder(mb, u.src.Name)
	want, err := wantedMessages(pr.db, u.m.Box, u.src)
	fp.want, fp.rep.Wanted = want, len(want)
	if err == nil {
		progressed := false
		err = pr.retrier.retry(ctx, mb, func(c *Conn) error {
			before := fp.done
			err := fp.attempt(ctx, c)
			progressed = fp.done > before
			return err
		}, func() bool { return progressed })
	}
	if err != nil {
		fp.rep.Err = err.Error()
		pr.opts.Progress.Problem(mb, u.src.Name, 0, err.Error())
		if ctx.Err() == nil {
			pr.fail(mb, fmt.Errorf("folder %q: %w", u.src.Name, err))
		}
	}
	pr.addFolder(mb, fp.rep)
}

// attempt is one pass over the folder on one connection. It starts from the
// journal every time, so a retry resumes instead of repeating.
func (fp *folderPush) attempt(ctx context.Context, c *Conn) error {
	db, box, dest := fp.pr.db, fp.u.m.Box, fp.u.dest
	jst, recs, err := db.PushJournal(box.ProjectID, box.MailboxID, dest)
	if err != nil {
		return err
	}
	status, exists, err := c.destStatus(ctx, dest)
	if err != nil {
		return err
	}
	if exists && fp.unchanged(jst, recs, status) {
		// Nothing to upload; the source's flag changes since the last
		// push, if any, still go over.
		n, err := fp.applyFlags(ctx, c, fp.flagChanges(recs, status.UIDValidity), recs)
		if err != nil {
			return err
		}
		fp.rep.FlagsUpdated += n
		fp.rep.Unchanged = n == 0
		fp.tally(recs, nil)
		return nil
	}
	if !exists {
		if err := c.createFolder(ctx, dest); err != nil {
			return err
		}
	}
	var sel *imap.SelectData
	err = c.do(ctx, func() (err error) { sel, err = c.Select(dest, &imap.SelectOptions{ReadOnly: true}).Wait(); return })
	if err != nil {
		return fmt.Errorf("open destination folder %q: %w", dest, classify(c.ep.Addr(), err, ""))
	}
	var listing []destMsg
	if sel.NumMessages > 0 {
		if listing, err = c.listDest(ctx); err != nil {
			return fmt.Errorf("list destination folder %q: %w", dest, err)
		}
	}
	res := resolveJournal(fp.want, recs, sel.UIDValidity, listing)
	found := map[store.PushKey]uint32{}
	if uids := res.checkUIDs(); len(uids) > 0 {
		hashes, err := c.hashDest(ctx, uids)
		if err != nil {
			return fmt.Errorf("compare messages already in %q: %w", dest, err)
		}
		found = res.claimByHash(fp.want, hashes)
	}
	for k, uid := range res.claimRewritten(fp.want, recs, sel.UIDValidity, listing) {
		found[k] = uid
	}
	if len(found) > 0 {
		outcome := map[store.PushKey]store.PushRecord{}
		for _, w := range fp.want {
			if uid, ok := found[w.Key]; ok {
				r := doneRecord(w, sel.UIDValidity, uid)
				r.Flags, r.FlagsKnown = nil, false // the copy's flags are whatever it had: see push_flags.go
				outcome[w.Key] = r
				res.confirmed[w.Key] = uid
				if !fp.mine[w.Key] {
					fp.mine[w.Key] = true
					fp.rep.Found++
				}
			}
		}
		if err := db.RecordPush(box.ProjectID, box.MailboxID, dest, nil, outcome); err != nil {
			return err
		}
	}
	for k, uid := range res.confirmed {
		r := recs[k]
		r.State, r.UID, r.UIDValidity = store.PushDone, uid, sel.UIDValidity
		recs[k] = r
	}
	todo, err := fp.limitCheck(res, recs)
	if err != nil {
		return err
	}
	if !fp.planned {
		fp.planned = true
		var bytes int64
		for _, w := range todo {
			bytes += w.Rec.Size
		}
		fp.pr.opts.Progress.Planned(box.MailboxID, len(todo), bytes)
	}
	fp.wired = false
	if err := fp.upload(ctx, c, todo, sel.UIDValidity, uint32(sel.UIDNext), recs); err != nil {
		return err
	}
	n, err := fp.applyFlags(ctx, c, fp.flagChanges(recs, sel.UIDValidity), recs)
	if err != nil {
		return err
	}
	fp.rep.FlagsUpdated += n
	return fp.finish(ctx, c, recs)
}

// doneRecord is the journal record of w uploaded to uid, with the flags
// the upload set.
func doneRecord(w wantMsg, uv, uid uint32) store.PushRecord {
	return store.PushRecord{State: store.PushDone, UIDValidity: uv, UID: uid, Size: w.Rec.Size, MessageID: w.Rec.MessageID,
		SourceUID: w.Rec.UID, At: time.Now().UTC(), Flags: uploadFlags(w.Rec.Flags), FlagsKnown: true}
}

// limitCheck records messages over the size limit (never sent) and
// returns the rest that still need an upload. When that is every wanted
// message (a first push), the result is fp.want itself, capped so that an
// append to it copies: a copy of the folder's records was a quarter of
// what a push held per message. Nothing modifies a wanted message after
// planning, and the upload job only reslices its list or builds new ones
// (giveBack), so sharing is safe.
func (fp *folderPush) limitCheck(res resolution, recs map[store.PushKey]store.PushRecord) ([]wantMsg, error) {
	todo := fp.want[:0:0]
	copied := false // todo is its own slice from the first message left out
	over := map[store.PushKey]store.PushRecord{}
	for i, w := range fp.want {
		keep := true
		if _, ok := res.confirmed[w.Key]; ok || res.tooBig[w.Key] || fp.refused[w.Key] {
			keep = false
		} else if fp.u.limit > 0 && w.Rec.Size > fp.u.limit {
			r := store.PushRecord{State: store.PushFailed, Reason: CodeTooBig, Size: w.Rec.Size, MessageID: w.Rec.MessageID, SourceUID: w.Rec.UID,
				Text: fmt.Sprintf("%d bytes, over the destination's limit of %d bytes: not sent", w.Rec.Size, fp.u.limit), At: time.Now().UTC()}
			over[w.Key], recs[w.Key] = r, r
			fp.pr.opts.Progress.Problem(fp.u.m.Box.MailboxID, fp.u.src.Name, w.Rec.UID, r.Text)
			keep = false
		}
		switch {
		case !keep && !copied:
			todo, copied = append([]wantMsg(nil), fp.want[:i]...), true
		case keep && copied:
			todo = append(todo, w)
		case keep:
			todo = fp.want[: i+1 : i+1]
		}
	}
	if len(over) > 0 {
		box := fp.u.m.Box
		if err := fp.pr.db.RecordPush(box.ProjectID, box.MailboxID, fp.u.dest, nil, over); err != nil {
			return nil, err
		}
	}
	return todo, nil
}

var errQuotaStop = errors.New("the destination mailbox is over its quota")
