package sync

import (
	"context"
	"fmt"
	"time"

	"github.com/emersion/go-imap/v2"

	"mailshift/store"
)

// A folder's push ends here: its state for the next run's no-change test,
// and its report from the journal.

// unchanged: the journal says every wanted message is there, and the
// destination folder's UIDVALIDITY, UIDNEXT and count are what the last
// complete push left.
func (fp *folderPush) unchanged(jst store.PushFolder, recs map[store.PushKey]store.PushRecord, st *imap.StatusData) bool {
	if !jst.Complete || jst.UIDValidity != st.UIDValidity || jst.UIDNext != uint32(st.UIDNext) ||
		st.NumMessages == nil || jst.Messages != int(*st.NumMessages) || jst.Wanted != len(fp.want) {
		return false
	}
	for _, w := range fp.want {
		r, ok := recs[w.Key]
		if !ok || !(r.State == store.PushDone && r.UIDValidity == st.UIDValidity || r.State == store.PushFailed && r.Reason == CodeTooBig) {
			return false
		}
	}
	return true
}

// tally fills the report's counts from the journal at the end.
func (fp *folderPush) tally(recs map[store.PushKey]store.PushRecord, pending map[store.PushKey]string) {
	r := &fp.rep
	r.Already, r.TooBig, r.Failed, r.Unknown, r.NotPushed, r.Problems = 0, 0, 0, 0, 0, nil
	for _, w := range fp.want {
		rec, ok := recs[w.Key]
		code := pending[w.Key]
		switch {
		case ok && rec.State == store.PushDone:
			if !fp.mine[w.Key] {
				r.Already++
			}
			continue
		case code == "" && ok && rec.State == store.PushFailed:
			code = rec.Reason
		case code == "" && ok && rec.State == store.PushIntent:
			code = CodeUnknown
		case code == "":
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
func (fp *folderPush) finish(ctx context.Context, c *Conn, recs map[store.PushKey]store.PushRecord) error {
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
	complete := true
	for _, w := range fp.want {
		r := recs[w.Key]
		if !(r.State == store.PushDone || r.State == store.PushFailed && r.Reason == CodeTooBig) {
			complete = false
		}
	}
	fst := store.PushFolder{UIDValidity: st.UIDValidity, UIDNext: uint32(st.UIDNext), Wanted: len(fp.want), Complete: complete, At: time.Now().UTC()}
	if st.NumMessages != nil {
		fst.Messages = int(*st.NumMessages)
	}
	box := fp.u.m.Box
	if err := fp.pr.db.RecordPush(box.ProjectID, box.MailboxID, fp.u.dest, &fst, nil); err != nil {
		return err
	}
	fp.tally(recs, nil)
	return nil
}
