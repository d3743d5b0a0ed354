package sync

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/emersion/go-imap/v2"

	"mailshift/store"
)

// A folder's push ends here: its state for the next run's no-change test,
// and its report from the journal.

// sameAsLastPush: the destination folder's UIDVALIDITY, UIDNEXT and count
// are what the last complete push left, and as many messages are wanted.
func sameAsLastPush(jst store.PushFolder, st *imap.StatusData, wanted int) bool {
	return jst.Complete && jst.UIDValidity == st.UIDValidity && jst.UIDNext == uint32(st.UIDNext) &&
		st.NumMessages != nil && jst.Messages == int(*st.NumMessages) && jst.Wanted == wanted
}

var errNotUnchanged = errors.New("the folder has messages to upload")

// pushUnchanged walks the folder when its destination looks as the last
// complete push left it (sameAsLastPush). When the journal has every
// message there (or over the size limit), the source's flag changes since
// the last push go over, the report is filled, and it returns true: one
// STATUS and no listing. Otherwise it returns false for the full pass;
// flag changes it applied to the segments before the first message to
// upload stand (they are journalled, and were right: those copies are
// where the last push left them).
func (fp *folderPush) pushUnchanged(ctx context.Context, c *Conn, snap *folderSnapshot, uv uint32) (bool, error) {
	fp.resetTally()
	changed := 0
	err := fp.walk(snap).each(func(seg []wantMsg) error {
		recs, err := fp.records(seg)
		if err != nil {
			return err
		}
		for _, w := range seg {
			r, ok := recs[w.Key]
			if !ok || !(r.State == store.PushDone && r.UIDValidity == uv || r.State == store.PushFailed && r.Reason == CodeTooBig) {
				return errNotUnchanged
			}
		}
		n, err := fp.applyFlags(ctx, c, fp.flagChanges(seg, recs, uv), recs)
		changed += n
		if err == nil {
			fp.tally(seg, recs)
		}
		return err
	})
	fp.rep.FlagsUpdated += changed
	if err == errNotUnchanged {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	fp.rep.Unchanged = changed == 0
	return true, nil
}

// segmentComplete: every message of seg is on the destination or over the
// size limit for good.
func segmentComplete(seg []wantMsg, recs map[store.PushKey]store.PushRecord) bool {
	for _, w := range seg {
		r := recs[w.Key]
		if !(r.State == store.PushDone || r.State == store.PushFailed && r.Reason == CodeTooBig) {
			return false
		}
	}
	return true
}

// resetTally clears the counts that tally adds up segment by segment (the
// uploads and finds of this run are counted as they happen, across
// attempts).
func (fp *folderPush) resetTally() {
	r := &fp.rep
	r.Already, r.TooBig, r.Failed, r.Unknown, r.NotPushed, r.Problems = 0, 0, 0, 0, 0, nil
}

// tally adds a segment's counts, from the journal, to the report.
func (fp *folderPush) tally(seg []wantMsg, recs map[store.PushKey]store.PushRecord) {
	r := &fp.rep
	for _, w := range seg {
		rec, ok := recs[w.Key]
		code := ""
		switch {
		case ok && rec.State == store.PushDone:
			if !fp.isMine(w) {
				r.Already++
			}
			continue
		case ok && rec.State == store.PushFailed:
			code = rec.Reason
		case ok && rec.State == store.PushIntent:
			code = CodeUnknown
		default:
			code = CodeNotPushed
		}
		switch code {
		case CodeTooBig:
			r.TooBig++
		case CodeRejected, CodeOverQuota:
			r.Failed++
		case CodeUnknown:
			r.Unknown++
		default:
			r.NotPushed++
		}
		r.Problems = append(r.Problems, PushProblem{SourceUID: w.Rec.UID, Hash: w.Key.Hash.String(), Size: w.Rec.Size, Code: code, Text: rec.Text})
	}
}

// finish records the folder's state after the push (one STATUS, over the
// upload session when it was used: c has the folder selected and may
// answer from its view before the uploads).
func (fp *folderPush) finish(ctx context.Context, c *Conn, complete bool) error {
	var st *imap.StatusData
	var err error
	if s := fp.wire; s != nil && s.s != nil && s.mailbox == fp.u.m.Box.MailboxID && fp.wired {
		stop := context.AfterFunc(ctx, func() { s.s.Close() })
		st, err = s.s.status(fp.u.dest)
		stop()
		if err != nil {
			s.drop()
			err = fmt.Errorf("status of destination folder %q: %w", fp.u.dest, classify(c.ep.Addr(), err, ""))
		}
	} else {
		var exists bool
		if st, exists, err = c.destStatus(ctx, fp.u.dest); err == nil && !exists {
			err = fmt.Errorf("the destination folder %q disappeared during the upload", fp.u.dest)
		}
	}
	if err != nil {
		return err
	}
	fst := store.PushFolder{UIDValidity: st.UIDValidity, UIDNext: uint32(st.UIDNext), Wanted: fp.rep.Wanted, Complete: complete, At: time.Now().UTC()}
	if st.NumMessages != nil {
		fst.Messages = int(*st.NumMessages)
	}
	box := fp.u.m.Box
	return fp.pr.db.RecordPush(box.ProjectID, box.MailboxID, fp.u.dest, &fst, nil)
}
