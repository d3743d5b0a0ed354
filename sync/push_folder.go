package sync

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/emersion/go-imap/v2"

	"mailshift/store"
)

// folderPush is one folder's push across retries. It holds the folder a
// segment at a time (push_segment.go).
type folderPush struct {
	pr    *pushRun
	u     pushUnit
	wire  *wireSlot // the worker's upload session
	wired bool      // this attempt uploaded over it
	rep   PushFolderReport
	// mine holds the source UIDs of messages confirmed by this run
	// (uploaded or found), so that a retry counts none twice.
	mine map[uint32]struct{}
	// refused by the server in this run: a retry does not send them again
	// (the next run does). go-imap closes its connection after a refusal
	// that comes before a synchronizing literal, so a retry that began
	// with the refused message would end the same way every time.
	refused     map[store.PushKey]bool
	done        int    // confirmations so far: a retry that added some keeps its budget
	plannedUpTo uint32 // the progress was told of the uploads of the UIDs up to this
}

func (pr *pushRun) pushFolder(ctx context.Context, u pushUnit, ws *wireSlot) {
	defer pr.folderDone()
	mb := u.m.Box.MailboxID
	fp := u.carried
	if fp == nil {
		fp = &folderPush{pr: pr, mine: map[uint32]struct{}{}, refused: map[store.PushKey]bool{}, rep: PushFolderReport{Source: u.src.Name, Dest: u.dest}}
		pr.opts.Progress.Folder(mb, u.src.Name)
	}
	fp.u, fp.wire = u, ws
	progressed := false
	err := pr.retrier.retry(ctx, mb, func(c *Conn) error {
		before := fp.done
		err := fp.attempt(ctx, c)
		progressed = fp.done > before
		return err
	}, func() bool { return progressed })
	if err == nil && u.upTo != 0 { // beside a pull: the rest of the folder in a later pass
		pr.opts.Follow.passEnded(mb, u.src.Name, fp, false)
		return
	}
	if err != nil {
		fp.rep.Err = err.Error()
		pr.opts.Progress.Problem(mb, u.src.Name, 0, err.Error())
		if ctx.Err() == nil {
			pr.fail(mb, fmt.Errorf("folder %q: %w", u.src.Name, err))
		}
	}
	if f := pr.opts.Follow; f != nil && u.upTo != 0 {
		f.passEnded(mb, u.src.Name, fp, true) // a failed pass is the folder's last
	}
	pr.addFolder(mb, fp.rep)
	fp.mine, fp.refused = nil, nil // idle workers keep the folder's jobs, and with them fp, until the run ends
}

// markMine counts w as confirmed by this run; false when it already was.
func (fp *folderPush) markMine(w wantMsg) bool {
	if _, ok := fp.mine[w.Rec.UID]; ok {
		return false
	}
	fp.mine[w.Rec.UID] = struct{}{}
	return true
}

func (fp *folderPush) isMine(w wantMsg) bool {
	_, ok := fp.mine[w.Rec.UID]
	return ok
}

// attempt is one pass over the folder on one connection. It starts from the
// journal every time, so a retry resumes instead of repeating.
func (fp *folderPush) attempt(ctx context.Context, c *Conn) error {
	db, box, dest := fp.pr.db, fp.u.m.Box, fp.u.dest
	snap, err := fp.snapshot()
	if err != nil {
		return err
	}
	fp.rep.Wanted = snap.count()
	jst, err := db.PushFolderState(box.ProjectID, box.MailboxID, dest)
	if err != nil {
		return err
	}
	status, exists, err := c.destStatus(ctx, dest)
	if err != nil {
		return err
	}
	if exists && sameAsLastPush(jst, status, snap.count()) {
		if done, err := fp.pushUnchanged(ctx, c, snap, status.UIDValidity); err != nil || done {
			return err
		}
	}
	if err := fp.settle(ctx, jst); err != nil {
		return err
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
	d := &destIndex{}
	lost := map[store.PushKey]bool{}
	if sel.NumMessages > 0 {
		if d.uids, err = c.uidsFrom(ctx, 1, int(sel.NumMessages)); err != nil {
			return fmt.Errorf("list destination folder %q: %w", dest, err)
		}
		if err := fp.resolveListed(ctx, c, snap, d, sel.UIDValidity, lost); err != nil {
			return err
		}
	}
	fp.wired = false
	fp.resetTally()
	complete := true
	uv, uidNext := sel.UIDValidity, uint32(sel.UIDNext)
	err = fp.walk(snap).each(func(seg []wantMsg) error {
		recs, err := fp.records(seg)
		if err != nil {
			return err
		}
		res := settled(seg, recs, uv, d, lost)
		for k, uid := range res.confirmed {
			r := recs[k]
			r.State, r.UID, r.UIDValidity = store.PushDone, uid, uv
			recs[k] = r
		}
		todo, err := fp.limitCheck(seg, res, recs)
		if err != nil {
			return err
		}
		// Progress hears of each upload once, whatever retries and passes
		// walk the segment again.
		n, bytes := 0, int64(0)
		for _, w := range todo {
			if w.Rec.UID > fp.plannedUpTo {
				n, bytes = n+1, bytes+w.Rec.Size
			}
		}
		if n > 0 {
			fp.pr.opts.Progress.Planned(box.MailboxID, n, bytes)
		}
		fp.plannedUpTo = max(fp.plannedUpTo, seg[len(seg)-1].Rec.UID)
		if uidNext, err = fp.upload(ctx, c, todo, uv, uidNext, recs); err != nil {
			return err
		}
		flagged, err := fp.applyFlags(ctx, c, fp.flagChanges(seg, recs, uv), recs)
		if err != nil {
			return err
		}
		fp.rep.FlagsUpdated += flagged
		complete = complete && segmentComplete(seg, recs)
		fp.tally(seg, recs)
		return nil
	})
	if err != nil {
		return err
	}
	return fp.finish(ctx, c, complete)
}

// resolveListed settles, before anything is sent, which of the folder's
// messages are on the destination already, by the rules of journal.go
// and in their order over the whole folder, one segment at a time: every
// journalled copy still there claims its UID (claimJournalled); then the
// other messages are compared by content with their candidates among the
// UIDs left (claimByHash); then the remaining intents of the folder are
// matched with uploads a rewriting server changed (claimRewritten, over
// all of them at once: they are few, and it must see every intent sharing
// a Message-ID and date). What is found is journalled as done. lost gets
// the "done" records whose UID another record claimed first.
//
// d comes with the folder's UIDs only. Details (size, Message-ID, date,
// flags) are fetched for the UIDs no journal record claimed: on a delta,
// the mail that arrived since, not the whole folder again.
func (fp *folderPush) resolveListed(ctx context.Context, c *Conn, snap *folderSnapshot, d *destIndex, uv uint32, lost map[store.PushKey]bool) error {
	claimed := map[uint32]bool{}
	if err := claimAll(ctx, c, fp.walk(snap), fp.u.dest, d, uv, claimed, lost); err != nil {
		return err
	}
	var intents []wantMsg
	intentRecs := map[store.PushKey]store.PushRecord{}
	err := fp.walk(snap).each(func(seg []wantMsg) error {
		recs, err := fp.records(seg)
		if err != nil {
			return err
		}
		res := resolveClaimed(seg, recs, uv, d, claimed, lost)
		found := map[store.PushKey]uint32{}
		if uids := res.checkUIDs(); len(uids) > 0 {
			hashes, err := c.hashDest(ctx, uids)
			if err != nil {
				return fmt.Errorf("compare messages already in %q: %w", fp.u.dest, err)
			}
			found = res.claimByHash(seg, hashes)
		}
		for _, w := range seg {
			r, ok := recs[w.Key]
			_, confirmed := res.confirmed[w.Key]
			_, isFound := found[w.Key]
			if ok && r.State == store.PushIntent && r.UIDValidity == uv && !confirmed && !isFound && !res.tooBig[w.Key] {
				intents, intentRecs[w.Key] = append(intents, w), r
			}
		}
		return fp.recordFound(seg, found, uv, lost)
	})
	if err != nil || len(intents) == 0 {
		return err
	}
	res := resolution{confirmed: map[store.PushKey]uint32{}, tooBig: map[store.PushKey]bool{}, claimed: claimed, listed: d.byUID}
	return fp.recordFound(intents, res.claimRewritten(intents, intentRecs, uv, d.listing), uv, lost)
}

// recordFound journals the messages of want found on the destination
// (found: their UIDs) as there.
func (fp *folderPush) recordFound(want []wantMsg, found map[store.PushKey]uint32, uv uint32, lost map[store.PushKey]bool) error {
	if len(found) == 0 {
		return nil
	}
	outcome := map[store.PushKey]store.PushRecord{}
	for _, w := range want {
		if uid, ok := found[w.Key]; ok {
			r := doneRecord(w, uv, uid)
			r.Flags, r.FlagsKnown = nil, false // the copy's flags are whatever it had: see push_flags.go
			outcome[w.Key] = r
			delete(lost, w.Key) // its record now names the UID it was found at
			if fp.markMine(w) {
				fp.rep.Found++
			}
		}
	}
	box := fp.u.m.Box
	return fp.pr.db.RecordPush(box.ProjectID, box.MailboxID, fp.u.dest, nil, outcome)
}

// doneRecord is the journal record of w uploaded to uid, with the flags
// the upload set.
func doneRecord(w wantMsg, uv, uid uint32) store.PushRecord {
	return store.PushRecord{State: store.PushDone, UIDValidity: uv, UID: uid, Size: w.Rec.Size, MessageID: w.Rec.MessageID,
		SourceUID: w.Rec.UID, At: time.Now().UTC(), Flags: uploadFlags(w.Rec.Flags), FlagsKnown: true}
}

// limitCheck records messages of a segment over the size limit (never
// sent) and returns the rest that still need an upload. When that is the
// whole segment (a first push), the result is seg itself, capped so that
// an append to it copies. Nothing modifies a wanted message after
// planning, and the upload job only reslices its list or builds new ones
// (giveBack), so sharing is safe.
func (fp *folderPush) limitCheck(seg []wantMsg, res resolution, recs map[store.PushKey]store.PushRecord) ([]wantMsg, error) {
	todo := seg[:0:0]
	copied := false // todo is its own slice from the first message left out
	over := map[store.PushKey]store.PushRecord{}
	for i, w := range seg {
		keep := true
		if _, ok := res.confirmed[w.Key]; ok || res.tooBig[w.Key] || fp.refused[w.Key] {
			keep = false
		} else if fp.u.limit > 0 && w.Rec.Size > fp.u.limit {
			r := store.PushRecord{State: store.PushFailed, Reason: CodeTooBig, Size: w.Rec.Size, MessageID: w.Rec.MessageID, SourceUID: w.Rec.UID,
				Text: fmt.Sprintf("%d bytes, over %s of %d bytes: not sent", w.Rec.Size, fp.u.limitFrom, fp.u.limit), At: time.Now().UTC()}
			over[w.Key], recs[w.Key] = r, r
			fp.pr.opts.Progress.Problem(fp.u.m.Box.MailboxID, fp.u.src.Name, w.Rec.UID, r.Text)
			keep = false
		}
		switch {
		case !keep && !copied:
			todo, copied = append([]wantMsg(nil), seg[:i]...), true
		case keep && copied:
			todo = append(todo, w)
		case keep:
			todo = seg[: i+1 : i+1]
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

// settle waits, before the folder is listed, until the uploads last
// intended for it have had SettleTime to land: when intents were recorded
// after the folder was last complete, some may have had no answer, and a
// server may still be storing them (PushOptions.SettleTime). A push that
// resumes long after its last run does not wait.
func (fp *folderPush) settle(ctx context.Context, jst store.PushFolder) error {
	if !jst.LastIntent.After(jst.At) {
		return nil
	}
	wait := time.Until(jst.LastIntent.Add(fp.pr.opts.SettleTime))
	if wait <= 0 {
		return nil
	}
	fp.pr.opts.Progress.Waiting(fp.u.m.Box.MailboxID, fmt.Sprintf("giving the destination %v to finish storing the uploads of %q that were interrupted, before looking for them", wait.Round(time.Second), fp.u.dest))
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
